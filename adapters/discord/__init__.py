"""The Discord adapter (discord.py 2.7): slash commands, answer buttons, embeds.

`DISCORD` is its entry in adapters.registry; `build(services)` returns the Adapter the runtime
starts and stops, and registers its Poster so the engine's posts to `Place("discord", ...)`
reach Discord. Importing the package does not import discord.py.
"""

from adapters.discord.platform import DISCORD, DiscordSettings, build

__all__ = ["DISCORD", "DiscordSettings", "build"]
