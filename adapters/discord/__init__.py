"""The Discord adapter (discord.py 2.7): slash commands, answer buttons, embeds.

`build(services)` returns the Adapter the runtime starts and stops, and registers its Poster
so the engine's posts to `Place("discord", ...)` reach Discord.
"""

from __future__ import annotations

from typing import Any

from adapters.discord.adapter import DiscordAdapter, QuizClient, intents
from adapters.runtime import Services

__all__ = ["DiscordAdapter", "QuizClient", "build", "intents"]


def build(services: Services, **client_options: Any) -> DiscordAdapter:
    """`client_options` go to discord.Client (tests pass guild_ready_timeout=0.1)."""
    adapter = DiscordAdapter(services, **client_options)
    services.posters.register("discord", adapter.poster)
    return adapter
