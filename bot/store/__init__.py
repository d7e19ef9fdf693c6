"""SQLite storage: `Store` (one group-committing writer, one reader), schema migrations, backup."""

from bot.store.db import Store, StoreError, parse_ts, ts

__all__ = ["Store", "StoreError", "parse_ts", "ts"]
