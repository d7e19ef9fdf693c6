"""Shared by the engine tests: stand-in questions and cards, players, a fixed start time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.cards.model import Card
from bot.ports import Place, Player

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
CHANNEL = Place("discord", "guild1", "chan1")


@dataclass(frozen=True)
class Q:
    """Stand-in for bot.questions.Question: the engine needs only these fields and to_dict()."""

    card_id: str
    format: str
    prompt: str
    options: tuple[str, ...]
    answer_index: int | None

    def to_dict(self) -> dict[str, object]:
        return {
            "card_id": self.card_id,
            "format": self.format,
            "prompt": self.prompt,
            "options": list(self.options),
            "answer_index": self.answer_index,
        }


def make_cards(n: int = 12) -> list[Card]:
    return [
        Card(
            id=f"card{i:02d}",
            deck="test-deck",
            topic="Optimisers" if i % 2 else "Activations",
            level="advanced" if i % 3 == 2 else "core",
            kind="qa",
            number=str(i),
            question=f"Question {i}?",
            answer=f"The **full** answer to question {i}.",
            source=f"test.md:{i}",
        )
        for i in range(n)
    ]


def question_for(card: Card, answer_index: int = 1) -> Q:
    return Q(card.id, "choice", card.question, ("one", "two", "three", "four"), answer_index)


class FakeMaker:
    """Hands out questions for the cards in order; the right option is always B (index 1)."""

    def __init__(self, cards: list[Card]) -> None:
        self.cards = cards
        self.calls: list[dict[str, object]] = []

    def generate(
        self,
        count: int,
        seed: int,
        fmt: str = "mixed",
        topic: str | None = None,
        level: str | None = None,
        exclude: Iterable[str] = (),
        avoid: Iterable[str] = (),
        prefer: Sequence[str] = (),
    ) -> list[Q]:
        self.calls.append({"count": count, "topic": topic, "level": level})
        if topic == "nonsense":
            raise ValueError("no topic matches 'nonsense'; closest: Activations; Optimisers")
        skip, later = set(exclude), set(avoid)
        chosen = [c for c in self.cards if c.id not in skip and (topic is None or c.topic == topic)]
        chosen.sort(key=lambda c: c.id in later)  # stable: asked lately go last
        rank = {card_id: i for i, card_id in enumerate(prefer)}
        chosen.sort(key=lambda c: rank.get(c.id, len(rank)))  # the preferred first, in order
        return [question_for(c) for c in chosen[:count]]


def player(n: int, platform: str = "discord") -> Player:
    return Player(platform, f"u{n}", f"Player {n}")
