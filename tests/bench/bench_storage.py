"""Database bytes per answer and per round after a simulated month of play.

A month (30 days from a Monday) of 20 channels with 25 players each, through the real Engine
with the shipped decks and their authored items: a daily question every weekday (8 h open,
about 15 answers), a five-question quick quiz per channel a week, and practice runs making up
84% of all rounds, a fifth of them left unanswered (the mix the issue measured). When the
engine has a retention pass (`Engine.upkeep`), it runs once a simulated hour, as the running
bot's timer does.

Figures, on a VACUUMed copy (what the data needs, not free pages), per answer and per round
asked (deleted rounds count: the cost of a month of play): the whole file (the issue's
measure: 1.43 KB and 3.4 KB after a simulated year), and the `rounds` and `answers` tables
with their indexes. Deterministic: one run is the
figure. The same file run against the code before the storage work gave the "before"
figures in the README.
"""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cards import load_library
from bot.clock import FakeClock
from bot.engine import Engine
from bot.messages import QuestionMessage
from bot.paths import SHIPPED_SEEDS
from bot.ports import MemoryPoster, Place, Player
from bot.questions import QuestionMaker
from bot.store import Store
from tests.bench.common import Metric, at_most, main_for, scratch

START = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)  # a Monday
PLAYERS = 25
PRACTICE_RUN = 5  # questions per practice run: four answered, the last left unanswered


async def simulate(path: Path, channels: int, days: int) -> dict[str, int]:
    library = load_library([SHIPPED_SEEDS])
    maker = QuestionMaker(library.cards, library.items)
    rng = random.Random(15)
    clock = FakeClock(START)
    poster = MemoryPoster()
    places = [Place("discord", f"g{c // 5}", f"c{c}") for c in range(channels)]
    people = {p: [Player("discord", f"{p.channel_id}-u{i}", f"Player {i}") for i in range(PLAYERS)]
              for p in places}  # fmt: skip
    async with await Store.open(path) as store:
        engine = Engine(store, library, clock, poster, maker)
        upkeep = getattr(engine, "upkeep", None)
        practice = 0
        for day in range(days):
            morning = START + timedelta(days=day, hours=9)
            if morning.weekday() < 5:
                for place in places:
                    await daily_round(engine, clock, maker, rng, place, people[place], morning)
            if morning.weekday() == 2:
                for place in places:
                    await quick_quiz(engine, clock, poster, rng, place, people[place], morning)
            # Practice: enough runs that practice is 84% of the month's rounds.
            for n in range(channels * 3 // 2):
                place = places[n % channels]
                who = rng.choice(people[place])
                clock.set(morning + timedelta(hours=rng.uniform(0, 12)))
                practice += await practice_run(engine, clock, rng, who)
            for hour in range(24):
                clock.set(START + timedelta(days=day, hours=hour + 1))
                await engine.tick()
                if upkeep is not None:
                    await upkeep()
        counts = {"practice": practice}
        for name, sql in (
            ("asked", "SELECT max(id) FROM rounds"),  # ids are never reused: every round asked
            ("kept", "SELECT count(*) FROM rounds"),
            ("answers", "SELECT count(*) FROM answers"),
        ):
            row = await store.fetchone(sql)
            counts[name] = row[0]
    return counts


async def daily_round(engine, clock, maker, rng, place, players, opened) -> None:
    clock.set(opened)
    [question] = maker.generate(1, f"{place.channel_id}{opened}", fmt="mixed")
    closes = opened + timedelta(hours=8)
    round_id = await engine.open_round(place, question, "daily", closes)
    for who in players:
        if rng.random() < 0.6:
            clock.set(opened + timedelta(minutes=rng.uniform(0, 470)))
            await engine.answer(round_id, who, rng.randrange(len(question.options)))
    clock.set(closes)
    await engine.reveal(round_id)


async def quick_quiz(engine, clock, poster, rng, place, players, when) -> None:
    clock.set(when + timedelta(hours=5))
    await engine.start_quiz(place, players[0], count=5, seconds=30)
    for _ in range(30):  # bounded: five questions take ten steps
        question = poster.messages(QuestionMessage)[-1]
        for who in rng.sample(players, 10):
            await engine.answer(question.round_id, who, rng.randrange(len(question.options)))
        clock.advance(seconds=30)
        await engine.tick()
        clock.advance(seconds=5)
        await engine.tick()
        if await engine.next_due() is None:
            return


async def practice_run(engine, clock, rng, who) -> int:
    """One run of practice questions; how many were asked."""
    for n in range(PRACTICE_RUN):
        reply = await engine.practice_next(who, new_run=n == 0)
        if reply.question is None:
            return n
        clock.advance(seconds=rng.uniform(5, 40))
        if n < PRACTICE_RUN - 1:
            options = len(reply.question.options)
            await engine.answer(reply.question.round_id, who, rng.randrange(options))
    return PRACTICE_RUN


def table_bytes(path: Path) -> dict[str, int]:
    """Bytes of each table's pages plus its indexes' (SQLite's dbstat), by table."""
    with sqlite3.connect(path) as conn:
        found = conn.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"
        )
        owner = dict(found.fetchall())
        sizes: dict[str, int] = {}
        for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            sizes[table] = sizes.get(table, 0) + size
    return sizes


async def measure(quick: bool) -> list[Metric]:
    channels, days = (4, 7) if quick else (20, 30)
    with scratch("storage") as folder:
        db = folder / "month.db"
        counts = await simulate(db, channels, days)
        compact = folder / "compact.db"
        with sqlite3.connect(db) as conn:
            conn.execute(f"VACUUM INTO '{compact}'")
        size = compact.stat().st_size
        tables = table_bytes(compact)
    rounds, answers = counts["asked"], counts["answers"]
    note = (
        f"{channels} channels x {PLAYERS} players, {days} days: {rounds:,} rounds asked "
        f"({counts['practice'] / rounds:.0%} practice, {counts['kept']:,} kept), "
        f"{answers:,} answers, {size / 1_048_576:.1f} MB after VACUUM"
    )
    # Per round asked, deleted ones included: what a month of play costs, whatever is pruned.
    return [
        at_most("db_bytes_per_answer", size / answers, "B", 500, note),
        at_most("db_bytes_per_round", size / rounds, "B", 1200, note),
        at_most("round_bytes_per_round", tables["rounds"] / rounds, "B", 600, note),
        at_most("answer_bytes_per_answer", tables["answers"] / answers, "B", 100, note),
    ]


if __name__ == "__main__":
    main_for(measure)
