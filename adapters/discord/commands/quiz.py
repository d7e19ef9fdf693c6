"""`/quiz`, `/quiz-stop` and `/topics`: quick quizzes in a channel."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from adapters.discord.commands.choices import quiz_topics
from adapters.discord.embeds import notice_text, plain, topics_embed
from adapters.discord.replies import (
    is_admin,
    place_of,
    player_of,
    respond,
    services_of,
    within_deadline,
)
from bot.engine import (
    QUIZ_DEFAULT_COUNT,
    QUIZ_DEFAULT_SECONDS,
    QUIZ_MAX_QUESTIONS,
    QUIZ_SECONDS_RANGE,
)
from bot.questions.formats import CHAT_FORMATS, MIXED, describe_play_formats

SHORTEST, LONGEST = QUIZ_SECONDS_RANGE


def add_to(tree: app_commands.CommandTree) -> None:
    @tree.command(name="quiz", description="Start a quick quiz in this channel")
    @app_commands.guild_only()
    @app_commands.rename(fmt="format")
    @app_commands.describe(
        topic="Only cards of this topic (start typing to pick one)",
        count=f"How many questions (1-{QUIZ_MAX_QUESTIONS}, default {QUIZ_DEFAULT_COUNT})",
        seconds=f"How long each question stays open ({SHORTEST}-{LONGEST} s, "
        f"default {QUIZ_DEFAULT_SECONDS})",
        level="core or advanced cards (default: both)",
        fmt=describe_play_formats(CHAT_FORMATS),
    )
    @app_commands.choices(fmt=[app_commands.Choice(name=f, value=f) for f in CHAT_FORMATS])
    @app_commands.autocomplete(topic=quiz_topics)
    async def quiz(
        interaction: discord.Interaction,
        topic: str | None = None,
        count: app_commands.Range[int, 1, QUIZ_MAX_QUESTIONS] = QUIZ_DEFAULT_COUNT,
        seconds: app_commands.Range[int, SHORTEST, LONGEST] = QUIZ_DEFAULT_SECONDS,
        level: Literal["core", "advanced"] | None = None,
        fmt: str = MIXED,
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
            who = plain(player_of(interaction).display_name)
            text = f"{who} started a quiz. {reply.notice.text}"
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
