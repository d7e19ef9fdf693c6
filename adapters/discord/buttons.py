"""Answer and "Next" buttons whose state lives in the custom_id.

They are `DynamicItem`s registered once with `client.add_dynamic_items()`: a click on any
message carrying `answer:<round>:<option>` reaches `AnswerButton.callback`, also for messages
posted before a restart, and the round is then read from the database by the engine.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.messages import option_letter

CUSTOM_ID_LIMIT = 100
NEXT_PREFIX = "practice:next"


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"answer:(?P<round>\d+):(?P<option>\d)",
):
    def __init__(
        self, round_id: int, option: int, *, disabled: bool = False, correct: bool = False
    ) -> None:
        if correct:
            style = discord.ButtonStyle.success
        elif disabled:
            style = discord.ButtonStyle.secondary
        else:
            style = discord.ButtonStyle.primary
        super().__init__(
            discord.ui.Button(
                label=option_letter(option),
                style=style,
                custom_id=f"answer:{round_id}:{option}",
                disabled=disabled,
                emoji="✅" if correct else None,
            )
        )
        self.round_id = round_id
        self.option = option

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> AnswerButton:
        return cls(int(match["round"]), int(match["option"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        from adapters.discord.clicks import answer_clicked

        await answer_clicked(interaction, self.round_id, self.option)


class NextPracticeButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=NEXT_PREFIX + r"(?::(?P<topic>.+))?",
):
    """ "Skip" under a practice question, "Next question" under its reveal; carries the topic
    the player asked to practise (none: any topic)."""

    def __init__(self, topic: str | None = None, label: str = "Next question") -> None:
        custom_id = NEXT_PREFIX
        if topic:
            # The maker resolves a unique prefix, so a cut topic still names the same one.
            custom_id = f"{NEXT_PREFIX}:{topic}"[:CUSTOM_ID_LIMIT]
        super().__init__(
            discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id)
        )
        self.topic = topic

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> NextPracticeButton:
        return cls(match["topic"])

    async def callback(self, interaction: discord.Interaction) -> None:
        from adapters.discord.clicks import next_practice_clicked

        await next_practice_clicked(interaction, self.topic)


DYNAMIC_ITEMS = (AnswerButton, NextPracticeButton)


def practice_topic(message: discord.Message | None) -> str | None:
    """The practice topic a message's Skip/Next button carries (None: any topic)."""
    if message is None:
        return None
    for row in message.components:
        for component in getattr(row, "children", [row]):
            custom_id = getattr(component, "custom_id", None) or ""
            match = NextPracticeButton.__discord_ui_compiled_template__.fullmatch(custom_id)
            if match:
                return match["topic"]
    return None
