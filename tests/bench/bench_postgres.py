"""PostgreSQL beside SQLite in the same run: answers/s through `Engine.answer` and the daily
fan-out in ms per channel, on one process and on three processes sharing one database.

The PostgreSQL server is started here on 127.0.0.1 with its own defaults (fsync and
synchronous commit on: a commit is on disk when acknowledged, as a deployment runs it); the
SQLite figures use the bot's file settings (WAL, synchronous=NORMAL). Same harness as
bench_answers and bench_daily (their trial functions, given a database URL instead of a file
path); trials alternate the two backends, figures are medians. The ratio is PostgreSQL's
figure against SQLite's: answers/s as a share of SQLite's (higher is better), fan-out as a
multiple of SQLite's time (lower is better).

Three processes: each is a separate Python process with its own engine and store on the same
PostgreSQL database. For answers, each runs a third of the 1,000 players on the same rounds;
for the fan-out, each fires every channel's job at the same instant (as three bots would)
and the slot claims let exactly one of them post each channel. The wall time runs from a
common start instant to the last process's end; every channel must be posted exactly once.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from bot.cards import load_library
from bot.clock import FakeClock, SystemClock
from bot.engine import Engine
from bot.paths import SHIPPED_SEEDS
from bot.ports import MemoryPoster, Place, Player
from bot.questions import QuestionMaker
from bot.schedule.scheduler import DailyScheduler
from bot.store import Store
from tests.bench import bench_answers, bench_daily
from tests.bench.common import Metric, main_for, median, repeats, scratch
from tests.bench.schedules import save_schedules, weekdays_at_nine
from tests.pgserver import PgServer, server_binaries

PROCESSES = 3
START_DELAY_S = 3.0  # time for every worker to import and connect before the common start


async def _open_rounds(url: str, rounds: int) -> list[int]:
    async with await Store.open(url) as store:
        engine = Engine(store, [bench_answers.CARD], SystemClock(), MemoryPoster(), None)
        closes = datetime.now(UTC) + timedelta(hours=8)
        return [
            await engine.open_round(
                Place("discord", "guild-bench", f"chan{r}"),
                bench_answers.Question(),
                "daily",
                closes,
            )
            for r in range(rounds)
        ]


async def _answer_worker(url: str, round_ids: list[int], first: int, count: int, at: float) -> None:
    async with await Store.open(url) as store:
        engine = Engine(store, [bench_answers.CARD], SystemClock(), MemoryPoster(), None)

        async def player(n: int) -> None:
            who = Player("discord", f"p{n}", f"Player {n}")
            for round_id in round_ids:
                result = await engine.answer(round_id, who, n % 4)
                assert result.status == "locked_in", result.status

        await asyncio.sleep(max(0.0, at - time.time()))
        await asyncio.gather(*(player(n) for n in range(first, first + count)))
    print(json.dumps({"end": time.time()}))


async def _daily_worker(url: str, count: int, at: float) -> None:
    cards = list(load_library([SHIPPED_SEEDS]).cards)
    maker = QuestionMaker(cards)
    async with await Store.open(url) as store:
        clock = FakeClock(bench_daily.DUE)
        poster = MemoryPoster()
        daily = DailyScheduler(store, Engine(store, cards, clock, poster, maker), clock=clock)
        channels = bench_daily.places(count)
        await asyncio.sleep(max(0.0, at - time.time()))
        await asyncio.gather(*(daily.run_due(place) for place in channels))
    print(json.dumps({"end": time.time(), "posted": [c[1].channel_id for c in poster.calls]}))


def _workers(args: list[list[str]]) -> list[dict[str, object]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.bench.bench_postgres", "worker", *a],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for a in args
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=900)
        if proc.returncode != 0:
            raise RuntimeError(f"a worker process failed: {err.strip().splitlines()[-1:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


async def answers_three_processes(server: PgServer, rounds: int) -> float:
    url = server.database()
    round_ids = await _open_rounds(url, rounds)
    players = bench_answers.PLAYERS
    share = -(-players // PROCESSES)
    at = time.time() + START_DELAY_S
    ids = ",".join(map(str, round_ids))
    ends = _workers(
        [
            ["answers", url, ids, str(first), str(min(share, players - first)), str(at)]
            for first in range(0, players, share)
        ]
    )
    async with await Store.open(url) as store:
        stored = (await store.fetchone("SELECT count(*) FROM answers"))[0]
    assert stored == rounds * players, f"{stored} answers stored"
    return rounds * players / (max(float(e["end"]) for e in ends) - at)


async def daily_three_processes(server: PgServer, count: int) -> float:
    url = server.database()
    async with await Store.open(url) as store:
        clock = FakeClock(bench_daily.DUE)
        daily = DailyScheduler(store, Engine(store, [], clock, MemoryPoster(), None), clock=clock)
        specs = [weekdays_at_nine(zone) for zone in bench_daily.ZONES]
        await save_schedules(
            daily,
            ((p, specs[i % len(specs)]) for i, p in enumerate(bench_daily.places(count))),
            bench_daily.DUE.replace(hour=6),
        )
    at = time.time() + START_DELAY_S + 2  # the workers load the decks first
    results = _workers([["daily", url, str(count), str(at)] for _ in range(PROCESSES)])
    posted = [c for r in results for c in r["posted"]]  # type: ignore[union-attr]
    assert len(posted) == count and len(set(posted)) == count, "a channel lost or doubled"
    return (max(float(r["end"]) for r in results) - at) / count * 1000


async def measure(quick: bool) -> list[Metric]:
    trials = repeats(5)
    rounds = 2 if quick else 5
    count = 1_000 if quick else 10_000
    server = PgServer(server_binaries())
    server.start(durable=True)
    sqlite_rates: list[float] = []
    pg_rates: list[float] = []
    sqlite_fanout: list[float] = []
    pg_fanout: list[float] = []
    pg3_rates: list[float] = []
    pg3_fanout: list[float] = []
    cards = list(load_library([SHIPPED_SEEDS]).cards)
    maker = QuestionMaker(cards)
    channels = bench_daily.places(count)
    try:
        with scratch("postgres") as folder:
            # Warm the question maker's caches once, as bench_daily does.
            await bench_daily.trial(folder / "cold.db", channels, cards, maker)
            for n in range(trials):
                rate, _ = await bench_answers.engine_trial(folder / f"a{n}.db", n, rounds)
                sqlite_rates.append(rate)
                rate, _ = await bench_answers.engine_trial(server.database(), n, rounds)
                pg_rates.append(rate)
            for n in range(max(1, trials - 2)):
                took = await bench_daily.trial(folder / f"d{n}.db", channels, cards, maker)
                sqlite_fanout.append(took / count * 1000)
                took = await bench_daily.trial(server.database(), channels, cards, maker)
                pg_fanout.append(took / count * 1000)
            for _ in range(max(1, trials - 2)):
                pg3_rates.append(await answers_three_processes(server, rounds))
                pg3_fanout.append(await daily_three_processes(server, count))
    finally:
        server.stop()
    lite, pg, pg3 = median(sqlite_rates), median(pg_rates), median(pg3_rates)
    lite_f, pg_f, pg3_f = median(sqlite_fanout), median(pg_fanout), median(pg3_fanout)
    load = f"{bench_answers.PLAYERS} players x {rounds} rounds"
    fan = f"{count:,} channels due at once"
    durable = "PostgreSQL 15 on 127.0.0.1, fsync and synchronous commit on"
    return [
        Metric("pg_answers_per_s", pg, "answers/s", lite, pg / lite,
               note=f"1 process; baseline SQLite in the same run; {load}; {durable}"),
        Metric("pg3_answers_per_s", pg3, "answers/s", lite, pg3 / lite,
               note=f"{PROCESSES} processes on one database; baseline SQLite 1 process; {load}"),
        Metric("pg_daily_fanout_ms_per_channel", pg_f, "ms", lite_f, pg_f / lite_f,
               note=f"1 process; baseline SQLite in the same run; {fan}; warm"),
        Metric("pg3_daily_fanout_ms_per_channel", pg3_f, "ms", lite_f, pg3_f / lite_f,
               note=f"{PROCESSES} processes firing every channel, each posted once; {fan}"),
    ]  # fmt: skip


def worker(argv: list[str]) -> None:
    if argv[0] == "answers":
        url, ids, first, count, at = argv[1:]
        round_ids = [int(i) for i in ids.split(",")]
        asyncio.run(_answer_worker(url, round_ids, int(first), int(count), float(at)))
    else:
        url, count, at = argv[1:]
        asyncio.run(_daily_worker(url, int(count), float(at)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        worker(sys.argv[2:])
    else:
        main_for(measure)
