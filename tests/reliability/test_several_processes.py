"""Several `quizbot run` processes on one database against the fake Discord: every channel's
daily question posted once and revealed once, when one process is SIGKILLed in the middle of
the fan-out (the others take over what it held), and when two processes split four shards
(each posts only for the servers on its own shards).

Each runs on both backends (`db_target`, tests/pgserver.py): one SQLite file in WAL mode
shared by the processes, and one PostgreSQL database (README "Running several instances")."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

import pytest

from bot.ports import Place
from bot.schedule.spec import DailySpec
from bot.schedule.store import DailyStore
from bot.store import Store
from bot.store.db import ts
from tests.fakes.discord_server import FakeDiscord
from tests.reliability.kit import (
    BotProcess,
    bot_env,
    check_delivery,
    discord_custom_ids,
    discord_edits,
    prepare_db,
    read_db,
    round_of,
    scaled,
    write_db,
)

ALL_CHANNELS = scaled(240, 900)
SERVERS = 8
# The survivors notice a dead process after DEAD_AFTER (30 s) plus a watch (5 s); then they
# post what it held. Generous bounds for a loaded CI machine; every wait ends early.
SETTLE_TIMEOUT = 150.0
STARTUP = timedelta(seconds=25)  # three processes importing and connecting on 2 shared cores
POSTED_LINE = re.compile(r"daily Place\(platform='discord', server_id='(\d+)', channel_id='(\d+)'")


def add_servers(
    fake: FakeDiscord, channels: int, *, shards: int | None = None
) -> tuple[list[Place], dict[int, int]]:
    """`SERVERS` servers (spread over `shards` when given) with `channels` channels in all;
    the places and each server's shard."""
    places: list[Place] = []
    shard_of: dict[int, int] = {}
    guilds = []
    for n in range(SERVERS):
        on_shard = (n % shards, shards) if shards else None
        guild = fake.add_guild(f"server {n}", on_shard=on_shard)
        guilds.append(guild)
        shard_of[guild.id] = n % shards if shards else 0
    for n in range(channels):
        guild = guilds[n % SERVERS]
        channel = fake.add_channel(f"daily-{n}", guild=guild)
        places.append(Place("discord", str(guild.id), str(channel.id)))
    return places, shard_of


def question_messages(fake: FakeDiscord) -> dict[int, list[int]]:
    """Channel id -> the round ids of the question messages stored in it (a post Discord
    deduplicated by its nonce is one message)."""
    found: dict[int, list[int]] = {}
    for message in list(fake.messages.values()):
        ids = [
            c.get("custom_id", "")
            for row in message.get("components", []) or []
            for c in row.get("components", []) or []
        ]
        round_id = round_of(ids)
        if round_id is not None:
            found.setdefault(int(message["channel_id"]), []).append(round_id)
    return found


def slot_states(db: Path | str, day: date | None = None) -> Counter[str]:
    """The states of the daily slots (of local date `day` only, when given: a start also
    records yesterday's missed slot as skipped)."""
    rows = read_db(db, "SELECT state, local_date FROM daily_slots")
    return Counter(r["state"] for r in rows if day is None or r["local_date"] == day.isoformat())


def in_flight_by_pid(db: Path | str) -> Counter[int]:
    """Slots claimed or being posted, by the pid in their owner (host:pid:random)."""
    rows = read_db(db, "SELECT owner FROM daily_slots WHERE state IN ('claimed', 'posting')")
    return Counter(int(r["owner"].split(":")[-2]) for r in rows if r["owner"])


async def until(what: str, check: Any, timeout: float, every: float = 0.1, why: Any = None) -> None:
    """Wait for `check()`; on timeout fail with `why()` (what the test saw), if given."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            seen = f"\n{why()}" if why is not None else ""
            raise AssertionError(f"{what}: not within {timeout:.0f} s{seen}")
        await asyncio.sleep(every)


def stuck_slots(db: Path | str, day: date, bots: list[Any]) -> str:
    """What a failed wait saw: the slots not posted and each process's last log lines."""
    rows = read_db(
        db,
        "SELECT channel_id, state, owner, round_id, lease_until, failures, last_error"
        " FROM daily_slots WHERE local_date=? AND state != 'posted'",
        (day.isoformat(),),
    )
    procs = read_db(db, "SELECT owner, started_at, beat_at FROM processes")
    logs = "\n".join(f"--- {b.log.name}\n{b.text()[-3000:]}" for b in bots)
    return (
        f"{slot_states(db, day)}; first stuck: {[dict(r) for r in rows[:5]]}\n"
        f"processes: {[dict(r) for r in procs]}\n{logs}"
    )


