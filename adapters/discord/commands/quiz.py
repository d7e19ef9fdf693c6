"""`/quiz`, `/quiz-stop` and `/topics`: quick quizzes in a channel."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from adapters.discord.commands.choices import quiz_topics
from adapters.discord.embeds import notice_text, topics_embed
from adapters.discord.replies import (
    is_admin,
    place_of,
    player_of,
    respond,
    services_of,
    within_deadline,
)
from bot.engine import QUIZ_MAX_QUESTIONS
from bot.engine.core import QUIZ_SECONDS_RANGE

SHORTEST, LONGEST = QUIZ_SECONDS_RANGE


def add_to(tree: app_commands.CommandTree) -> None:
    @tree.command(name="quiz", description="Start a quick quiz in this channel")
    @app_commands.guild_only()
    @app_commands.rename(fmt="format")
    @app_commands.describe(
        topic="Only cards of this topic (start typing to pick one)",
        count=f"How many questions (1-{QUIZ_MAX_QUESTIONS}, default 5)",
        seconds=f"How long each question stays open ({SHORTEST}-{LONGEST} s, default 30)",
        level="core or advanced cards (default: both)",
        fmt="choice (four answers), cloze (fill the blank) or mixed (default)",
    )
    @app_commands.autocomplete(topic=quiz_topics)
    async def quiz(
        interaction: discord.Interaction,
        topic: str | None = None,
        count: app_commands.Range[int, 1, QUIZ_MAX_QUESTIONS] = 5,
        seconds: app_commands.Range[int, SHORTEST, LONGEST] = 30,
        level: Literal["core", "advanced"] | None = None,
        fmt: Literal["choice", "cloze", "mixed"] = "mixed",
    ) -> None:
        services = services_of(interaction)
        engine = services.engine
        reply = await within_deadline(
            interaction,
            engine.start_quiz(
                place_of(interaction),
                player_of(interaction),
                count=count,
                seconds=seconds,
                topic=topic,
                level=level,
                fmt=fmt,
            ),
        )
        if reply.status == "started":
            # Public, so the channel sees who started it; the question itself is already up.
            text = f"{player_of(interaction).display_name} started a quiz. {reply.notice.text}"
            await respond(interaction, content=notice_text(text), ephemeral=False)
        else:
            await respond(interaction, content=notice_text(reply.notice))

    @tree.command(name="quiz-stop", description="Stop the quick quiz running in this channel")
    @app_commands.guild_only()
    async def quiz_stop(interaction: discord.Interaction) -> None:
        engine = services_of(interaction).engine
        reply = await within_deadline(
            interaction,
            engine.stop_quiz(place_of(interaction), player_of(interaction), is_admin(interaction)),
        )
        await respond(interaction, content=notice_text(reply.notice))

    @tree.command(name="topics", description="The topics you can quiz or practise on")
    async def topics(interaction: discord.Interaction) -> None:
        await respond(interaction, embed=topics_embed(services_of(interaction).engine.topics()))
