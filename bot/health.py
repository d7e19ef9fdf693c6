"""Heartbeats: `quizbot run` records that it and each adapter are alive; `quizbot health`
reads them, so a container HEALTHCHECK or a monitoring probe needs no port or token."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime, timedelta

from bot.clock import Clock, SystemClock
from bot.paths import db_path
from bot.store import Store, StoreError
from bot.store.db import parse_ts, ts

BEAT_EVERY = timedelta(seconds=30)
STALE_AFTER = timedelta(seconds=120)  # four missed beats: the process is hung or gone


async def record_beats(store: Store, beats: dict[str, bool], now: datetime) -> None:
    rows = [(name, ts(now), int(alive)) for name, alive in beats.items()]

    def write(conn) -> None:
        conn.executemany(
            "INSERT INTO heartbeats (name, beat_at, alive) VALUES (?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET beat_at=excluded.beat_at, alive=excluded.alive",
            rows,
        )

    await store.write(write)


async def check(path, clock: Clock | None = None) -> tuple[bool, list[str]]:
    """(healthy, one line per component)."""
    now = (clock or SystemClock()).now()
    async with await Store.open(path) as store:
        rows = await store.fetchall("SELECT name, beat_at, alive FROM heartbeats ORDER BY name")
    if not rows:
        return False, ["no heartbeat yet: is `quizbot run` running on this database?"]
    healthy, lines = True, []
    for row in rows:
        age = now - parse_ts(row["beat_at"])
        fresh = age <= STALE_AFTER
        ok = fresh and bool(row["alive"])
        healthy &= ok
        state = "ok" if ok else ("stale" if not fresh else "disconnected")
        lines.append(f"{row['name']}: {state} (last beat {int(age.total_seconds())} s ago)")
    return healthy, lines


def run_health(args: argparse.Namespace) -> int:
    path = db_path(args.db)
    if not path.exists():
        print(f"unhealthy: no database at {path}", file=sys.stderr)
        return 1
    try:
        healthy, lines = asyncio.run(check(path))
    except StoreError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    print("healthy" if healthy else "unhealthy")
    return 0 if healthy else 1
