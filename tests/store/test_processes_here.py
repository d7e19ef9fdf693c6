"""A process restarted on the same host knows at once that its predecessor is dead (SIGKILL
leaves its heartbeat fresh for DEAD_AFTER): the pid in the owner's name is gone, or is the
new process's own (a container restarted, pid 1 again). Processes of other hosts, and live
pids, keep the heartbeat rule. Both backends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime

from bot.schedule.store import DailyStore
from bot.store import Store
from bot.store.processes import STOPPED, gone_from_this_host, new_owner

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
HOST = socket.gethostname()


def finished_pid() -> int:
    """The pid of a process that has ended and been reaped."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


def test_which_owners_are_known_gone() -> None:
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert gone_from_this_host(f"{HOST}:{finished_pid()}:aaaa1111")
        assert gone_from_this_host(f"{HOST}:{os.getpid()}:bbbb2222")  # ours, not our owner
        assert not gone_from_this_host(new_owner())  # this very process
        assert not gone_from_this_host(f"{HOST}:{running.pid}:cccc3333")
        assert not gone_from_this_host(f"elsewhere:{finished_pid()}:dddd4444")
        assert not gone_from_this_host("a-name-without-a-pid")
    finally:
        running.kill()
        running.wait()


async def test_a_beat_retires_the_dead_processes_of_this_host(db_target) -> None:
    dead_here = f"{HOST}:{finished_pid()}:aaaa1111"
    elsewhere = f"elsewhere:{finished_pid()}:dddd4444"
    me = new_owner()
    async with await Store.open(db_target) as store:
        daily = DailyStore(store)
        assert await daily.beat(dead_here, NOW) == 1  # its last beat, just before SIGKILL
        # Any beat on this host retires it, this one too (the row says "elsewhere", but the
        # code runs here); the two names that are not gone are counted.
        assert await daily.beat(elsewhere, NOW) == 1
        assert await daily.beat(me, NOW) == 2
        beats = dict(await store.fetchall("SELECT owner, beat_at FROM processes"))
        assert beats[dead_here] == STOPPED
        assert beats[elsewhere] != STOPPED and beats[me] != STOPPED
