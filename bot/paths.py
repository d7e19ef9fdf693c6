"""Where quizbot finds its decks and keeps its database by default."""

from __future__ import annotations

import os
from pathlib import Path

SHIPPED_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def default_db_path() -> Path:
    """`$XDG_DATA_HOME/quizbot/quizbot.db`: `~/.local/share/quizbot/quizbot.db` on most systems."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "quizbot" / "quizbot.db"


def db_path(cli_value: str | None) -> Path:
    """`--db` beats `QUIZBOT_DB`, which beats the default."""
    value = cli_value or os.environ.get("QUIZBOT_DB")
    return Path(value).expanduser() if value else default_db_path()


def seed_dirs(cli_values: list[str] | None) -> list[Path]:
    """The shipped decks, then every extra folder from `--seeds` or `QUIZBOT_SEEDS`.

    `QUIZBOT_SEEDS` may name several folders separated by the OS path separator (`:`).
    """
    extra = list(cli_values or [])
    if not extra and os.environ.get("QUIZBOT_SEEDS"):
        extra = [p for p in os.environ["QUIZBOT_SEEDS"].split(os.pathsep) if p]
    return [SHIPPED_SEEDS, *(Path(p).expanduser() for p in extra)]
