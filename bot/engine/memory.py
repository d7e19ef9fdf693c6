"""Each player's memory of each card, scheduled by FSRS (the `fsrs` library).

One FSRS card per player and card: its id is the storage's row id for that pair, so a review
log exported from here reads as an ordinary FSRS log. Fuzzing is off: a reveal's settlement
may run twice when its transaction is retried, and both runs must decide the same due date.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, ReviewLog, Scheduler

from bot.messages import TopicMemory

SCHEDULER = Scheduler(enable_fuzzing=False)


def review(
    before: Card | None, rating: Rating, at: datetime, duration_ms: int | None = None
) -> tuple[Card, ReviewLog]:
    """The card after one review at `at`; `before` None: the player's first sight of it.
    A review is never dated before the card's last one (reveals may settle out of order), so
    FSRS never sees time run backwards."""
    card = before if before is not None else Card(card_id=0, due=at)
    at = at.astimezone(UTC)
    if card.last_review is not None and at < card.last_review:
        at = card.last_review
    return SCHEDULER.review_card(card, rating, review_datetime=at, review_duration=duration_ms)


def recall_now(card: Card, now: datetime) -> float:
    """The probability the player would recall the card now (FSRS retrievability)."""
    return float(SCHEDULER.get_card_retrievability(card, now.astimezone(UTC)))


WEAK_TOPICS = 3  # how many of a player's weakest topics `/practice weak` and stats name


def topic_memory(
    memory: Mapping[str, Card], topic_of: Mapping[str, str], now: datetime
) -> dict[str, TopicMemory]:
    """Per topic of the cards the player has seen (cards no longer loaded are left out)."""
    week = now + timedelta(days=7)
    grouped: dict[str, list[Card]] = {}
    for card_id, card in memory.items():
        topic = topic_of.get(card_id)
        if topic is not None:
            grouped.setdefault(topic, []).append(card)
    return {
        topic: TopicMemory(
            topic,
            len(cards),
            sum(recall_now(c, now) for c in cards) / len(cards),
            sum(1 for c in cards if c.due <= now),
            sum(1 for c in cards if c.due <= week),
        )
        for topic, cards in grouped.items()
    }


def weakest_topics(
    memory: Mapping[str, Card],
    topic_of: Mapping[str, str],
    now: datetime,
    n: int | None = None,
) -> list[str]:
    """The `n` (default `WEAK_TOPICS`) topics the player has seen with the lowest recall now,
    weakest first."""
    topics = topic_memory(memory, topic_of, now).values()
    ranked = sorted(topics, key=lambda t: (t.recall, t.topic))
    return [t.topic for t in ranked[: WEAK_TOPICS if n is None else n]]


def practice_order(
    memory: Mapping[str, Card],
    topic_of: Mapping[str, str],
    now: datetime,
    rng: random.Random,
    shown_lately: Iterable[str] = (),
) -> list[str]:
    """The card ids practice should try first: the player's due cards, most overdue first;
    then cards they have never answered, from their weakest topic to their strongest, with
    topics they have never touched counted weakest of all (they know none of it yet), in
    random order within a topic. The caller asks anything else after these. A new card
    shown lately but left unanswered waits its turn with the rest; a due card never waits."""
    lately = set(shown_lately)
    due = sorted((c.due, card_id) for card_id, c in memory.items() if c.due <= now)
    recall = {t.topic: t.recall for t in topic_memory(memory, topic_of, now).values()}
    fresh: dict[str, list[str]] = {}
    for card_id, topic in topic_of.items():
        if card_id not in memory and card_id not in lately:
            fresh.setdefault(topic, []).append(card_id)
    order = [card_id for _, card_id in due]
    for topic in sorted(fresh, key=lambda t: (recall.get(t, 0.0), rng.random())):
        ids = sorted(fresh[topic])
        rng.shuffle(ids)
        order.extend(ids)
    return order
