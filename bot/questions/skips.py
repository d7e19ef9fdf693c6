"""Which cards the generator will not ask, and why: the operator's view of a deck's gaps.

A card that cannot make a fair question is skipped, never served badly; this lists each one
with its reason (`quizbot questions --skipped`), so an operator can rewrite the card or give
it an authored item.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.questions.maker import QuestionMaker


@dataclass(frozen=True, slots=True)
class Skip:
    card_id: str
    format: str
    reason: str
    source: str  # "file:line" of the card

    def to_dict(self) -> dict[str, str]:
        return {
            "card_id": self.card_id,
            "format": self.format,
            "reason": self.reason,
            "source": self.source,
        }


def skipped(maker: QuestionMaker, formats: Sequence[str]) -> Iterator[Skip]:
    """Every question-and-answer card that makes no question in each of `formats`, in deck
    order, with the maker's own reason (so the list matches what is asked)."""
    for fmt in formats:
        for card in maker.cards:
            if card.kind != "qa":
                continue
            reason = maker.skipped(card, fmt)
            if reason is not None:
                yield Skip(card.id, fmt, reason, card.source)
