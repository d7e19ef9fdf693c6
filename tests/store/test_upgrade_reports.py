"""Schema 9 on a database that already holds rounds and answers: nothing is lost, every
round starts unregraded, and the new tables take reports."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from test_upgrade import make_old_database

from bot.store import Store
from bot.store.migrations import MIGRATIONS
from bot.store.records import CardReport
from bot.store.sqlite import SqliteStorage


async def test_reports_schema_upgrades_a_database_with_answers(tmp_path):
    path = tmp_path / "old.db"
    make_old_database(path)
    async with await Store.open(path, migrations=[m for m in MIGRATIONS if m[0] < 9]):
        pass
    with sqlite3.connect(path) as conn:
        before = conn.execute("SELECT * FROM answers ORDER BY round_id, user_id").fetchall()
        rounds = conn.execute("SELECT count(*) FROM rounds").fetchone()[0]
    async with await Store.open(path) as store:
        assert await store.schema_version() >= 9
        after = await store.fetchall("SELECT * FROM answers ORDER BY round_id, user_id")
        assert [tuple(r) for r in after] == before
        marked = await store.fetchone(
            "SELECT count(*) FROM rounds WHERE voided = 0 AND also_index IS NULL"
        )
        assert marked[0] == rounds > 0
        storage = SqliteStorage(store)
        round_id = (await store.fetchone("SELECT min(id) FROM rounds"))[0]
        report = CardReport(
            "discord", "g1", "c1", "card1", round_id, "u9", "Nine", "unclear", "",
            datetime(2026, 3, 9, tzinfo=UTC),
        )  # fmt: skip
        assert await storage.add_report(report) is True
        assert await storage.add_report(report) is False  # one per person per card
        assert await storage.held_cards("discord", "g1") == set()
