"""Settings for `quizbot run`: environment variables plus an optional TOML file.

The environment wins over the file, so a container can override one value without
editing the file. Everything is validated at start with a message that names the
bad value; tokens are wrapped in `Secret` so no repr, log line or traceback shows them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol, Self, TypeVar
from urllib.parse import urlparse

from bot.paths import Database, LocationError, db_path, seed_dirs


class ConfigError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


@dataclass(frozen=True)
class Secret:
    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self.value)


UNSET = Secret("")  # a token that was not given


T = TypeVar("T")

# A setting's raw text by variable name (environment first, then the TOML file); None if unset.
Get = Callable[[str], str | None]


class Section(Protocol):
    """Settings declared outside this module, by whoever reads them: each chat adapter has
    one (adapters/<platform>/platform.py) with its variables and how they are checked."""

    VARIABLES: ClassVar[Mapping[str, str]]  # variable name -> what it means

    @classmethod
    def read(cls, get: Get) -> Self:
        """The checked settings; raises ConfigError naming the bad variable."""
        ...


# The variables every `quizbot run` reads, with what they mean; each Section adds its own.
# deploy/.env.example and the README are checked against all of them by tests.
VARIABLES: dict[str, str] = {
    "QUIZBOT_DB": "SQLite database file",
    "QUIZBOT_SEEDS": "extra deck folders, ':'-separated",
    "QUIZBOT_CONFIG": "optional TOML file with the same settings in lower case",
    "QUIZBOT_GRACE_MINUTES": "how late a missed daily post may still go out; default 120",
    "QUIZBOT_LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR; default INFO",
    "QUIZBOT_LOG_FORMAT": "plain or json; default plain",
    "QUIZBOT_FSRS_PARAMETERS": (
        "FSRS parameters fitted on your review log, 21 (or 19) comma-separated numbers;"
        " default the fsrs library's"
    ),
}

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Settings:
    db: Database  # a SQLite file, or a PostgreSQL URL
    seeds: list[Path]
    grace_minutes: int = 120
    log_level: str = "INFO"
    log_format: str = "plain"
    fsrs_parameters: tuple[float, ...] | None = None  # None: the fsrs library's defaults
    sections: tuple[object, ...] = ()  # what each Section read, e.g. one per chat adapter

    def section(self, kind: type[T]) -> T:
        """The settings of one Section; its defaults (nothing set) if it was not read."""
        for section in self.sections:
            if isinstance(section, kind):
                return section
        return kind()

    def secrets(self) -> list[str]:
        """The raw token values of every section, for the log filter that blanks them out."""
        return [
            value.value
            for section in self.sections
            for value in vars(section).values()
            if isinstance(value, Secret) and value
        ]


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    db: str | None = None,
    seeds: list[str] | None = None,
    sections: Sequence[type[Section]] = (),
) -> Settings:
    """Read and validate every setting; `db`/`seeds` are the command line's `--db`/`--seeds`,
    `sections` the settings declared elsewhere (the chat adapters'), read from the same
    environment and file."""
    env = dict(os.environ if env is None else env)
    known = dict(VARIABLES)
    for section in sections:
        known.update(section.VARIABLES)
    values = _file_values(env.get("QUIZBOT_CONFIG"), known)
    values.update({k: v for k, v in env.items() if k in known and v != ""})

    def get(name: str) -> str | None:
        value = values.get(name)
        return None if value is None else str(value).strip()

    read = tuple(section.read(get) for section in sections)

    log_level = (get("QUIZBOT_LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"QUIZBOT_LOG_LEVEL={log_level!r}: use one of {', '.join(LOG_LEVELS)}.")
    log_format = (get("QUIZBOT_LOG_FORMAT") or "plain").lower()
    if log_format not in ("plain", "json"):
        raise ConfigError(f"QUIZBOT_LOG_FORMAT={log_format!r}: use 'plain' or 'json'.")

    extra_seeds = seeds or [p for p in (get("QUIZBOT_SEEDS") or "").split(os.pathsep) if p]
    try:
        database = db_path(db or get("QUIZBOT_DB"), origin="--db" if db else "QUIZBOT_DB")
        decks = seed_dirs(extra_seeds, origin="--seeds" if seeds else "QUIZBOT_SEEDS")
    except LocationError as problem:
        raise ConfigError(str(problem)) from None
    return Settings(
        db=database,
        seeds=decks,
        grace_minutes=int_setting(get, "QUIZBOT_GRACE_MINUTES", minimum=0, maximum=24 * 60) or 120,
        log_level=log_level,
        log_format=log_format,
        fsrs_parameters=fsrs_parameters(get("QUIZBOT_FSRS_PARAMETERS")),
        sections=read,
    )


# FSRS-5's optimizer gives 19 numbers, FSRS-6's 21; the fsrs library schedules with 21. The two
# FSRS-6 additions that make it FSRS-5 (short-term stability exponent 0, decay 0.5) pad a 19.
FSRS5_TO_FSRS6 = (0.0, 0.5)


def fsrs_parameters(text: str | None) -> tuple[float, ...] | None:
    """`QUIZBOT_FSRS_PARAMETERS`: 21 numbers (or FSRS-5's 19), separated by commas (a TOML
    list works too), each within the bounds the fsrs library accepts; None if unset."""
    if text is None:
        return None
    name = "QUIZBOT_FSRS_PARAMETERS"
    parts = [p for p in re.split(r"[,\s]+", text.strip().strip("[]")) if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise ConfigError(
            f"{name}: {text[:60]!r} is not a list of numbers; give the optimizer's 21 numbers"
            " separated by commas."
        ) from None
    if len(values) == 19:
        values += FSRS5_TO_FSRS6
    if len(values) != 21:
        raise ConfigError(
            f"{name} has {len(values)} numbers; FSRS needs 21 (FSRS-6) or 19 (FSRS-5), as the"
            " optimizer prints them, separated by commas."
        )
    from fsrs import Scheduler  # only when parameters are given: it checks their bounds

    try:
        Scheduler(parameters=values)
    except ValueError as problem:
        bounds = "; ".join(str(problem).splitlines())
        raise ConfigError(
            f"{name}: {bounds}. Fit the parameters again, or leave {name} empty for the defaults."
        ) from None
    return values


def _file_values(path: str | None, known: Mapping[str, str]) -> dict[str, object]:
    if not path:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"QUIZBOT_CONFIG={path!r}: no such file.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"QUIZBOT_CONFIG={path!r}: cannot read it ({error}).") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error}).") from None
    values: dict[str, object] = {}
    for key, value in data.items():
        name = key.upper()
        if name not in known or name == "QUIZBOT_CONFIG":
            names = ", ".join(sorted(k.lower() for k in known if k != "QUIZBOT_CONFIG"))
            raise ConfigError(f"{path}: unknown setting {key!r}; known settings: {names}.")
        values[name] = value
    return values


def int_setting(get: Get, name: str, *, minimum: int, maximum: int | None = None) -> int | None:
    """A whole-number setting within bounds; None if unset."""
    text = get(name)
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"{name}={text!r} is not a whole number.") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise ConfigError(f"{name}={text!r} must be {bound}.")
    return value


def secret_setting(
    get: Get, name: str, *, shape: re.Pattern[str] | None = None, looks_like: str = ""
) -> Secret:
    """A token or secret, UNSET if not given. Refused, without ever echoing the value: quotes
    or spaces pasted along with it (an env file keeps quotes literally), and a value whose
    shape is not `shape` (`looks_like` says what it should look like and where to get it)."""
    text = get(name)
    if not text:
        return UNSET
    if text[0] in "'\"" or text[-1] in "'\"":
        raise ConfigError(f"{name} is wrapped in quotes: remove them (env files keep quotes).")
    if any(c.isspace() for c in text):
        raise ConfigError(
            f"{name} contains a space or line break: copy it again, whole (nothing such as "
            "'Bot ' or 'Bearer ' in front)."
        )
    if shape is not None and not shape.fullmatch(text):
        raise ConfigError(f"{name} does not look like {looks_like}.")
    return Secret(text)


def url_setting(get: Get, name: str) -> str | None:
    """An http(s)/ws(s) URL setting (endpoint overrides for local emulators); None if unset."""
    text = get(name)
    if text is None:
        return None
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https", "ws", "wss") or not parsed.netloc:
        raise ConfigError(f"{name}={text!r} is not a URL such as http://127.0.0.1:8080/api/.")
    return text
