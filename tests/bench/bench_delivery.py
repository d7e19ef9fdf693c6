"""Delivery under platform limits: the daily question to thousands of channels at once.

Every channel has a stored daily schedule due the same minute; every channel's job fires at
once, as APScheduler fires them (`DailyScheduler.run_due` on a real database file, the real
engine and question maker), and the posts go out through the real adapters' posters against
the fake platforms on 127.0.0.1, which enforce the limits and answer 429 + Retry-After:

- Discord: the adapter built by `adapters.discord.build` and logged in to `FakeDiscord`
  (global limit 50 requests/s in 1 s windows, Discord's 5-per-5-s channel route limit);
  discord.py's own retries plus the poster's process-wide pace (adapters/pacing.py, 47/s).
- Slack: the adapter built by `adapters.slack.build` (its AsyncWebClient, retry handlers and
  SlackPoster) against `FakeSlack` with 1 post/s per channel (burst 3) and a workspace-wide
  50 posts/s (burst 20). Slack does not publish its workspace figure; 50/s is our assumption,
  and the pace (47/s) halves on any 429 it meets, so a lower real limit costs speed only.

`*_delivery_fraction`: channels / wall time from the first fire to the last post, over the
platform's limit (50/s); our pace is set just under the limit, so 0.94 is the ceiling.
`posts_lost`: from the fakes' stored messages against the intended channels: channels without
their question plus extra copies, summed over both platforms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters.runtime import PosterRouter, Services
from bot.cards import load_library
from bot.clock import FakeClock
from bot.config import Secret, Settings
from bot.engine import Engine
from bot.paths import SHIPPED_SEEDS
from bot.ports import Place
from bot.questions import QuestionMaker
from bot.schedule.scheduler import DailyScheduler
from bot.store import Store
from tests.bench.common import Metric, at_least, at_most, main_for, scratch
from tests.bench.schedules import save_schedules, weekdays_at_nine
from tests.fakes.discord_server import DISCORD_LIKE_ROUTE_LIMITS, FakeDiscord
from tests.fakes.slack_server import FakeSlack

DUE = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)  # a Tuesday: 09:00 in Berlin (summer time)
LIMIT = 50.0  # requests (Discord, global) / posts (Slack, workspace) a second
SLACK_WORKSPACE_BURST = 20


@dataclass
class Delivery:
    channels: int
    seconds: float
    lost: int
    doubled: int
    statuses: Counter[str]
    rejected: int  # 429s the fake answered
    holds: int  # 429s that reached our pace (it paused and slowed down)

    @property
    def fraction(self) -> float:
        return self.channels / self.seconds / LIMIT


@contextlib.asynccontextmanager
async def engine_on(db: Path, settings: Settings) -> AsyncIterator[Services]:
    library = load_library([SHIPPED_SEEDS])
    clock = FakeClock(DUE)
    async with await Store.open(db) as store:
        router = PosterRouter()
        engine = Engine(store, library, clock, router, QuestionMaker(library.cards, library.items))
        yield Services(settings, library, engine, clock, router)


async def fan_out(services: Services, places: list[Place]) -> tuple[float, Counter[str]]:
    """Store a 09:00 Berlin schedule for every place, then fire every job at once."""
    daily = DailyScheduler(services.engine.store, services.engine, clock=services.clock)
    spec = weekdays_at_nine("Europe/Berlin")
    await save_schedules(daily, ((p, spec) for p in places), DUE.replace(hour=6))
    t0 = time.perf_counter()
    results = await asyncio.wait_for(
        asyncio.gather(*(daily.run_due(p) for p in places)),
        timeout=len(places) / 30 + 120,  # bounded: well past what the pace needs
    )
    return time.perf_counter() - t0, Counter(r.status for r in results)


def losses(intended: set[str], stored: Counter[str]) -> tuple[int, int]:
    lost = sum(1 for c in intended if stored[c] == 0)
    doubled = sum(n - 1 for c, n in stored.items() if c in intended and n > 1)
    doubled += sum(n for c, n in stored.items() if c not in intended)
    return lost, doubled


async def discord(folder: Path, count: int) -> Delivery:
    from adapters.discord import DiscordSettings, build

    async with FakeDiscord(
        global_limit=LIMIT, global_window=1.0, route_limits=DISCORD_LIKE_ROUTE_LIMITS
    ) as fake:
        guild = fake.guild
        channels = [fake.add_channel(f"quiz-{n}") for n in range(count)]
        discord = DiscordSettings(
            token=Secret(fake.token),
            api_base=fake.base_url,
            gateway_url=fake.gateway_url,
            guild_id=guild.id,
        )
        settings = Settings(db=folder / "discord.db", seeds=[SHIPPED_SEEDS], sections=(discord,))
        async with engine_on(settings.db, settings) as services:
            adapter = build(services, guild_ready_timeout=0.1)
            await adapter.start(timeout=30)
            try:
                places = [Place("discord", str(guild.id), str(c.id)) for c in channels]
                seconds, statuses = await fan_out(services, places)
            finally:
                await adapter.stop()
            holds = adapter.poster.limiter.holds
        stored = Counter(m["channel_id"] for m in fake.messages.values() if "webhook_id" not in m)
        lost, doubled = losses({p.channel_id for p in places}, stored)
        return Delivery(count, seconds, lost, doubled, statuses, fake.stats.rate_limited, holds)


async def slack(folder: Path, count: int) -> Delivery:
    from adapters.slack import SlackSettings, build

    async with FakeSlack(
        channel_rate=1.0,
        channel_burst=3,
        workspace_rate=LIMIT,
        workspace_burst=SLACK_WORKSPACE_BURST,
    ) as fake:
        slack = SlackSettings(
            bot_token=Secret(fake.bot_token),
            signing_secret=Secret(fake.signing_secret),
            api_url=fake.api_url,
        )
        settings = Settings(db=folder / "slack.db", seeds=[SHIPPED_SEEDS], sections=(slack,))
        async with engine_on(settings.db, settings) as services:
            adapter = build(services, host="127.0.0.1", port=0)
            await adapter.start()
            try:
                places = [Place("slack", fake.team_id, f"C{n:06d}") for n in range(count)]
                fake.add_channels(*(p.channel_id for p in places))
                seconds, statuses = await fan_out(services, places)
            finally:
                await adapter.stop()
            holds = adapter.poster.workspace.holds
        stored = Counter(
            {
                channel: sum(1 for m in messages.values() if "thread_ts" not in m)
                for channel, messages in fake.messages.items()
            }
        )
        lost, doubled = losses({p.channel_id for p in places}, stored)
        rejected = sum(1 for c in fake.calls_to("chat.postMessage") if c.status == 429)
        return Delivery(count, seconds, lost, doubled, statuses, rejected, holds)


def describe(d: Delivery, what: str) -> str:
    others = {k: v for k, v in d.statuses.items() if k != "posted"}
    return (
        f"{d.channels:,} {what} at once: {d.seconds:.0f} s, {d.channels / d.seconds:.1f}/s vs "
        f"{LIMIT:g}/s; {d.rejected} 429s seen, {d.holds} reached the pace"
        + (f"; statuses {others}" if others else "")
    )


async def measure(quick: bool) -> list[Metric]:
    logging.getLogger("discord").setLevel(logging.ERROR)  # a 429 warning per retry: noise
    discord_count = 300 if quick else 10_000
    slack_count = 300 if quick else 10_000
    with scratch("delivery") as folder:
        on_discord = await discord(folder, discord_count)
        on_slack = await slack(folder, slack_count)
    lost = on_discord.lost + on_slack.lost + on_discord.doubled + on_slack.doubled
    return [
        at_least(
            "discord_delivery_fraction",
            on_discord.fraction,
            "x limit",
            0.9,
            note=describe(on_discord, "channels") + " (global limit, pace 47/s)",
        ),
        at_least(
            "slack_delivery_fraction",
            on_slack.fraction,
            "x limit",
            0.9,
            note=describe(on_slack, "channels")
            + f" (workspace limit, burst {SLACK_WORKSPACE_BURST}; pace 47/s)",
        ),
        at_most(
            "posts_lost",
            lost,
            "posts",
            0,
            note=f"lost+doubled: Discord {on_discord.lost}+{on_discord.doubled}, "
            f"Slack {on_slack.lost}+{on_slack.doubled}",
        ),
    ]


if __name__ == "__main__":
    main_for(measure)
