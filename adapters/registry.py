"""Every chat platform `quizbot run` can serve. Adding one is a package under adapters/ that
declares a `Platform` (see adapters.discord.platform) and one line in PLATFORMS."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.discord import DISCORD
from adapters.runtime import Platform
from adapters.slack import SLACK
from bot import config
from bot.config import Settings

PLATFORMS: tuple[Platform, ...] = (
    DISCORD,
    SLACK,
)


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    db: str | None = None,
    seeds: list[str] | None = None,
) -> Settings:
    """bot.config.load_settings with every platform's own settings read as well."""
    return config.load_settings(
        env, db=db, seeds=seeds, sections=[platform.settings for platform in PLATFORMS]
    )


def variables() -> dict[str, str]:
    """Every variable `quizbot run` reads (deploy/.env.example and the README list them)."""
    names = dict(config.VARIABLES)
    for platform in PLATFORMS:
        names.update(platform.settings.VARIABLES)
    return names


def enabled(settings: Settings) -> list[Platform]:
    """The platforms these settings ask to run, in registry order."""
    return [p for p in PLATFORMS if settings.section(p.settings).enabled]
