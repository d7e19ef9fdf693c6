"""What a click on a question's button does: one engine call, one private answer.

The buttons are `DynamicItem`s registered once with `client.add_dynamic_items()`: a click on
any message carrying `answer:<round>:<option>` reaches `AnswerButton.callback`, also for
messages posted before a restart, and the round is then read from the database by the engine.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from adapters.discord.buttons import (
    ANSWER_TEMPLATE,
    NEXT_TEMPLATE,
    answer_button,
    next_button,
    practice_topic,
)
from adapters.discord.embeds import notice_text, practice_question_parts, reveal_embed, reveal_view
from adapters.discord.replies import (
    guarded,
    player_of,
    respond,
    services_of,
    within_deadline,
)

ROUND_ID_LIMIT = 2**63  # SQLite's INTEGER range
UNKNOWN_ROUND = "That question is no longer open (unknown round)."


class AnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=ANSWER_TEMPLATE):
    def __init__(self, round_id: int, option: int) -> None:
        super().__init__(answer_button(round_id, option))
        self.round_id = round_id
        self.option = option

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["round"]), int(match["option"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await answer_clicked(interaction, self.round_id, self.option)


class NextPracticeButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=NEXT_TEMPLATE):
    def __init__(self, topic: str | None = None) -> None:
        super().__init__(next_button(topic))
        self.topic = topic

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> NextPracticeButton:
        return cls(match["topic"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await next_practice_clicked(interaction, self.topic)


DYNAMIC_ITEMS = (AnswerButton, NextPracticeButton)


def _track(interaction: discord.Interaction) -> None:
    track = getattr(interaction.client, "track_current_task", None)
    if track is not None:
        track()


async def answer_clicked(interaction: discord.Interaction, round_id: int, option: int) -> None:
    """Lock in the member's answer; they alone see the acknowledgement. In practice the
    private question turns into its reveal at once, with a button to the next one."""
    _track(interaction)
    async with guarded(interaction, "your answer"):
        if not 0 < round_id < ROUND_ID_LIMIT:  # a forged id SQLite cannot even look up
            await respond(interaction, content=UNKNOWN_ROUND)
            return
        engine = services_of(interaction).engine
        result = await within_deadline(
            interaction, engine.answer(round_id, player_of(interaction), option)
        )
        if result.reveal is None:
            await respond(interaction, content=notice_text(result.text))
            return
        topic = practice_topic(interaction.message)
        await respond(
            interaction,
            edit=True,
            content=notice_text(result.text),
            embed=reveal_embed(result.reveal),
            view=reveal_view(result.reveal, next_topic=topic),
        )


async def next_practice_clicked(interaction: discord.Interaction, topic: str | None) -> None:
    _track(interaction)
    async with guarded(interaction, "the next practice question"):
        engine = services_of(interaction).engine
        reply = await within_deadline(
            interaction, engine.practice_next(player_of(interaction), topic)
        )
        if reply.question is None:
            text = notice_text(reply.notice or "No practice question is available right now.")
            await respond(interaction, content=text)
            return
        await respond(
            interaction, edit=True, content=None, **practice_question_parts(reply.question, topic)
        )
