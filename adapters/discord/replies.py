"""Answering interactions: on time, privately by default, and never with a traceback.

Discord drops an interaction that is not acknowledged within 3 s. Every handler runs its
engine call through `within_deadline`: a quick engine answers directly (one round trip);
a slow one (busy database, rate-limited post) makes us defer first, then follow up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

from adapters.discord.platform import NAME as PLATFORM
from bot.ports import Place, Player

if TYPE_CHECKING:
    from adapters.runtime import Services

log = logging.getLogger(__name__)

T = TypeVar("T")

FAST_REPLY_SECONDS = 1.5  # Discord allows 3 s: leave room for the callback's own round trip
DEFERRED_EPHEMERAL = "quizbot.deferred_ephemeral"  # in Interaction.extras: how we deferred
NO_MENTIONS = discord.AllowedMentions.none()


class NotInServer(app_commands.CheckFailure):
    """A quiz command used outside a server channel (a DM)."""


def services_of(interaction: discord.Interaction) -> Services:
    return interaction.client.services  # type: ignore[attr-defined]


def player_of(interaction: discord.Interaction, user: discord.abc.User | None = None) -> Player:
    who = user or interaction.user
    return Player(PLATFORM, str(who.id), who.display_name)


def place_of(interaction: discord.Interaction) -> Place:
    if interaction.guild_id is None or interaction.channel_id is None:
        raise NotInServer("quiz commands work in a server channel")
    return Place(PLATFORM, str(interaction.guild_id), str(interaction.channel_id))


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server, as Discord computed it for this member in this channel."""
    return bool(interaction.guild_id) and interaction.permissions.manage_guild


async def within_deadline(
    interaction: discord.Interaction, work: Awaitable[T], *, ephemeral: bool = True
) -> T:
    """Await the engine; if it has not answered within FAST_REPLY_SECONDS, acknowledge the
    interaction ("thinking…") so it cannot expire, then keep waiting for the result."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.wait_for(asyncio.shield(task), FAST_REPLY_SECONDS)
    except TimeoutError:
        if not interaction.response.is_done():
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
            interaction.extras[DEFERRED_EPHEMERAL] = ephemeral
        return await task


async def respond(
    interaction: discord.Interaction,
    *,
    ephemeral: bool = True,
    edit: bool = False,
    **parts: Any,
) -> None:
    """The interaction's answer: a new message, or (`edit`) an update of the clicked message.
    After a deferral it becomes the follow-up that replaces "thinking…". That follow-up keeps
    the deferral's ephemeral state whatever it asks for (Discord ignores its flag), so when
    the two differ the "thinking…" message is removed first and the answer is a message of
    its own, public or private as asked."""
    parts.setdefault("allowed_mentions", NO_MENTIONS)
    if not interaction.response.is_done():
        if edit:
            parts.pop("allowed_mentions")  # an update keeps the message's own settings
            await interaction.response.edit_message(**parts)
        else:
            await interaction.response.send_message(ephemeral=ephemeral, **parts)
        return
    deferred = interaction.extras.pop(DEFERRED_EPHEMERAL, None)
    if deferred is not None and deferred != ephemeral:
        await interaction.delete_original_response()
    await interaction.followup.send(ephemeral=ephemeral, **parts)


def explain(error: BaseException, what: str = "that") -> str:
    """What went wrong, in words a member can act on."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, NotInServer | app_commands.NoPrivateMessage):
        return "Quiz commands work in a server channel, not in direct messages."
    if isinstance(error, app_commands.MissingPermissions):
        return "Only members with the **Manage Server** permission can do that. Ask a server admin."
    if isinstance(error, app_commands.BotMissingPermissions):
        missing = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return f"I am missing permissions in this channel: {missing}. Ask a server admin."
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.TransformerError):
        return f"I could not understand {error.value!r}: {error}"
    if isinstance(error, app_commands.CheckFailure):
        return "You cannot use that command here."
    if isinstance(error, discord.Forbidden):
        return (
            "Discord did not let me post here. Check that I can View Channel, Send Messages, "
            "Embed Links and Create Public Threads in this channel."
        )
    if isinstance(error, discord.RateLimited | discord.DiscordServerError):
        return f"Discord is busy right now, so {what} did not go through. Try again in a minute."
    return f"Something went wrong on my side with {what}. It has been logged; please try again."


async def apologise(interaction: discord.Interaction, error: BaseException, what: str) -> None:
    """Tell the member privately that their command or click failed (best effort)."""
    text = explain(error, what)
    try:
        await respond(interaction, content=text, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell %s about a failure: the interaction expired", what)


@contextlib.asynccontextmanager
async def guarded(interaction: discord.Interaction, what: str) -> AsyncIterator[None]:
    """For buttons: discord.py only logs a dynamic item's exception, so turn it into a
    private explanation here (commands have the tree's error handler instead)."""
    try:
        yield
    except Exception as error:
        if not isinstance(error, app_commands.CheckFailure):
            log.exception("%s failed", what)
        await apologise(interaction, error, what)
