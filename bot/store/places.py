"""The `place_settings` table: per-channel settings (its time zone)."""

from __future__ import annotations

import sqlite3

from bot.ports import Place


def zone(conn: sqlite3.Connection, place: Place) -> str | None:
    row = conn.execute(
        "SELECT tz FROM place_settings WHERE platform=? AND server_id=? AND channel_id=?",
        (place.platform, place.server_id, place.channel_id),
    ).fetchone()
    return row[0] if row else None


def set_zone(conn: sqlite3.Connection, place: Place, tz: str) -> None:
    conn.execute(
        "INSERT INTO place_settings (platform, server_id, channel_id, tz) VALUES (?,?,?,?)"
        " ON CONFLICT DO UPDATE SET tz = excluded.tz",
        (place.platform, place.server_id, place.channel_id, tz),
    )
