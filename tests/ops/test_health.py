"""`quizbot health` with several processes on one database: each container judges the
processes of its own machine, and one healthy process there is enough."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.health import check, record_beats
from bot.store import Store

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
HOST = socket.gethostname()


async def test_one_healthy_process_of_this_machine_is_enough(tmp_path):
    db = tmp_path / "q.db"
    async with await Store.open(db) as store:
        await record_beats(store, {"runtime": False, "discord": False}, NOW, f"{HOST}:11:aa")
        await record_beats(store, {"runtime": True, "discord": True}, NOW, f"{HOST}:12:bb")
        # Another machine's dead process is its own container's business.
        old = NOW - timedelta(hours=1)
        await record_beats(store, {"runtime": True}, old, "elsewhere:13:cc")
    healthy, lines = await check(db, FakeClock(NOW + timedelta(seconds=5)))
    assert healthy
    assert lines[:2] == ["discord: ok (last beat 5 s ago)", "runtime: ok (last beat 5 s ago)"]
    assert lines[-1] == "1 of 2 processes on this machine are healthy"


async def test_only_stopped_or_stale_processes_here_are_unhealthy(tmp_path):
    db = tmp_path / "q.db"
    async with await Store.open(db) as store:
        await record_beats(store, {"runtime": False}, NOW, f"{HOST}:11:aa")
        await record_beats(store, {"runtime": True}, NOW - timedelta(minutes=5), f"{HOST}:12:bb")
        await record_beats(store, {"runtime": True}, NOW, "elsewhere:13:cc")
    healthy, lines = await check(db, FakeClock(NOW))
    assert not healthy
    assert "0 of 2 processes on this machine are healthy" in lines
