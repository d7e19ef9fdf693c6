"""Storage: `Store` (one group-committing writer, one reader) on SQLite, or on PostgreSQL
when opened with a postgresql:// URL (bot/store/postgres.py); schema migrations, backup."""

from bot.store.db import Store, StoreError, parse_ts, ts

__all__ = ["Store", "StoreError", "parse_ts", "ts"]
