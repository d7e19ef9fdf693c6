"""The SQLite store: one writer with group commit, a separate reader, migrations at start-up.

Writes are plain synchronous functions `fn(conn) -> result` run on the writer connection's
thread. A single writer task drains a queue of them and runs as many as are waiting in ONE
`BEGIN IMMEDIATE` transaction (each inside its own SAVEPOINT, so one failing write does not
undo the others), then resolves every caller's future only after COMMIT. A burst of clicks
therefore costs one commit, not one per click, and an acknowledged answer is durable.

Single-row statements (`write_row`, the answer of a click) queued back to back with the same
SQL run as one `executemany`: a burst of a thousand clicks costs one call into SQLite, not a
thousand, which is what the engine's answer throughput rests on.

Reads run on a second connection (WAL lets readers and the writer work at the same time).
Reads queued together run in one trip to that connection's thread, in one snapshot: when
10,000 daily posts are due the same minute, each reading its schedule, the reads cost a few
hundred thread hops instead of 10,000, and the writes that follow arrive in larger groups.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sqlite3
import stat
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import aiosqlite

from bot.paths import is_database_url
from bot.store.migrations import MIGRATIONS, Step

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteFn = Callable[[sqlite3.Connection], T]

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
MAX_BATCH = 1000  # writes per transaction; bounds how long one commit holds the lock


class Cursor(Protocol):
    """What the shared SQL functions use of a cursor (sqlite3's, or psycopg's)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the shared SQL functions of bot/store and bot/schedule use of a connection: a
    sqlite3 connection, or the PostgreSQL backend's `PgConnection`. Statements are written
    in the SQL both databases run (see bot/store/postgres.py), with `?` placeholders."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Any, /) -> Cursor: ...


class StoreError(Exception):
    """The database cannot be used; the message names the file and what to do."""


def ts(when: datetime) -> str:
    """An aware datetime as the stored UTC text form, which sorts as it compares."""
    if when.tzinfo is UTC:
        return _utc_text(when)
    if when.tzinfo is None:
        raise ValueError("naive datetime: pass an aware UTC datetime")
    return _utc_text(when.astimezone(UTC))


@functools.lru_cache(maxsize=1024)
def _utc_text(when: datetime) -> str:
    # isoformat is several times faster than strftime, and this runs once per click. Cached
    # for UTC datetimes only (equal ones are the same instant; two equal local times in an
    # autumn fold are not): a daily post writes the same few instants ten times over.
    return when.isoformat(timespec="microseconds")[:-6] + "Z"


def parse_ts(text: str) -> datetime:
    return datetime.fromisoformat(text)  # understands the trailing Z since Python 3.11


_STOP = object()


class _Row:
    """One statement that changes at most one row (see `Store.write_row`)."""

    __slots__ = ("params", "sql")

    def __init__(self, sql: str, params: tuple[Any, ...]) -> None:
        self.sql = sql
        self.params = params

    def __call__(self, conn: sqlite3.Connection) -> int:
        return conn.execute(self.sql, self.params).rowcount


class _FetchAll:
    """A read as one small object rather than a closure (a function, its cells, a tuple)."""

    __slots__ = ("params", "sql")

    def __init__(self, sql: str, params: tuple[Any, ...]) -> None:
        self.sql = sql
        self.params = params

    def __call__(self, conn: sqlite3.Connection) -> list[sqlite3.Row]:
        return conn.execute(self.sql, self.params).fetchall()


class _FetchOne(_FetchAll):
    __slots__ = ()

    def __call__(self, conn: sqlite3.Connection) -> sqlite3.Row | None:  # type: ignore[override]
        return conn.execute(self.sql, self.params).fetchone()


