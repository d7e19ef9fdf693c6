"""The PostgreSQL store: the SQLite store's shape (one writer with group commit, a reader,
migrations at start-up) on a PostgreSQL server, running the SAME SQL functions of bot/store
and bot/schedule.

`QUIZBOT_DB=postgresql://user:password@host:5432/quizbot` selects it (see `is_database_url`).
Each of the two connections (psycopg 3, synchronous) lives on its own thread, as aiosqlite's
do; the shared write and read functions get a `PgConnection`, a thin wrapper that speaks the
part of the sqlite3 connection they use: `?` placeholders, rows with index and key access,
`rowcount`, `executemany`, `in_transaction`. Group commit is the SQLite store's own code
(`bot.store.db._run_batch`): one transaction per batch, a savepoint around each write only
when one of them fails.

Where the two databases' SQL differs, it is translated here and only here:
- statements: `?` -> `%s` (and a literal `%` -> `%%`), `BEGIN IMMEDIATE` -> `BEGIN`,
  `CAST(x AS REAL)` -> double precision (PostgreSQL's REAL is 4 bytes), SQLite's planner
  hint `INDEXED BY name` dropped;
- schema (the migrations' DDL, see `pg_schema`): `INTEGER PRIMARY KEY` -> an identity column,
  no `WITHOUT ROWID`, `REAL` -> `DOUBLE PRECISION`, every TEXT column compares bytewise
  (`COLLATE "C"`, as SQLite does whatever the server's locale), tables created after the
  tables they reference, and the few statements listed in `_PG_STATEMENTS`.
The schema version is kept in the table `quizbot_schema`; the process that starts first
migrates under an advisory lock while the others wait for it (`pg_advisory_xact_lock`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import FloatLoader

from bot.paths import DatabaseUrl, is_database_url
from bot.store.db import MAX_BATCH, Cursor, Store, StoreError, _Lane, _run_batch, _run_reads
from bot.store.migrations import MIGRATIONS, Step

log = logging.getLogger(__name__)

T = TypeVar("T")

URL_SCHEMES = ("postgresql://", "postgres://")
# Any constant both sides agree on: the key of the advisory lock held while migrating.
MIGRATION_LOCK = 0x71756976  # "quiv"
WRITER_LOCK = 0x71756977  # held by each write transaction: one writer at a time, as SQLite
CONNECT_TIMEOUT_S = 10


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    return str(DatabaseUrl(url))


# -- statements ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """SQLite's dialect of one statement as PostgreSQL's: `?` placeholders (outside quoted
    text) become `%s`, a literal `%` is doubled for psycopg."""
    if sql.startswith("BEGIN IMMEDIATE"):
        return "BEGIN"
    if sql.lstrip().upper().startswith(("CREATE", "ALTER", "INSERT", "--")):
        sql = pg_statement(sql)  # the migrations' Python steps run DDL of their own
    out: list[str] = []
    quote = ""
    for char in sql:
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "?":
            out.append("%s")
            continue
        if char == "%":
            out.append("%%")
            continue
        out.append(char)
    text = _REAL_CAST.sub("AS DOUBLE PRECISION)", "".join(out))
    return _INDEX_HINT.sub("", text)


_REAL_CAST = re.compile(r"\bAS\s+REAL\s*\)", re.IGNORECASE)
# SQLite's planner hint (`FROM rounds r INDEXED BY rounds_text`): PostgreSQL plans alone.
_INDEX_HINT = re.compile(r"\s+INDEXED\s+BY\s+\w+", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _row_class(names: tuple[str, ...]) -> type[tuple[Any, ...]]:
    """A tuple class whose rows are also indexed by column name, like sqlite3.Row."""
    index = {name: i for i, name in enumerate(names)}

    class Row(tuple[Any, ...]):
        __slots__ = ()

        def __getitem__(self, key: Any) -> Any:
            if isinstance(key, str):
                return tuple.__getitem__(self, index[key])
            return tuple.__getitem__(self, key)

        def keys(self) -> list[str]:
            return list(names)

    return Row


def _rows(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], Any]:
    names = tuple(c.name for c in cursor.description or ())
    return _row_class(names)


def _params(params: Sequence[Any]) -> Sequence[Any]:
    # SQLite stores True as 1; PostgreSQL will not put a boolean in an INTEGER column.
    for value in params:
        if value is True or value is False:
            return tuple(int(v) if v is True or v is False else v for v in params)
    return params


class PgConnection:
    """What the shared SQL functions use of a sqlite3 connection, on a psycopg connection in
    autocommit mode (the store's code issues BEGIN/COMMIT/SAVEPOINT itself, as on SQLite)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.raw = conn
        self.row_factory: object = None  # set by shared code written for sqlite3; rows are Rows

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        if sql == "BEGIN IMMEDIATE":
            # SQLite's BEGIN IMMEDIATE makes each write transaction the only one, across
            # processes too, and the shared write functions rely on it (read, then write what
            # they read). The same here: one write transaction at a time on the database.
            self.raw.execute("BEGIN")
            return self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        return self.raw.execute(translate(sql), _params(params))

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> Cursor:
        cursor = self.raw.cursor()
        cursor.executemany(translate(sql), [_params(p) for p in seq])
        return cursor

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE


class _PgThread:
    """One psycopg connection and the one thread that uses it. A connection the server
    dropped (a restart, a failover, an idle timeout) is replaced before the next batch: the
    batch that met the break fails to its callers, as any failed transaction does, and
    nothing unacknowledged is retried here."""

    def __init__(
        self,
        conn: psycopg.Connection[Any],
        name: str,
        url: str,
        prepare: Callable[[PgConnection], None] | None = None,
    ) -> None:
        self.conn = PgConnection(conn)
        self.url = url
        self.prepare = prepare
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(self._call, fn, args))

    def _call(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self.conn.raw.broken:
            log.warning("%s: the connection was lost; connecting again", redact(self.url))
            self.conn.raw.close()
            self.conn = PgConnection(connect(self.url))
            if self.prepare is not None:
                self.prepare(self.conn)
        return fn(self.conn, *args)

    async def close(self) -> None:
        await self.run(lambda conn: conn.raw.close())
        self._pool.shutdown(wait=True)


def connect(url: str) -> psycopg.Connection[Any]:
    """A connection in autocommit mode whose rows act like sqlite3.Row and whose numeric
    results (AVG, SUM of a bigint) are floats, as SQLite gives them."""
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as exc:
        raise StoreError(
            f"{redact(url)}: cannot connect to PostgreSQL ({str(exc).strip()}). Check that the "
            "server is running and that QUIZBOT_DB/--db names its host, port, database, user "
            "and password (postgresql://USER:PASSWORD@HOST:5432/DATABASE)."
        ) from exc
    conn.row_factory = _rows
    conn.adapters.register_loader("numeric", FloatLoader)
    return conn


def read_snapshot(url: str, fn: Callable[[PgConnection], T]) -> T:
    """`fn(conn)` in one read-only snapshot on a connection of its own, synchronously: for
    the command-line tools that read beside the running bot without an event loop."""
    with connect(str.__str__(url)) as raw:
        conn = PgConnection(raw)
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            return fn(conn)
        finally:
            conn.execute("ROLLBACK")


def explain(url: str, exc: BaseException) -> BaseException:
    if isinstance(exc, psycopg.OperationalError):
        return StoreError(
            f"{redact(url)}: PostgreSQL error: {str(exc).strip()}. Check that the server is "
            "running and reachable; quizbot retries nothing that was not acknowledged."
        )
    if isinstance(exc, psycopg.Error):
        return StoreError(f"{redact(url)}: PostgreSQL error: {str(exc).strip()}.")
    return exc


# -- schema -------------------------------------------------------------------------------

# Statements of shipped migrations that no rule below can translate, as PostgreSQL writes
# them; keyed by the statement's text with runs of white space made one space.
_PG_STATEMENTS = {
    # v5: SQLite's min() picks the bare columns of the row it chose; DISTINCT ON says so.
    "INSERT INTO server_settings (platform, server_id, tz, channel_id, set_at) SELECT "
    "platform, server_id, tz, channel_id, min(updated_at) FROM daily_schedules GROUP BY "
    "platform, server_id;": "INSERT INTO server_settings (platform, server_id, tz, channel_id,"
    " set_at) SELECT DISTINCT ON (platform, server_id) platform, server_id, tz, channel_id,"
    " updated_at FROM daily_schedules ORDER BY platform, server_id, updated_at",
}

_COMMENT = re.compile(r"--[^\n]*")
_ROWID_KEY = re.compile(
    r"\bINTEGER\s+PRIMARY\s+KEY\b(?:\s+AUTOINCREMENT\b)?(?!\s*\()", re.IGNORECASE
)
_WITHOUT_ROWID = re.compile(r"\)\s*WITHOUT\s+ROWID", re.IGNORECASE)
_REAL = re.compile(r"\bREAL\b", re.IGNORECASE)
_TEXT = re.compile(r"\bTEXT\b(?!\s+COLLATE)", re.IGNORECASE)
_CREATE_TABLE = re.compile(r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)", re.I)
_REFERENCES = re.compile(r"\bREFERENCES\s+(\w+)", re.IGNORECASE)


def pg_statement(statement: str) -> str:
    """One statement of a migration as PostgreSQL runs it (see the module's docstring)."""
    text = _COMMENT.sub("", statement).strip()
    special = _PG_STATEMENTS.get(" ".join(text.split()))
    if special is not None:
        return special
    if not re.match(r"^\s*(CREATE\s+TABLE|ALTER\s+TABLE)", text, re.IGNORECASE):
        return text
    text = _ROWID_KEY.sub("INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", text)
    text = _WITHOUT_ROWID.sub(")", text)
    text = _REAL.sub("DOUBLE PRECISION", text)
    if not re.match(r"^\s*ALTER\s+TABLE\s+\w+\s+(RENAME|DROP)", text, re.IGNORECASE):
        text = _TEXT.sub('TEXT COLLATE "C"', text)
    return text


def pg_schema(statements: list[str]) -> list[str]:
    """A script's statements translated, with each CREATE TABLE (and the statements after it,
    its indexes) moved after the tables it references: SQLite accepts a reference to a table
    created later in the same script, PostgreSQL does not."""
    blocks: list[tuple[str | None, set[str], list[str]]] = []
    for statement in statements:
        text = pg_statement(statement)
        if not text:
            continue
        created = _CREATE_TABLE.match(text)
        if created or not blocks:
            name = created.group(1).lower() if created else None
            refs = {r.lower() for r in _REFERENCES.findall(text)} - {name}
            blocks.append((name, refs, [text]))
        else:
            blocks[-1][2].append(text)
    ordered: list[str] = []
    done: set[str] = set()
    later = {name for name, _, _ in blocks if name}
    pending = list(blocks)
    while pending:
        for i, (name, refs, texts) in enumerate(pending):
            if not (refs & (later - done)):
                ordered += texts
                if name:
                    done.add(name)
                del pending[i]
                break
        else:  # a cycle: leave the order as written and let PostgreSQL say what is wrong
            ordered += [t for _, _, texts in pending for t in texts]
            break
    return ordered


def _prepare_writer(conn: PgConnection, url: str, migrations: list[tuple[int, Step]]) -> None:
    from bot.store.db import _statements

    latest = max((v for v, _ in migrations), default=0)
    conn.execute("BEGIN")
    try:
        # One process migrates; the others wait here until it commits, then find nothing to do.
        conn.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS quizbot_schema (version INTEGER NOT NULL,"
            " migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        version = int(conn.execute("SELECT max(version) FROM quizbot_schema").fetchone()[0] or 0)
        if version > latest:
            raise StoreError(
                f"{redact(url)}: the database has schema version {version}, newer than this "
                f"quizbot knows ({latest}). Upgrade quizbot, or point --db/QUIZBOT_DB at "
                "another database."
            )
        for number, step in sorted(migrations, key=lambda m: m[0]):
            if number <= version:
                continue
            conn.execute("SAVEPOINT migration")
            if callable(step):
                step(conn)  # type: ignore[arg-type]
            else:
                for statement in pg_schema(_statements(step)):
                    conn.execute(statement)
            conn.execute("RELEASE migration")
            conn.execute("INSERT INTO quizbot_schema (version) VALUES (?)", (number,))
            log.info("%s: schema migrated to version %d", redact(url), number)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _prepare_reader(conn: PgConnection) -> None:
    # One snapshot per batch of reads, as on SQLite; and a reader never writes.
    conn.execute("SET default_transaction_isolation = 'repeatable read'")
    conn.execute("SET default_transaction_read_only = on")


class PgStore(Store):
    """`store = await PgStore.open(url)`: the `Store` interface on PostgreSQL."""

    def __init__(
        self, url: str, writer: _PgThread, reader: _PgThread, max_batch: int = MAX_BATCH
    ) -> None:
        self.url = url
        self.path = redact(url)
        self.max_batch = max(1, max_batch)
        self._pg_writer = writer
        self._pg_reader = reader
        why = functools.partial(explain, url)
        self._writes = _Lane("writer", writer.run, _run_batch, self.path, self.max_batch, why)
        self._reads = _Lane("reader", reader.run, _run_reads, self.path, self.max_batch, why)
        self._closed = False

    @classmethod
    async def open(  # type: ignore[override]
        cls,
        url: str,
        migrations: list[tuple[int, Step]] | None = None,
        *,
        max_batch: int = MAX_BATCH,
    ) -> PgStore:
        url = str.__str__(url)  # a DatabaseUrl shows itself redacted; connect with the password
        loop = asyncio.get_running_loop()
        threads: list[_PgThread] = []
        try:
            for name, prepare in (
                ("quizbot-pg-writer", None),
                ("quizbot-pg-reader", _prepare_reader),
            ):
                raw = await loop.run_in_executor(None, connect, url)
                threads.append(_PgThread(raw, name, url, prepare))
            writer, reader = threads
            await writer.run(_prepare_writer, url, migrations or MIGRATIONS)
            await reader.run(_prepare_reader)
        except BaseException as exc:
            for thread in threads:
                await thread.close()
            if isinstance(exc, psycopg.Error):
                raise explain(url, exc) from exc
            raise
        store = cls(url, writer, reader, max_batch)
        store._writes.start()
        store._reads.start()
        return store

    async def _close_connections(self) -> None:
        await self._pg_writer.close()
        await self._pg_reader.close()

    async def schema_version(self) -> int:
        row = await self.fetchone("SELECT max(version) FROM quizbot_schema")
        return int(row[0] or 0) if row else 0


async def open_store(
    target: str | Any,
    migrations: list[tuple[int, Step]] | None = None,
    *,
    max_batch: int = MAX_BATCH,
) -> Store:
    """The store `--db`/`QUIZBOT_DB` names: PostgreSQL for a postgresql:// URL, else the
    SQLite file at that path."""
    if isinstance(target, str) and is_database_url(target):
        return await PgStore.open(target, migrations, max_batch=max_batch)
    return await Store.open(target, migrations, max_batch=max_batch)
