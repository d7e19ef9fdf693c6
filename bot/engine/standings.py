"""Leaderboards and personal stats, read from the aggregates (never by scanning answers).

Each function takes a sqlite3 connection and runs inside one read snapshot
(`Store.read`). A board is an index range on `scores_board`; a caller's rank is one count
over the rows above them.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from bot.engine.periods import period_key, period_label
from bot.messages import LeaderboardMessage, LeaderboardRow, StatsMessage, TopicStat
from bot.scoring import Streak

TOP = 10
WEAK_TOPIC_MIN_ANSWERS = 3  # a topic needs this many answers before it can be "weakest"
WEAK_TOPICS_SHOWN = 3

_BOARD = """
SELECT s.user_id, s.points, s.answered, s.correct, coalesce(p.display_name, s.user_id) AS name
FROM scores s LEFT JOIN players p ON p.platform = s.platform AND p.user_id = s.user_id
WHERE s.platform = ? AND s.server_id = ? AND s.channel_id = ? AND s.period_kind = ?
  AND s.period_key = ?
"""


def board(
    conn: sqlite3.Connection,
    *,
    platform: str,
    server_id: str,
    channel_id: str,
    period: str,
    day: date,
    caller_id: str | None = None,
    title: str = "",
    scope: str = "server",
    limit: int = TOP,
) -> LeaderboardMessage:
    key = (platform, server_id, channel_id, period, period_key(period, day))
    found = conn.execute(
        _BOARD + " ORDER BY s.points DESC, s.correct DESC, s.user_id LIMIT ?", (*key, limit)
    ).fetchall()
    rows = _ranked(found)
    caller = None
    if caller_id is not None:
        caller = next((r for r in rows if r.user_id == caller_id), None)
        if caller is None:
            mine = conn.execute(_BOARD + " AND s.user_id = ?", (*key, caller_id)).fetchone()
            if mine is not None:
                above = conn.execute(
                    "SELECT count(*) FROM scores WHERE platform = ? AND server_id = ? "
                    "AND channel_id = ? AND period_kind = ? AND period_key = ? AND points > ?",
                    (*key, mine["points"]),
                ).fetchone()[0]
                caller = _row(above + 1, mine)
    return LeaderboardMessage(
        title=title,
        period=period,
        scope=scope,
        rows=tuple(rows),
        caller=caller,
        period_label=period_label(period, day),
    )


def _ranked(found: list[sqlite3.Row]) -> list[LeaderboardRow]:
    rows: list[LeaderboardRow] = []
    for i, row in enumerate(found):
        # Equal points share a rank ("1, 2, 2, 4"); rows come best first.
        rank = rows[-1].rank if rows and rows[-1].points == row["points"] else i + 1
        rows.append(_row(rank, row))
    return rows


def _row(rank: int, row: sqlite3.Row) -> LeaderboardRow:
    return LeaderboardRow(
        rank=rank,
        name=row["name"],
        points=row["points"],
        answered=row["answered"],
        correct=row["correct"],
        user_id=row["user_id"],
    )


def servers_with_scores(conn: sqlite3.Connection, period: str, day: date) -> list[tuple[str, str]]:
    """(platform, server) pairs that have a server-wide board for the period."""
    return [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT DISTINCT platform, server_id FROM scores WHERE channel_id = '*' "
            "AND period_kind = ? AND period_key = ? ORDER BY platform, server_id",
            (period, period_key(period, day)),
        )
    ]


def personal_stats(
    conn: sqlite3.Connection,
    *,
    platform: str,
    user_id: str,
    fallback_name: str,
    today: date,
    server_id: str | None = None,
) -> StatsMessage:
    topics = tuple(
        TopicStat(r["topic"], r["answered"], r["correct"])
        for r in conn.execute(
            "SELECT topic, answered, correct FROM player_topics WHERE platform = ? AND user_id = ? "
            "ORDER BY answered DESC, topic",
            (platform, user_id),
        )
    )
    streak_row = conn.execute(
        "SELECT current, best, last_day FROM streaks WHERE platform = ? AND user_id = ?",
        (platform, user_id),
    ).fetchone()
    streak = (
        Streak(
            streak_row["current"],
            streak_row["best"],
            date.fromisoformat(streak_row["last_day"]) if streak_row["last_day"] else None,
        )
        if streak_row
        else Streak()
    )
    name_row = conn.execute(
        "SELECT display_name FROM players WHERE platform = ? AND user_id = ?", (platform, user_id)
    ).fetchone()
    points = None
    if server_id is not None:
        found = conn.execute(
            "SELECT points FROM scores WHERE platform = ? AND server_id = ? AND channel_id = '*' "
            "AND period_kind = 'all' AND period_key = 'all' AND user_id = ?",
            (platform, server_id, user_id),
        ).fetchone()
        points = found["points"] if found else 0
    weak = sorted(
        (t for t in topics if t.answered >= WEAK_TOPIC_MIN_ANSWERS and t.correct < t.answered),
        key=lambda t: (t.accuracy, -t.answered, t.topic),
    )
    return StatsMessage(
        name=name_row["display_name"] if name_row else fallback_name,
        answered=sum(t.answered for t in topics),
        correct=sum(t.correct for t in topics),
        current_streak=streak.current_on(today),
        best_streak=streak.best,
        topics=topics,
        weakest=tuple(t.topic for t in weak[:WEAK_TOPICS_SHOWN]),
        points=points,
    )