class _Lane:
    """One connection's queue, drained in batches by one task: whatever queued while the
    previous batch ran goes into the next one (one transaction for the writer, one snapshot
    for the reader). A deque and one wake-up future, not an asyncio.Queue: a click burst puts
    a thousand items at once and the queue's own bookkeeping showed up in profiles."""

    def __init__(
        self,
        name: str,
        call: Callable[..., Awaitable[list[tuple[bool, Any]]]],
        run_batch: Callable[[Any, list[Any]], list[tuple[bool, Any]]],
        path: Path | str,
        max_batch: int,
        explain: Callable[[BaseException], BaseException] | None = None,
    ) -> None:
        self.name = name
        # `call(run_batch, items)` runs run_batch on the connection's own thread (aiosqlite's
        # for SQLite, the PostgreSQL backend's for PostgreSQL).
        self.call = call
        self.run_batch = run_batch
        self.path = path
        self.max_batch = max_batch
        self.explain = explain or functools.partial(_sqlite_error, path)
        self.items: deque[Any] = deque()
        self.wakeup: asyncio.Future[None] | None = None
        self.task: asyncio.Task[None] | None = None
        self.batches = 0
        self.items_done = 0

    def start(self) -> None:
        self.task = asyncio.create_task(
            self._run(), name=f"quizbot-{self.name}:{_label(self.path)}"
        )

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.put(_STOP)
            await self.task

    def put(self, item: Any) -> None:
        self.items.append(item)
        wakeup = self.wakeup
        if wakeup is not None and not wakeup.done():
            wakeup.set_result(None)

    async def _run(self) -> None:
        items = self.items
        loop = asyncio.get_running_loop()
        stopping = False
        while not stopping:
            if not items:
                self.wakeup = loop.create_future()
                await self.wakeup
                self.wakeup = None
            batch: list[Any] = []
            while items and len(batch) < self.max_batch:
                item = items.popleft()
                if item is _STOP:
                    stopping = True
                    break
                if not item[1].cancelled():
                    batch.append(item)
            if not batch:
                continue
            try:
                outcomes = await self.call(self.run_batch, [fn for fn, _ in batch])
            except Exception as exc:  # BEGIN or COMMIT failed: nothing in the batch took effect
                log.exception("%s: %s transaction failed", self.path, self.name)
                error = self.explain(exc)
                outcomes = [(False, error)] * len(batch)
            else:
                self.batches += 1
                self.items_done += len(batch)
            for (_, fut), (ok, value) in zip(batch, outcomes, strict=True):
                if fut.done():
                    continue
                if ok:
                    fut.set_result(value)
                else:
                    fut.set_exception(value)


