"""Which cards a quiz, a practice run or a daily question may ask, by one set of rules.

Topic words resolve the same way everywhere (exact, unique prefix, unique substring, then all
words, any case), filters are cached per (kind, deck, topic, level), and cards a place saw
lately are avoided while others remain.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from bot.cards.model import LEVELS, Card

TOPICS_SHOWN = 5  # closest topics named when a topic matches nothing


class TopicError(ValueError):
    """A topic that names no topic, or several; the message says which and what to do."""


def resolve_topic(wanted: str, topics: Iterable[str]) -> str:
    """The one topic `wanted` names: exact, else a unique prefix, else a unique substring,
    else the unique topic containing all its words; case and spacing do not matter."""
    key = " ".join(wanted.split()).casefold()
    by_key = {t.casefold(): t for t in topics}
    if key in by_key:
        return by_key[key]
    words = key.split()
    tests = (
        lambda t: t.startswith(key),
        lambda t: key in t,
        lambda t: bool(words) and all(w in t for w in words),
    )
    for test in tests:
        found = sorted((name for k, name in by_key.items() if test(k)), key=str.casefold)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise TopicError(
                f"topic {wanted!r} matches several topics: {', '.join(found)}; "
                "give more of the name"
            )
    raise TopicError(f"no topic matches {wanted!r}; {_closest(key, by_key)}")


def _closest(key: str, by_key: dict[str, str]) -> str:
    if not by_key:
        return "no decks are loaded"
    words = key.split()

    def likeness(name: str) -> float:
        # How well each wanted word matches its nearest word of the name, averaged: typos
        # ("vanishng gradiants") still find "Vanishing Gradient Problem (VGP)".
        names = name.split()
        return sum(
            max((SequenceMatcher(None, w, t).ratio() for t in names), default=0.0) for w in words
        ) / max(len(words), 1)

    near = sorted(by_key, key=lambda k: (-likeness(k), k))[:TOPICS_SHOWN]
    return "closest: " + "; ".join(by_key[k] for k in near)


@dataclass(frozen=True, slots=True)
class CardFilter:
    kind: str = "qa"
    deck: str | None = None
    topic: str | None = None  # an exact topic name (resolve it first)
    level: str | None = None


class Picker:
    """Card selection over one fixed card list."""

    def __init__(self, cards: Sequence[Card]) -> None:
        self.cards = tuple(cards)
        self._topics: dict[str, str] = {}
        for card in self.cards:
            self._topics.setdefault(card.topic.casefold(), card.topic)
        self._eligible: dict[CardFilter, tuple[Card, ...]] = {}

    @property
    def topics(self) -> list[str]:
        return sorted(self._topics.values(), key=str.casefold)

    def resolve_topic(self, wanted: str) -> str:
        return resolve_topic(wanted, self._topics.values())

    def eligible(self, wanted: CardFilter) -> tuple[Card, ...]:
        """The cards `wanted` allows, sorted by id (stable whatever the load order), cached:
        10,000 channels due at once would otherwise filter the whole library 10,000 times."""
        found = self._eligible.get(wanted)
        if found is None:
            if wanted.level is not None and wanted.level not in LEVELS:
                raise ValueError(f"unknown level {wanted.level!r}; use {' or '.join(LEVELS)}")
            deck = wanted.deck.casefold() if wanted.deck else None
            topic = wanted.topic.casefold() if wanted.topic else None
            found = tuple(
                sorted(
                    (
                        c
                        for c in self.cards
                        if c.kind == wanted.kind
                        and (deck is None or c.deck.casefold() == deck)
                        and (topic is None or c.topic.casefold() == topic)
                        and (wanted.level is None or c.level == wanted.level)
                    ),
                    key=lambda c: c.id,
                )
            )
            self._eligible[wanted] = found
        return found

    @staticmethod
    def fresh_order(
        cards: Sequence[Card], rng: random.Random, count: int, avoid: Iterable[str] = ()
    ) -> Iterator[Card]:
        """Cards in random order, those in `avoid` (seen lately) after all the others; only
        the first few are shuffled unless more are needed."""
        avoided = set(avoid)
        first = rng.sample(range(len(cards)), min(len(cards), 2 * (count + len(avoided)) + 8))
        later: list[Card] = []
        for i in first:
            if cards[i].id in avoided:
                later.append(cards[i])
            else:
                yield cards[i]
        if len(first) < len(cards):
            taken = set(first)
            rest = [i for i in range(len(cards)) if i not in taken]
            rng.shuffle(rest)
            for i in rest:
                if cards[i].id in avoided:
                    later.append(cards[i])
                else:
                    yield cards[i]
        yield from later

    @staticmethod
    def rotation_order(
        cards: Sequence[Card], uses: dict[str, int], rng: random.Random
    ) -> Iterator[Card]:
        """Least-asked cards first (a card comes back only when every eligible card has had
        its turn), each group in `rng`'s order."""
        by_round: dict[int, list[Card]] = {}
        for card in cards:
            by_round.setdefault(uses.get(card.id, 0), []).append(card)
        for count in sorted(by_round):
            yield from _shuffled(by_round[count], rng)


def _shuffled(items: list[Card], rng: random.Random) -> Iterator[Card]:
    """`items` in a random order (Fisher-Yates from the front), drawn one at a time: a pick
    almost always takes the first card, so shuffling the whole library first is wasted."""
    for i in range(len(items)):
        j = rng.randrange(i, len(items))
        items[i], items[j] = items[j], items[i]
        yield items[i]
