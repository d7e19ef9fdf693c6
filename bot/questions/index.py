"""Which cards are alike: TF-IDF over question and answer words, in pure Python.

Generated distractors come from similar cards, and cards that ask or answer the same thing
never supply one (that would be a second right answer). The index and each card's neighbour
list are built on first use and cached, so a library of 100k cards costs nothing until asked.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence

from bot.cards.model import Card
from bot.questions.text import SPACE, content_words, cosine, plain

NEIGHBOURS = 60  # related cards considered per card
QUERY_TERMS = 24  # a card's highest-weight words used to find its neighbours
POSTINGS_MAX = 2000  # a word on more cards than this is too common to find neighbours by
ECHOING = 40  # cards retrieved by a question's words, on top of the similar cards

# Thresholds below were tuned on the shipped deck; pairs above them are the same question
# asked twice (core vs advanced "General Loss Function Concepts") or the same answer
# (Robust Regression core #4 and #15).
SAME_QUESTION = 0.4
SAME_ANSWER = 0.3
SAME_BOTH = 0.45  # question + answer similarity together
SAME_CARD = 0.45  # whole card (question and answer) similarity
ANSWERS_OTHER = 0.3  # one card's answer against the other card's question
# A question word on at most this share of its deck's cards (or this many) names the subject.
SUBJECT_SHARE = 0.06
SUBJECT_CARDS = 3


class SimilarityIndex:
    """TF-IDF vectors of a fixed card list, addressed by position in that list."""

    def __init__(self, cards: Sequence[Card]) -> None:
        self.cards = cards
        self._built = False
        self.full: list[dict[str, float]] = []
        self._qvecs: dict[int, dict[str, float]] = {}
        self._avecs: dict[int, dict[str, float]] = {}
        self._postings: dict[str, list[tuple[int, float]]] = {}
        self._idf: dict[str, float] = {}
        self._default_idf = 1.0
        self._neighbours: dict[int, list[tuple[float, int]]] = {}
        self._answer_keys: list[int] = []
        self._deck_frequency: dict[str, dict[str, int]] = {}
        self._deck_size: dict[str, int] = {}
        self._subjects: dict[int, frozenset[str]] = {}

    def build(self) -> None:
        """TF-IDF vectors for every card and an inverted index over them (once, lazily)."""
        if self._built:
            return
        documents: list[tuple[list[str], list[str]]] = [
            (content_words(card.question), content_words(card.answer)) for card in self.cards
        ]
        frequency: dict[str, int] = defaultdict(int)
        for card, (question_words, answer_words) in zip(self.cards, documents, strict=True):
            deck = self._deck_frequency.setdefault(card.deck, defaultdict(int))
            self._deck_size[card.deck] = self._deck_size.get(card.deck, 0) + 1
            for word in set(question_words) | set(answer_words):
                frequency[word] += 1
                deck[word] += 1
        total = len(documents)
        self._idf = {w: math.log((1 + total) / (1 + df)) + 1.0 for w, df in frequency.items()}
        self._default_idf = math.log(1 + total) + 1.0
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, (question_words, answer_words) in enumerate(documents):
            full = self.vector(question_words + answer_words)
            self.full.append(full)
            self._answer_keys.append(hash(SPACE.sub(" ", plain(self.cards[i].answer).casefold())))
            for word, weight in full.items():
                postings[word].append((i, weight))
        self._postings = dict(postings)
        self._built = True

    def qvec(self, index: int) -> dict[str, float]:
        """The question's own TF-IDF vector (made when first needed: most cards never are)."""
        vector = self._qvecs.get(index)
        if vector is None:
            vector = self.vector(content_words(self.cards[index].question))
            self._qvecs[index] = vector
        return vector

    def subject(self, index: int) -> frozenset[str]:
        """The words of card `index`'s question that name what it asks about: marked as a name
        (bold, capitalised, an acronym, quoted or in brackets) and on few cards of its deck
        ("huber", "bgd"), not the deck's common words ("loss", "perceptron")."""
        found = self._subjects.get(index)
        if found is None:
            self.build()
            card = self.cards[index]
            frequency = self._deck_frequency.get(card.deck, {})
            most = max(SUBJECT_CARDS, SUBJECT_SHARE * self._deck_size.get(card.deck, 0))
            words = named_words(card.question)
            found = frozenset(w for w in words if frequency.get(w, 0) <= most and not w.isdigit())
            self._subjects[index] = found
        return found

    def avec(self, index: int) -> dict[str, float]:
        vector = self._avecs.get(index)
        if vector is None:
            vector = self.vector(content_words(self.cards[index].answer))
            self._avecs[index] = vector
        return vector

    def vector(self, words: list[str]) -> dict[str, float]:
        counts: dict[str, int] = defaultdict(int)
        for word in words:
            counts[word] += 1
        vector = {
            w: (1.0 + math.log(c)) * self._idf.get(w, self._default_idf) for w, c in counts.items()
        }
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {w: v / norm for w, v in vector.items()}

    def related(self, index: int) -> list[tuple[float, int]]:
        """The cards most similar to card `index` (cosine, best first), computed once per card."""
        cached = self._neighbours.get(index)
        if cached is not None:
            return cached
        self.build()
        scores = self.search(self.full[index])
        scores.pop(index, None)
        ranked = sorted(((s, o) for o, s in scores.items()), key=lambda p: (-p[0], p[1]))
        cached = [(s, o) for s, o in ranked[:NEIGHBOURS] if self.cards[o].kind == "qa"]
        self._neighbours[index] = cached
        return cached

    def echoing(self, index: int) -> list[int]:
        """Cards whose answers repeat this card's question words, best first."""
        scores = self.search(self.qvec(index))
        scores.pop(index, None)
        return sorted(scores, key=lambda other: (-scores[other], other))[:ECHOING]

    def search(self, vector: dict[str, float]) -> dict[int, float]:
        """Dot products of `vector` with every card sharing one of its strongest words.

        Words found on more than POSTINGS_MAX cards are skipped: they rank nothing, and on a
        library of 100k cards they would make every lookup touch most of it.
        """
        scores: dict[int, float] = defaultdict(float)
        used = 0
        for word, weight in sorted(vector.items(), key=lambda item: -item[1]):
            postings = self._postings.get(word, ())
            if len(postings) > POSTINGS_MAX:
                continue
            for other, other_weight in postings:
                scores[other] += weight * other_weight
            used += 1
            if used == QUERY_TERMS:
                break
        return scores

    def duplicates(self, a: int, b: int, scale: float = 1.0) -> bool:
        """True when card b asks or answers what card a does: never a source of distractors.

        `scale` < 1 is stricter: a cloze term from a card on the same point may be a synonym.
        """
        self.build()
        ca, cb = self.cards[a], self.cards[b]
        if ca.topic == cb.topic and ca.number == cb.number and ca.level != cb.level:
            return True  # the same slot in the core and the advanced table of a topic
        if self._answer_keys[a] == self._answer_keys[b]:
            return True
        # Lexical similarity cannot tell "the same question" from "the sibling question"
        # (BGD vs SGD path); both are excluded, since a lost distractor costs little and a
        # second defensible answer ruins the question.
        question = cosine(self.qvec(a), self.qvec(b))
        answer = cosine(self.avec(a), self.avec(b))
        return (
            question >= SAME_QUESTION * scale
            or answer >= SAME_ANSWER * scale
            or question + answer >= SAME_BOTH * scale
            or cosine(self.full[a], self.full[b]) >= SAME_CARD * scale
            or cosine(self.qvec(a), self.avec(b)) >= ANSWERS_OTHER * scale
            or cosine(self.qvec(b), self.avec(a)) >= ANSWERS_OTHER * scale
        )


_MARKED = re.compile(
    r"\*\*(?P<bold>[^*]+)\*\*|[\"“(](?P<quoted>[^\"”()]{1,60})[\"”)]|(?P<word>[^\W_][\w'’-]*)"
)


def named_words(question: str) -> list[str]:
    """Content words of `question` written as names: bold, quoted or bracketed spans, and
    capitalised words other than the first."""
    found: list[str] = []
    first = True
    for match in _MARKED.finditer(question):
        span = match.group("bold") or match.group("quoted")
        if span:
            found += content_words(span)
        elif match.group("word"):
            word = match.group("word")
            if not first and (word[:1].isupper() or word.isupper()):
                found += content_words(word)
        first = False
    return found
