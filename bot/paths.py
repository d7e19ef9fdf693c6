"""Where quizbot finds its decks and keeps its database by default, and the check that the
folders and file an operator names are there and usable."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SHIPPED_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


class LocationError(ValueError):
    """A deck folder or database path the operator named cannot be used; the message names
    the option or variable it came from and what to do."""


class DatabaseUrl(str):
    """A PostgreSQL database named by `--db`/`QUIZBOT_DB` (postgresql://USER:PASSWORD@HOST/DB):
    where a SQLite path is expected it answers `exists()` (the server says the rest when
    connected to), and shows itself without its password in messages and logs; the store
    connects with `secret()`."""

    __slots__ = ()

    def secret(self) -> str:
        return str.__str__(self)

    def exists(self) -> bool:
        return True

    @property
    def name(self) -> str:
        return urlsplit(self.secret()).path.lstrip("/") or "postgres"

    def expanduser(self) -> DatabaseUrl:
        return self

    def __str__(self) -> str:
        parts = urlsplit(self.secret())
        if parts.password is None:
            return self.secret()
        host = f"{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
        netloc = f"{parts.username}:***@{host}" if parts.username else f":***@{host}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"DatabaseUrl({str(self)!r})"


Database = Path | DatabaseUrl


def is_database_url(value: object) -> bool:
    """True for a PostgreSQL connection URL; anything else is a SQLite file path."""
    return isinstance(value, str) and value.lower().startswith(("postgresql://", "postgres://"))


def default_db_path() -> Path:
    """`$XDG_DATA_HOME/quizbot/quizbot.db`: `~/.local/share/quizbot/quizbot.db` on most systems."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "quizbot" / "quizbot.db"


def db_path(cli_value: str | None, *, origin: str | None = None) -> Database:
    """`--db` beats `QUIZBOT_DB`, which beats the default; a postgresql:// URL names a
    PostgreSQL database instead of a SQLite file. A path that exists but is neither
    a file nor a folder (`/dev/null`, a pipe) is refused here: SQLite would only say "disk
    I/O error". (A folder gets its own message where the database is opened.)"""
    origin = origin or ("--db" if cli_value else "QUIZBOT_DB")
    value = cli_value or os.environ.get("QUIZBOT_DB")
    if is_database_url(value):
        return DatabaseUrl(value)
    path = Path(value).expanduser() if value else default_db_path()
    if value and path.exists() and not path.is_file() and not path.is_dir():
        raise LocationError(
            f"{origin} {value}: not a regular file (a device, pipe or socket), so it cannot "
            "hold a database. Name a file such as ~/quizbot.db, or leave it out to use "
            f"{default_db_path()}."
        )
    return path


def seed_dirs(cli_values: list[str] | None, *, origin: str | None = None) -> list[Path]:
    """The shipped decks, then every extra folder from `--seeds` or `QUIZBOT_SEEDS`.

    `QUIZBOT_SEEDS` may name several folders separated by the OS path separator (`:`). A
    folder named that does not exist is a LocationError: a typo must not look like an empty
    deck folder.
    """
    extra = list(cli_values or [])
    origin = origin or "--seeds"
    if not extra and os.environ.get("QUIZBOT_SEEDS"):
        extra = [p for p in os.environ["QUIZBOT_SEEDS"].split(os.pathsep) if p]
        origin = "QUIZBOT_SEEDS"
    folders = [Path(p).expanduser() for p in extra]
    for raw, folder in zip(extra, folders, strict=True):
        if not folder.exists():
            raise LocationError(
                f"{origin} {raw}: no such folder. Check the path, or leave it out to use "
                "only the shipped decks."
            )
    return [SHIPPED_SEEDS, *folders]
