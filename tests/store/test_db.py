import asyncio
import sqlite3
from pathlib import Path

import psycopg
import pytest

from bot.store import Store, StoreError
from bot.store.migrations import MIGRATIONS, latest_version

PLAYER = "INSERT INTO players (platform, user_id, display_name) VALUES "

TABLES = {
    "rounds", "answers", "quizzes", "players", "scores", "player_topics", "streak_runs",
    "server_settings",
}  # fmt: skip


def tables(path: Path | str) -> set[str]:
    if isinstance(path, str):  # a PostgreSQL database
        with psycopg.connect(path) as pg:
            found = pg.execute(
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = current_schema()"
            ).fetchall()
        return {r[0] for r in found}
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def committed(path: Path | str, sql: str, params: tuple[object, ...]) -> object:
    """What a separate connection sees: only committed rows (`?` placeholders)."""
    if isinstance(path, str):
        with psycopg.connect(path, autocommit=True) as pg:
            return pg.execute(sql.replace("?", "%s"), params).fetchone()
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchone()


async def test_an_empty_file_gets_the_whole_schema_and_wal(tmp_path):
    path = tmp_path / "quiz.db"
    async with await Store.open(path) as store:
        assert await store.schema_version() == latest_version()
        mode = await store.fetchone("PRAGMA journal_mode")
        assert mode[0] == "wal"
        fk = await store.write(lambda c: c.execute("PRAGMA foreign_keys").fetchone()[0])
        assert fk == 1
    assert tables(path) >= TABLES


async def test_reopening_applies_nothing_twice_and_keeps_data(db_target):
    path = db_target
    async with await Store.open(path) as store:
        await store.write(lambda c: c.execute(PLAYER + "('discord', 'u1', 'Ada')"))
    async with await Store.open(path) as store:
        assert await store.schema_version() == latest_version()
        assert (await store.fetchone("SELECT display_name FROM players"))[0] == "Ada"


async def test_a_later_migration_appended_to_the_list_runs_once(db_target):
    path = db_target
    async with await Store.open(path):
        pass
    extra = [*MIGRATIONS, (latest_version() + 1, "CREATE TABLE schedules (id INTEGER);")]
    for _ in range(2):
        async with await Store.open(path, migrations=extra) as store:
            assert await store.schema_version() == latest_version() + 1
    assert "schedules" in tables(path)


async def test_a_failing_migration_leaves_the_old_version_intact(db_target):
    path = db_target
    broken = [*MIGRATIONS, (latest_version() + 1, "CREATE TABLE half (id INTEGER); NOT SQL;")]
    with pytest.raises(StoreError, match=r"quiz\.db|quiz_\d+: PostgreSQL error"):
        await Store.open(path, migrations=broken)
    assert "half" not in tables(path)
    async with await Store.open(path) as store:
        assert await store.schema_version() == latest_version()


async def test_a_database_from_a_newer_quizbot_is_refused(tmp_path):
    path = tmp_path / "quiz.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match="newer than this quizbot"):
        await Store.open(path)


async def test_a_thousand_concurrent_answers_are_group_committed(db_target):
    path = db_target
    async with await Store.open(path) as store:
        round_id = await _insert_round(store)
        seen_before_ack = []

        async def click(n: int) -> None:
            await store.write(
                lambda c: c.execute(
                    "INSERT INTO answers (round_id, user_id, display_name, option_index,"
                    " answered_at, day) VALUES (?,?,?,?,?,1)",
                    (round_id, f"u{n}", f"P{n}", n % 4, "2026-03-02T09:00:00.000000Z"),
                )
            )
            # A separate connection sees only committed rows.
            row = committed(
                path, "SELECT 1 FROM answers WHERE round_id=? AND user_id=?", (round_id, f"u{n}")
            )
            seen_before_ack.append(row is not None)

        await asyncio.gather(*(click(n) for n in range(1000)))
        assert len(seen_before_ack) == 1000 and all(seen_before_ack)
        count = await store.fetchone("SELECT count(*) FROM answers")
        assert count[0] == 1000
        assert store.commits <= 20, f"{store.commits} commits for 1000 writes: no grouping"


async def test_duplicate_concurrent_answers_are_stored_once(db_target):
    async with await Store.open(db_target) as store:
        round_id = await _insert_round(store)

        def insert(c: sqlite3.Connection) -> int:
            return c.execute(
                "INSERT INTO answers (round_id, user_id, display_name, option_index, answered_at,"
                " day) VALUES (?, 'u1', 'Ada', 1, '2026-03-02T09:00:00.000000Z', 1)"
                " ON CONFLICT (round_id, user_id) DO NOTHING",
                (round_id,),
            ).rowcount

        results = await asyncio.gather(*(store.write(insert) for _ in range(50)))
        assert sorted(results) == [0] * 49 + [1]
        # And the constraint itself holds against a plain INSERT.
        with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
            await store.write(
                lambda c: c.execute(
                    "INSERT INTO answers (round_id, user_id, display_name, option_index,"
                    " answered_at, day) VALUES (?, 'u1', 'Ada', 2, 'x', 1)",
                    (round_id,),
                )
            )
        count = await store.fetchone("SELECT count(*) FROM answers")
        assert count[0] == 1


