"""Autocomplete: deck topics and IANA time zones, filtered by what the member typed."""

from __future__ import annotations

import functools
import zoneinfo

import discord
from discord import app_commands

from adapters.discord.markup import CHOICE_LIMIT, MAX_CHOICES
from adapters.discord.replies import services_of


def best_matches(candidates: list[str], typed: str, limit: int = MAX_CHOICES) -> list[str]:
    """Candidates containing `typed` (any case), those starting with it first, in order."""
    wanted = " ".join(typed.split()).casefold()
    if not wanted:
        return candidates[:limit]
    starts = [c for c in candidates if c.casefold().startswith(wanted)]
    contains = [c for c in candidates if wanted in c.casefold() and c not in starts]
    return (starts + contains)[:limit]


def _choices(names: list[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=n[:CHOICE_LIMIT], value=n[:CHOICE_LIMIT]) for n in names if n]


async def quiz_topics(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Topics with answerable cards (quizzes and practice skip discussion prompts)."""
    names = [name for name, _count in services_of(interaction).engine.topics()]
    return _choices(best_matches(names, current))


WEAK_CHOICE = app_commands.Choice(name="weak: your weakest topics", value="weak")


async def practice_topics(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """ "weak" (the player's weakest topics) first, then the topics as for a quiz."""
    topics = await quiz_topics(interaction, current)
    typed = current.strip().casefold()
    if typed and not "weak".startswith(typed):
        return topics
    return [WEAK_CHOICE, *topics][:MAX_CHOICES]


async def deck_topics(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Every topic of the loaded decks, discussion prompts included (for the daily post)."""
    return _choices(best_matches(services_of(interaction).library.topics(), current))


@functools.cache
def _zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


# Shown before anything is typed: the 25 alphabetically first zones are all in Africa.
COMMON_ZONES = [
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
    "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Warsaw", "Europe/Helsinki",
    "Europe/Kyiv", "Europe/Istanbul", "America/New_York", "America/Chicago", "America/Denver",
    "America/Los_Angeles", "America/Toronto", "America/Sao_Paulo", "Asia/Kolkata",
    "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland",
]  # fmt: skip


async def time_zones(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    typed = current.strip().replace(" ", "_")
    return _choices(best_matches(_zones(), typed) if typed else COMMON_ZONES[:MAX_CHOICES])
