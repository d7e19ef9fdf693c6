"""Answer and "Next" buttons whose state lives in the custom_id.

This module only builds them and reads their ids; what a click does is adapters.discord.clicks,
whose dynamic items match the templates below. Keeping the two apart lets the embeds build
buttons without importing the click handlers that, in turn, build embeds.
"""

from __future__ import annotations

import re

import discord

from adapters.discord.markup import CUSTOM_ID_LIMIT
from bot.messages import option_letter

ANSWER_TEMPLATE = r"answer:(?P<round>\d+):(?P<option>\d)"
# A typed question's one button, and the modal it opens: the round travels in both ids, so
# neither needs memory of its own.
TYPED_TEMPLATE = r"typed:(?P<round>\d+)"
TYPED_MODAL_TEMPLATE = r"typed-answer:(?P<round>\d+)"
# A question's "Hint" button: the round is all a click needs, the engine knows the rest.
HINT_TEMPLATE = r"hint:(?P<round>\d+)"
# "Report question" under every reveal, and the modal it opens (bot.engine.reports).
REPORT_TEMPLATE = r"report:(?P<round>\d+)"
REPORT_MODAL_TEMPLATE = r"report-question:(?P<round>\d+)"
NEXT_PREFIX = "practice:next"
NEXT_TEMPLATE = NEXT_PREFIX + r"(?::(?P<topic>.+))?"
_NEXT = re.compile(NEXT_TEMPLATE)


def answer_button(
    round_id: int, option: int, *, disabled: bool = False, correct: bool = False
) -> discord.ui.Button[discord.ui.View]:
    """The button for one option: blue while open, grey when revealed, green if right."""
    if correct:
        style = discord.ButtonStyle.success
    elif disabled:
        style = discord.ButtonStyle.secondary
    else:
        style = discord.ButtonStyle.primary
    return discord.ui.Button(
        label=option_letter(option),
        style=style,
        custom_id=f"answer:{round_id}:{option}",
        disabled=disabled,
        emoji="✅" if correct else None,
    )


def typed_button(round_id: int, *, disabled: bool = False) -> discord.ui.Button[discord.ui.View]:
    """The "Answer" button under a typed question: it opens a box to type the answer in."""
    return discord.ui.Button(
        label="Answer",
        style=discord.ButtonStyle.secondary if disabled else discord.ButtonStyle.primary,
        custom_id=f"typed:{round_id}",
        disabled=disabled,
        emoji="✏️",
    )


def hint_button(round_id: int, label: str) -> discord.ui.Button[discord.ui.View]:
    """ "Hint (-5 points)" under a question: its cost is on the button, before anyone asks."""
    return discord.ui.Button(
        label=label, style=discord.ButtonStyle.secondary, custom_id=f"hint:{round_id}", emoji="💡"
    )


def report_button(round_id: int) -> discord.ui.Button[discord.ui.View]:
    """ "Report question" under a reveal: opens a box for the reason and a note."""
    return discord.ui.Button(
        label="Report question",
        style=discord.ButtonStyle.secondary,
        custom_id=f"report:{round_id}",
        emoji="🚩",
    )


def next_button(
    topic: str | None = None, label: str = "Next question"
) -> discord.ui.Button[discord.ui.View]:
    """ "Skip" under a practice question, "Next question" under its reveal; carries the topic
    the player asked to practise (none: any topic)."""
    custom_id = NEXT_PREFIX
    if topic:
        # The maker resolves a unique prefix, so a cut topic still names the same one.
        custom_id = f"{NEXT_PREFIX}:{topic}"[:CUSTOM_ID_LIMIT]
    return discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id)


def practice_topic(message: discord.Message | None) -> str | None:
    """The practice topic a message's Skip/Next button carries (None: any topic)."""
    if message is None:
        return None
    for row in message.components:
        for component in getattr(row, "children", [row]):
            custom_id = getattr(component, "custom_id", None) or ""
            match = _NEXT.fullmatch(custom_id)
            if match:
                return match["topic"]
    return None
