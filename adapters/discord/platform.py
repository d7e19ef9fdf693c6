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
from bot.config import UNSET, Get, Secret, int_setting, secret_setting, url_setting
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
    }

    token: Secret = UNSET
    api_base: str | None = None
    gateway_url: str | None = None
    guild_id: int | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @classmethod
    def read(cls, get: Get) -> DiscordSettings:
        return cls(
            token=secret_setting(get, "DISCORD_TOKEN", shape=TOKEN, looks_like=TOKEN_LOOKS_LIKE),
            api_base=url_setting(get, "DISCORD_API_BASE"),
            gateway_url=url_setting(get, "DISCORD_GATEWAY_URL"),
            guild_id=int_setting(get, "DISCORD_GUILD_ID", minimum=1),
        )


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
