import argparse
import asyncio
import sqlite3

import pytest

from bot.store import Store, StoreError
from bot.store.backup import backup_database, run_backup

PLAYER = "INSERT INTO players (platform, user_id, display_name) VALUES "


async def test_backup_while_the_bot_writes_is_consistent(tmp_path):
    live, copy = tmp_path / "live.db", tmp_path / "backups" / "copy.db"
    async with await Store.open(live) as store:
        stop = asyncio.Event()

        async def keep_writing() -> int:
            n = 0
            while not stop.is_set() and n < 20_000:  # bounded
                await asyncio.gather(
                    *(
                        store.write(
                            lambda c, i=i: c.execute(PLAYER + "('d', ?, 'name')", (f"u{i}",))
                        )
                        for i in range(n, n + 50)
                    )
                )
                n += 50
            return n

        writer = asyncio.create_task(keep_writing())
        await asyncio.sleep(0.05)
        await asyncio.to_thread(backup_database, live, copy)
        stop.set()
        written = await writer
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = conn.execute("SELECT count(*) FROM players").fetchone()[0]
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 1
    assert 0 < copied <= written
    assert copied % 50 == 0  # whole transactions only


async def test_backup_refuses_to_overwrite_the_live_database(tmp_path):
    live = tmp_path / "live.db"
    async with await Store.open(live):
        pass
    before = live.read_bytes()
    for target in (live, tmp_path / "." / "live.db", tmp_path / "live.db-wal"):
        with pytest.raises(StoreError, match="refusing to overwrite"):
            backup_database(live, target)
    assert live.read_bytes() == before


def test_backup_of_a_missing_database_explains(tmp_path):
    with pytest.raises(StoreError, match="no database there"):
        backup_database(tmp_path / "nope.db", tmp_path / "copy.db")


async def test_cli_backup_replaces_an_old_backup_and_reports(tmp_path, capsys):
    live, copy = tmp_path / "live.db", tmp_path / "copy.db"
    async with await Store.open(live) as store:
        await store.write(lambda c: c.execute(PLAYER + "('d', 'u', 'Ada')"))
    copy.write_text("yesterday's backup")
    assert run_backup(argparse.Namespace(db=str(live), path=str(copy))) == 0
    assert "integrity ok" in capsys.readouterr().out
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT display_name FROM players").fetchone()[0] == "Ada"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_cli_backup_error_is_one_clear_line(tmp_path, capsys):
    code = run_backup(argparse.Namespace(db=str(tmp_path / "none.db"), path=str(tmp_path / "c")))
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith("quizbot db backup:") and "Traceback" not in err


async def _live(tmp_path):
    live = tmp_path / "live.db"
    async with await Store.open(live):
        pass
    return live


@pytest.mark.parametrize(
    ("target", "says"),
    [
        # Tests run as root, for whom no folder is read-only: these fail for root too.
        ("/proc/quizbot-backup.db", "cannot write in /proc"),
        ("{tmp}/" + "x" * 250 + ".db", "(File name too long)"),
        ("/proc/self/none/quizbot.db", "cannot create its folder"),
    ],
)
async def test_backup_where_it_cannot_be_written_is_one_clear_line(tmp_path, capsys, target, says):
    """A folder the backup cannot be written to used to end in an OSError traceback."""
    live = await _live(tmp_path)
    target = target.format(tmp=tmp_path)
    assert run_backup(argparse.Namespace(db=str(live), path=target)) == 1
    err = capsys.readouterr().err
    assert err.startswith("quizbot db backup: ") and says in err
    assert err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["live.db"]


def test_backup_of_an_unreadable_database_is_one_clear_line(tmp_path, capsys):
    # /proc/self/mem is a file whose first bytes no process can read (EIO), root included.
    assert run_backup(argparse.Namespace(db="/proc/self/mem", path=str(tmp_path / "c.db"))) == 1
    err = capsys.readouterr().err
    assert err.startswith("quizbot db backup: /proc/self/mem: cannot read the database")
    assert err.count("\n") == 1