async def test_one_failing_write_does_not_undo_its_batch_neighbours(db_target):
    async with await Store.open(db_target) as store:

        def good(n: int):
            return lambda c: c.execute(PLAYER + "('x', ?, 'n')", (f"u{n}",))

        def bad(c: sqlite3.Connection) -> None:
            c.execute(PLAYER + "('x', 'bad', 'n')")
            raise RuntimeError("this write changed its mind")

        results = await asyncio.gather(
            store.write(good(1)), store.write(bad), store.write(good(2)), return_exceptions=True
        )
        assert isinstance(results[1], RuntimeError)
        names = await store.fetchall("SELECT user_id FROM players ORDER BY user_id")
        assert [r[0] for r in names] == ["u1", "u2"]


async def test_close_stops_the_threads_and_refuses_more_work(db_target):
    store = await Store.open(db_target)
    await store.close()
    await store.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        await store.write(lambda c: None)


async def test_missing_parent_folders_are_created(tmp_path):
    path = tmp_path / "a" / "b" / "quiz.db"
    async with await Store.open(path):
        pass
    assert path.is_file()


async def test_a_parent_that_cannot_be_created_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match=r"file/sub/quiz.db.*--db"):
        await Store.open(blocker / "sub" / "quiz.db")
    assert blocker.read_text() == "not a folder"


async def test_a_read_only_file_is_refused_and_left_identical(tmp_path):
    path = tmp_path / "quiz.db"
    async with await Store.open(path) as store:
        await store.write(lambda c: c.execute(PLAYER + "('d', 'u', 'n')"))
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        with pytest.raises(StoreError, match=r"quiz.db: the database file is read-only.*chmod"):
            await Store.open(path)
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before


async def test_a_file_that_is_not_a_database_is_refused_and_left_identical(tmp_path):
    path = tmp_path / "quiz.db"
    path.write_bytes(b"these are my holiday photos, not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"not a SQLite database.*left untouched"):
        await Store.open(path)
    assert path.read_bytes() == before


async def test_a_damaged_database_is_refused_and_left_identical(tmp_path):
    path = tmp_path / "quiz.db"
    async with await Store.open(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")  # fold the WAL into the main file
    data = bytearray(path.read_bytes())
    data[16:100] = b"\xff" * 84  # keep the magic header, wreck page size and the rest
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"quiz\.db: SQLite error.*backup"):
        await Store.open(path)
    assert path.read_bytes() == before


async def test_a_folder_as_database_path_is_refused(tmp_path):
    with pytest.raises(StoreError, match="is a folder"):
        await Store.open(tmp_path)


async def _insert_round(store: Store) -> int:
    return await store.write(
        lambda c: c.execute(
            "INSERT INTO rounds (platform, server_id, channel_id, mode, card_id, format,"
            " option_count, answer_index, question, opened_at, closes_at) VALUES"
            " ('discord', 'g', 'c', 'daily', 'card', 'choice', 4, 1, '{}', 'x', 'y')"
            " RETURNING id"
        ).fetchone()[0]
    )


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_processes_opening_a_new_file_at_once_migrate_it_once(tmp_path, backend, request):
    # Several processes started together on a fresh file (two bots, a restart racing a
    # health check) must not both run the first migration ("table already exists").
    import subprocess
    import sys

    path = tmp_path / "new.db" if backend == "sqlite" else request.getfixturevalue("pg_empty_url")
    code = (
        "import asyncio, sys\n"
        "from bot.store import Store\n"
        "async def main():\n"
        "    store = await Store.open(sys.argv[1])\n"
        "    await store.close()\n"
        "asyncio.run(main())\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(path)], stderr=subprocess.PIPE)
        for _ in range(4)
    ]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    async with await Store.open(path) as store:
        assert await store.schema_version() == latest_version()
        if backend == "postgresql":  # each version recorded once: one process migrated
            rows = await store.fetchall("SELECT version FROM quizbot_schema ORDER BY version")
            assert [r[0] for r in rows] == [v for v, _ in MIGRATIONS]


async def test_the_aiosqlite_internals_the_store_uses(tmp_path):
    """bot.store.db._on_thread is the only use of aiosqlite's private API: `_execute(fn,
    *args)` queues `fn(*args)` on the connection's thread, `_conn` is the sqlite3 connection.
    If an aiosqlite upgrade changes either, this fails here, not as a hang in production."""
    import inspect
    import threading

    import aiosqlite

    from bot.store.db import _on_thread

    execute = getattr(aiosqlite.Connection, "_execute", None)
    assert execute is not None and inspect.iscoroutinefunction(execute), (
        "aiosqlite.Connection._execute is gone or no longer async: rewrite bot.store.db._on_thread"
    )
    params = list(inspect.signature(execute).parameters.values())
    assert [p.kind for p in params[1:]] == [
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.VAR_POSITIONAL,
        inspect.Parameter.VAR_KEYWORD,
    ], f"aiosqlite.Connection._execute changed its signature: {params}"
    assert isinstance(inspect.getattr_static(aiosqlite.Connection, "_conn", None), property)

    conn = await aiosqlite.connect(tmp_path / "x.db")
    try:

        def where(sqlite_conn: sqlite3.Connection, extra: int) -> tuple[int, bool, int]:
            one = sqlite_conn.execute("SELECT 1").fetchone()[0]
            return threading.get_ident(), isinstance(sqlite_conn, sqlite3.Connection), one + extra

        thread, is_sqlite, value = await _on_thread(conn, where, 1)
    finally:
        await conn.close()
    assert thread != threading.get_ident()  # ran on the connection's thread, not the loop's
    assert is_sqlite and value == 2
