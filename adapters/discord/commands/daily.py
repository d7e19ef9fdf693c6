"""`/daily set|off|status|now`: the channel's daily question (Manage Server only).

`default_permissions` only hides the group from members by default (a server can change
that in Integrations), so every handler that changes something checks Manage Server itself.
The schedule lives in `services.daily` (bot.schedule's DailyService), which answers each
call with a Notice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

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
from bot.ports import Place, Player
from bot.questions.formats import DAILY_FORMATS, MIXED
from bot.schedule.spec import PICKS

if TYPE_CHECKING:
    from bot.schedule.service import DailyService

NOT_AVAILABLE = "The daily question is not available on this bot yet."
ADMINS_ONLY = (
    "Only members with the **Manage Server** permission can change the daily question. "
    "`/daily status` shows how it is set."
)


def _target(interaction: discord.Interaction, channel: discord.TextChannel | None) -> Place:
    here = place_of(interaction)
    if channel is None:
        return here
    return Place(PLATFORM, here.server_id, str(channel.id))


# One call on the daily service: (service, place, who asks, whether they are an admin).
DailyCall = Callable[["DailyService", Place, Player, bool], Awaitable[Notice]]


async def _run(
    interaction: discord.Interaction, channel: discord.TextChannel | None, call: DailyCall
) -> None:
    """Call the daily service for `channel` (default: here); its Notice goes back privately."""
    daily = services_of(interaction).daily
    if daily is None:
        await respond(interaction, content=NOT_AVAILABLE)
        return
    place, by = _target(interaction, channel), player_of(interaction)
    notice = await within_deadline(interaction, call(daily, place, by, is_admin(interaction)))
    await respond(interaction, content=notice_text(notice))


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
        fmt="How it is asked: choice, cloze, typed, or mixed (choice and cloze, the default)",
        channel="Where to post (default: this channel)",
        pick="rotation: every card in turn (default); review: the card this channel forgets",
    )
    @app_commands.rename(fmt="format")
    @app_commands.choices(
        fmt=[app_commands.Choice(name=f, value=f) for f in (*DAILY_FORMATS, MIXED)],
        pick=[app_commands.Choice(name=p, value=p) for p in PICKS],
    )
    @app_commands.autocomplete(timezone=time_zones, topic=deck_topics)
    async def set_daily(
        interaction: discord.Interaction,
        time: str,
        timezone: str = "UTC",
        weekdays: str = "mon-fri",
        reveal: str | None = None,
        topic: str | None = None,
        fmt: str | None = None,
        channel: discord.TextChannel | None = None,
        pick: str | None = None,
    ) -> None:
        if await _refuse_non_admin(interaction):
            return
        # Only what was given: the service keeps the schedule's other settings.
        spec: dict[str, str | None] = {"time": time.strip(), "tz": timezone.strip()}
        spec["weekdays"] = weekdays.strip()
        if reveal:
            spec["reveal"] = reveal.strip()
        if topic:
            spec["topic"] = topic
        if fmt:
            spec["formats"] = fmt
        if pick:
            spec["pick"] = pick
        await _run(
            interaction,
            channel,
            lambda daily, place, by, admin: daily.set(place, spec, by, is_admin=admin),
        )

    @group.command(name="off", description="Stop the daily question (Manage Server)")
    @app_commands.describe(channel="Which channel (default: this one)")
    async def off(
        interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        if await _refuse_non_admin(interaction):
            return
        await _run(
            interaction,
            channel,
            lambda daily, place, by, admin: daily.off(place, by, is_admin=admin),
        )

    @group.command(name="status", description="How the daily question is set up here")
    @app_commands.describe(channel="Which channel (default: this one)")
    async def status(
        interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        await _run(interaction, channel, lambda daily, place, _by, _admin: daily.status(place))

    @group.command(name="now", description="Post today's daily question now (Manage Server)")
    @app_commands.describe(channel="Which channel (default: this one)")
    async def now(
        interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        if await _refuse_non_admin(interaction):
            return
        await _run(
            interaction,
            channel,
            lambda daily, place, by, admin: daily.now(place, by, is_admin=admin),
        )

    tree.add_command(group)
