"""A process restarted on the same host knows at once that its predecessor is dead (SIGKILL
leaves its heartbeat fresh for DEAD_AFTER): the pid in the owner's name is gone, or is the
new process's own (a container restarted, pid 1 again). Processes of other hosts, and live
pids, keep the heartbeat rule. Both backends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

from bot.ports import Place
from bot.schedule.spec import DailySpec
from bot.schedule.store import DailyStore
from bot.store import Store
from bot.store.processes import DEAD_AFTER, STOPPED, gone_from_this_host, new_owner

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


async def test_a_process_that_left_holding_a_slot_is_remembered_until_it_is_taken_over(
    db_target,
) -> None:
    """A retired (or cleanly stopped) process is forgotten at the next clean-up only once it
    holds no slot: forgotten earlier, its slots would wait out their ten-minute posting
    lease instead of being taken over at once (seen in CI: 192 of 240 channels stuck)."""
    place = Place("discord", "guild", "channel")
    day = NOW.date()
    gone = f"{HOST}:{finished_pid()}:eeee5555"
    me = new_owner()
    async with await Store.open(db_target) as store:
        daily = DailyStore(store)
        await daily.save_schedule(place, DailySpec(at=time(9, 0), tz="UTC"), "test", NOW)
        await daily.beat(gone, NOW)
        claim = await daily.claim(
            place, day, due_at=NOW, deadline=NOW + timedelta(hours=1), owner=gone, now=NOW,
            lease_until=NOW + timedelta(minutes=2), posting_lease_over=NOW,
        )  # fmt: skip
        assert claim.mine
        assert await daily.begin_posting(
            place, day, owner=gone, now=NOW, lease_until=NOW + timedelta(minutes=10),
            kind="question", card_id="c1", fmt="choice",
        )  # fmt: skip
        await daily.beat(me, NOW)  # retires `gone`: its pid has ended
        await daily.forget_dead(NOW)
        orphans = await daily.orphans(NOW - DEAD_AFTER, 10)
        assert [(o.place, o.owner) for o in orphans] == [(place, gone)]

        later = NOW + timedelta(seconds=5)
        taken = await daily.claim(
            place, day, due_at=NOW, deadline=NOW + timedelta(hours=1), owner=me, now=later,
            lease_until=later + timedelta(minutes=2), posting_lease_over=later,
            dead_before=later - DEAD_AFTER,
        )  # fmt: skip
        assert taken.mine and taken.row.owner == me  # no round: nothing was out, so retried
        await daily.forget_dead(later)
        owners = {row[0] for row in await store.fetchall("SELECT owner FROM processes")}
        assert owners == {me}
