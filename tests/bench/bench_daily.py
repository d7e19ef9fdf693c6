"""The daily fan-out: 10,000 channels whose question is due the same minute.

Each channel has a stored schedule (09:00 in one of a few zones whose 09:00 is the same
instant). At that instant every channel's job fires at once, as APScheduler fires them: each
`DailyScheduler.run_due(place)` reads the schedule, claims the (channel, date) slot, picks
the card from the shipped decks with the real `QuestionMaker`, opens the round and hands the
message to an in-memory poster that returns at once. The figure is wall time / channels,
median of repeats, each repeat on a fresh database file. Every channel must get exactly one
post.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime

from bot.cards import load_library
from bot.clock import FakeClock
from bot.engine import Engine
from bot.paths import SHIPPED_SEEDS
from bot.ports import MemoryPoster, Place
from bot.questions import QuestionMaker
from bot.schedule.scheduler import DailyScheduler
from bot.store import Store
from tests.bench.common import Metric, at_most, main_for, median, repeats, scratch
from tests.bench.schedules import save_schedules, weekdays_at_nine

# 09:00 in these zones is 07:00 UTC on a Tuesday in June (all on summer time).
ZONES = ("Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Africa/Johannesburg")
DUE = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)


def places(count: int) -> list[Place]:
    return [
        Place("discord" if n % 2 else "slack", f"server{n // 50}", f"channel{n}")
        for n in range(count)
    ]


async def trial(db, channels: list[Place], cards, maker) -> float:
    """Seconds for every channel's daily post, on the database `db` (a SQLite file path or
    a PostgreSQL URL) holding no schedules yet."""
    async with await Store.open(db) as store:
        clock = FakeClock(DUE)
        poster = MemoryPoster()
        engine = Engine(store, cards, clock, poster, maker)
        daily = DailyScheduler(store, engine, clock=clock)
        specs = [weekdays_at_nine(zone) for zone in ZONES]
        await save_schedules(
            daily,
            ((place, specs[i % len(specs)]) for i, place in enumerate(channels)),
            DUE.replace(hour=6),
        )
        t0 = time.perf_counter()
        results = await asyncio.gather(*(daily.run_due(place) for place in channels))
        elapsed = time.perf_counter() - t0
    statuses = Counter(r.status for r in results)
    assert statuses == {"posted": len(channels)}, statuses
    posted = Counter(call[1] for call in poster.calls)
    assert len(posted) == len(channels) and set(posted.values()) == {1}, "lost or doubled"
    return elapsed


async def measure(quick: bool) -> list[Metric]:
    count = 1_000 if quick else 10_000
    trials = repeats(3)
    cards = list(load_library([SHIPPED_SEEDS]).cards)
    maker = QuestionMaker(cards)
    channels = places(count)
    per_channel: list[float] = []
    with scratch("daily") as folder:
        # A running bot has asked every card before: the maker's per-card caches (distractor
        # pools, cloze terms) are warm. The first, uncounted trial warms them here.
        cold = await trial(folder / "cold.db", channels, cards, maker) / count * 1000
        for n in range(trials):
            per_channel.append(
                await trial(folder / f"daily{n}.db", channels, cards, maker) / count * 1000
            )
    return [
        at_most(
            "daily_fanout_ms_per_channel",
            median(per_channel),
            "ms",
            0.5,
            note=f"{count:,} channels due at once, median of {trials} (warm; cold first run "
            f"{cold:.2f} ms)",
        )
    ]


if __name__ == "__main__":
    main_for(measure)
