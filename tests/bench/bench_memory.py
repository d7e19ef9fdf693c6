"""Resident memory of a bot serving 10,000 channels, both adapters connected and warm.

In this (fresh) process: the shipped decks, the question maker with its per-card caches warm
(every card asked in every format once, as a bot running for a while has), the engine on a
real database file holding 10,000 daily schedules (5,000 Discord and 5,000 Slack channels),
each registered as a job in the real `DailyScheduler`'s AsyncIOScheduler, and both adapters
started as `quizbot run` starts them:

- Discord: logged in to `FakeDiscord` over its gateway, 100 servers of 100 text channels
  (10,000 channels in discord.py's cache; the schedules use 5,000 of them);
- Slack: the adapter (HTTP mode) with its people cache holding 10,000 people, each looked up
  once through `users.info`.

The fakes run in a child process, so their own records do not count. The figure is VmRSS
from /proc/self/status after a garbage collection; the note gives the steps' increments.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.common import ROOT, Metric, at_most, main_for, scratch

GUILDS = 100
CHANNELS_PER_GUILD = 100


def rss_mb() -> float:
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (not Linux?)")


# -- the child process: both fakes ------------------------------------------------------


async def _serve(guilds: int, per_guild: int, people: int) -> None:
    from tests.fakes.discord_server import FakeChannel, FakeDiscord, FakeGuild
    from tests.fakes.slack_server import FakeSlack, SlackUser

    users = [SlackUser(f"U{n:07d}", f"person{n}", f"Person {n}", tz="Europe/Berlin")
             for n in range(people)]  # fmt: skip
    unpaced = {"users.info": (1_000_000.0, 1_000_000)}
    async with (
        FakeDiscord() as discord_fake,
        FakeSlack(users=users, method_rates=unpaced) as slack_fake,
    ):
        discord_fake.guilds.clear()
        for g in range(guilds):
            guild_id = discord_fake._snowflake()
            guild = FakeGuild(guild_id, f"server {g}", discord_fake.owner.id)
            guild.members = [discord_fake.bot, discord_fake.owner]
            for c in range(per_guild):
                channel = FakeChannel(discord_fake._snowflake(), f"quiz-{c}", guild_id)
                guild.channels.append(channel)
                discord_fake.channels[channel.id] = channel
            discord_fake.guilds.append(guild)
        print(
            json.dumps(
                {
                    "discord_token": discord_fake.token,
                    "discord_api": discord_fake.base_url,
                    "discord_gateway": discord_fake.gateway_url,
                    "channels": [
                        [str(g.id), str(c.id)] for g in discord_fake.guilds for c in g.channels
                    ],
                    "slack_token": slack_fake.bot_token,
                    "slack_secret": slack_fake.signing_secret,
                    "slack_api": slack_fake.api_url,
                    "team": slack_fake.team_id,
                    "people": [u.id for u in users],
                }
            ),
            flush=True,
        )
        # Until the parent closes our stdin.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def serve(guilds: int, per_guild: int, people: int) -> None:
    asyncio.run(_serve(guilds, per_guild, people))


# -- this process: the bot --------------------------------------------------------------


async def measure_bot(folder: Path, fakes: dict[str, Any], channels: int) -> list[Metric]:
    from adapters import discord as discord_adapter
    from adapters import slack as slack_adapter
    from adapters.runtime import PosterRouter, Services
    from bot.cards import load_library
    from bot.clock import SystemClock
    from bot.config import Secret, Settings
    from bot.engine import Engine
    from bot.paths import SHIPPED_SEEDS
    from bot.ports import Place
    from bot.questions import QuestionMaker
    from bot.schedule.scheduler import DailyScheduler
    from bot.store import Store
    from tests.bench.schedules import save_schedules, weekdays_at_nine

    steps: list[tuple[str, float]] = [("imports", rss_mb())]
    library = load_library([SHIPPED_SEEDS])
    maker = QuestionMaker(library.cards, library.items)
    for card in library.cards:
        for fmt in ("choice", "cloze"):
            maker.make(card, fmt, "warm")
    steps.append(("decks+maker", rss_mb()))

    db = folder / "quizbot.db"
    discord = discord_adapter.DiscordSettings(
        token=Secret(fakes["discord_token"]),
        api_base=fakes["discord_api"],
        gateway_url=fakes["discord_gateway"],
    )
    slack = slack_adapter.SlackSettings(
        bot_token=Secret(fakes["slack_token"]),
        signing_secret=Secret(fakes["slack_secret"]),
        api_url=fakes["slack_api"],
    )
    settings = Settings(db=db, seeds=[SHIPPED_SEEDS], sections=(discord, slack))
    async with await Store.open(db) as store:
        clock = SystemClock()
        router = PosterRouter()
        engine = Engine(store, library, clock, router, maker)
        daily = DailyScheduler(store, engine, clock=clock)
        spec = weekdays_at_nine("Europe/Berlin")
        places = [Place("discord", g, c) for g, c in fakes["channels"]][: channels // 2]
        places += [Place("slack", fakes["team"], f"C{n:06d}") for n in range(channels // 2)]
        await save_schedules(daily, ((p, spec) for p in places), datetime.now(UTC))
        services = Services(settings, library, engine, clock, router, daily)
        await daily.start(recover=True, catch_up=False)
        assert daily.scheduler is not None
        jobs = len(daily.scheduler.get_jobs())
        assert jobs >= channels, f"{jobs} jobs registered for {channels} schedules"
        steps.append((f"{len(places):,} schedules+jobs", rss_mb()))

        on_discord = discord_adapter.build(services, guild_ready_timeout=0.1)
        on_slack = slack_adapter.build(services, host="127.0.0.1", port=0)
        try:
            await on_discord.start(timeout=60)
            cached = len(list(on_discord.client.get_all_channels()))
            steps.append((f"discord ({cached:,} channels cached)", rss_mb()))
            await on_slack.start()
            people = fakes["people"]
            for start in range(0, len(people), 200):
                await asyncio.gather(
                    # Waiting their turn (quick=False): every lookup reaches the cache. The
                    # fake lifts users.info's Tier 4 limit: this measures memory, not pace.
                    *(on_slack.people.person(u, quick=False) for u in people[start : start + 200])
                )
            steps.append((f"slack ({len(people):,} people cached)", rss_mb()))
            # A second lookup of everyone must come from the cache, or it is not warm.
            before = on_slack.people.lookups
            await asyncio.gather(*(on_slack.people.person(u, quick=False) for u in people[:1000]))
            assert on_slack.people.lookups == before, "people cache is not holding"
            total = rss_mb()
        finally:
            await on_slack.stop()
            await on_discord.stop()
            daily.shutdown()
    increments = ", ".join(
        f"{name} +{mb - prev:.0f}" for (name, mb), (_, prev) in zip(steps[1:], steps, strict=False)
    )
    return [
        at_most(
            "rss_mb_10k_channels",
            total,
            "MB",
            120,
            note=f"{jobs:,} daily jobs; imports {steps[0][1]:.0f} MB, {increments}",
        )
    ]


async def measure(quick: bool) -> list[Metric]:
    guilds = 20 if quick else GUILDS
    channels = guilds * CHANNELS_PER_GUILD  # schedules: half in Discord channels, half in Slack
    people = 1_000 if quick else 10_000
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from tests.bench.bench_memory import serve; serve({guilds}, "
            f"{CHANNELS_PER_GUILD}, {people})",
        ],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(
            asyncio.get_running_loop().run_in_executor(None, child.stdout.readline), 120
        )
        if not line:
            raise RuntimeError("the fake platforms' process ended before it was ready")
        with scratch("memory") as folder:
            return await measure_bot(folder, json.loads(line), channels)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


if __name__ == "__main__":
    main_for(measure)
