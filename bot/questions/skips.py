"""Which cards the generator will not ask, and why: the operator's view of a deck's gaps.

A card that cannot make a fair question is skipped, never served badly; this lists each one
with its reason (`quizbot questions --skipped`), so an operator can rewrite the card or give
it an authored item.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.cards.items import Item
from bot.cards.model import Card
from bot.questions.choice import ChoiceMaker
from bot.questions.cloze import ClozeMaker
from bot.questions.index import SimilarityIndex


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


def skipped(
    cards: Sequence[Card], formats: Sequence[str], items: Mapping[str, Item] | None = None
) -> Iterator[Skip]:
    """Every question-and-answer card the generator skips in each of `formats`, in deck order.

    Cards with an authored item are asked from the item and never generated, so they are not
    listed; the same generators as `QuestionMaker` decide, so the list matches what is asked.
    """
    authored = items or {}
    index = SimilarityIndex(cards)
    generators = {"choice": ChoiceMaker(cards, index), "cloze": ClozeMaker(cards, index)}
    for fmt in formats:
        generator = generators[fmt]
        for position, card in enumerate(cards):
            if card.kind != "qa" or card.id in authored:
                continue
            reason = generator.skipped(position)
            if reason is not None:
                yield Skip(card.id, fmt, reason, card.source)
