"""Each player's memory of each card, scheduled by FSRS (the `fsrs` library).

One FSRS card per player and card: its id is the storage's row id for that pair, so a review
log exported from here reads as an ordinary FSRS log. Fuzzing is off: a reveal's settlement
may run twice when its transaction is retried, and both runs must decide the same due date.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from fsrs import Card, Rating, ReviewLog, Scheduler, State

from bot.messages import TeamTopic, TopicMemory

SCHEDULER = Scheduler(enable_fuzzing=False)


def use_parameters(parameters: Sequence[float] | None) -> None:
    """Schedule with these FSRS parameters (fitted by the optimizer on a team's own review
    log) from now on; None: the library's defaults. Called once at start from the config."""
    global SCHEDULER
    if parameters is None:
        SCHEDULER = Scheduler(enable_fuzzing=False)
    else:
        SCHEDULER = Scheduler(parameters=tuple(parameters), enable_fuzzing=False)
    _outcome.cache_clear()


def review(
    before: Card | None, rating: Rating, at: datetime, duration_ms: int | None = None
) -> tuple[Card, ReviewLog]:
    """The card after one review at `at`, and the review's log entry; `before` None: the
    player's first sight of it."""
    card = reviewed(before, rating, at)
    return card, ReviewLog(card.card_id, rating, card.last_review or at, duration_ms)


def reviewed(before: Card | None, rating: Rating, at: datetime) -> Card:
    """The card after one review at `at` (a reveal needs no log object: it stores the review
    itself). A review is never dated before the card's last one (reveals may settle out of
    order), so FSRS never sees time run backwards."""
    at = at.astimezone(UTC)
    step: int | None
    stability: float | None
    difficulty: float | None
    days: int | None
    if before is None:
        card_id, state, step, stability, difficulty, days = 0, State.Learning, 0, None, None, None
    else:
        card_id, state, step = before.card_id, before.state, before.step
        stability, difficulty = before.stability, before.difficulty
        days = None
        if before.last_review is not None:
            at = max(at, before.last_review)
            days = (at - before.last_review).days
    # Plain ints as the memo's key: an IntEnum hashes in Python, an int in C.
    new_state, new_step, new_stability, new_difficulty, interval = _outcome(
        int(state), step, stability, difficulty, days, int(rating)
    )
    return Card(card_id, new_state, new_step, new_stability, new_difficulty, at + interval, at)


# A reveal reviews a thousand players' cards, most of them in one of a few states (first sight,
# or answered together in the same earlier round); each state is worked out by FSRS once.
_ORIGIN = datetime(2000, 1, 1, tzinfo=UTC)
_Outcome = tuple[State, int | None, float | None, float | None, timedelta]


@functools.lru_cache(maxsize=4096)
def _outcome(
    state: int,
    step: int | None,
    stability: float | None,
    difficulty: float | None,
    days: int | None,
    rating: int,
) -> _Outcome:
    """FSRS's review of a card in this state, `days` whole days after its last review (None:
    never reviewed): the state it leaves and the interval to its next due date. FSRS reads
    only these (elapsed time in whole days, no fuzzing), so the same outcome holds at any
    instant; `review` adds the interval to the answer's own time."""
    at = _ORIGIN + timedelta(days=days or 0)
    last = _ORIGIN if days is not None else None
    before = Card(0, State(state), step, stability, difficulty, at, last)
    after, _log = SCHEDULER.review_card(before, Rating(rating), review_datetime=at)
    return after.state, after.step, after.stability, after.difficulty, after.due - at


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


def most_forgotten(
    by_card: Mapping[str, Sequence[Card]], now: datetime, leave_out: Iterable[str] = ()
) -> list[str]:
    """Card ids by the mean recall now of the players who have seen them, lowest first (ties
    by id, so every process picks the same); cards in `leave_out` are not named."""
    skip = set(leave_out)
    ranked = sorted(
        (sum(recall_now(c, now) for c in cards) / len(cards), card_id)
        for card_id, cards in by_card.items()
        if cards and card_id not in skip
    )
    return [card_id for _, card_id in ranked]


ACTIVE_DAYS = 30  # a team's active players answered within this many days
UNSEEN_SHOWN = 5  # cards nobody has seen, named in the team's view


def team_topics(
    by_card: Mapping[str, Sequence[tuple[str, Card]]], topic_of: Mapping[str, str], now: datetime
) -> list[TeamTopic]:
    """Per topic, the mean recall now over every (player, card) of it the team has seen,
    lowest first (cards no longer loaded are left out)."""
    recall: dict[str, list[float]] = {}
    players: dict[str, set[str]] = {}
    for card_id, cards in by_card.items():
        topic = topic_of.get(card_id)
        if topic is None:
            continue
        recall.setdefault(topic, []).extend(recall_now(c, now) for _, c in cards)
        players.setdefault(topic, set()).update(who for who, _ in cards)
    found = [
        TeamTopic(topic, len(players[topic]), sum(values) / len(values))
        for topic, values in recall.items()
        if values
    ]
    return sorted(found, key=lambda t: (t.recall, t.topic))
