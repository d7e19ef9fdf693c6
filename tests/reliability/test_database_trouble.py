"""A database that cannot be used at start: `quizbot run` and `quizbot play` say what is wrong
and exit non-zero, and the file is byte-for-byte what it was. A backup taken while the bot
writes passes SQLite's integrity check."""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import signal
import sqlite3
from pathlib import Path

import pytest

from tests.fakes.slack_server import FakeSlack
from tests.reliability.kit import (
    BotProcess,
    Readiness,
    bot_env,
    prepare_db,
    quizbot,
    read_db,
    slack_players,
)

# `quizbot run` needs a platform configured to get as far as the database; this one is never
# contacted (the database is opened first).
NOWHERE = {
    "SLACK_BOT_TOKEN": "xoxb-unused",
    "SLACK_APP_TOKEN": "xapp-unused",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
}


@pytest.fixture(scope="module")
def good_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("good") / "q.db"
    asyncio.run(prepare_db(db, []))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    return db


def damaged(kind: str, good: Path, tmp: Path) -> Path:
    db = tmp / kind / "q.db"
    db.parent.mkdir()
    if kind == "read-only":
        shutil.copy(good, db)
        db.chmod(0o444)
    elif kind == "not-a-database":
        db.write_bytes(b"PK\x03\x04 this is a zip, not SQLite" * 100)
    elif kind == "truncated":
        db.write_bytes(good.read_bytes()[:1500])
    elif kind == "garbled-pages":
        data = bytearray(good.read_bytes())
        data[100:4096] = os.urandom(3996)  # the schema page, after a valid header
        db.write_bytes(bytes(data))
    elif kind == "folder-cannot-be-made":
        (tmp / kind / "file").write_text("a file where a folder should be")
        return tmp / kind / "file" / "sub" / "q.db"
    return db


KINDS = ["read-only", "not-a-database", "truncated", "garbled-pages", "folder-cannot-be-made"]


@pytest.mark.parametrize("kind", KINDS)
async def test_unusable_database_stops_run_and_play_cleanly(kind, good_db, tmp_path):
    db = damaged(kind, good_db, tmp_path)
    before = db.read_bytes() if db.exists() else None
    env = bot_env(db, **NOWHERE)
    outcomes = [
        await quizbot("run", env=env, timeout=30),
        await quizbot("--db", str(db), "play", "--count", "1", env=env, stdin=b"a\nq\n"),
    ]
    for code, out, err in outcomes:
        assert code != 0, (kind, out, err)
        text = out + err
        assert "Traceback" not in text, text
        assert str(db) in text or db.name in text, text
    assert (db.read_bytes() if db.exists() else None) == before
    assert not Path(f"{db}-wal").exists() or kind == "read-only"


def _tiny_files() -> None:
    # A full disk as the process sees it: every write past 64 KiB fails (EFBIG), as on a
    # full filesystem, without needing root for a loop device or tmpfs.
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


async def test_full_disk_at_start_is_a_clear_error(tmp_path):
    db = tmp_path / "q.db"
    env = bot_env(db, **NOWHERE)
    code, out, err = await quizbot("run", env=env, timeout=30, preexec_fn=_tiny_files)
    assert code != 0
    assert "Traceback" not in out + err
    assert str(db) in err, err


async def test_backup_while_the_bot_writes_is_consistent(tmp_path):
    db = tmp_path / "q.db"
    async with FakeSlack() as fake:
        players = slack_players(fake, 30)
        bot = await BotProcess(bot_env(db, slack=fake), tmp_path / "bot.log").start()
        try:
            await Readiness(None, fake).wait()
            await fake.socket_send_slash_command("/quiz", "1 choice 30s", user_id="U0ALICE")
            call = await fake.wait_for_call("chat.postMessage", lambda c: c.ok, timeout=10)
            ts = call.response["ts"]
            round_id = int(
                next(
                    e["action_id"]
                    for b in call.args["blocks"]
                    if b["type"] == "actions"
                    for e in b["elements"]
                ).split(":")[1]
            )

            async def clicks() -> None:
                for n, user in enumerate(players):
                    await fake.socket_send_block_action(
                        f"answer:{round_id}:{n % 4}", user_id=user, message_ts=ts
                    )

            backups = [tmp_path / f"backup-{n}.db" for n in range(3)]
            results = await asyncio.gather(
                clicks(),
                *[
                    quizbot("--db", str(db), "db", "backup", str(b), env=bot_env(db))
                    for b in backups
                ],
            )
            for code, _out, err in results[1:]:
                assert code == 0, err
        finally:
            assert await bot.stop() == 0, bot.text()[-2000:]
    for backup in backups:
        assert read_db(backup, "PRAGMA integrity_check")[0][0] == "ok"
        assert read_db(backup, "SELECT count(*) FROM rounds")[0][0] >= 1
    assert read_db(db, "SELECT count(*) FROM answers")[0][0] == len(players)
