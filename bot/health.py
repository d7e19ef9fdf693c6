"""Heartbeats: `quizbot run` records that it and each adapter are alive; `quizbot health`
reads them, so a container HEALTHCHECK or a monitoring probe needs no port or token.

Several processes may share the database (README "Running several instances"): each records
its own rows, named `<process>/<component>` (process = host:pid:random), and `quizbot health`
judges the processes of its own machine (its container): healthy when one of them is."""

from __future__ import annotations

import argparse
import asyncio
import socket
import sys
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock, SystemClock
from bot.paths import db_path
from bot.store import Store, StoreError
from bot.store.db import parse_ts, ts

BEAT_EVERY = timedelta(seconds=30)
STALE_AFTER = timedelta(seconds=120)  # four missed beats: the process is hung or gone


FORGET_AFTER = timedelta(days=1)  # rows of processes gone this long are deleted


async def record_beats(
    store: Store, beats: dict[str, bool], now: datetime, process: str | None = None
) -> None:
    prefix = f"{process}/" if process else ""
    rows = [(prefix + name, ts(now), int(alive)) for name, alive in beats.items()]

    def write(conn) -> None:
        conn.executemany(
            "INSERT INTO heartbeats (name, beat_at, alive) VALUES (?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET beat_at=excluded.beat_at, alive=excluded.alive",
            rows,
        )
        conn.execute("DELETE FROM heartbeats WHERE beat_at < ?", (ts(now - FORGET_AFTER),))

    await store.write(write)


async def check(path, clock: Clock | None = None) -> tuple[bool, list[str]]:
    """(healthy, one line per component)."""
    now = (clock or SystemClock()).now()
    async with await Store.open(path) as store:
        rows = await store.fetchall("SELECT name, beat_at, alive FROM heartbeats ORDER BY name")
    host = socket.gethostname()
    processes: dict[str, list[Any]] = {}
    for row in rows:
        process, _, component = str(row["name"]).rpartition("/")
        if process and not process.startswith(f"{host}:"):
            continue  # another machine's process: its own health check judges it
        processes.setdefault(process, []).append((component, row))
    if not processes:
        return False, ["no heartbeat yet: is `quizbot run` running on this database?"]
    judged = [_judge(beats, now) for beats in processes.values()]
    healthy, lines = max(judged, key=lambda j: (j[0], j[2]))[:2]
    if len(judged) > 1:
        alive = sum(1 for ok, _, _ in judged if ok)
        lines.append(f"{alive} of {len(judged)} processes on this machine are healthy")
    return healthy, lines


def _judge(beats: list[Any], now: datetime) -> tuple[bool, list[str], datetime]:
    """One process: (healthy, one line per component, its latest beat)."""
    healthy, lines = True, []
    latest = datetime.min.replace(tzinfo=now.tzinfo)
    for component, row in beats:
        beat_at = parse_ts(row["beat_at"])
        latest = max(latest, beat_at)
        age = now - beat_at
        fresh = age <= STALE_AFTER
        ok = fresh and bool(row["alive"])
        healthy &= ok
        state = "ok" if ok else ("stale" if not fresh else "disconnected")
        lines.append(f"{component}: {state} (last beat {int(age.total_seconds())} s ago)")
    return healthy, lines, latest


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
