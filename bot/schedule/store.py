"""The daily question's tables: schedules, slots (the exactly-once guard) and weekly posts.

Every state change of a slot is one conditional write through the Store's single writer, so
two tasks, or two processes on one database file, can race for a slot and exactly one wins:

    (no row) --claim--> claimed --begin--> posting --done--> posted
                          ^  |                |
                          |  +--> skipped     +--fail--> claimed (retry later) | failed
                          +-- take over when the lease ran out (nobody is posting)
    posting, lease ran out (its process died): reconciled from the engine's rounds (read
    through `bot.store.rounds`, in the same transaction):
        the round has a message ref -> posted; no round or a cancelled one -> claimed again;
        an open round without ref (post may have reached the platform) -> unknown, never retried.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fsrs import Card as FsrsCard

from bot.ports import Place
from bot.schedule.spec import DailySpec
from bot.store import memory, processes, rounds
from bot.store.db import Connection, Store, parse_ts, ts

_KEY = "platform=? AND server_id=? AND channel_id=?"

FINAL_STATES = ("posted", "failed", "skipped", "unknown")


def key(place: Place) -> tuple[str, str, str]:
    return place.platform, place.server_id, place.channel_id


@dataclass(frozen=True, slots=True)
class Schedule:
    place: Place
    spec: DailySpec
    updated_by: str | None
    updated_at: datetime
    paused_reason: str | None = None  # set when the platform refused it for good
    paused_at: datetime | None = None
    set_by_id: str | None = None  # the admin's platform user id, told when it is paused

    @property
    def paused(self) -> bool:
        return self.paused_reason is not None

    @property
    def active(self) -> bool:
        """On and not paused: its job is registered and its posts go out."""
        return self.spec.enabled and not self.paused


@dataclass(frozen=True, slots=True)
class SlotRow:
    place: Place
    local_date: date
    state: str
    due_at: datetime
    deadline: datetime
    owner: str | None
    lease_until: datetime | None
    kind: str | None
    card_id: str | None
    format: str | None
    attempts: int
    failures: int
    last_error: str | None
    round_id: int | None
    message_ref: str | None
    closes_at: datetime | None
    posted_at: datetime | None

    @classmethod
    def from_row(cls, row: sqlite3.Row, place: Place | None = None) -> SlotRow:
        """`place`: the caller's own Place when it is the row's (saves making an equal one
        for each of 10,000 slots read back in the same minute)."""
        lease_until, closes_at, posted_at = row["lease_until"], row["closes_at"], row["posted_at"]
        return cls(
            place=place or Place(row["platform"], row["server_id"], row["channel_id"]),
            local_date=date.fromisoformat(row["local_date"]),
            state=row["state"],
            due_at=parse_ts(row["due_at"]),
            deadline=parse_ts(row["deadline"]),
            owner=row["owner"],
            lease_until=parse_ts(lease_until) if lease_until else None,
            kind=row["kind"],
            card_id=row["card_id"],
            format=row["format"],
            attempts=row["attempts"],
            failures=row["failures"],
            last_error=row["last_error"],
            round_id=row["round_id"],
            message_ref=row["message_ref"],
            closes_at=parse_ts(closes_at) if closes_at else None,
            posted_at=parse_ts(posted_at) if posted_at else None,
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """The outcome of trying to claim a slot: `mine` means this caller may post now."""

    mine: bool
    row: SlotRow


class DailyStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    # -- schedules ------------------------------------------------------------------------

    async def save_schedule(
        self,
        place: Place,
        spec: DailySpec,
        by: str | None,
        now: datetime,
        *,
        by_id: str | None = None,
    ) -> None:
        """Store the schedule; saving it also lifts a pause (the admin says it works again)."""
        row = {
            **spec.to_row(),
            "updated_by": by,
            "updated_at": ts(now),
            "paused_reason": None,
            "paused_at": None,
        }
        if by_id is not None:
            row["set_by_id"] = by_id
        cols = ", ".join(row)
        sql = (
            f"INSERT INTO daily_schedules (platform, server_id, channel_id, {cols}) VALUES "
            f"(?, ?, ?, {', '.join('?' * len(row))}) ON CONFLICT (platform, server_id, channel_id)"
            f" DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in row)}"
        )
        await self.store.write(lambda c: c.execute(sql, (*key(place), *row.values())))

    async def pause(self, place: Place, reason: str, now: datetime) -> bool:
        """Pause one schedule; True only for the call that paused it (so its admin is told
        once, however many posts or reveals hit the same refusal)."""
        sql = (
            "UPDATE daily_schedules SET paused_reason=?, paused_at=?"
            f" WHERE {_KEY} AND paused_reason IS NULL"
        )
        params = (reason[:500], ts(now), *key(place))
        return bool(await self.store.write(lambda c: c.execute(sql, params).rowcount))

    async def pause_server(
        self, platform: str, server_id: str, reason: str, now: datetime
    ) -> list[Place]:
        """Pause every schedule of one server or workspace that is not paused yet; returns
        their places."""

        def tx(conn: Connection) -> list[Place]:
            rows = conn.execute(
                "SELECT channel_id FROM daily_schedules WHERE platform=? AND server_id=?"
                " AND paused_reason IS NULL",
                (platform, server_id),
            ).fetchall()
            conn.execute(
                "UPDATE daily_schedules SET paused_reason=?, paused_at=?"
                " WHERE platform=? AND server_id=? AND paused_reason IS NULL",
                (reason[:500], ts(now), platform, server_id),
            )
            return [Place(platform, server_id, r["channel_id"]) for r in rows]

        return await self.store.write(tx)

    # The calls a daily post makes (schedule, claim, card_uses, posted) hand back the store's
    # future, their result finished on the database thread: no coroutine per call stays alive
    # across the wait (10,000 posts in flight at once make that work for the collector).

    def schedule(self, place: Place) -> asyncio.Future[Schedule | None]:
        return self.store.read(functools.partial(_read_schedule, place=place))

    async def schedules(self) -> list[Schedule]:
        rows = await self.store.fetchall(
            f"{_SELECT_SCHEDULE} ORDER BY platform, server_id, channel_id"
        )
        return [_schedule(r) for r in rows]

    # -- slots ----------------------------------------------------------------------------

    async def slot(self, place: Place, day: date) -> SlotRow | None:
        row = await self.store.fetchone(
            f"SELECT * FROM daily_slots WHERE {_KEY} AND local_date=?",
            (*key(place), day.isoformat()),
        )
        return SlotRow.from_row(row) if row else None

    async def slots(
        self, place: Place | None = None, states: tuple[str, ...] = ()
    ) -> list[SlotRow]:
        where: list[str] = []
        params: list[Any] = []
        if place is not None:
            where.append(_KEY)
            params.extend(key(place))
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(states)
        sql = "SELECT * FROM daily_slots"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = await self.store.fetchall(sql + " ORDER BY local_date", tuple(params))
        return [SlotRow.from_row(r) for r in rows]

    def claim(
        self,
        place: Place,
        day: date,
        *,
        due_at: datetime,
        deadline: datetime,
        owner: str,
        now: datetime,
        lease_until: datetime,
        posting_lease_over: datetime,
        reopen: bool = False,
        dead_before: datetime | None = None,
    ) -> asyncio.Future[Claim]:
        """Claim the slot for `owner`, or report who has it.

        `posting_lease_over`: a `posting` attempt whose lease ended before this is presumed
        dead and is reconciled from the rounds table. `reopen` (the admin's "post now") also
        takes a slot that was skipped or failed. `dead_before`: a claim or attempt whose
        process last beat before this (`bot.store.processes`) counts as lapsed already."""
        tx = _ClaimTx(
            place,
            (*key(place), day.isoformat()),
            due_at=ts(due_at),
            deadline=ts(deadline),
            owner=owner,
            stamp=ts(now),
            lease=ts(lease_until),
            posting_lease_over=ts(posting_lease_over),
            reopen=reopen,
            dead_before=ts(dead_before) if dead_before is not None else "",
        )
        return self.store.write(tx)

    async def skip(self, place: Place, day: date, *, due_at: datetime, now: datetime, why: str):
        """Record a slot as skipped unless something already happened to it."""
        await self.store.write(
            lambda c: c.execute(
                "INSERT INTO daily_slots (platform, server_id, channel_id, local_date, state,"
                " due_at, deadline, last_error, claimed_at) VALUES (?, ?, ?, ?, 'skipped', ?, ?,"
                " ?, ?) ON CONFLICT (platform, server_id, channel_id, local_date) DO NOTHING",
                (*key(place), day.isoformat(), ts(due_at), ts(due_at), why, ts(now)),
            )
        )
        return await self.slot(place, day)

    async def begin_posting(
        self,
        place: Place,
        day: date,
        *,
        owner: str,
        now: datetime,
        lease_until: datetime,
        kind: str,
        card_id: str,
        fmt: str,
    ) -> bool:
        """claimed -> posting, only while `owner` still holds the claim. Committed before the
        poster is called: from here on a crash leaves evidence that a post may be out."""
        # One row by its key: a burst of these runs as one executemany (Store.write_row).
        return bool(
            await self.store.write_row(
                _BEGIN_POSTING,
                (ts(lease_until), ts(now), kind, card_id, fmt, *key(place), day.isoformat(),
                 owner),
            )
        )  # fmt: skip

    def posted(
        self, place: Place, day: date, *, owner: str, round_id: int, now: datetime
    ) -> asyncio.Future[SlotRow | None]:
        k = (*key(place), day.isoformat())
        return self.store.write(_PostedTx(place, k, round_id, ts(now), owner))

    async def failed_attempt(
        self,
        place: Place,
        day: date,
        *,
        owner: str,
        error: str,
        retry_at: datetime | None,
        unknown: bool = False,
    ) -> SlotRow | None:
        """posting -> claimed (free to retry from `retry_at`) or -> failed (no retry left),
        or -> unknown (`unknown`: the post may be out, so it is never tried again)."""
        if unknown:
            sql_state, lease = "unknown", None
        elif retry_at is None:
            sql_state, lease = "failed", None
        else:
            sql_state, lease = "claimed", ts(retry_at)
        await self.store.write(
            lambda c: c.execute(
                "UPDATE daily_slots SET state=?, owner=NULL, lease_until=?, failures=failures+1,"
                f" last_error=? WHERE {_KEY} AND local_date=? AND state='posting' AND owner=?",
                (sql_state, lease, error[:500], *key(place), day.isoformat(), owner),
            )
        )
        return await self.slot(place, day)

    async def release(self, place: Place, day: date, *, owner: str, state: str, why: str):
        """Give up a claim without posting: `skipped` (nothing to post) or `failed`."""
        await self.store.write(
            lambda c: c.execute(
                "UPDATE daily_slots SET state=?, owner=NULL, lease_until=NULL, last_error=?"
                f" WHERE {_KEY} AND local_date=? AND state='claimed' AND owner=?",
                (state, why[:500], *key(place), day.isoformat(), owner),
            )
        )
        return await self.slot(place, day)

    # -- several processes ----------------------------------------------------------------

    async def beat(self, owner: str, now: datetime) -> int:
        """Record that `owner` is alive; returns how many processes are alive now."""

        def tx(conn: sqlite3.Connection) -> int:
            processes.beat(conn, owner, now)
            return processes.live(conn, now)

        return await self.store.write(tx)

    async def leave(self, owner: str) -> None:
        await self.store.write(functools.partial(processes.leave, owner=owner))

    async def orphans(self, dead_before: datetime, limit: int) -> list[SlotRow]:
        """Slots claimed or being posted by a process that stopped beating."""
        rows = await self.store.fetchall(
            "SELECT s.* FROM daily_slots s JOIN processes p ON p.owner = s.owner"
            " WHERE s.state IN ('claimed', 'posting') AND p.beat_at < ?"
            " ORDER BY s.due_at LIMIT ?",
            (ts(dead_before), limit),
        )
        return [SlotRow.from_row(r) for r in rows]

    async def unknown_since(self, since: datetime) -> list[SlotRow]:
        """Slots whose attempt died mid-post since `since` (the post may be out)."""
        rows = await self.store.fetchall(
            "SELECT * FROM daily_slots WHERE state='unknown' AND round_id IS NOT NULL"
            " AND message_ref IS NULL AND due_at >= ?",
            (ts(since),),
        )
        return [SlotRow.from_row(r) for r in rows]

    async def found_post(self, row: SlotRow, ref: str, now: datetime) -> SlotRow | None:
        """unknown -> posted: the platform handed back the post a dead attempt made."""

        def tx(conn: sqlite3.Connection) -> None:
            _, closes_at = rounds.post_of(conn, row.round_id or 0)
            conn.execute(
                "UPDATE daily_slots SET state='posted', owner=NULL, message_ref=?, closes_at=?,"
                f" posted_at=?, last_error=NULL WHERE {_KEY} AND local_date=? AND state='unknown'"
                " AND round_id=?",
                (ref, closes_at, ts(now), *key(row.place), row.local_date.isoformat(),
                 row.round_id),
            )  # fmt: skip

        await self.store.write(tx)
        return await self.slot(row.place, row.local_date)

    async def take_unknown(
        self, rows: list[SlotRow], owner: str, dead_before: datetime
    ) -> list[SlotRow]:
        """The `unknown` slots of `rows` that `owner` now has to itself: nobody had them,
        or their process died."""
        stamp = ts(dead_before)

        def tx(conn: sqlite3.Connection) -> list[SlotRow]:
            mine = []
            for row in rows:
                current = _slot_row(conn, (*key(row.place), row.local_date.isoformat()))
                if current is None or current["state"] != "unknown":
                    continue
                held_by = current["owner"]
                if held_by is not None and not processes.dead(conn, held_by, stamp):
                    continue
                taken = conn.execute(
                    "UPDATE daily_slots SET owner=?"
                    f" WHERE {_KEY} AND local_date=? AND state='unknown'"
                    " AND COALESCE(owner, '') = ?",
                    (owner, *key(row.place), row.local_date.isoformat(), held_by or ""),
                ).rowcount
                if taken:
                    mine.append(row)
            return mine

        return await self.store.write(tx)

    async def forget_dead(self, now: datetime) -> None:
        await self.store.write(functools.partial(processes.forget_dead, now=now))

    # -- rotation -------------------------------------------------------------------------

    def card_uses(self, place: Place) -> asyncio.Future[dict[str, int]]:
        """How often each card was asked in this channel's daily rotation (posts that failed
        were cancelled by the engine and do not count)."""
        return self.store.read(functools.partial(rounds.daily_card_uses, place=place))

    def channel_memory(
        self, place: Place, since: datetime
    ) -> asyncio.Future[tuple[dict[str, list[FsrsCard]], set[str]]]:
        """The channel's active players' memory per card, and the cards asked there since."""
        return self.store.read(
            functools.partial(
                memory.channel_memory,
                platform=place.platform,
                server_id=place.server_id,
                channel_id=place.channel_id,
                since=since,
            )
        )

    def round_state(self, round_id: int) -> asyncio.Future[str | None]:
        return self.store.read(functools.partial(rounds.state_of, round_id=round_id))

    # -- weekly leaderboard ---------------------------------------------------------------

    async def claim_week(self, place: Place, week: str, now: datetime) -> bool:
        sql = (
            "INSERT INTO daily_weekly_posts (platform, server_id, channel_id, week, state,"
            " claimed_at) VALUES (?, ?, ?, ?, 'claimed', ?) ON CONFLICT DO NOTHING"
        )
        params = (*key(place), week, ts(now))
        return bool(await self.store.write(lambda c: c.execute(sql, params).rowcount))

    async def week_done(
        self, place: Place, week: str, *, ref: str | None, error: str | None, now: datetime
    ) -> None:
        await self.store.write(
            lambda c: c.execute(
                "UPDATE daily_weekly_posts SET state=?, message_ref=?, last_error=?, posted_at=?"
                f" WHERE {_KEY} AND week=?",
                (
                    "failed" if error else "posted",
                    ref,
                    error,
                    None if error else ts(now),
                    *key(place),
                    week,
                ),
            )
        )

    async def week_state(self, place: Place, week: str) -> str | None:
        row = await self.store.fetchone(
            f"SELECT state FROM daily_weekly_posts WHERE {_KEY} AND week=?", (*key(place), week)
        )
        return row["state"] if row else None


_BEGIN_POSTING = (
    "UPDATE daily_slots SET state='posting', lease_until=?, attempt_at=?,"
    " attempts=attempts+1, kind=?, card_id=?, format=?"
    f" WHERE {_KEY} AND local_date=? AND state='claimed' AND owner=?"
)

# The slot writes of a daily post are small objects, not closures: a closure keeps a cell per
# captured name alive in its (suspended) caller, and with 10,000 posts in flight at once
# that is work for the garbage collector.


class _ClaimTx:
    __slots__ = (
        "dead_before",
        "deadline",
        "due_at",
        "k",
        "lease",
        "owner",
        "place",
        "posting_lease_over",
        "reopen",
        "stamp",
    )

    def __init__(
        self,
        place: Place,
        k: tuple[Any, ...],
        *,
        due_at: str,
        deadline: str,
        owner: str,
        stamp: str,
        lease: str,
        posting_lease_over: str,
        reopen: bool,
        dead_before: str = "",
    ) -> None:
        self.place, self.k, self.due_at, self.deadline = place, k, due_at, deadline
        self.owner = owner
        self.stamp, self.lease, self.posting_lease_over = stamp, lease, posting_lease_over
        self.reopen = reopen
        self.dead_before = dead_before

    def __call__(self, conn: Connection) -> Claim:
        mine, row = self._claim(conn)
        return Claim(mine, SlotRow.from_row(row, self.place))

    def _claim(self, conn: Connection) -> tuple[bool, sqlite3.Row]:
        k, stamp, lease, owner = self.k, self.stamp, self.lease, self.owner
        inserted = conn.execute(
            "INSERT INTO daily_slots (platform, server_id, channel_id, local_date, state,"
            " due_at, deadline, owner, lease_until, claimed_at)"
            " VALUES (?, ?, ?, ?, 'claimed', ?, ?, ?, ?, ?)"
            " ON CONFLICT (platform, server_id, channel_id, local_date) DO NOTHING",
            (*k, self.due_at, self.deadline, owner, lease, stamp),
        ).rowcount
        if inserted:
            return True, _slot_row(conn, k)
        row = _slot_row(conn, k)
        # Its process stopped beating (killed, machine lost): lapsed now, whatever the lease.
        orphan = bool(self.dead_before) and processes.dead(conn, row["owner"], self.dead_before)
        if row["state"] == "posting" and (row["lease_until"] <= self.posting_lease_over or orphan):
            _reconcile(conn, k, row)
            row = _slot_row(conn, k)
        taken = 0
        if row["state"] == "claimed" and row["lease_until"] <= stamp:
            taken = conn.execute(
                "UPDATE daily_slots SET owner=?, lease_until=?"
                f" WHERE {_KEY} AND local_date=? AND state='claimed' AND lease_until<=?",
                (owner, lease, *k, stamp),
            ).rowcount
        elif row["state"] == "claimed" and orphan:
            taken = conn.execute(
                "UPDATE daily_slots SET owner=?, lease_until=?"
                f" WHERE {_KEY} AND local_date=? AND state='claimed' AND owner=?",
                (owner, lease, *k, row["owner"]),
            ).rowcount
        elif self.reopen and row["state"] in ("skipped", "failed"):
            taken = conn.execute(
                "UPDATE daily_slots SET state='claimed', owner=?, lease_until=?,"
                " deadline=?, claimed_at=?"
                f" WHERE {_KEY} AND local_date=? AND state IN ('skipped', 'failed')",
                (owner, lease, self.deadline, stamp, *k),
            ).rowcount
        return bool(taken), _slot_row(conn, k)


class _PostedTx:
    """posting -> posted, with the round's ref and close time read in the same transaction,
    and the row read back: one trip to the database."""

    __slots__ = ("k", "owner", "place", "round_id", "stamp")

    def __init__(
        self, place: Place, k: tuple[Any, ...], round_id: int, stamp: str, owner: str
    ) -> None:
        self.place, self.k, self.round_id, self.stamp, self.owner = place, k, round_id, stamp, owner

    def __call__(self, conn: Connection) -> SlotRow | None:
        ref, closes_at = rounds.post_of(conn, self.round_id)
        conn.execute(
            "UPDATE daily_slots SET state='posted', owner=NULL, lease_until=NULL, round_id=?,"
            " message_ref=?, closes_at=?, posted_at=?"
            f" WHERE {_KEY} AND local_date=? AND state='posting' AND owner=?",
            (self.round_id, ref, closes_at, self.stamp, *self.k, self.owner),
        )
        row = _slot_row(conn, self.k)
        return SlotRow.from_row(row, self.place) if row else None


def _read_schedule(conn: Connection, place: Place) -> Schedule | None:
    row = conn.execute(f"{_SELECT_SCHEDULE} WHERE {_KEY}", key(place)).fetchone()
    return _schedule(row, place) if row else None


def _slot_row(conn: Connection, k: tuple[Any, ...]) -> sqlite3.Row:
    return conn.execute(f"SELECT * FROM daily_slots WHERE {_KEY} AND local_date=?", k).fetchone()


def _reconcile(conn: Connection, k: tuple[Any, ...], row: sqlite3.Row) -> None:
    """A `posting` attempt whose process died: decide from the engine's round, which the
    engine stores BEFORE posting and records the message ref of AFTER."""
    found = rounds.first_daily_since(conn, Place(*k[:3]), row["card_id"], row["attempt_at"])
    where = f" WHERE {_KEY} AND local_date=? AND state='posting'"
    if found is not None and found["message_ref"]:
        conn.execute(
            "UPDATE daily_slots SET state='posted', owner=NULL, lease_until=NULL, round_id=?,"
            " message_ref=?, closes_at=?, posted_at=?" + where,
            (found["id"], found["message_ref"], found["closes_at"], row["attempt_at"], *k),
        )
    elif found is None or found["state"] == "cancelled":
        # The engine stores the round before it posts and cancels it when posting raises:
        # no round, or a cancelled one, means nothing reached the platform. Free to retry now.
        conn.execute(
            "UPDATE daily_slots SET state='claimed', owner=NULL, lease_until=?,"
            " last_error='interrupted before posting'" + where,
            (row["attempt_at"], *k),
        )
    else:
        conn.execute(
            "UPDATE daily_slots SET state='unknown', owner=NULL, lease_until=NULL, round_id=?,"
            " last_error='interrupted while posting: the post may have gone out, so it is not"
            " retried (a second post would be a duplicate)'" + where,
            (found["id"], *k),
        )


def _schedule(row: sqlite3.Row, place: Place | None = None) -> Schedule:
    paused_at = row["paused_at"]
    return Schedule(
        place=place or Place(row["platform"], row["server_id"], row["channel_id"]),
        spec=_spec(tuple(row)[_SPEC_SLICE]),
        updated_by=row["updated_by"],
        updated_at=parse_ts(row["updated_at"]),
        paused_reason=row["paused_reason"],
        paused_at=parse_ts(paused_at) if paused_at else None,
        set_by_id=row["set_by_id"] or _id_in(row["updated_by"]),
    )


def _id_in(updated_by: str | None) -> str | None:
    """The user id in "Name (platform:id)", how schedules saved before set_by_id named it."""
    if not updated_by or not updated_by.endswith(")") or ":" not in updated_by:
        return None
    return updated_by.rsplit(":", 1)[1][:-1] or None


_SPEC_COLUMNS = (
    "post_time", "tz", "weekdays", "reveal", "deck", "topic", "level", "formats",
    "prompt_weekday", "weekly_leaderboard", "enabled", "pick",
)  # fmt: skip
# Named in this order so the spec's values are one slice of the row.
_SELECT_SCHEDULE = (
    f"SELECT platform, server_id, channel_id, {', '.join(_SPEC_COLUMNS)}, updated_by, updated_at,"
    " paused_reason, paused_at, set_by_id FROM daily_schedules"
)
_SPEC_SLICE = slice(3, 3 + len(_SPEC_COLUMNS))


@functools.lru_cache(maxsize=4096)
def _spec(values: tuple[Any, ...]) -> DailySpec:
    # Thousands of channels share a handful of settings; parsing is the costly part of a
    # schedule read when they all fire in the same minute. DailySpec is frozen, so sharing
    # one object is safe.
    return DailySpec.from_row(dict(zip(_SPEC_COLUMNS, values, strict=True)))