def close_daily_rounds_now(db: Path | str) -> int:
    """Move every open daily round's close to now (the reveal is 8 hours after the post;
    the test does not wait for it): any process's timer reveals them within a second."""
    return int(
        write_db(
            db,
            "UPDATE rounds SET closes_at=? WHERE mode='daily' AND state='open'",
            (ts(datetime.now(UTC)),),
        )
    )


def all_revealed(db: Path | str) -> bool:
    rows = read_db(
        db,
        "SELECT count(*) FROM rounds WHERE mode='daily' AND (state='open' OR reveal_delivered=0)",
    )
    return rows[0][0] == 0


def check_every_channel_once(
    fake: FakeDiscord, db: Path | str, places: list[Place], day: date | None = None
) -> tuple[Counter[int], list[str]]:
    problems: list[str] = []
    messages = question_messages(fake)
    posts: Counter[int] = Counter()
    for place in places:
        rounds = messages.get(int(place.channel_id), [])
        if len(rounds) != 1:
            problems.append(f"channel {place.channel_id}: {len(rounds)} question posts")
        posts.update(rounds)
    slots = [
        r
        for r in read_db(db, "SELECT channel_id, state, round_id, local_date FROM daily_slots")
        if day is None or r["local_date"] == day.isoformat()
    ]
    by_channel = Counter(r["channel_id"] for r in slots)
    for place in places:
        if by_channel[place.channel_id] != 1:
            problems.append(f"channel {place.channel_id}: {by_channel[place.channel_id]} slots")
    not_posted = [dict(r) for r in slots if r["state"] != "posted"]
    if not_posted:
        problems.append(f"slots not posted: {not_posted[:5]}")
    daily = read_db(db, "SELECT id FROM rounds WHERE mode='daily' AND state != 'cancelled'")
    if len(daily) != len(places):
        problems.append(f"{len(daily)} daily rounds for {len(places)} channels")
    return posts, problems


async def due_next_minute(db: Path | str, places: list[Place]) -> datetime:
    """Every channel's daily question due at the first whole minute at least STARTUP from
    now: the processes are all up by then, and each one's jobs fire at that same instant
    (as in production: a minute's posts go out side by side, not one by one)."""
    now = datetime.now(UTC)
    due = (now + STARTUP + timedelta(minutes=1)).replace(second=0, microsecond=0)
    spec = DailySpec(at=time_of_day(due.hour, due.minute), tz="UTC", weekdays=frozenset(range(7)))
    async with await Store.open(db) as store:
        daily = DailyStore(store)
        for place in places:
            await daily.save_schedule(place, spec, "test", now)
    return due


async def several_processes_one_killed(
    tmp_path: Path, db: Path | str, channels: int, processes: int
) -> dict:
    started = time.monotonic()
    # Discord's global limit, enforced with 429s: the processes share it (adapters/pacing.py).
    async with FakeDiscord(global_limit=50.0) as fake:
        places, _ = add_servers(fake, channels)
        day = (await due_next_minute(db, places)).date()
        env = bot_env(db, discord=fake)
        bots = [await BotProcess(env, tmp_path / f"run-{n}.log").start() for n in range(processes)]
        try:
            # Mid fan-out: the moment a fifth of the questions are out, kill the process that
            # has posted the most so far (it holds claims and posts in flight).
            await fake.wait_for_call(
                "POST", "/channels/{c}/messages", timeout=150, count=channels // 5
            )
            victim = max(bots, key=lambda b: b.text().count(": posted round "))
            await victim.kill()
            killed_at = time.monotonic()
            out_at_kill = sum(map(len, question_messages(fake).values()))
            held = read_db(
                db,
                "SELECT count(*) FROM daily_slots WHERE state IN ('claimed', 'posting')"
                " AND owner LIKE ?",
                (f"%:{victim.proc.pid if victim.proc else 0}:%",),
            )[0][0]
            assert held > 0, f"the killed process held no slot: {slot_states(db)}"
            survivors = [b for b in bots if b is not victim]
            await until(
                "every slot posted after the kill",
                lambda: slot_states(db, day) == Counter({"posted": channels}),
                timeout=SETTLE_TIMEOUT,
                every=0.5,
                why=lambda: stuck_slots(db, day, bots),
            )
            recovered_s = time.monotonic() - killed_at
            posts, problems = check_every_channel_once(fake, db, places, day)
            assert not problems, problems[:10]

            assert close_daily_rounds_now(db) == channels
            await until("every reveal delivered", lambda: all_revealed(db), 60, every=0.2)
        finally:
            codes = [await bot.stop() for bot in bots if bot.proc and bot.proc.returncode is None]
        assert codes == [0] * len(survivors), [b.text()[-2000:] for b in survivors]
        report = check_delivery(db, "discord", posts, discord_edits(fake))
        assert not report.problems, report.problems
        assert report.revealed == channels
        posted_by = [bot.text().count(": posted round ") for bot in bots]
        found = sum(b.text().count("found the post a stopped process made") for b in survivors)
        # What the killed process held went out through the others: posted by them, or found
        # on Discord by its nonce (a post it had sent), or reconciled from its round's ref.
        assert sum(posted_by) - victim.text().count(": posted round ") + found > 0 or held == 0
        return {
            "channels": channels,
            "processes": processes,
            "held_by_killed": held,
            "questions_out_at_kill": out_at_kill,
            "posted_by": posted_by,
            "found_by_nonce": found,
            "seconds_after_kill": round(recovered_s, 1),
            "seconds": round(time.monotonic() - started, 1),
            "reveal_redeliveries": report.reveal_redeliveries,
        }


