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
    HINT_TEMPLATE,
    NEXT_TEMPLATE,
    TYPED_MODAL_TEMPLATE,
    TYPED_TEMPLATE,
    answer_button,
    hint_button,
    next_button,
    practice_topic,
    typed_button,
)
from adapters.discord.embeds import (
    detached,
    notice_text,
    practice_question_parts,
    reveal_embed,
    reveal_view,
)
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


MODAL_KEPT_S = 900  # how long discord.py keeps an opened modal's object: nothing needs it


class TypedAnswerModal(discord.ui.Modal):
    """The box a typed answer is written in. Its submission is answered by the client's
    `on_interaction` (`typed_modal_sent`), from the custom_id and the submitted text alone,
    so a box opened before a restart still locks its answer in afterwards; this object only
    describes the box."""

    def __init__(self, round_id: int) -> None:
        super().__init__(
            title="Your answer", custom_id=f"typed-answer:{round_id}", timeout=MODAL_KEPT_S
        )
        self.round_id = round_id
        self.text: discord.ui.TextInput[TypedAnswerModal] = discord.ui.TextInput(
            label="Answer",
            custom_id="answer",
            placeholder="Type your answer",
            max_length=TYPED_MAX,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        # Answered once, by `typed_modal_sent`, whether or not this object still exists.
        return None


class HintButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=HINT_TEMPLATE):
    """ "Hint" under a question: the hint comes privately, with the ways left to answer."""

    def __init__(self, round_id: int) -> None:
        super().__init__(hint_button(round_id, "Hint"))
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> HintButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await hint_clicked(interaction, self.round_id)


# Every button whose click reaches us by its custom_id; the report button is in reporting.py.
DYNAMIC_ITEMS = (AnswerButton, NextPracticeButton, TypedAnswerButton, ReportButton, HintButton)


async def hint_clicked(interaction: discord.Interaction, round_id: int) -> None:
    """The member alone sees the hint. A choice hint comes with buttons for the options still
    in play only, a typed one with the Answer button, so the answer can follow at once."""
    _track(interaction)
    async with guarded(interaction, "your hint"):
        if not 0 < round_id < ROUND_ID_LIMIT:
            await respond(interaction, content=UNKNOWN_ROUND)
            return
        engine = services_of(interaction).engine
        reply = await within_deadline(interaction, engine.hint(round_id, player_of(interaction)))
        if reply.status != "hinted":
            await respond(interaction, content=notice_text(reply.text))
            return
        view = discord.ui.View(timeout=None)
        for index, _text in reply.left:
            view.add_item(answer_button(round_id, index))
        if reply.format == "typed":
            view.add_item(typed_button(round_id))
        # Escaped: the spelled answer's underscores are not Discord underlining.
        text = notice_text(discord.utils.escape_markdown(reply.text))
        await respond(interaction, content=text, view=detached(view))


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


_TYPED_MODAL = re.compile(TYPED_MODAL_TEMPLATE)


def is_typed_modal(interaction: discord.Interaction) -> bool:
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    return interaction.type is discord.InteractionType.modal_submit and bool(
        _TYPED_MODAL.fullmatch(custom_id)
    )


def _submitted_text(components: Any, custom_id: str) -> str | None:
    """The value of the text box `custom_id` in a modal submission's components (inside
    action rows or labels, as Discord sends them)."""
    for component in components or ():
        if not isinstance(component, dict):
            continue
        if component.get("type") == 4 and component.get("custom_id") == custom_id:
            return str(component.get("value") or "")
        inner = component.get("components") or ([component["component"]] if component.get(
            "component") else [])  # fmt: skip
        found = _submitted_text(inner, custom_id)
        if found is not None:
            return found
    return None


async def typed_modal_sent(interaction: discord.Interaction) -> None:
    """A typed answer's box was sent: the round comes from its custom_id, the text from its
    one box, so no memory of the opened box is needed (it may predate a restart)."""
    data: dict[str, Any] = dict(interaction.data or {})
    found = _TYPED_MODAL.fullmatch(str(data.get("custom_id", "")))
    round_id = int(found["round"]) if found else 0
    text = _submitted_text(data.get("components"), "answer")
    if not 0 < round_id < ROUND_ID_LIMIT or text is None:
        _track(interaction)
        async with guarded(interaction, "your answer"):
            await respond(interaction, content=UNKNOWN_ROUND)
        return
    await typed_answer_sent(interaction, round_id, text)


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
