"""A server's leaderboard (top 10 + the caller's own rank) with 1M answers by 10k players.

Data: 500 revealed daily rounds in 10 channels of one server, 2,000 answers each (every
player answers 100 times), generated inside SQLite by a recursive CTE into a database file
under .bench/ (about 2 s). The aggregates are what the reveal maintains: one `scores` row per
(channel and '*', period, player) holding the sums of points, answers and correct answers,
here filled by GROUP BY over the generated answers instead of 500 reveals (same rows, same
index; the write path is not what is timed). Only the all-time rows are built (week and month
rows would be 6x the build time and are not read by an all-time board).

Timed, both through `Store.read` on the reader connection, medians of repeats:
- value: `Engine.leaderboard(place, "all", "server", caller)` for a caller ranked mid-table
  (so the own-rank count runs);
- baseline: the naive board: one GROUP BY over the server's answers (joined to rounds),
  ordered by points, top 10 taken and the caller's rank found in the grouped result.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.clock import FakeClock
from bot.engine import Engine
from bot.ports import MemoryPoster, Place, Player
from bot.store import Store
from tests.bench.common import Metric, main_for, median, ratio_at_least, repeats, scratch

SERVER = Place("discord", "guild-bench", "chan0")
NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)

GENERATE = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :answers - 1)
INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at, day, correct,
                     points)
SELECT r + 1,
       'u' || ((r * :per_round + k) % :players),
       'Player ' || ((r * :per_round + k) % :players),
       k % 4,
       '2026-01-05T09:00:00.000000Z',
       739621,
       c,
       CASE WHEN c THEN 10 + (k * 7 + r) % 6 ELSE 0 END
FROM (SELECT i / :per_round AS r, i % :per_round AS k, ((i * 37) / 11) % 3 != 0 AS c FROM n)
"""

NAIVE = """
SELECT a.user_id, sum(a.points) AS points, sum(a.correct) AS correct, count(*) AS answered
FROM answers a JOIN rounds r ON r.id = a.round_id
WHERE r.platform = ? AND r.server_id = ? AND r.mode IN ('daily', 'quiz')
GROUP BY a.user_id ORDER BY points DESC, correct DESC, a.user_id
"""


def build(path: Path, answers: int, players: int, rounds: int) -> None:
    per_round = answers // rounds
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")  # a throwaway file: build it fast
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO rounds (id, platform, server_id, channel_id, mode, state, card_id,"
            " format, option_count, answer_index, question, opened_at, closes_at, revealed_at)"
            " VALUES (?, ?, ?, ?, 'daily', 'revealed', 'card', 'choice', 4, 1, '{}', ?, ?, ?)",
            [
                (
                    r + 1,
                    SERVER.platform,
                    SERVER.server_id,
                    f"chan{r % 10}",
                    # Spread over the half year: week and month boards get their own rows.
                    f"2026-{1 + r * 6 // rounds:02d}-{1 + r % 28:02d}T09:00:00.000000Z",
                    f"2026-{1 + r * 6 // rounds:02d}-{1 + r % 28:02d}T17:00:00.000000Z",
                    f"2026-{1 + r * 6 // rounds:02d}-{1 + r % 28:02d}T17:00:00.000000Z",
                )
                for r in range(rounds)
            ],
        )
        conn.execute(GENERATE, {"answers": answers, "per_round": per_round, "players": players})
        conn.execute(
            "INSERT INTO players (platform, user_id, display_name) SELECT DISTINCT ?, user_id,"
            " display_name FROM answers",
            (SERVER.platform,),
        )
        for channel in ("r.channel_id", "'*'"):
            conn.execute(
                "INSERT INTO scores (platform, server_id, channel_id, period_kind, period_key,"
                " user_id, points, answered, correct)"
                f" SELECT r.platform, r.server_id, {channel}, 'all', 'all', a.user_id,"
                " sum(a.points), count(*), sum(a.correct)"
                " FROM answers a JOIN rounds r ON r.id = a.round_id"
                f" GROUP BY r.platform, r.server_id, {channel}, a.user_id"
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


def naive_board(conn: sqlite3.Connection, caller: str) -> tuple[list[tuple], int | None]:
    rows = conn.execute(NAIVE, (SERVER.platform, SERVER.server_id)).fetchall()
    top = rows[:10]
    rank = None
    for i, row in enumerate(rows):
        if row[0] == caller:
            rank = 1 + sum(1 for r in rows[:i] if r[1] > row[1])
            break
    return top, rank


async def measure(quick: bool) -> list[Metric]:
    answers, players, rounds = (100_000, 2_000, 100) if quick else (1_000_000, 10_000, 500)
    trials = repeats(7)
    with scratch("leaderboard") as folder:
        path = folder / "board.db"
        async with await Store.open(path):
            pass  # the schema, exactly as the bot creates it
        t0 = time.perf_counter()
        build(path, answers, players, rounds)
        built = time.perf_counter() - t0
        async with await Store.open(path) as store:
            engine = Engine(store, [], FakeClock(NOW), MemoryPoster(), None)
            count = (await store.fetchone("SELECT count(*) FROM answers"))[0]
            assert count == answers, count
            # A caller in the middle of the table: the rank is a count, not a top-10 hit.
            middle = await store.fetchone(
                "SELECT user_id FROM scores WHERE channel_id='*' AND period_kind='all'"
                " ORDER BY points DESC LIMIT 1 OFFSET ?",
                (players // 2,),
            )
            caller = Player(SERVER.platform, middle[0], "Caller")
            fast: list[float] = []
            slow: list[float] = []
            for _ in range(trials):
                t0 = time.perf_counter()
                board = await engine.leaderboard(SERVER, "all", "server", caller)
                fast.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                top, rank = await store.read(lambda c: naive_board(c, caller.user_id))
                slow.append(time.perf_counter() - t0)
                # Both must give the same answer, or the comparison is meaningless.
                assert [r.user_id for r in board.rows] == [r[0] for r in top][: len(board.rows)]
                assert board.caller is not None and board.caller.rank == rank, (board.caller, rank)
    value, base = median(fast) * 1000, median(slow) * 1000
    return [
        ratio_at_least(
            "leaderboard_ms",
            value,
            "ms",
            base,
            base / value,
            100,
            f"{count:,} answers, {players:,} players, median of {trials}; "
            f"data built in {built:.1f} s",
        )
    ]


if __name__ == "__main__":
    main_for(measure)