async def test_three_processes_one_killed_mid_fan_out_post_and_reveal_every_channel_once(
    tmp_path, db_target
):
    result = await several_processes_one_killed(tmp_path, db_target, ALL_CHANNELS, processes=3)
    print(result)


@pytest.mark.soak
async def test_soak_several_processes_one_killed(tmp_path, db_target):
    result = await several_processes_one_killed(tmp_path, db_target, 1500, processes=3)
    print(result)


async def test_two_processes_split_four_shards_each_posts_its_own_servers(tmp_path, db_target):
    db = db_target
    channels = 64
    async with FakeDiscord() as fake:
        places, shard_of = add_servers(fake, channels, shards=4)
        await prepare_db(db, places)
        halves = {"0,1": {0, 1}, "2,3": {2, 3}}
        bots = {
            ids: await BotProcess(
                bot_env(db, discord=fake, DISCORD_SHARD_COUNT="4", DISCORD_SHARD_IDS=ids),
                tmp_path / f"shards-{ids.replace(',', '')}.log",
            ).start()
            for ids in halves
        }
        try:
            await until("four shards identified", lambda: len(fake.gateway.shards) == 4, 60)
            assert fake.gateway.shards == {n: (n, 4) for n in range(4)}
            await until(
                "every channel posted",
                lambda: (
                    sum(map(len, question_messages(fake).values())) >= channels
                    and slot_states(db) == Counter({"posted": channels})
                ),
                timeout=90,
                every=0.2,
            )
            _, problems = check_every_channel_once(fake, db, places)
            assert not problems, problems[:10]
            # A click in a server reaches the process running that server's shard.
            answered = []
            for shard in range(4):
                place = next(p for p in places if shard_of[int(p.server_id)] == shard)
                message = next(
                    m
                    for m in list(fake.messages.values())
                    if int(m["channel_id"]) == int(place.channel_id)
                    and round_of(discord_custom_ids(m)) is not None
                )
                custom_id = discord_custom_ids(message)[0]
                handle = await fake.click_button(int(message["id"]), custom_id, user=fake.bob)
                reply = await handle.response(timeout=10)
                assert (reply.content or "").startswith("Locked in"), reply.content
                answered.append(round_of([custom_id]))
        finally:
            codes = [await bot.stop() for bot in bots.values()]
        assert codes == [0, 0], [b.text()[-2000:] for b in bots.values()]
        for ids, bot in bots.items():
            servers = {int(m[1]) for m in POSTED_LINE.finditer(bot.text()) if "posted round" in
                       bot.text()[m.end():m.end() + 80]}  # fmt: skip
            assert servers, f"the process of shards {ids} posted nothing"
            wrong = {s for s in servers if shard_of.get(s) not in halves[ids]}
            assert not wrong, f"shards {ids} posted for servers of other shards: {wrong}"
            assert f"running shards {ids} of 4" in bot.text()
        rows = read_db(db, "SELECT round_id, user_id FROM answers ORDER BY round_id")
        assert [(r["round_id"], r["user_id"]) for r in rows] == sorted(
            (round_id, str(fake.bob.id)) for round_id in answered
        )
