"""What the database forgets, and when: the retention policy, applied in small batches.

Answers and the aggregates built from them (boards, topics, streaks, names) are kept for good:
every score can be recomputed from the answers. What goes:

- a practice round nobody answered, a day after it closed (it holds no answer);
- the text of a revealed round's question (prompt, options, explanations) after 90 days; the
  round itself stays with its card, answer key and answers, so stats and scores are intact
  (a cancelled round, which never reached anyone, goes whole);
- a channel's daily slots (the exactly-once guard of each day's post) and weekly-board
  records after a year: only the latest days are ever looked at again.

A revealed practice round that was answered drops its text at the reveal already (it was
shown once, privately), and a quick quiz drops its list of questions when it ends: the asked
ones are stored with their rounds.

The running bot applies the policy every hour (`Engine.run_timer`), in batches of a few
hundred rows, each its own short transaction, so clicks never wait long behind it.
`quizbot db prune --dry-run` shows what it would remove now; see the README for VACUUM.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from bot.store.db import Connection, ts

BATCH = 500  # rows of each kind per transaction
# A LIMIT that never binds, in a form both databases take (SQLite reads -1 as none, PostgreSQL
# refuses a negative LIMIT).
NO_LIMIT = 2**62
BATCHES_PER_PASS = 20  # a pass stops after this many batches; the next pass goes on


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    unanswered_practice: timedelta = timedelta(days=1)
    round_text: timedelta = timedelta(days=90)
    daily_slots: timedelta = timedelta(days=365)
    every: timedelta = timedelta(hours=1)  # how often the running bot applies it


DEFAULT_POLICY = RetentionPolicy()


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows of each kind were (or, in a dry run, would be) removed."""

    practice_rounds: int = 0  # unanswered practice rounds deleted
    round_texts: int = 0  # question texts dropped from old rounds
    cancelled_rounds: int = 0  # old cancelled rounds deleted
    daily_slots: int = 0
    weekly_posts: int = 0

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def __add__(self, other: Pruned) -> Pruned:
        return Pruned(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


def prune(
    conn: Connection,
    policy: RetentionPolicy,
    now: datetime,
    *,
    batch: int = BATCH,
    dry_run: bool = False,
) -> Pruned:
    """One batch of each kind (inside the caller's transaction), or every row's count with
    `dry_run` (then nothing changes)."""
    limit = NO_LIMIT if dry_run else batch
    practice_cut = ts(now - policy.unanswered_practice)
    text_cut = ts(now - policy.round_text)
    slot_cut = (now - policy.daily_slots).date()
    practice = _ids(
        conn,
        # rounds_practice_text holds only practice rounds that still have their text: the
        # unanswered ones (an answered one drops its text at its reveal) and open ones.
        "SELECT id FROM rounds r INDEXED BY rounds_practice_text WHERE mode = 'practice'"
        " AND question IS NOT NULL AND closes_at < ? AND state != 'open'"
        " AND NOT EXISTS (SELECT 1 FROM answers a WHERE a.round_id = r.id) LIMIT ?",
        (practice_cut, limit),
    )
    old = conn.execute(
        "SELECT id, state = 'cancelled' AND NOT EXISTS"
        " (SELECT 1 FROM answers a WHERE a.round_id = r.id)"
        " FROM rounds r INDEXED BY rounds_text WHERE question IS NOT NULL AND closes_at < ?"
        " AND state != 'open' LIMIT ?",
        (text_cut, limit),
    ).fetchall()
    cancelled = [r[0] for r in old if r[1]]
    texts = [r[0] for r in old if not r[1]]
    slots = _keys(conn, "daily_slots", "local_date", slot_cut.isoformat(), limit)
    weeks = _keys(conn, "daily_weekly_posts", "week", _week(slot_cut), limit)
    if not dry_run:
        gone = [(i,) for i in practice + cancelled]
        # A hint asked for on a round nobody answered goes with the round.
        conn.executemany("DELETE FROM round_hints WHERE round_id = ?", gone)
        conn.executemany("DELETE FROM rounds WHERE id = ?", gone)
        conn.executemany("UPDATE rounds SET question = NULL WHERE id = ?", [(i,) for i in texts])
        conn.executemany(
            "DELETE FROM daily_slots WHERE platform = ? AND server_id = ? AND channel_id = ?"
            " AND local_date = ?",
            slots,
        )
        conn.executemany(
            "DELETE FROM daily_weekly_posts WHERE platform = ? AND server_id = ?"
            " AND channel_id = ? AND week = ?",
            weeks,
        )
    return Pruned(len(practice), len(texts), len(cancelled), len(slots), len(weeks))


def _ids(conn: Connection, sql: str, params: tuple[object, ...]) -> list[int]:
    return [r[0] for r in conn.execute(sql, params)]


def _keys(
    conn: Connection, table: str, column: str, before: str, limit: int
) -> list[tuple[str, str, str, str]]:
    # Channel by channel through each one's primary-key range (every slot's channel has a
    # schedule row, kept when it is turned off), so no index on the date is needed.
    return [
        (r[0], r[1], r[2], r[3])
        for r in conn.execute(
            f"SELECT t.platform, t.server_id, t.channel_id, t.{column} FROM daily_schedules d"
            f" JOIN {table} t ON t.platform = d.platform AND t.server_id = d.server_id"
            f" AND t.channel_id = d.channel_id AND t.{column} < ? LIMIT ?",
            (before, limit),
        )
    ]


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
