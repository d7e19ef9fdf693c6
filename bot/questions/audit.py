"""How much a question's wording gives away: naive test-takers who never read for meaning.

Each taker picks by a surface cue (length, words shared with the stem, the topic's
vocabulary, the one option whose form differs from the rest: "Awakens" among "Suicide" and
"Pancreas", "21" among "Ten" and "One"; the two options most alike, since a writer who makes a
distractor by flipping the key leaves the key in that pair: "grows, then stays" beside
"stays, then grows"). On a fair set of questions each scores near chance
(0.25 with four options); a taker far above chance names the cue that leaks the key, and one
far below it a cue that gives wrong options away. Ties are split: a taker that cannot choose
between k options including the key scores 1/k, which is its expected accuracy.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.cards.model import Card
from bot.questions.answers import answer_kind, number_form
from bot.questions.model import Question
from bot.questions.terms import word_form
from bot.questions.text import content_words, cosine

TOPIC_NAME_WEIGHT = 5  # how often a topic's name words count in its vocabulary
LIMIT = 0.35  # the most any taker may score on the shipped deck (chance is 0.25)

TAKERS = (
    "longest",
    "shortest",
    "most_shared_words",
    "rarest_shared_word",
    "tfidf_nearest",
    "topic_vocabulary",
    "odd_form_out",
    "most_alike",
    "combined",
)


@dataclass(frozen=True, slots=True)
class AuditLine:
    format: str
    measure: str  # a taker's name, or "position_A" ... for the share of keys in each place
    value: float
    questions: int

    @property
    def ok(self) -> bool:
        return self.value <= LIMIT

    def to_dict(self) -> dict[str, object]:
        return {
            "format": self.format,
            "measure": self.measure,
            "value": round(self.value, 3),
            "questions": self.questions,
            "limit": LIMIT,
            "ok": self.ok,
        }


Scores = list[float]  # one score per option; a taker picks the highest


class Audit:
    """Takers calibrated on one card library (word rarity, each topic's vocabulary)."""

    def __init__(self, cards: Sequence[Card]) -> None:
        self.cards = {card.id: card for card in cards}
        documents = [set(content_words(f"{c.question} {c.answer}")) for c in cards]
        frequency: Counter[str] = Counter()
        for words in documents:
            frequency.update(words)
        total = max(len(documents), 1)
        self._idf = {w: math.log((1 + total) / (1 + n)) + 1.0 for w, n in frequency.items()}
        self._default_idf = math.log(1 + total) + 1.0
        # Each topic's vocabulary, and each card's own words to leave out of it: the player
        # knows what a topic is about, not the answer of the card being asked.
        self._profiles: dict[str, Counter[str]] = defaultdict(Counter)
        self._own: dict[str, Counter[str]] = {}
        for card in cards:
            counted = Counter(content_words(f"{card.question} {card.answer}"))
            self._profiles[card.topic].update(counted)
            self._own[card.id] = counted
        for topic, profile in self._profiles.items():
            # The name is what the player surely knows: its words weigh like a card's worth.
            for word in content_words(topic):
                profile[word] += TOPIC_NAME_WEIGHT
        self._topics = {topic: self._vector(list(words.elements())) for topic, words in
                        self._profiles.items()}  # fmt: skip

    def run(self, questions: Sequence[Question]) -> list[AuditLine]:
        """Accuracy of every taker and the key's position shares, per format."""
        lines: list[AuditLine] = []
        by_format: dict[str, list[Question]] = defaultdict(list)
        for question in questions:
            if question.answer_index is not None and len(question.options) >= 2:
                by_format[question.format].append(question)
        for fmt, group in sorted(by_format.items()):
            for taker in TAKERS:
                hits = sum(self.expected_hit(q, taker) for q in group)
                lines.append(AuditLine(fmt, taker, hits / len(group), len(group)))
            positions = Counter(q.answer_index for q in group)
            width = max(len(q.options) for q in group)
            for place in range(width):
                share = positions.get(place, 0) / len(group)
                lines.append(AuditLine(fmt, f"position_{chr(65 + place)}", share, len(group)))
        return lines

    def expected_hit(self, question: Question, taker: str) -> float:
        """The chance that `taker` picks the key of `question` (ties split evenly)."""
        if taker == "combined":
            votes = [0.0] * len(question.options)
            for single in TAKERS[:-1]:
                for i, share in enumerate(_picks(self._scores(question, single))):
                    votes[i] += share
            return _picks(votes)[question.answer_index or 0]
        return _picks(self._scores(question, taker))[question.answer_index or 0]

    def _scores(self, question: Question, taker: str) -> Scores:
        options = question.options
        stem = set(content_words(question.prompt))
        words = [set(content_words(option)) for option in options]
        if taker == "longest":
            return [float(len(o)) for o in options]
        if taker == "shortest":
            return [-float(len(o)) for o in options]
        if taker == "most_shared_words":
            return [float(len(stem & w)) for w in words]
        if taker == "rarest_shared_word":
            # The rarest shared word wins; among options sharing nothing rare, the shortest.
            rarest = [max((self._idf.get(x, self._default_idf) for x in stem & w), default=0.0)
                      for w in words]  # fmt: skip
            return [r * 1000 - len(o) for r, o in zip(rarest, options, strict=True)]
        if taker == "tfidf_nearest":
            stem_vector = self._vector(content_words(question.prompt))
            return [cosine(stem_vector, self._vector(content_words(o))) for o in options]
        if taker == "topic_vocabulary":
            card = self.cards.get(question.card_id)
            if card is None or len(self._topics) < 2:
                return [0.0] * len(options)
            own_topic = self._vector(
                list((self._profiles[card.topic] - self._own[card.id]).elements())
            )
            return [self._topic_lean(content_words(o), card.topic, own_topic) for o in options]
        if taker == "odd_form_out":
            forms = [_form(o) for o in options]
            return [float(sum(f != other for other in forms)) for f in forms]
        if taker == "most_alike":
            counted = [Counter(content_words(o)) for o in options]
            return [max(_alike(c, other) for other in counted if other is not c) for c in counted]
        raise ValueError(f"unknown taker {taker!r}; takers are {', '.join(TAKERS)}")

    def _topic_lean(self, words: list[str], topic: str, own_topic: dict[str, float]) -> float:
        """How much more an option sounds like `topic` than like the closest other topic: the
        guess of a player who knows the topics' words and sees the topic in the footer."""
        vector = self._vector(words)
        own = cosine(vector, own_topic)
        other = max(cosine(vector, v) for t, v in self._topics.items() if t != topic)
        return own - other

    def _vector(self, words: list[str]) -> dict[str, float]:
        counts = Counter(words)
        vector = {w: (1.0 + math.log(n)) * self._idf.get(w, self._default_idf)
                  for w, n in counts.items()}  # fmt: skip
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {w: v / norm for w, v in vector.items()}


def _form(option: str) -> tuple[str, str]:
    """What an option looks like without reading it: its kind of answer (year, number, name,
    short phrase, statement), a number's way of writing, a single word's ending."""
    kind = answer_kind(option)
    if kind in ("year", "number"):
        return kind, number_form(option)
    return kind, word_form(option)


def _alike(one: Counter[str], other: Counter[str]) -> float:
    """Shared words over all words of two options (each word as often as it occurs)."""
    union = sum((one | other).values())
    return sum((one & other).values()) / union if union else 0.0


def _picks(scores: Scores) -> list[float]:
    """The share of the pick each option gets: the best ones split it evenly."""
    best = max(scores)
    tied = [i for i, s in enumerate(scores) if math.isclose(s, best, abs_tol=1e-9)]
    return [1.0 / len(tied) if i in tied else 0.0 for i in range(len(scores))]


def every_question(
    make: Callable[[Card, str, int | str], Question | None],
    cards: Sequence[Card],
    formats: Sequence[str],
    seed: int | str = 0,
) -> list[Question]:
    """One question per answered card and format, where the card can make it."""
    found: list[Question] = []
    for fmt in formats:
        for card in cards:
            if card.kind != "qa":
                continue
            question = make(card, fmt, seed)
            if question is not None:
                found.append(question)
    return found
