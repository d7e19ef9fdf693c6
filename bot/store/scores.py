"""The aggregates a reveal keeps up to date, so boards and stats never scan answers:
`players` (latest display name), `player_topics`, `scores` (per board and period) and
`streak_runs`."""

from __future__ import annotations

from datetime import date

from bot.ports import Place
from bot.scoring import Streak
from bot.store.db import Connection


def streak(conn: Connection, platform: str, user_id: str) -> Streak:
    rows = conn.execute(
        "SELECT first_day, last_day FROM streak_runs WHERE platform=? AND user_id=?",
        (platform, user_id),
    )
    return Streak.of_runs((date.fromordinal(r[0]), date.fromordinal(r[1])) for r in rows)


def add_streak_days(conn: Connection, platform: str, days: list[tuple[str, date]]):
    """Record each (user id, day) among the player's runs of consecutive streak days: a day
    already in a run changes nothing; a new one joins the runs that end the day before and
    start the day after, whatever order the days come in."""
    for user_id, when in days:
        day = when.toordinal()
        who = (platform, user_id)
        inside = conn.execute(
            "SELECT 1 FROM streak_runs WHERE platform=? AND user_id=? AND first_day<=?"
            " AND last_day>=?",
            (*who, day, day),
        ).fetchone()
        if inside:
            continue
        first = last = day
        before = conn.execute(
            "SELECT first_day FROM streak_runs WHERE platform=? AND user_id=? AND last_day=?",
            (*who, day - 1),
        ).fetchone()
        if before:
            first = before[0]
        after = conn.execute(
            "SELECT last_day FROM streak_runs WHERE platform=? AND user_id=? AND first_day=?",
            (*who, day + 1),
        ).fetchone()
        if after:
            last = after[0]
        conn.execute(
            "DELETE FROM streak_runs WHERE platform=? AND user_id=? AND first_day IN (?, ?)",
            (*who, first, day + 1),
        )
        conn.execute(
            "INSERT INTO streak_runs (platform, user_id, first_day, last_day) VALUES (?,?,?,?)",
            (*who, first, last),
        )


def save_names(conn: Connection, platform: str, names: list[tuple[str, str, str]]) -> None:
    """(user id, display name, when it was used): the name used latest is kept, whatever order
    the reveals come in."""
    conn.executemany(
        "INSERT INTO players (platform, user_id, display_name, name_at) VALUES (?,?,?,?)"
        " ON CONFLICT (platform, user_id) DO UPDATE SET display_name=excluded.display_name,"
        " name_at=excluded.name_at WHERE excluded.name_at >= players.name_at",
        [(platform, user_id, name, used_at) for user_id, name, used_at in names],
    )


def add_topic_results(
    conn: Connection, platform: str, topic: str, results: list[tuple[str, int]]
) -> None:
    conn.executemany(
        "INSERT INTO player_topics (platform, user_id, topic, answered, correct) VALUES (?,?,?,1,?)"
        " ON CONFLICT (platform, user_id, topic) DO UPDATE"
        " SET answered=player_topics.answered+1,"
        " correct=player_topics.correct+excluded.correct",
        [(platform, user_id, topic, correct) for user_id, correct in results],
    )


def add_to_boards(
    conn: Connection, place: Place, board: list[tuple[str, str, str, int, int]]
) -> None:
    """Count each (user, period kind, period key, points, correct) on the place's channel
    board and on its server-wide board (channel "*")."""
    platform, server = place.platform, place.server_id
    conn.executemany(
        "INSERT INTO scores (platform, server_id, channel_id, period_kind, period_key, user_id,"
        " points, answered, correct) VALUES (?,?,?,?,?,?,?,1,?)"
        " ON CONFLICT (platform, server_id, channel_id, period_kind, period_key, user_id)"
        " DO UPDATE SET points=scores.points+excluded.points, answered=scores.answered+1,"
        " correct=scores.correct+excluded.correct",
        [
            (platform, server, channel, kind, key, user_id, points, correct)
            for user_id, kind, key, points, correct in board
            for channel in (place.channel_id, "*")
        ],
    )
