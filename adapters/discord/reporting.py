"""A click on "Report question" under a reveal: a box (modal) for the reason and a note, then
one engine call and a private thank-you.

The reason is a short text field ("1" to "5", or its words): the modal holds text inputs
only, the one component every Discord client submits in a modal. The button is a
`DynamicItem`, so it works on reveals posted before a restart.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from adapters.discord.buttons import REPORT_TEMPLATE, report_button
from adapters.discord.embeds import notice_text
from adapters.discord.replies import guarded, place_of, player_of, respond, services_of
from bot.engine.reports import NOTE_MAX, reasons_text

ROUND_ID_LIMIT = 2**63  # SQLite's INTEGER range
REASON_MAX = 40  # characters of the reason field: a number or a few words
REASON_HINT = reasons_text(" · ")


class ReportButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=REPORT_TEMPLATE):
    def __init__(self, round_id: int) -> None:
        super().__init__(report_button(round_id))
        self.round_id = round_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ReportButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        async with guarded(interaction, "your report"):
            if not 0 < self.round_id < ROUND_ID_LIMIT:
                await respond(interaction, content="That question is unknown here.")
                return
            # A modal must be the click's first and only response: it opens at once, and the
            # engine judges the report when it is sent.
            await interaction.response.send_modal(ReportModal(self.round_id))


class ReportModal(discord.ui.Modal):
    """The reason (1-5 or its words) and an optional note of up to NOTE_MAX characters."""

    def __init__(self, round_id: int) -> None:
        super().__init__(
            title="Report this question", custom_id=f"report-question:{round_id}", timeout=None
        )
        self.round_id = round_id
        self.reason: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
            label="Reason: 1, 2, 3, 4 or 5",
            custom_id="reason",
            placeholder=REASON_HINT[:100],
            max_length=REASON_MAX,
        )
        self.note: discord.ui.TextInput[ReportModal] = discord.ui.TextInput(
            label="What is wrong? (optional)",
            custom_id="note",
            style=discord.TextStyle.paragraph,
            required=False,
            max_length=NOTE_MAX,
        )
        self.add_item(self.reason)
        self.add_item(self.note)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await report_sent(interaction, self.round_id, self.reason.value, self.note.value or "")


async def report_sent(
    interaction: discord.Interaction, round_id: int, reason: str, note: str
) -> None:
    """Store the member's report; they alone see the reply."""
    async with guarded(interaction, "your report"):
        engine = services_of(interaction).engine
        notice = await engine.reports.report(
            round_id, player_of(interaction), place_of(interaction), reason, note
        )
        await respond(interaction, content=notice_text(notice))
