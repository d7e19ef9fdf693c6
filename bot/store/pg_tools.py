"""Database commands on PostgreSQL: `quizbot db migrate --to postgresql://...` (a live SQLite
database copied into an empty PostgreSQL one, the upgrade path of a team that grows) and
`quizbot db backup` of a PostgreSQL database (pg_dump)."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.paths import DatabaseUrl, db_path, is_database_url
from bot.store.db import SQLITE_HEADER, Store, StoreError

DUMP_TIMEOUT_S = 6 * 3600  # a bound, far above any database this bot keeps


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


# -- quizbot db migrate --to ---------------------------------------------------------------


def run_migrate(args: argparse.Namespace) -> int:
    source = db_path(args.db)
    try:
        if isinstance(source, DatabaseUrl):
            raise StoreError(
                f"--db/QUIZBOT_DB is {source}: the copy goes FROM a SQLite file. Name the file "
                "with --db (e.g. --db ~/.local/share/quizbot/quizbot.db)."
            )
        if not is_database_url(args.to):
            raise StoreError(
                f"--to {args.to}: not a PostgreSQL URL. Give one like "
                "postgresql://USER:PASSWORD@HOST:5432/DATABASE (the database must exist, empty)."
            )
        copied = asyncio.run(copy_to_postgres(source, DatabaseUrl(args.to)))
    except StoreError as exc:
        print(f"quizbot db migrate: {exc}", file=sys.stderr)
        return 1
    width = max((len(c.table) for c in copied), default=5)
    for c in copied:
        print(f"  {c.table:<{width}}  {c.rows:>10,} rows")
    total = sum(c.rows for c in copied)
    print(
        f"Copied {total:,} rows in {len(copied)} tables from {source} to "
        f"{DatabaseUrl(args.to)}; every table's count checked. Point QUIZBOT_DB at it to use it."
    )
    return 0


async def copy_to_postgres(source: Path, target: DatabaseUrl) -> list[Copied]:
    """Copy every table of the SQLite database at `source` into the empty PostgreSQL database
    `target`, in one transaction that commits only when each table's row count matches."""
    import psycopg

    from bot.store.postgres import PgStore, connect

    _check_sqlite(source)
    # Bring the file to the latest schema first (what starting the bot would do), so the two
    # schemas are the same version.
    await (await Store.open(source)).close()
    url = target.secret()
    with connect(url) as conn:
        found = [
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema() ORDER BY table_name"
            ).fetchall()
        ]
    if found:
        shown = ", ".join(found[:8]) + (" ..." if len(found) > 8 else "")
        raise StoreError(
            f"{target}: the target database is not empty (it has the tables {shown}); nothing "
            "was copied. Create a new, empty database (e.g. `createdb quizbot`) and name it "
            "with --to, or drop these tables if they are a failed earlier attempt."
        )
    await (await PgStore.open(url)).close()  # the schema, by the same migrations

    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        src.execute("BEGIN")  # one snapshot: the bot may keep writing while we read
        tables = _tables_in_order(src)
        with connect(url) as dst:
            return _copy(src, dst, tables, psycopg)
    except sqlite3.Error as exc:
        raise StoreError(f"{source}: could not read it ({exc}); nothing was copied.") from exc
    finally:
        src.close()


def _copy(src: sqlite3.Connection, dst: Any, tables: list[str], psycopg: Any) -> list[Copied]:
    copied: list[Copied] = []
    target_tables = {
        r[0]
        for r in dst.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
    }
    missing = [t for t in tables if t not in target_tables]
    if missing:
        raise StoreError(
            f"the PostgreSQL schema has no table {', '.join(missing)}; is this quizbot older "
            "than the one that wrote the SQLite file? Nothing was copied."
        )
    dst.execute("BEGIN")
    try:
        for table in tables:
            columns = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
            names = ", ".join(f'"{c}"' for c in columns)
            with dst.cursor().copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in src.execute(f'SELECT {names} FROM "{table}"'):
                    copy.write_row(row)
            want = src.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            got = dst.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            if want != got:
                raise StoreError(
                    f"table {table}: {want} rows in SQLite but {got} in PostgreSQL after the "
                    "copy; nothing was committed."
                )
            if "id" in columns:  # identity columns go on from the copied ids
                dst.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f' COALESCE((SELECT max(id) FROM "{table}"), 0) + 1, false)'
                )
            copied.append(Copied(table, int(got)))
        dst.execute("COMMIT")
    except psycopg.Error as exc:
        dst.execute("ROLLBACK")
        raise StoreError(f"the copy failed ({str(exc).strip()}); nothing was committed.") from exc
    except BaseException:
        dst.execute("ROLLBACK")
        raise
    return copied


def _tables_in_order(conn: sqlite3.Connection) -> list[str]:
    """Every table, each after the tables it references (rounds after quizzes ...)."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        )
    ]
    refs = {
        name: {r[2] for r in conn.execute(f'PRAGMA foreign_key_list("{name}")')} - {name}
        for name in names
    }
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and refs[n] <= set(ordered)]
        if not ready:  # a cycle: no order satisfies it, keep the rest as they are
            ready = [n for n in names if n not in ordered]
        ordered += ready
    return ordered


def _check_sqlite(path: Path) -> None:
    if not path.is_file():
        raise StoreError(f"{path}: no database there. Name the SQLite file with --db.")
    with path.open("rb") as handle:
        if handle.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise StoreError(f"{path}: not a SQLite database; nothing was copied.")


# -- quizbot db backup on PostgreSQL ---------------------------------------------------------


def backup_postgres(url: DatabaseUrl, dest: str | os.PathLike[str]) -> Path:
    """`pg_dump --format=custom` of the database into `dest` (restore with pg_restore). The
    password goes to pg_dump in its environment, never on its command line."""
    target = Path(dest).expanduser()
    parts = urlsplit(url.secret())
    bare = parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1])
    if parts.username:
        bare = bare._replace(netloc=f"{parts.username}@{bare.netloc}")
    plain_url = urlunsplit(bare)
    how = (
        f"pg_dump --format=custom --file {target} '{plain_url}' "
        "(password in PGPASSWORD or ~/.pgpass); restore with pg_restore --dbname URL FILE"
    )
    dump = shutil.which("pg_dump")
    if dump is None:
        raise StoreError(
            f"{url}: backing up PostgreSQL needs pg_dump, which is not installed here. Install "
            f"the client (Debian/Ubuntu: apt-get install -y postgresql-client), or run: {how}"
        )
    if target.is_dir():
        raise StoreError(f"{target} is a folder; give a file name, e.g. {target / 'quizbot.dump'}")
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = parts.password
    done = subprocess.run(
        [dump, "--format=custom", "--file", str(target), plain_url],
        capture_output=True,
        text=True,
        env=env,
        timeout=DUMP_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise StoreError(
            f"{url}: pg_dump failed: {done.stderr.strip() or done.returncode}. To do it by "
            f"hand: {how}"
        )
    return target
