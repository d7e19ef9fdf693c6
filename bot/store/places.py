"""Per-place settings: a channel's time zone (`place_settings`) and the zone its server's
weeks and months are reckoned in (`server_settings`)."""

from __future__ import annotations

from datetime import datetime

from bot.ports import Place
from bot.store.db import Connection, ts


def zone(conn: Connection, place: Place) -> str | None:
    row = conn.execute(
        "SELECT tz FROM place_settings WHERE platform=? AND server_id=? AND channel_id=?",
        (place.platform, place.server_id, place.channel_id),
    ).fetchone()
    return row[0] if row else None


def set_zone(conn: Connection, place: Place, tz: str, now: datetime) -> None:
    """The channel's zone. The first channel of a server to get one gives the server its
    zone, and keeps giving it: a later change of that channel's zone moves the server's."""
    conn.execute(
        "INSERT INTO place_settings (platform, server_id, channel_id, tz) VALUES (?,?,?,?)"
        " ON CONFLICT (platform, server_id, channel_id) DO UPDATE SET tz = excluded.tz",
        (place.platform, place.server_id, place.channel_id, tz),
    )
    conn.execute(
        "INSERT INTO server_settings (platform, server_id, tz, channel_id, set_at)"
        " VALUES (?,?,?,?,?) ON CONFLICT (platform, server_id)"
        " DO UPDATE SET tz = excluded.tz, set_at = excluded.set_at"
        " WHERE server_settings.channel_id = excluded.channel_id"
        " AND server_settings.tz != excluded.tz",
        (place.platform, place.server_id, tz, place.channel_id, ts(now)),
    )


def server_zone(conn: Connection, platform: str, server_id: str) -> str | None:
    row = conn.execute(
        "SELECT tz FROM server_settings WHERE platform=? AND server_id=?", (platform, server_id)
    ).fetchone()
    return row[0] if row else None
