"""Reading the aggregates: a board's top and the caller's place on it, a player's totals.

A board is an index range on `scores_board`; a caller's rank is one count over the rows
above them.
"""

from __future__ import annotations

import sqlite3

from bot.store import scores
from bot.store.records import BoardEntry, BoardSlice, PlayerTotals

_BOARD = """
SELECT s.user_id, coalesce(p.display_name, s.user_id), s.points, s.answered, s.correct
FROM scores s LEFT JOIN players p ON p.platform = s.platform AND p.user_id = s.user_id
WHERE s.platform = ? AND s.server_id = ? AND s.channel_id = ? AND s.period_kind = ?
  AND s.period_key = ?
"""


def board(
    conn: sqlite3.Connection,
    board_key: tuple[str, str, str, str, str],
    caller_id: str | None,
    limit: int,
) -> BoardSlice:
    """`board_key`: (platform, server id, channel id or "*", period kind, period key)."""
    top = [
        BoardEntry(*r)
        for r in conn.execute(
            _BOARD + " ORDER BY s.points DESC, s.correct DESC, s.user_id LIMIT ?",
            (*board_key, limit),
        )
    ]
    caller, above = None, 0
    if caller_id is not None and all(e.user_id != caller_id for e in top):
        mine = conn.execute(_BOARD + " AND s.user_id = ?", (*board_key, caller_id)).fetchone()
        if mine is not None:
            caller = BoardEntry(*mine)
            above = conn.execute(
                "SELECT count(*) FROM scores WHERE platform = ? AND server_id = ? "
                "AND channel_id = ? AND period_kind = ? AND period_key = ? AND points > ?",
                (*board_key, caller.points),
            ).fetchone()[0]
    return BoardSlice(top, caller, above)


def servers_with_scores(
    conn: sqlite3.Connection, period: str, period_key: str
) -> list[tuple[str, str]]:
    """(platform, server) pairs that have a server-wide board for the period."""
    return [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT DISTINCT platform, server_id FROM scores WHERE channel_id = '*' "
            "AND period_kind = ? AND period_key = ? ORDER BY platform, server_id",
            (period, period_key),
        )
    ]


def every_server_board(
    conn: sqlite3.Connection, period: str, period_key: str, limit: int
) -> list[tuple[str, str, BoardSlice]]:
    """Each server's whole-server board for the period, read in one snapshot."""
    return [
        (platform, server, board(conn, (platform, server, "*", period, period_key), None, limit))
        for platform, server in servers_with_scores(conn, period, period_key)
    ]


def player_totals(
    conn: sqlite3.Connection, platform: str, user_id: str, server_id: str | None
) -> PlayerTotals:
    topics = [
        (r[0], r[1], r[2])
        for r in conn.execute(
            "SELECT topic, answered, correct FROM player_topics WHERE platform = ? AND user_id = ?"
            " ORDER BY answered DESC, topic",
            (platform, user_id),
        )
    ]
    name = conn.execute(
        "SELECT display_name FROM players WHERE platform = ? AND user_id = ?", (platform, user_id)
    ).fetchone()
    points = None
    if server_id is not None:
        found = conn.execute(
            "SELECT points FROM scores WHERE platform = ? AND server_id = ? AND channel_id = '*' "
            "AND period_kind = 'all' AND period_key = 'all' AND user_id = ?",
            (platform, server_id, user_id),
        ).fetchone()
        points = found[0] if found else 0
    return PlayerTotals(
        name=name[0] if name else None,
        topics=topics,
        streak=scores.streak(conn, platform, user_id),
        points=points,
    )
