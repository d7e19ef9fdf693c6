"""Group commit vs one commit per answer: `python tests/store/bench_group_commit.py`.

Not collected by pytest (the name does not start with test_). Prints answers per second for
- naive: each click does INSERT + commit() on one aiosqlite connection (behind a lock, which
  correctness needs when tasks share a connection), 1,000 concurrent clicks;
- store: 1,000 concurrent `Store.write` INSERTs, group-committed;
- engine: 1,000 concurrent `Engine.answer` calls (checks + INSERT + reply text), the real path;
- engine, commit each: the same engine on a Store with max_batch=1 (one transaction per click),
  which isolates what group commit buys on the real path.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import aiosqlite

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from enginekit import CHANNEL, START, FakeMaker, make_cards, player, question_for

from bot.clock import FakeClock
from bot.engine import Engine
from bot.ports import MemoryPoster
from bot.store import Store

CLICKS = 1000
TRIALS = 7
INSERT = (
    "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at)"
    " VALUES (?,?,?,?,?)"
)


async def naive(path: Path, round_id: int, tag: str) -> float:
    conn = await aiosqlite.connect(path)
    await conn.execute("PRAGMA journal_mode=WAL")
    await conn.execute("PRAGMA synchronous=NORMAL")
    lock = asyncio.Lock()

    async def click(n: int) -> None:
        async with lock:
            await conn.execute(INSERT, (round_id, f"{tag}{n}", "x", n % 4, "t"))
            await conn.commit()

    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(click(n) for n in range(CLICKS)))
        return CLICKS / (time.perf_counter() - t0)
    finally:
        await conn.close()


async def grouped(store: Store, round_id: int, tag: str) -> float:
    t0 = time.perf_counter()
    await asyncio.gather(
        *(
            store.write(lambda c, n=n: c.execute(INSERT, (round_id, f"{tag}{n}", "x", n % 4, "t")))
            for n in range(CLICKS)
        )
    )
    return CLICKS / (time.perf_counter() - t0)


async def engine_clicks(engine: Engine, round_id: int, base: int) -> float:
    t0 = time.perf_counter()
    results = await asyncio.gather(
        *(engine.answer(round_id, player(base + n), n % 4) for n in range(CLICKS))
    )
    elapsed = time.perf_counter() - t0
    assert all(r.status == "locked_in" for r in results)
    return CLICKS / elapsed


async def main() -> None:
    figures: dict[str, list[float]] = {"naive": [], "store": [], "engine": [], "engine1": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        cards = make_cards()
        async with await Store.open(path) as store:
            engine = Engine(store, cards, FakeClock(START), MemoryPoster(), FakeMaker(cards))
            round_id = await engine.open_round(
                CHANNEL, question_for(cards[0]), "daily", START + timedelta(hours=8)
            )
        # Interleaved trials, so a busy moment on a shared machine hits every method alike.
        for trial in range(TRIALS):
            figures["naive"].append(await naive(path, round_id, f"n{trial}-"))
            async with await Store.open(path) as store:
                engine = Engine(store, cards, FakeClock(START), MemoryPoster(), FakeMaker(cards))
                figures["store"].append(await grouped(store, round_id, f"s{trial}-"))
                figures["engine"].append(
                    await engine_clicks(engine, round_id, 100_000 * (trial + 1))
                )
                commits = store.commits
            async with await Store.open(path, max_batch=1) as store:
                engine = Engine(store, cards, FakeClock(START), MemoryPoster(), FakeMaker(cards))
                figures["engine1"].append(
                    await engine_clicks(engine, round_id, 10_000_000 * (trial + 1))
                )
    med = {k: statistics.median(v) for k, v in figures.items()}
    print(f"{CLICKS} concurrent clicks, median of {TRIALS} interleaved runs (answers/s):")
    print(f"  naive INSERT+COMMIT each : {med['naive']:>9,.0f}")
    print(
        f"  Store.write group commit : {med['store']:>9,.0f}  ({med['store'] / med['naive']:.0f}x)"
    )
    ratio = med["engine"] / med["naive"]
    print(f"  Engine.answer            : {med['engine']:>9,.0f}  ({ratio:.0f}x)")
    ratio = med["engine"] / med["engine1"]
    print(f"  Engine.answer, commit each: {med['engine1']:>8,.0f}  (group commit: {ratio:.1f}x)")
    print(f"  (last run: {commits} commits for {2 * CLICKS} grouped writes)")


if __name__ == "__main__":
    asyncio.run(main())
