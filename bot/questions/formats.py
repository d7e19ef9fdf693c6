"""The one table of question formats. Commands, schedules and adapters read their choices
from here, so adding a format is one entry (and the module that builds it)."""

from __future__ import annotations

from dataclasses import dataclass

MIXED = "mixed"  # not a format: each card gets one of the mixable formats


@dataclass(frozen=True, slots=True)
class QuestionFormat:
    name: str
    description: str  # how people see it in command help
    scored: bool  # has a right answer, counts for points
    mixable: bool  # "mixed" may pick it
    # The engine and `quizbot play` can ask it; otherwise `quizbot questions` still prints
    # it for checking decks.
    served: bool = True
    # The chat adapters can ask it too (a daily post, /quiz, /practice).
    in_chat: bool = True


FORMATS: dict[str, QuestionFormat] = {
    f.name: f
    for f in (
        QuestionFormat("choice", "four answers to pick from", scored=True, mixable=True),
        QuestionFormat("cloze", "fill in the blank", scored=True, mixable=True),
        # Not drawn at random by "mixed": `QuestionMaker.generate` asks a card typed exactly
        # when its answer is short with accepted answers (`typed.typed_fits`).
        QuestionFormat("typed", "type the answer", scored=True, mixable=False),
        QuestionFormat("prompt", "an open question for discussion", scored=False, mixable=False),
    )
}

# What a player may ask for in `quizbot play`.
PLAY_FORMATS: tuple[str, ...] = (
    *(f.name for f in FORMATS.values() if f.scored and f.served),
    MIXED,
)
# What a player may ask for in a chat quiz or practice run.
CHAT_FORMATS: tuple[str, ...] = (
    *(f.name for f in FORMATS.values() if f.scored and f.served and f.in_chat),
    MIXED,
)
# What `quizbot questions` may print: every scored format, served or not yet.
QUESTION_FORMATS: tuple[str, ...] = (*(f.name for f in FORMATS.values() if f.scored), MIXED)
# What a daily schedule may be set to ask (prompt days are scheduled separately).
DAILY_FORMATS: tuple[str, ...] = tuple(
    f.name for f in FORMATS.values() if f.scored and f.served and f.in_chat
)
MIXABLE: tuple[str, ...] = tuple(f.name for f in FORMATS.values() if f.mixable)


def describe_play_formats(formats: tuple[str, ...] = PLAY_FORMATS) -> str:
    """ "choice (four answers to pick from), cloze (fill in the blank) or mixed" for help text."""
    parts = [f"{name} ({FORMATS[name].description})" for name in formats if name in FORMATS]
    return ", ".join(parts) + f" or {MIXED} (default)"


def check_format(fmt: str, allowed: tuple[str, ...] = (*FORMATS, MIXED)) -> str:
    if fmt not in allowed:
        raise ValueError(f"unknown question format {fmt!r}; use {', '.join(allowed)}")
    return fmt
