"""Discord as a platform of `quizbot run`: its settings, when it runs, and how it is built.

Light on purpose: the registry imports this for every run, and discord.py is loaded only
when `build` is called, so a Slack-only bot never pays for it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from adapters.runtime import Platform, Services
from bot.config import (
    UNSET,
    ConfigError,
    Get,
    Secret,
    int_setting,
    secret_setting,
    url_setting,
)
from bot.logs import Noise

if TYPE_CHECKING:
    from adapters.discord.adapter import DiscordAdapter

NAME = "discord"  # Place.platform of every Discord channel, and the heartbeat's name

# A bot token is three base64url parts joined by dots (the bot's id, a time, a signature);
# the client secret and public key, pasted by mistake, are one part.
TOKEN = re.compile(r"[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{6,}")
TOKEN_LOOKS_LIKE = (
    "a bot token (three parts joined by dots, without 'Bot '): copy it from the Developer "
    "Portal, Bot -> Reset Token (not the client secret or public key)"
)


@dataclass(frozen=True)
class DiscordSettings:
    VARIABLES: ClassVar[Mapping[str, str]] = {
        "DISCORD_TOKEN": "bot token; starts the Discord adapter",
        "DISCORD_API_BASE": "override https://discord.com/api/v10 (local emulators in tests)",
        "DISCORD_GATEWAY_URL": "override the gateway URL (local emulators in tests)",
        "DISCORD_GUILD_ID": "sync slash commands to this one server at once",
        "DISCORD_SHARD_COUNT": "how many gateway shards the bot has in all (several processes)",
        "DISCORD_SHARD_IDS": "the shards this process runs, e.g. 0,1 (default: all of them)",
    }

    token: Secret = UNSET
    api_base: str | None = None
    gateway_url: str | None = None
    guild_id: int | None = None
    shard_count: int | None = None  # None: one unsharded connection, as before
    shard_ids: tuple[int, ...] | None = None  # None with a count: every shard

    def owns_server(self, server_id: int) -> bool:
        """Whether this process's shards receive that server's events (Discord routes a
        server to shard `(server_id >> 22) % shard_count`)."""
        if self.shard_count is None:
            return True
        shard = (server_id >> 22) % self.shard_count
        return self.shard_ids is None or shard in self.shard_ids

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @classmethod
    def read(cls, get: Get) -> DiscordSettings:
        count = int_setting(get, "DISCORD_SHARD_COUNT", minimum=1, maximum=MAX_SHARDS)
        return cls(
            token=secret_setting(get, "DISCORD_TOKEN", shape=TOKEN, looks_like=TOKEN_LOOKS_LIKE),
            api_base=url_setting(get, "DISCORD_API_BASE"),
            gateway_url=url_setting(get, "DISCORD_GATEWAY_URL"),
            guild_id=int_setting(get, "DISCORD_GUILD_ID", minimum=1),
            shard_count=count,
            shard_ids=shard_ids(get, count),
        )


MAX_SHARDS = 10_000  # Discord's largest bots run a few thousand


def shard_ids(get: Get, count: int | None) -> tuple[int, ...] | None:
    """DISCORD_SHARD_IDS: distinct whole numbers from 0 to DISCORD_SHARD_COUNT - 1, separated
    by commas; a range such as 0-3 counts too."""
    text = get("DISCORD_SHARD_IDS")
    if text is None or not text.strip():
        return None
    if count is None:
        raise ConfigError(
            f"DISCORD_SHARD_IDS={text!r} needs DISCORD_SHARD_COUNT, the number of shards in all "
            "(every process of the bot sets the same count)."
        )
    ids: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        try:
            first = int(low)
            last = int(high) if high else first
        except ValueError:
            raise ConfigError(
                f"DISCORD_SHARD_IDS={text!r}: {part.strip()!r} is not a shard number; write "
                "the numbers separated by commas, e.g. 0,1 or 0-3."
            ) from None
        if not 0 <= first <= last < count:
            raise ConfigError(
                f"DISCORD_SHARD_IDS={text!r}: shard numbers run from 0 to {count - 1} "
                f"(DISCORD_SHARD_COUNT={count})."
            )
        ids.extend(range(first, last + 1))
    if len(set(ids)) != len(ids):
        raise ConfigError(f"DISCORD_SHARD_IDS={text!r} names a shard twice.")
    return tuple(ids)


def one_line_reconnect(record: logging.LogRecord) -> None:
    """discord.py logs each reconnect attempt with a full traceback: one line instead, the
    reason and the next delay (its backoff), as a warning."""
    error = record.exc_info[1] if record.exc_info else None
    delay = record.args[0] if isinstance(record.args, tuple) and record.args else 0.0
    why = f"{type(error).__name__}: {error}".rstrip(": ") if error is not None else "closed"
    record.msg = "Discord gateway: connection failed (%s); reconnecting in %.0f s"
    record.args = (why.splitlines()[0], delay)
    record.levelno, record.levelname = logging.WARNING, "WARNING"


def build(services: Services, **client_options: Any) -> DiscordAdapter:
    """The Discord adapter, its Poster registered for `Place("discord", ...)`;
    `client_options` go to discord.Client (tests pass guild_ready_timeout=0.1)."""
    from adapters.discord.adapter import DiscordAdapter

    adapter = DiscordAdapter(services, **client_options)
    services.posters.register(NAME, adapter.poster)
    settings = services.settings.section(DiscordSettings)
    if settings.shard_count is not None and services.daily is not None:
        # Another process runs the other shards: it posts the daily questions of their servers.
        services.daily.daily.only_places(
            NAME, lambda place: settings.owns_server(int(place.server_id))
        )
    return adapter


DISCORD = Platform(
    NAME,
    DiscordSettings,
    build,
    enable_with="DISCORD_TOKEN (Discord)",
    board_title="Discord server {server}",
    log_noise=(
        Noise("discord.client", "PyNaCl is not installed"),  # voice: quizbot never speaks
        Noise("discord.client", "davey is not installed"),
        Noise("discord.client", "Attempting a reconnect in", rewrite=one_line_reconnect),
    ),
)
