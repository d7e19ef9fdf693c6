"""Practice reminders: who asked for one, at what local time in which zone
(`practice_reminders`), and one row per player per local date once that day's reminder was
claimed (`practice_reminder_days`), so it goes out at most once a day across restarts and
processes, as `daily_slots` does for a channel's daily post."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from bot.ports import Place
from bot.store.db import ts


@dataclass(frozen=True, slots=True)
class Reminder:
    platform: str
    user_id: str
    at: str  # HH:MM local
    tz: str
    place: Place  # where it was asked for: the private message names it


def save(
    conn: sqlite3.Connection, place: Place, user_id: str, at: str, tz: str, now: datetime
) -> None:
    conn.execute(
        "INSERT INTO practice_reminders (platform, user_id, remind_at, tz, server_id,"
        " channel_id, set_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (platform, user_id) DO UPDATE"
        " SET remind_at=excluded.remind_at, tz=excluded.tz, server_id=excluded.server_id,"
        " channel_id=excluded.channel_id, set_at=excluded.set_at",
        (place.platform, user_id, at, tz, place.server_id, place.channel_id, ts(now)),
    )


def remove(conn: sqlite3.Connection, platform: str, user_id: str) -> bool:
    cursor = conn.execute(
        "DELETE FROM practice_reminders WHERE platform=? AND user_id=?", (platform, user_id)
    )
    return cursor.rowcount > 0


def every(conn: sqlite3.Connection) -> list[Reminder]:
    rows = conn.execute(
        "SELECT platform, user_id, remind_at, tz, server_id, channel_id FROM practice_reminders"
        " ORDER BY platform, user_id"
    )
    return [Reminder(r[0], r[1], r[2], r[3], Place(r[0], r[4] or "", r[5] or "")) for r in rows]


def of(conn: sqlite3.Connection, platform: str, user_id: str) -> Reminder | None:
    return next(iter(_one(conn, platform, user_id)), None)


def _one(conn: sqlite3.Connection, platform: str, user_id: str) -> list[Reminder]:
    rows = conn.execute(
        "SELECT platform, user_id, remind_at, tz, server_id, channel_id FROM practice_reminders"
        " WHERE platform=? AND user_id=?",
        (platform, user_id),
    )
    return [Reminder(r[0], r[1], r[2], r[3], Place(r[0], r[4] or "", r[5] or "")) for r in rows]


def claim_day(
    conn: sqlite3.Connection, platform: str, user_id: str, day: date, now: datetime
) -> bool:
    """True only for the one caller that claims this player's reminder for `day`."""
    row = conn.execute(
        "INSERT INTO practice_reminder_days (platform, user_id, local_date, state, claimed_at)"
        " VALUES (?,?,?,'claimed',?) ON CONFLICT (platform, user_id, local_date) DO NOTHING"
        " RETURNING local_date",
        (platform, user_id, day.isoformat(), ts(now)),
    ).fetchone()
    return row is not None


def finish_day(
    conn: sqlite3.Connection,
    platform: str,
    user_id: str,
    day: date,
    state: str,
    due_cards: int,
    now: datetime,
) -> None:
    conn.execute(
        "UPDATE practice_reminder_days SET state=?, due_cards=?, done_at=?"
        " WHERE platform=? AND user_id=? AND local_date=?",
        (state, due_cards, ts(now), platform, user_id, day.isoformat()),
    )


def days(conn: sqlite3.Connection, platform: str, user_id: str) -> list[tuple[str, str, int]]:
    """(local date, state, due cards) of every day this player's reminder was claimed."""
    rows = conn.execute(
        "SELECT local_date, state, COALESCE(due_cards, 0) FROM practice_reminder_days"
        " WHERE platform=? AND user_id=? ORDER BY local_date",
        (platform, user_id),
    )
    return [(r[0], r[1], r[2]) for r in rows]
