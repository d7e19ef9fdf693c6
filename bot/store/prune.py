"""`quizbot db prune [--dry-run]`: apply the retention policy now, or show what it would do.

The running bot applies the same policy every hour in small batches (`bot.store.retention`);
this command is for looking (`--dry-run` opens the file read-only and changes nothing) and for
catching up at once, e.g. after an upgrade, before a VACUUM.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

from bot.paths import Database, DatabaseUrl, db_path
from bot.store.db import SQLITE_HEADER, Store, StoreError
from bot.store.migrations import latest_version
from bot.store.retention import BATCH, DEFAULT_POLICY, Pruned, RetentionPolicy, prune

LABELS = {
    "practice_rounds": "unanswered practice rounds",
    "round_texts": "question texts of old rounds",
    "cancelled_rounds": "old cancelled rounds",
    "daily_slots": "daily slots",
    "weekly_posts": "weekly board records",
}
MAX_BATCHES = 1_000_000  # a bound on the loop; each batch removes something or it stops


def run_prune(args: argparse.Namespace) -> int:
    path = db_path(args.db)
    try:
        if args.dry_run:
            found = dry_run(path, DEFAULT_POLICY, datetime.now(UTC))
        else:
            found = asyncio.run(prune_all(path, DEFAULT_POLICY, datetime.now(UTC)))
    except StoreError as exc:
        print(f"quizbot db prune: {exc}", file=sys.stderr)
        return 1
    print(report(found, DEFAULT_POLICY, dry_run=args.dry_run))
    if not args.dry_run:
        print(free_space_note(path))
    return 0


def dry_run(path: Database, policy: RetentionPolicy, now: datetime) -> Pruned:
    """What the policy would remove now, read from the file without changing it."""
    if isinstance(path, DatabaseUrl):
        return asyncio.run(_dry_run_on_server(path, policy, now))
    _check(path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open it ({exc}).") from exc
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < latest_version():
            raise StoreError(
                f"{path}: the database has schema version {version}, older than this quizbot's "
                f"({latest_version()}). Run `quizbot db prune` without --dry-run, or start the "
                "bot once, to upgrade it first."
            )
        return prune(conn, policy, now, dry_run=True)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: could not read it ({exc}).") from exc
    finally:
        conn.close()


async def _dry_run_on_server(path: DatabaseUrl, policy: RetentionPolicy, now: datetime) -> Pruned:
    async with await Store.open(path) as store:  # its reader is read-only
        return await store.read(lambda c: prune(c, policy, now, dry_run=True))


async def prune_all(path: Database, policy: RetentionPolicy, now: datetime) -> Pruned:
    """Everything the policy removes now, in batches (safe while the bot runs)."""
    if not isinstance(path, DatabaseUrl):
        _check(path)
    done = Pruned()
    async with await Store.open(path) as store:
        for _ in range(MAX_BATCHES):
            pruned = await store.write(lambda c: prune(c, policy, now, batch=BATCH))
            done += pruned
            if pruned.total == 0:
                break
    return done


def report(found: Pruned, policy: RetentionPolicy, *, dry_run: bool) -> str:
    head = "Would remove" if dry_run else "Removed"
    rules = (
        f"unanswered practice rounds {_days(policy.unanswered_practice.days)} after they "
        f"closed, question texts {_days(policy.round_text.days)} after the reveal, daily "
        f"slots and weekly board records after {_days(policy.daily_slots.days)}"
    )
    width = max(len(label) for label in LABELS.values())
    lines = [f"{head} (policy: {rules}; answers, scores and streaks are always kept):"]
    for f in fields(found):
        lines.append(f"  {LABELS[f.name]:<{width}}  {getattr(found, f.name):>9,}")
    return "\n".join(lines)


def free_space_note(path: Database) -> str:
    if isinstance(path, DatabaseUrl):
        return "PostgreSQL's autovacuum makes the space free for new rows."
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as conn:
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    mb = free * size / 1_048_576
    return (
        f"{mb:.1f} MB inside {path.name} is now free for new rows; the file itself keeps its "
        "size until VACUUM (see the README: stop the bot, back up, VACUUM)."
    )


def _check(path: Path) -> None:
    if not path.is_file():
        raise StoreError(
            f"{path}: no database there. Check --db / QUIZBOT_DB (the bot creates the file "
            "when it first runs)."
        )
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise StoreError(f"{path}: not a SQLite database; it was left untouched.")


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"
