"""The question: what a card becomes when it is asked."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal, Protocol

Format = Literal["choice", "cloze", "typed", "prompt"]
Origin = Literal["authored", "generated"]


@dataclass(frozen=True, slots=True)
class Question:
    card_id: str
    format: Format
    prompt: str  # neutral Markdown
    options: tuple[str, ...]  # plain-text options; empty for a prompt
    answer_index: int | None  # None for a prompt
    origin: Origin = "generated"
    # One line per option, in option order, shown in the reveal; empty when none is known.
    explanations: tuple[str, ...] = ()
    erratum: str | None = None  # where the card itself is wrong, said with the reveal
    # A typed question's accepted answers, the canonical one first (see `matching`).
    accepted: tuple[str, ...] = ()
    # Typings read as wrong however close they come to an accepted one: an authored cloze's
    # distractors ("decreases" is one typo-allowance away from "increases").
    refused: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        extra: dict[str, object] = {"erratum": self.erratum} if self.erratum else {}
        if self.format == "typed":
            if self.refused:
                extra["refused"] = list(self.refused)
            # Typed questions have no options: what to check is what would be accepted.
            return {
                "card_id": self.card_id,
                "format": self.format,
                "prompt": self.prompt,
                "accepted": list(self.accepted),
                "origin": self.origin,
                **extra,
            }
        return {
            "card_id": self.card_id,
            "format": self.format,
            "prompt": self.prompt,
            "options": list(self.options),
            "answer_index": self.answer_index,
            "origin": self.origin,
            "explanations": list(self.explanations),
            **extra,
        }


def assemble(
    card_id: str,
    fmt: Format,
    prompt: str,
    correct: str,
    distractors: list[str],
    rng: random.Random,
    *,
    origin: Origin = "generated",
    explanations: tuple[str, ...] | None = None,
    erratum: str | None = None,
) -> Question | None:
    """Four options with the right one at a uniformly drawn position; `explanations`, if
    given, are in the order key, distractor 1, 2, 3 and follow their options."""
    answer_index = rng.randrange(4)
    options = list(distractors[:3])
    options.insert(answer_index, correct)
    if len({o.casefold() for o in options}) != 4:
        return None
    why: tuple[str, ...] = ()
    if explanations is not None:
        ordered = list(explanations[1:4])
        ordered.insert(answer_index, explanations[0])
        why = tuple(ordered)
    return Question(card_id, fmt, prompt, tuple(options), answer_index, origin, why, erratum)


class Generator(Protocol):
    """A generated format: makes a card's question from its position in the library, or says
    why it cannot."""

    def make(self, index: int, rng: random.Random) -> Question | None: ...
    def skipped(self, index: int) -> str | None: ...