class Store:
    """`store = await Store.open(path)`; always `await store.close()` (or `async with`)."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        max_batch: int = MAX_BATCH,
    ):
        self.path: Path | str = path  # a PostgreSQL store names its server and database
        self.max_batch = max(1, max_batch)  # 1 = a commit per write (for comparisons only)
        self._writer = writer
        self._reader = reader
        self._writes = _Lane(
            "writer", functools.partial(_on_thread, writer), _run_batch, path, self.max_batch
        )
        self._reads = _Lane(
            "reader", functools.partial(_on_thread, reader), _run_reads, path, self.max_batch
        )
        self._closed = False

    @property
    def commits(self) -> int:
        """Transactions committed by the writer: lets tests see group commit."""
        return self._writes.batches

    @property
    def writes(self) -> int:
        return self._writes.items_done

    # -- life cycle ---------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        path: str | os.PathLike[str],
        migrations: list[tuple[int, Step]] | None = None,
        *,
        max_batch: int = MAX_BATCH,
    ) -> Store:
        if is_database_url(path):
            # Imported here: SQLite-only installs and tools never load psycopg.
            from bot.store.postgres import PgStore

            return await PgStore.open(str.__str__(cast(str, path)), migrations, max_batch=max_batch)
        path = Path(path).expanduser()
        _check_file(path)
        writer = reader = None
        try:
            writer = await _connect(path)
            await _on_thread(writer, _prepare_writer, path, migrations or MIGRATIONS)
            reader = await _connect(path)
            await _on_thread(reader, _prepare_reader)
        except BaseException as exc:
            for conn in (reader, writer):
                if conn is not None:
                    await conn.close()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(_explain(path, exc)) from exc
            raise
        store = cls(path, writer, reader, max_batch)
        store._writes.start()
        store._reads.start()
        return store

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._writes.stop()
            await self._reads.stop()
        finally:
            await self._close_connections()

    async def _close_connections(self) -> None:
        await self._writer.close()
        await self._reader.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- writes -------------------------------------------------------------------------

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Run `fn(conn)` in the next group-committed transaction; await the result to get
        `fn`'s return value after COMMIT. If `fn` raises, only its own changes are rolled back
        and the error is raised by the await. `fn` runs on the writer thread and may run twice
        (when a neighbour in its batch fails), so it must only touch the database: no
        awaiting, no side effects elsewhere.

        Queued at the call, and the future itself is what the caller awaits: no coroutine
        per write (10,000 daily posts in a minute make 50,000 writes, and every object alive
        across an await is work for the garbage collector)."""
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._writes.put((fn, future))
        return future

    def write_row(self, sql: str, params: tuple[Any, ...]) -> asyncio.Future[int]:
        """Run one statement that changes at most one row (an INSERT, possibly `... SELECT`
        with a condition or `ON CONFLICT DO NOTHING`, or an UPDATE by primary key; no
        triggers) in the next group-committed transaction; await how many rows it changed
        (0 or 1) after COMMIT. Neighbours in the queue with the same SQL run as one
        `executemany`. Queued at the call, like `write`."""
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._writes.put((_Row(sql, params), future))
        return future

    # -- reads --------------------------------------------------------------------------

    def read(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Run `fn(conn)` on the reader connection inside one snapshot (shared with the
        reads queued at the same moment); await the result. `fn` runs on the reader thread:
        no awaiting. Queued at the call, like `write`."""
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._reads.put((fn, future))
        return future

    def fetchall(self, sql: str, params: tuple[Any, ...] = ()) -> asyncio.Future[list[sqlite3.Row]]:
        return self.read(_FetchAll(sql, params))

    def fetchone(
        self, sql: str, params: tuple[Any, ...] = ()
    ) -> asyncio.Future[sqlite3.Row | None]:
        return self.read(_FetchOne(sql, params))

    async def schema_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        return int(row[0]) if row else 0


# -- helpers that run on a connection's own thread --------------------------------------


async def _connect(path: Path) -> aiosqlite.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing commits behind our back.
    return await aiosqlite.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)


async def _on_thread(conn: aiosqlite.Connection, fn: Callable[..., T], *args: Any) -> T:
    """Run a synchronous `fn(sqlite3_conn, *args)` on the aiosqlite connection's thread.

    The one place that reaches into aiosqlite's internals: it has no public call for running
    a function on its thread, and `_execute` (its queueing primitive) with `_conn` (the
    sqlite3 connection) is it. One thread hop per batch of writes is what makes group commit
    fast; the public `execute`/`commit` would cost a hop per statement. Pinned to the 0.22
    line in pyproject.toml; tests/store/test_db.py::test_the_aiosqlite_internals_the_store_uses
    fails loudly if an upgrade removes or changes them.
    """
    return await conn._execute(_bind, fn, conn._conn, args)


def _bind(fn: Callable[..., T], sqlite_conn: sqlite3.Connection, args: tuple[Any, ...]) -> T:
    return fn(sqlite_conn, *args)


def _prepare_writer(
    conn: sqlite3.Connection, path: Path, migrations: list[tuple[int, Step]]
) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Read first: a damaged file fails here, before anything is written to it.
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    latest = max((v for v, _ in migrations), default=0)
    if version > latest:
        raise StoreError(
            f"{path}: the database has schema version {version}, newer than this quizbot "
            f"knows ({latest}). Upgrade quizbot, or point --db/QUIZBOT_DB at another file."
        )
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        log.warning("%s: journal_mode is %s, not WAL", path, mode)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    for number, step in sorted(migrations, key=lambda m: m[0]):
        if number <= version:
            continue
        # Two processes may start on a new file at once: take the write lock, then look at
        # the version again, so only one of them runs each migration.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if number > version:
                if callable(step):
                    step(conn)
                else:
                    for statement in _statements(step):
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(number)}")
                log.info("%s: schema migrated to version %d", path, number)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (executescript would commit our lock)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


def _prepare_reader(conn: sqlite3.Connection) -> None:
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA query_only = ON")


def _run_batch(conn: sqlite3.Connection, fns: list[WriteFn[Any]]) -> list[tuple[bool, Any]]:
    """Run every write in one transaction. Fast path: no savepoints. If any write raises, the
    whole transaction is rolled back and the batch re-run with a savepoint around each write,
    so only the failing ones are undone (write functions must be safe to run again)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        outcomes: list[tuple[bool, Any]] = []
        i, count = 0, len(fns)
        while i < count:
            fn = fns[i]
            if type(fn) is _Row:
                end = i + 1
                while end < count and type(nxt := fns[end]) is _Row and nxt.sql == fn.sql:
                    end += 1
                if end - i > 1:
                    outcomes += _run_rows(conn, cast("list[_Row]", fns[i:end]))
                    i = end
                    continue
            outcomes.append((True, fn(conn)))
            i += 1
    except Exception:
        conn.execute("ROLLBACK")
        return _run_batch_isolated(conn, fns)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _run_rows(conn: sqlite3.Connection, rows: list[_Row]) -> list[tuple[bool, Any]]:
    """Single-row statements with the same SQL as one executemany. When every one changed its
    row (the usual burst of new answers) that is each one's outcome; otherwise they are undone
    and run one by one, which tells which changed nothing (a duplicate, a closed round)."""
    conn.execute("SAVEPOINT rows")
    changed = conn.executemany(rows[0].sql, [row.params for row in rows]).rowcount
    if changed == len(rows):
        conn.execute("RELEASE rows")
        return [(True, 1)] * len(rows)
    conn.execute("ROLLBACK TO rows")
    conn.execute("RELEASE rows")
    return [(True, row(conn)) for row in rows]


def _run_batch_isolated(
    conn: sqlite3.Connection, fns: list[WriteFn[Any]]
) -> list[tuple[bool, Any]]:
    outcomes: list[tuple[bool, Any]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for fn in fns:
            conn.execute("SAVEPOINT one_write")
            try:
                result = fn(conn)
            except Exception as exc:
                conn.execute("ROLLBACK TO one_write")
                conn.execute("RELEASE one_write")
                outcomes.append((False, exc))
            else:
                conn.execute("RELEASE one_write")
                outcomes.append((True, result))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _run_reads(conn: sqlite3.Connection, fns: list[Callable[[sqlite3.Connection], Any]]):
    outcomes: list[tuple[bool, Any]] = []
    conn.execute("BEGIN")
    try:
        for fn in fns:
            try:
                outcomes.append((True, fn(conn)))
            except Exception as exc:  # one read's error is that read's alone
                outcomes.append((False, exc))
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")
    return outcomes


# -- start-up checks: refuse clearly, before SQLite touches the file ---------------------


def _check_file(path: Path) -> None:
    parent = path.parent
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file. Pass a file path with --db.")
    if not parent.exists():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"{path}: cannot create its folder {parent} ({exc.strerror}). "
                "Create it yourself or choose another path with --db / QUIZBOT_DB."
            ) from exc
    elif not parent.is_dir():
        raise StoreError(f"{path}: {parent} is not a folder. Choose another path with --db.")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise StoreError(
            f"{path}: the folder {parent} is not writable (SQLite needs to create -wal and -shm "
            "files next to the database). Fix its permissions or choose another path with --db."
        )
    if not path.exists():
        return
    mode = path.stat().st_mode
    # Root passes os.access everywhere; a file with no write bit is still meant as read-only.
    if not os.access(path, os.W_OK) or not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise StoreError(
            f"{path}: the database file is read-only. Make it writable (chmod u+w {path}) "
            "or, to look at a copy, back it up first with `quizbot db backup`."
        )
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the database file ({exc.strerror}).") from exc
    if header and header != SQLITE_HEADER:
        raise StoreError(
            f"{path}: this file is not a SQLite database (it may be corrupt or another kind of "
            "file). It was left untouched. Restore it from a backup, or move it aside and start "
            "with a new database."
        )


def _label(path: Path | str) -> str:
    return path.name if isinstance(path, Path) else path


def _sqlite_error(path: Path | str, exc: BaseException) -> BaseException:
    return StoreError(_explain(path, exc)) if isinstance(exc, sqlite3.Error) else exc


def _explain(path: Path | str, exc: BaseException) -> str:
    text = str(exc)
    lowered = text.lower()
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        hint = "the file is damaged: restore it from a backup (`quizbot db backup` makes one)"
    elif "readonly" in lowered or "read-only" in lowered:
        hint = "the file or its folder is read-only: fix the permissions"
    elif "unable to open" in lowered:
        hint = "check that the path exists and is writable"
    elif "locked" in lowered or "busy" in lowered:
        hint = "another program holds a lock on it: stop it or retry"
    else:
        hint = "see the SQLite message above"
    return f"{path}: SQLite error: {text}. {hint[0].upper()}{hint[1:]}."
