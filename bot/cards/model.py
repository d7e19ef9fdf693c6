"""The card: the unit of quiz content every other part of quizbot works with."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from typing import Literal

Level = Literal["core", "advanced"]
Kind = Literal["qa", "prompt"]
Severity = Literal["error", "warning"]

LEVELS: tuple[Level, ...] = ("core", "advanced")
KINDS: tuple[Kind, ...] = ("qa", "prompt")


@dataclass(frozen=True, slots=True)
class Card:
    id: str
    deck: str
    topic: str
    level: Level
    kind: Kind
    number: str
    question: str  # neutral Markdown (bold key terms kept as **term**)
    answer: str  # neutral Markdown; empty for prompt cards
    source: str  # "file:line" of the row

    def to_dict(self) -> dict[str, str]:
        # Every field is a str: a plain dict, not asdict's recursive deep copy (every round
        # stores a card snapshot, so this runs once per daily post).
        return {name: getattr(self, name) for name in _CARD_FIELDS}


@dataclass(frozen=True, slots=True)
class LintMessage:
    source: str  # "file:line"
    severity: Severity
    message: str  # what is wrong, then how to fix it
    # What sort of warning it is ("identical-answers"): how `cards lint` groups warnings, and
    # the name a deck's `quizbot-lint: ignore ...` line silences them by. Errors have none.
    kind: str = ""

    def __str__(self) -> str:
        tag = f" [{self.kind}]" if self.kind else ""
        return f"{self.source}: {self.severity}: {self.message}{tag}"

    @property
    def file(self) -> str:
        return self.source.rpartition(":")[0] or self.source


def card_id(question: str) -> str:
    """A stable id from the question text alone, so reordering or renaming decks keeps ids.

    Markup and spacing are ignored: re-bolding a term must not orphan a card's history.
    """
    # " ".join(split()) is the `\s+` -> " " collapse plus strip (the same whitespace set),
    # and deleting each markup character is deleting their runs: both cheaper than regexes.
    plain = question.replace("*", "").replace("_", "").replace("`", "")
    text = " ".join(plain.split()).casefold()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


_CARD_FIELDS = tuple(f.name for f in fields(Card))
