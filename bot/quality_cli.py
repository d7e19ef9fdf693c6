"""`quizbot cards quality [--min-answers N]`: item analysis of every answered card, as JSON
Lines, worst first (`bot.quality` says what each number means).

Reads the file through its own read-only connection, in one snapshot, so it runs beside the
live bot without taking its writer's lock or changing anything (not even a migration).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys

from bot.paths import Database, DatabaseUrl, db_path
from bot.quality import analyse
from bot.store.db import BUSY_TIMEOUT_MS, SQLITE_HEADER, Connection, StoreError
from bot.store.quality import QUALITY_SCHEMA, AskedRound, PlaceScope, ScoredAnswer, answered

NAME = "quizbot cards quality"


def run_quality(args: argparse.Namespace) -> int:
    path = db_path(args.db)
    if not path.exists():  # reading must not create a database
        print(
            f"{NAME}: no database at {path} yet, so no answers to analyse (check --db / "
            "QUIZBOT_DB if you expected one).",
            file=sys.stderr,
        )
        return 0
    try:
        rounds, answers = read_answers(path, PlaceScope())
    except StoreError as exc:
        print(f"{NAME}: {exc}", file=sys.stderr)
        return 1
    for card in analyse(rounds, answers, args.min_answers):
        print(json.dumps(card.as_json(), ensure_ascii=False))
    return 0


def read_answers(path: Database, scope: PlaceScope) -> tuple[list[AskedRound], list[ScoredAnswer]]:
    """The rounds and answers, read in one snapshot through a read-only connection."""
    if isinstance(path, DatabaseUrl):
        return _read_on_server(path, scope)
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise StoreError(f"{path}: not a SQLite database; it was left untouched.")
    try:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro",
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
        )
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open it read-only ({exc}).") from exc
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version < QUALITY_SCHEMA:
            raise StoreError(
                f"{path}: the database has schema version {version}, older than this command "
                f"reads ({QUALITY_SCHEMA}). Start the bot once (or run `quizbot db prune`) to "
                "upgrade it, then try again."
            )
        conn.execute("BEGIN")  # one snapshot: the answers agree with their rounds
        try:
            return answered(conn, scope)
        finally:
            conn.execute("COMMIT")
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: could not read it ({exc}).") from exc
    finally:
        conn.close()


def _read_on_server(
    path: DatabaseUrl, scope: PlaceScope
) -> tuple[list[AskedRound], list[ScoredAnswer]]:
    """The same read on PostgreSQL: one read-only snapshot; an older schema is refused."""
    import psycopg

    from bot.store.postgres import read_snapshot

    def read(conn: Connection) -> tuple[list[AskedRound], list[ScoredAnswer]]:
        version = conn.execute("SELECT max(version) FROM quizbot_schema").fetchone()[0] or 0
        if version < QUALITY_SCHEMA:
            raise StoreError(
                f"{path}: the database has schema version {version}, older than this command "
                f"reads ({QUALITY_SCHEMA}). Start the bot once to upgrade it, then try again."
            )
        return answered(conn, scope)

    try:
        return read_snapshot(path, read)
    except psycopg.Error as exc:
        raise StoreError(f"{path}: could not read it ({str(exc).strip()}).") from exc
