"""`/practice`: questions only you see, at your own pace."""

from __future__ import annotations

import discord
from discord import app_commands

from adapters.discord.commands.choices import practice_topics
from adapters.discord.embeds import notice_text, practice_question_parts
from adapters.discord.replies import place_of, player_of, respond, services_of, within_deadline


def add_to(tree: app_commands.CommandTree) -> None:
    @tree.command(name="practice", description="Practise alone: a question only you see")
    @app_commands.describe(
        topic="Only cards of this topic, or weak: your weakest (default: due cards first)",
        remind=(
            "A private reminder when cards are due, Mon-Fri: HH:MM with an optional zone "
            "(09:00 Europe/Berlin; default the server's), or off"
        ),
    )
    @app_commands.autocomplete(topic=practice_topics)
    async def practice(
        interaction: discord.Interaction, topic: str | None = None, remind: str | None = None
    ) -> None:
        services = services_of(interaction)
        if remind is not None:
            await _remind(interaction, remind)
            return
        engine = services.engine
        reply = await within_deadline(
            interaction, engine.practice_next(player_of(interaction), topic, new_run=True)
        )
        if reply.question is None:
            text = reply.notice or "No practice question is available right now."
            await respond(interaction, content=notice_text(text))
            return
        await respond(interaction, **practice_question_parts(reply.question, topic))


async def _remind(interaction: discord.Interaction, words: str) -> None:
    """`/practice remind:09:00 [Zone]` or `remind:off`: the player's own reminder."""
    reminders = services_of(interaction).reminders
    if reminders is None:
        await respond(interaction, content="Practice reminders are not available on this bot.")
        return
    notice = await within_deadline(
        interaction, reminders.set(place_of(interaction), player_of(interaction), words)
    )
    await respond(interaction, content=notice_text(notice))
