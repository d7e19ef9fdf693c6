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
    TYPED_TEMPLATE,
    answer_button,
    next_button,
    practice_topic,
    typed_button,
)
from adapters.discord.embeds import notice_text, practice_question_parts, reveal_embed, reveal_view
from adapters.discord.replies import (
    guarded,
    player_of,
    respond,
    services_of,
    within_deadline,
)
from adapters.discord.reporting import ReportButton
from bot.engine import TYPED_MAX, AnswerResult

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


class TypedAnswerButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=TYPED_TEMPLATE):
    """ "Answer" under a typed question: opens the box to type the answer in."""

    def __init__(self, round_id: int) -> None:
        super().__init__(typed_button(round_id))
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TypedAnswerButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        _track(interaction)
        async with guarded(interaction, "your answer"):
            if not 0 < self.round_id < ROUND_ID_LIMIT:
                await respond(interaction, content=UNKNOWN_ROUND)
                return
            # A modal must be the click's first and only response, so it opens at once;
            # whether the round is still open is the engine's to say when it is sent.
            await interaction.response.send_modal(TypedAnswerModal(self.round_id))


class TypedAnswerModal(discord.ui.Modal):
    """The box a typed answer is written in; sending it locks the answer in."""

    # Kept by discord.py per member and round until sent: opening it again replaces it.
    def __init__(self, round_id: int) -> None:
        super().__init__(title="Your answer", custom_id=f"typed-answer:{round_id}", timeout=None)
        self.round_id = round_id
        self.text: discord.ui.TextInput[TypedAnswerModal] = discord.ui.TextInput(
            label="Answer",
            custom_id="answer",
            placeholder="Type your answer",
            max_length=TYPED_MAX,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await typed_answer_sent(interaction, self.round_id, self.text.value)


# Every button whose click reaches us by its custom_id; the report button is in reporting.py.
DYNAMIC_ITEMS = (AnswerButton, NextPracticeButton, TypedAnswerButton, ReportButton)


def _track(interaction: discord.Interaction) -> None:
    track = getattr(interaction.client, "track_current_task", None)
    if track is not None:
        track()


async def _acknowledge(interaction: discord.Interaction, result: AnswerResult) -> None:
    """The private reply to an answer; a practice question turns into its reveal instead."""
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
        await _acknowledge(interaction, result)


async def typed_answer_sent(interaction: discord.Interaction, round_id: int, text: str) -> None:
    """Lock in the member's typed answer and tell them alone how it was read. In practice the
    private question turns into its reveal at once, as a click on a choice does."""
    _track(interaction)
    async with guarded(interaction, "your answer"):
        engine = services_of(interaction).engine
        result = await within_deadline(
            interaction, engine.answer_text(round_id, player_of(interaction), text)
        )
        await _acknowledge(interaction, result)


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
