"""The aggregates a reveal keeps up to date, so boards and stats never scan answers:
`players` (latest display name), `player_topics`, `scores` (per board and period) and
`streaks`."""

from __future__ import annotations

import sqlite3
from datetime import date

from bot.ports import Place
from bot.scoring import Streak


def streak(conn: sqlite3.Connection, platform: str, user_id: str) -> Streak:
    row = conn.execute(
        "SELECT current, best, last_day FROM streaks WHERE platform=? AND user_id=?",
        (platform, user_id),
    ).fetchone()
    if row is None:
        return Streak()
    return Streak(row[0], row[1], date.fromisoformat(row[2]) if row[2] else None)


def save_streaks(conn: sqlite3.Connection, platform: str, changed: list[tuple[str, Streak]]):
    conn.executemany(
        "INSERT INTO streaks (platform, user_id, current, best, last_day) VALUES (?,?,?,?,?)"
        " ON CONFLICT DO UPDATE SET current=excluded.current, best=excluded.best,"
        " last_day=excluded.last_day",
        [
            (platform, user_id, s.current, s.best, s.last_day.isoformat() if s.last_day else None)
            for user_id, s in changed
        ],
    )


def save_names(conn: sqlite3.Connection, platform: str, names: list[tuple[str, str]]) -> None:
    conn.executemany(
        "INSERT INTO players (platform, user_id, display_name) VALUES (?,?,?)"
        " ON CONFLICT DO UPDATE SET display_name=excluded.display_name",
        [(platform, user_id, name) for user_id, name in names],
    )


def add_topic_results(
    conn: sqlite3.Connection, platform: str, topic: str, results: list[tuple[str, int]]
) -> None:
    conn.executemany(
        "INSERT INTO player_topics (platform, user_id, topic, answered, correct) VALUES (?,?,?,1,?)"
        " ON CONFLICT DO UPDATE SET answered=answered+1, correct=correct+excluded.correct",
        [(platform, user_id, topic, correct) for user_id, correct in results],
    )


def add_to_boards(
    conn: sqlite3.Connection, place: Place, board: list[tuple[str, str, str, int, int]]
) -> None:
    """Count each (user, period kind, period key, points, correct) on the place's channel
    board and on its server-wide board (channel "*")."""
    platform, server = place.platform, place.server_id
    conn.executemany(
        "INSERT INTO scores (platform, server_id, channel_id, period_kind, period_key, user_id,"
        " points, answered, correct) VALUES (?,?,?,?,?,?,?,1,?)"
        " ON CONFLICT DO UPDATE SET points=points+excluded.points, answered=answered+1,"
        " correct=correct+excluded.correct",
        [
            (platform, server, channel, kind, key, user_id, points, correct)
            for user_id, kind, key, points, correct in board
            for channel in (place.channel_id, "*")
        ],
    )
