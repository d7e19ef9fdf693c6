"""`/daily set|off|status|now`: the channel's daily question (Manage Server only).

`default_permissions` only hides the group from members by default (a server can change
that in Integrations), so every handler that changes something checks Manage Server itself.
The schedule lives in `services.daily` (bot.schedule); its calls take `place`, `by` and
`is_admin`, and answer with something that has a `.text` (a Notice) or a string.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from adapters.discord.commands.choices import deck_topics, time_zones
from adapters.discord.embeds import notice_text
from adapters.discord.replies import (
    PLATFORM,
    is_admin,
    place_of,
    player_of,
    respond,
    services_of,
    within_deadline,
)
from bot.messages import Notice
from bot.ports import Place

NOT_AVAILABLE = "The daily question is not available on this bot yet."
ADMINS_ONLY = (
    "Only members with the **Manage Server** permission can change the daily question. "
    "`/daily status` shows how it is set."
)


def text_of(result: Any) -> str:
    """The schedule's answer in words, whatever shape it comes in."""
    if isinstance(result, str):
        return result
    if isinstance(result, Notice):
        return result.text
    for attribute in ("text", "notice", "message"):
        value = getattr(result, attribute, None)
        if isinstance(value, Notice):
            return value.text
        if isinstance(value, str):
            return value
    return str(result)


def _target(interaction: discord.Interaction, channel: Any | None) -> Place:
    here = place_of(interaction)
    if channel is None:
        return here
    return Place(PLATFORM, here.server_id, str(channel.id))


async def _run(interaction: discord.Interaction, call: str, place: Place, **options: Any) -> None:
    daily = services_of(interaction).daily
    if daily is None:
        await respond(interaction, content=NOT_AVAILABLE)
        return
    admin = is_admin(interaction)
    if call == "status":
        work = daily.status(place)
    else:
        work = getattr(daily, call)(place, by=player_of(interaction), is_admin=admin, **options)
    result = await within_deadline(interaction, work)
    await respond(interaction, content=notice_text(text_of(result)))


async def _refuse_non_admin(interaction: discord.Interaction) -> bool:
    """True (and a private refusal sent) when the member lacks Manage Server."""
    if is_admin(interaction):
        return False
    await respond(interaction, content=ADMINS_ONLY)
    return True


def add_to(tree: app_commands.CommandTree) -> None:
    group = app_commands.Group(
        name="daily",
        description="The daily question in this channel",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @group.command(name="set", description="Post a daily question here (Manage Server)")
    @app_commands.describe(
        time="Local time of the post, HH:MM (e.g. 09:00)",
        timezone="IANA time zone, e.g. Europe/Berlin (start typing)",
        weekdays="Days to post on: mon-fri (default), daily, or e.g. mon,wed,fri",
        reveal="When to reveal: a time (17:00) or a delay (8h, 90m); default 17:00",
        topic="Only cards of this topic (default: every deck)",
        channel="Where to post (default: this channel)",
    )
    @app_commands.autocomplete(timezone=time_zones, topic=deck_topics)
    async def set_daily(
        interaction: discord.Interaction,
        time: str,
        timezone: str = "UTC",
        weekdays: str = "mon-fri",
        reveal: str | None = None,
        topic: str | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        if await _refuse_non_admin(interaction):
            return
        options: dict[str, Any] = {"time": time.strip(), "tz": timezone.strip()}
        options["weekdays"] = weekdays.strip()
        if reveal:
            options["reveal"] = reveal.strip()
        if topic:
            options["topic"] = topic
        await _run(interaction, "set", _target(interaction, channel), **options)

    @group.command(name="off", description="Stop the daily question (Manage Server)")
    @app_commands.describe(channel="Which channel (default: this one)")
    async def off(
        interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        if await _refuse_non_admin(interaction):
            return
        await _run(interaction, "off", _target(interaction, channel))

    @group.command(name="status", description="How the daily question is set up here")
    @app_commands.describe(channel="Which channel (default: this one)")
    async def status(
        interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        await _run(interaction, "status", _target(interaction, channel))

    @group.command(name="now", description="Post today's daily question now (Manage Server)")
    @app_commands.describe(channel="Which channel (default: this one)")
    async def now(
        interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        if await _refuse_non_admin(interaction):
            return
        await _run(interaction, "now", _target(interaction, channel))

    tree.add_command(group)
