"""Settings for `quizbot run`: environment variables plus an optional TOML file.

The environment wins over the file, so a container can override one value without
editing the file. Everything is validated at start with a message that names the
bad value; tokens are wrapped in `Secret` so no repr, log line or traceback shows them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from bot.paths import db_path, seed_dirs


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


# Every variable `quizbot run` reads, with what it means. deploy/.env.example and the
# README are checked against this table by tests, so add new settings here first.
VARIABLES: dict[str, str] = {
    "DISCORD_TOKEN": "bot token; starts the Discord adapter",
    "DISCORD_API_BASE": "override https://discord.com/api/v10 (local emulators in tests)",
    "DISCORD_GATEWAY_URL": "override the gateway URL (local emulators in tests)",
    "DISCORD_GUILD_ID": "sync slash commands to this one server at once",
    "SLACK_BOT_TOKEN": "xoxb- bot token; starts the Slack adapter",
    "SLACK_APP_TOKEN": "xapp- app-level token; Socket Mode when set",
    "SLACK_SIGNING_SECRET": "verifies HTTP-mode requests (needed without SLACK_APP_TOKEN)",
    "SLACK_API_URL": "override https://slack.com/api/ (local emulators in tests)",
    "QUIZBOT_HTTP_PORT": "port of the HTTP server (/slack/events, /healthz); default 3000",
    "QUIZBOT_HTTP_HOST": "address the HTTP server listens on; default 0.0.0.0 (all)",
    "QUIZBOT_SLACK_ADMINS": "comma-separated Slack user ids allowed to configure /quiz daily",
    "QUIZBOT_DB": "SQLite database file",
    "QUIZBOT_SEEDS": "extra deck folders, ':'-separated",
    "QUIZBOT_CONFIG": "optional TOML file with the same settings in lower case",
    "QUIZBOT_GRACE_MINUTES": "how late a missed daily post may still go out; default 120",
    "QUIZBOT_LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR; default INFO",
    "QUIZBOT_LOG_FORMAT": "plain or json; default plain",
}

SECRETS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Settings:
    db: Path
    seeds: list[Path]
    discord_token: Secret = Secret("")
    discord_api_base: str | None = None
    discord_gateway_url: str | None = None
    discord_guild_id: int | None = None
    slack_bot_token: Secret = Secret("")
    slack_app_token: Secret = Secret("")
    slack_signing_secret: Secret = Secret("")
    slack_api_url: str | None = None
    http_port: int = 3000
    http_host: str = "0.0.0.0"
    slack_admins: frozenset[str] = frozenset()
    grace_minutes: int = 120
    log_level: str = "INFO"
    log_format: str = "plain"

    @property
    def discord_enabled(self) -> bool:
        return bool(self.discord_token)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def slack_socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def secrets(self) -> list[str]:
        """The raw token values, for the log filter that blanks them out."""
        tokens = (
            self.discord_token,
            self.slack_bot_token,
            self.slack_app_token,
            self.slack_signing_secret,
        )
        return [t.value for t in tokens if t]


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    db: str | None = None,
    seeds: list[str] | None = None,
) -> Settings:
    """Read and validate every setting; `db`/`seeds` are the command line's `--db`/`--seeds`."""
    env = dict(os.environ if env is None else env)
    values = _file_values(env.get("QUIZBOT_CONFIG"))
    values.update({k: v for k, v in env.items() if k in VARIABLES and v != ""})

    def get(name: str) -> str | None:
        value = values.get(name)
        return None if value is None else str(value).strip()

    slack_bot_token = get("SLACK_BOT_TOKEN") or ""
    slack_app_token = get("SLACK_APP_TOKEN") or ""
    signing_secret = get("SLACK_SIGNING_SECRET") or ""
    if slack_bot_token and not slack_app_token and not signing_secret:
        raise ConfigError(
            "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
            "SLACK_SIGNING_SECRET (HTTP mode) is: set one of them, see README 'Running on Slack'."
        )
    if slack_app_token and not slack_app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.")

    log_level = (get("QUIZBOT_LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError(f"QUIZBOT_LOG_LEVEL={log_level!r}: use one of {', '.join(LOG_LEVELS)}.")
    log_format = (get("QUIZBOT_LOG_FORMAT") or "plain").lower()
    if log_format not in ("plain", "json"):
        raise ConfigError(f"QUIZBOT_LOG_FORMAT={log_format!r}: use 'plain' or 'json'.")

    extra_seeds = seeds or [p for p in (get("QUIZBOT_SEEDS") or "").split(os.pathsep) if p]
    return Settings(
        db=db_path(db or get("QUIZBOT_DB")),
        seeds=seed_dirs(extra_seeds),
        discord_token=Secret(get("DISCORD_TOKEN") or ""),
        discord_api_base=_url(get, "DISCORD_API_BASE"),
        discord_gateway_url=_url(get, "DISCORD_GATEWAY_URL"),
        discord_guild_id=_int(get, "DISCORD_GUILD_ID", minimum=1),
        slack_bot_token=Secret(slack_bot_token),
        slack_app_token=Secret(slack_app_token),
        slack_signing_secret=Secret(signing_secret),
        slack_api_url=_url(get, "SLACK_API_URL"),
        http_port=_int(get, "QUIZBOT_HTTP_PORT", minimum=1, maximum=65535) or 3000,
        http_host=get("QUIZBOT_HTTP_HOST") or "0.0.0.0",
        slack_admins=frozenset(
            u.strip() for u in (get("QUIZBOT_SLACK_ADMINS") or "").split(",") if u.strip()
        ),
        grace_minutes=_int(get, "QUIZBOT_GRACE_MINUTES", minimum=0, maximum=24 * 60) or 120,
        log_level=log_level,
        log_format=log_format,
    )


def _file_values(path: str | None) -> dict[str, object]:
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
        if name not in VARIABLES or name == "QUIZBOT_CONFIG":
            known = ", ".join(sorted(k.lower() for k in VARIABLES if k != "QUIZBOT_CONFIG"))
            raise ConfigError(f"{path}: unknown setting {key!r}; known settings: {known}.")
        values[name] = value
    return values


def _int(get, name: str, *, minimum: int, maximum: int | None = None) -> int | None:
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


def _url(get, name: str) -> str | None:
    text = get(name)
    if text is None:
        return None
    parsed = urlparse(text)
    if parsed.scheme not in ("http", "https", "ws", "wss") or not parsed.netloc:
        raise ConfigError(f"{name}={text!r} is not a URL such as http://127.0.0.1:8080/api/.")
    return text
