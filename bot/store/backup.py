"""`quizbot db backup PATH`: a consistent copy of the live database, safe while the bot runs.

SQLite's online backup API copies from its own read connection inside one read snapshot; in
WAL mode that never blocks the bot's writer, and the copy is the database as of one moment.
The copy is written to a temporary file next to PATH and renamed into place, so PATH is
either the old file or a complete new backup, never half of one.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

from bot.paths import DatabaseUrl, db_path
from bot.store.db import SQLITE_HEADER, StoreError


def backup_database(source: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """Copy the database at `source` to `dest`; return the destination. Raises StoreError."""
    source, dest = Path(source).expanduser(), Path(dest).expanduser()
    if not source.is_file():
        raise StoreError(
            f"{source}: no database there. Check --db / QUIZBOT_DB (the bot creates the file "
            "when it first runs)."
        )
    try:
        with source.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{source}: cannot read the database ({exc.strerror}).") from exc
    if header != SQLITE_HEADER:
        raise StoreError(f"{source}: not a SQLite database; nothing was copied.")
    if _same_file(source, dest) or dest.name in {f"{source.name}-wal", f"{source.name}-shm"}:
        raise StoreError(
            f"{dest} is the live database (or one of its files); refusing to overwrite it. "
            "Choose another backup path."
        )
    if dest.is_dir():
        raise StoreError(f"{dest} is a folder; give a file name, e.g. {dest / 'quizbot.db'}")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{dest}: cannot create its folder ({exc.strerror}).") from exc

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    except OSError as exc:
        raise StoreError(
            f"{dest}: cannot write in {dest.parent} ({exc.strerror}). Choose a folder you can "
            "write to, or fix its permissions."
        ) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)  # all pages in one step: one consistent snapshot
                verdict = dst.execute("PRAGMA integrity_check").fetchone()[0]
                # A standalone copy is simpler to move around than one that needs -wal files.
                dst.execute("PRAGMA journal_mode = DELETE")
            finally:
                dst.close()
        finally:
            src.close()
        if verdict != "ok":
            raise StoreError(f"{source}: the copy failed its integrity check ({verdict}).")
        os.replace(tmp, dest)
    except sqlite3.Error as exc:
        raise StoreError(f"{source}: backup failed: {exc}.") from exc
    except OSError as exc:  # the rename: the destination is a folder, or went read-only
        raise StoreError(f"{dest}: cannot put the backup there ({exc.strerror}).") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def _same_file(a: Path, b: Path) -> bool:
    if b.exists():
        try:
            return os.path.samefile(a, b)
        except OSError:
            return False
    return a.resolve() == b.resolve()


def run_backup(args: argparse.Namespace) -> int:
    source = db_path(args.db)
    try:
        if isinstance(source, DatabaseUrl):
            from bot.store.pg_tools import backup_postgres

            dest = backup_postgres(source, args.path)
        else:
            dest = backup_database(source, args.path)
    except StoreError as exc:
        print(f"quizbot db backup: {exc}", file=sys.stderr)
        return 1
    size = f"{dest.stat().st_size / 1_048_576:.1f} MB"
    if isinstance(source, DatabaseUrl):
        print(
            f"Backed up {source} to {dest} with pg_dump ({size}); "
            f"restore with: pg_restore --dbname URL {dest}"
        )
    else:
        print(f"Backed up {source} to {dest} ({size}, integrity ok).")
    return 0
