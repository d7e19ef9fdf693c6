"""Answers per second through `Engine.answer`, and the p99 of one click's acknowledgement.

Load: 1,000 concurrent players (one asyncio task each), every one answering 5 open daily
rounds one after another as fast as the engine acknowledges, file database under .bench/,
system clock. A click's
latency runs from the call into `Engine.answer` to its return: the answer is committed and
the private reply text is ready.

Memory (spaced repetition): a scored answer becomes an FSRS review at its round's reveal,
not at the click, so `answers_per_s` above does not include it. `answers_settled_per_s`
times the clicks AND the reveals that settle them, with the memory update (the bot as it
runs) against the same trial with the update switched off; the target is at most 10% lower.

Baseline, same run, same harness, same file settings (WAL, synchronous=NORMAL): each click
does one INSERT and one COMMIT on a shared aiosqlite connection, behind a lock (without it,
one task's COMMIT would commit another's half-done work: the answer would not be its own
transaction). Trials alternate baseline and engine, so a busy moment of the shared machine
hits both alike; the figures are medians over trials.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiosqlite

from bot.cards.model import Card
from bot.clock import SystemClock
from bot.engine import Engine
from bot.engine import reveal as reveal_rules
from bot.ports import MemoryPoster, Place, Player
from bot.store import Store
from tests.bench.common import (
    Metric,
    at_most,
    main_for,
    median,
    percentile,
    ratio_at_least,
    repeats,
    scratch,
)

PLAYERS = 1000  # clicking at once
PLACE = Place("discord", "guild-bench", "chan-bench")
INSERT = (
    "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at, day)"
    " VALUES (?,?,?,?,?,739621)"
)


class Question:
    card_id = "bench-card"
    format = "choice"
    prompt = "Which activation saturates for large inputs?"
    options = ("ReLU", "sigmoid", "GELU", "identity")
    answer_index = 1

    def to_dict(self) -> dict[str, object]:
        return {
            "card_id": self.card_id,
            "format": self.format,
            "prompt": self.prompt,
            "options": list(self.options),
            "answer_index": self.answer_index,
        }


CARD = Card(
    id="bench-card",
    deck="bench",
    topic="Activations",
    level="core",
    kind="qa",
    number="1",
    question=Question.prompt,
    answer="The **sigmoid** flattens out for large inputs.",
    source="bench.md:1",
)


async def _players(click, tag: str, rounds: int) -> tuple[float, list[float]]:
    """1,000 player tasks at once, each answering `rounds` questions one after another;
    (seconds until the last answer, each click's latency)."""
    latencies: list[float] = []

    async def player(n: int) -> None:
        who = Player("discord", f"{tag}p{n}", f"Player {n}")
        for r in range(rounds):
            t0 = time.perf_counter()
            await click(r, n, who)
            latencies.append(time.perf_counter() - t0)

    loop = asyncio.get_running_loop()
    t0 = time.perf_counter()
    tasks = [loop.create_task(player(n)) for n in range(PLAYERS)]
    for task in tasks:
        await task
    return time.perf_counter() - t0, latencies


async def engine_trial(
    path: Path, trial: int, rounds: int, *, settle: bool = False
) -> tuple[float, list[float]]:
    """Answers per second through the engine; with `settle`, counting until every round is
    also revealed (scored, and each answer reviewed unless memory is switched off)."""
    async with await Store.open(path) as store:
        engine = Engine(store, [CARD], SystemClock(), MemoryPoster(), None)
        closes = datetime.now(UTC) + timedelta(hours=8)
        round_ids = [
            await engine.open_round(
                Place("discord", "guild-bench", f"chan{r}"), Question(), "daily", closes
            )
            for r in range(rounds)
        ]
        results: list[object] = []

        async def click(r: int, n: int, player: Player) -> None:
            results.append(await engine.answer(round_ids[r], player, n % 4))

        t0 = time.perf_counter()
        elapsed, latencies = await _players(click, f"t{trial}", rounds)
        if settle:
            for round_id in round_ids:
                assert await engine.reveal(round_id) is not None, "a round was not revealed"
            elapsed = time.perf_counter() - t0
        # Durable and correct, or the figure means nothing.
        stored = await store.fetchone("SELECT count(*) FROM answers")
        reviews = await store.fetchone("SELECT count(*) FROM reviews")
    assert stored[0] == rounds * PLAYERS, f"{stored[0]} answers stored"
    remembered = reveal_rules._remembered(Question.format)
    assert reviews[0] == (rounds * PLAYERS if settle and remembered else 0), reviews[0]
    assert all(r.status == "locked_in" for r in results), "a click was not locked in"
    return rounds * PLAYERS / elapsed, latencies


async def naive_trial(path: Path, trial: int, rounds: int) -> float:
    conn = await aiosqlite.connect(path)
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        lock = asyncio.Lock()
        stamp = datetime.now(UTC).isoformat()

        async def click(r: int, n: int, player: Player) -> None:
            async with lock:
                await conn.execute(
                    INSERT, (r + 1, player.user_id, player.display_name, n % 4, stamp)
                )
                await conn.commit()

        elapsed, _ = await _players(click, f"n{trial}", rounds)
        return rounds * PLAYERS / elapsed
    finally:
        await conn.close()


@contextlib.contextmanager
def _memory_switched(*, on: bool) -> Iterator[None]:
    """The reveal with or without the memory update (the baseline switches it off)."""
    if on:
        yield
        return
    kept = reveal_rules._remembered
    reveal_rules._remembered = lambda fmt: False  # type: ignore[assignment]
    try:
        yield
    finally:
        reveal_rules._remembered = kept  # type: ignore[assignment]


async def measure(quick: bool) -> list[Metric]:
    trials = repeats(7)
    rounds = 2 if quick else 5
    engine_rates: list[float] = []
    naive_rates: list[float] = []
    p99s: list[float] = []
    with_memory: list[float] = []
    without_memory: list[float] = []
    with scratch("answers") as folder:
        naive_db = folder / "naive.db"
        async with await Store.open(naive_db) as store:
            # The same schema; the rounds exist so the naive INSERTs satisfy the foreign key.
            await store.write(
                lambda c: c.executemany(
                    "INSERT INTO rounds (id, platform, server_id, channel_id, mode, card_id,"
                    " format, option_count, answer_index, question, opened_at, closes_at)"
                    " VALUES (?, 'discord', 'g', 'c', 'daily', 'x', 'choice', 4, 1, '{}', 'a',"
                    " 'z')",
                    [(r + 1,) for r in range(rounds)],
                )
            )
        for trial in range(trials):
            naive_rates.append(await naive_trial(naive_db, trial, rounds))
            rate, latencies = await engine_trial(folder / f"engine{trial}.db", trial, rounds)
            engine_rates.append(rate)
            p99s.append(percentile(latencies, 99) * 1000)
        for trial in range(trials):
            for remember, rates in ((True, with_memory), (False, without_memory)):
                with _memory_switched(on=remember):
                    db = folder / f"settle{trial}{'m' if remember else ''}.db"
                    rate, _ = await engine_trial(db, trial, rounds, settle=True)
                rates.append(rate)
    value, base = median(engine_rates), median(naive_rates)
    note = f"{PLAYERS} players x {rounds} rounds, median of {trials}"
    settled, unsettled = median(with_memory), median(without_memory)
    return [
        ratio_at_least(
            "answers_settled_per_s",
            settled,
            "answers/s",
            unsettled,
            settled / unsettled,
            0.9,
            f"clicks + reveals, with the memory update vs without; {note}",
        ),
        ratio_at_least("answers_per_s", value, "answers/s", base, value / base, 10, note),
        at_most("answer_ack_p99_ms", median(p99s), "ms", 30, note=note),
    ]


if __name__ == "__main__":
    main_for(measure)
