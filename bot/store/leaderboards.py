"""Reading the aggregates: a board's top and the caller's place on it, a player's totals.

A board is an index range on `scores_board`; a caller's rank is one count over the rows
above them.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.store import scores
from bot.store.db import Connection
from bot.store.records import BoardEntry, BoardSlice, PlayerTotals

_BOARD = """
SELECT s.user_id, coalesce(p.display_name, s.user_id), s.points, s.answered, s.correct
FROM scores s LEFT JOIN players p ON p.platform = s.platform AND p.user_id = s.user_id
WHERE s.platform = ? AND s.server_id = ? AND s.channel_id = ? AND s.period_kind = ?
  AND s.period_key = ?
"""


def board(
    conn: Connection,
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
    more_tied = 0
    if top and len(top) == limit:
        last = top[-1].points
        more_tied = conn.execute(
            "SELECT count(*) FROM scores WHERE platform = ? AND server_id = ? "
            "AND channel_id = ? AND period_kind = ? AND period_key = ? AND points = ?",
            (*board_key, last),
        ).fetchone()[0] - sum(1 for e in top if e.points == last)
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
    return BoardSlice(top, caller, above, more_tied)


def every_server_board(
    conn: Connection, period: str, key_in: Callable[[str | None], str], limit: int
) -> list[tuple[str, str, BoardSlice]]:
    """Each server's whole-server board for the period, read in one snapshot; `key_in(zone)`
    names the period in the server's zone (None: it has none)."""
    servers = conn.execute(
        "SELECT DISTINCT s.platform, s.server_id, z.tz FROM scores s LEFT JOIN server_settings z"
        " ON z.platform = s.platform AND z.server_id = s.server_id"
        " WHERE s.channel_id = '*' AND s.period_kind = ? ORDER BY s.platform, s.server_id",
        (period,),
    ).fetchall()
    found = []
    for platform, server, tz in servers:
        top = board(conn, (platform, server, "*", period, key_in(tz)), None, limit)
        if top.top:
            found.append((platform, server, top))
    return found


def player_totals(
    conn: Connection, platform: str, user_id: str, server_id: str | None
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
