"""Several `quizbot run` processes on one database: who is alive, and deliveries already taken.

Each process beats every few seconds in `processes`; one that has not beaten for `DEAD_AFTER`
is dead (SIGKILL, a lost machine), and the claims it held (`daily_slots.owner`) are taken
over by the others at once instead of when their lease runs out. `deliveries` remembers the
ids of platform deliveries (Slack's event and trigger ids) so that a retry reaching another
process behind a load balancer is recognised as a repeat.

Plain SQL that runs on SQLite and PostgreSQL alike (the functions take the connection).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from bot.store.db import Connection, ts

BEAT_EVERY = timedelta(seconds=5)
# Six missed beats. A live process whose loop stalls this long could see a claim it holds
# taken over; the takeover is still safe (see bot/schedule/store.py), only slower.
DEAD_AFTER = timedelta(seconds=30)
DELIVERIES_KEPT = timedelta(hours=1)  # Slack retries within minutes; an hour is plenty
STOPPED = "1970-01-01T00:00:00.000000Z"  # the beat of a process that stopped


def new_owner() -> str:
    """This process's name in `processes` and in the claims it takes: host, pid and a random
    part, unique per Scheduler (a restarted process must not mistake an old claim for its
    own). Host and pid let a process on the same host tell that another one is gone."""
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    _OURS.add(owner)
    return owner


# The owners made in this process (tests run several schedulers in one): alive while it is.
_OURS: set[str] = set()


def gone_from_this_host(owner: str) -> bool:
    """True when `owner` names a process of this host that no longer runs: its pid is not a
    process, or is ours while the owner is not (a container restarted under the same
    hostname, pid 1 again). So a process restarted after SIGKILL knows at once that its
    predecessor is dead, instead of counting it alive for DEAD_AFTER and leaving its recent
    work alone. Hostnames are assumed unique per machine or container (Docker's and
    Kubernetes' default); a pid reused by another program only keeps the slower rule."""
    if owner in _OURS:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # it exists, under another user
        return False
    return False


def beat(conn: Connection, owner: str, now: datetime) -> None:
    """`owner` is alive; any other process of this host that is gone is marked as having
    left (see `gone_from_this_host`), so its claims are taken over at once."""
    stamp = ts(now)
    conn.execute(
        "INSERT INTO processes (owner, started_at, beat_at) VALUES (?, ?, ?)"
        " ON CONFLICT (owner) DO UPDATE SET beat_at = excluded.beat_at",
        (owner, stamp, stamp),
    )
    others = conn.execute(
        "SELECT owner FROM processes WHERE owner <> ? AND beat_at > ?",
        (owner, STOPPED),
    ).fetchall()
    for row in others:
        if gone_from_this_host(row[0]):
            leave(conn, row[0])


def leave(conn: Connection, owner: str) -> None:
    """A process stopping cleanly (its adapters are closed: nothing more of it reaches a
    platform): the others stop counting it, and take over the claims it leaves at once."""
    conn.execute("UPDATE processes SET beat_at=? WHERE owner=?", (STOPPED, owner))


def live(conn: Connection, now: datetime) -> int:
    """How many processes beat within DEAD_AFTER (the caller included, once it beat)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM processes WHERE beat_at > ?", (ts(now - DEAD_AFTER),)
    ).fetchone()
    return int(row[0])


def forget_dead(conn: Connection, now: datetime) -> None:
    """Processes gone for a day (a stopped one at once) that hold no slot: a slot's owner
    must stay known as dead until another process took the slot over (`dead` reads an
    unknown owner as one that never beat, which only its lease of minutes would free)."""
    conn.execute(
        "DELETE FROM processes WHERE beat_at < ? AND owner NOT IN (SELECT owner FROM"
        " daily_slots WHERE state IN ('claimed', 'posting', 'unknown') AND owner IS NOT NULL)",
        (ts(now - timedelta(days=1)),),
    )


def dead(conn: Connection, owner: str | None, stamp_dead_before: str) -> bool:
    """True when `owner` is a process that beat and then stopped beating before
    `stamp_dead_before`. An owner that never beat (a scheduler without a watch, as in a
    single process or the tests) is judged by its lease alone."""
    if not owner:
        return False
    row = conn.execute("SELECT beat_at FROM processes WHERE owner=?", (owner,)).fetchone()
    return row is not None and row[0] < stamp_dead_before


def first_delivery(conn: Connection, key: str, now: datetime) -> bool:
    """True for the first process to see delivery `key` (it is remembered), False for a
    repeat, whichever process saw it first."""
    inserted = conn.execute(
        "INSERT INTO deliveries (delivery_key, seen_at) VALUES (?, ?)"
        " ON CONFLICT (delivery_key) DO NOTHING",
        (key, ts(now)),
    ).rowcount
    return bool(inserted)


def forget_deliveries(conn: Connection, now: datetime) -> int:
    return conn.execute(
        "DELETE FROM deliveries WHERE seen_at < ?", (ts(now - DELIVERIES_KEPT),)
    ).rowcount
