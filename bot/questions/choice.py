"""Generated multiple choice: the card's answer shortened to its core, and three distractors
from the answers of similar cards.

Fairness is built in: every option is shortened by the same function, so neither length nor
formatting points at the right answer; distractors are ranked by how close they are to the
card and to *this* question's words, so "pick the option that repeats the question" stops
working; cards that duplicate the card never supply a distractor.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.cards.model import Card
from bot.questions.index import SimilarityIndex
from bot.questions.model import Question, assemble
from bot.questions.text import OPTION_MAX, content_words, cosine, jaccard, shorten

POOL = 8  # ranked distractors kept per card; make() draws from these
PAIR_CACHE = 200_000  # remembered distractor-pair verdicts; cleared when full
SAME_OPTION = 0.5  # word overlap (Jaccard) between two shortened options

# How choice distractors are ranked (tuned on the shipped deck against the naive takers):
# similar   whole-card similarity to the card: plausible, same subject area
# echo      how much of the question's word weight the option repeats: the lever that stops
#           "pick the option sharing most words with the question"
# echo_gap  penalty for echoing the question less than the correct option does
# length    penalty for a length unlike the correct option's, relative to OPTION_MAX
# topic     bonus for the same topic
WEIGHTS = {"similar": 1.0, "echo": 1.5, "echo_gap": 1.0, "length": 1.5, "topic": 0.1}


class ChoiceMaker:
    def __init__(self, cards: Sequence[Card], index: SimilarityIndex) -> None:
        self.cards = cards
        self.index = index
        self._options: dict[int, tuple[str, frozenset[str]]] = {}
        self._pools: dict[int, tuple[int, ...]] = {}
        # Pair verdicts between distractors, asked again by every question drawn from the
        # same card (10,000 daily posts in one minute share a few hundred cards).
        self._near_pairs: dict[tuple[int, int], bool] = {}

    def make(self, index: int, rng: random.Random) -> Question | None:
        card = self.cards[index]
        correct = self.option(index)[0]
        if not correct:
            return None
        chosen: list[int] = []
        pool = list(self._pool(index))
        # A little variety between days, but only among the best-ranked distractors.
        head = pool[:4]
        rng.shuffle(head)
        for other in head + pool[4:]:
            if any(self._near_options(other, c) for c in chosen):
                continue
            chosen.append(other)
            if len(chosen) == 3:
                break
        if len(chosen) < 3:
            return None
        texts = [self.option(c)[0] for c in chosen]
        return assemble(card.id, "choice", card.question, correct, texts, rng)

    def option(self, index: int) -> tuple[str, frozenset[str]]:
        """Card `index`'s answer as an option, and its content words."""
        cached = self._options.get(index)
        if cached is None:
            card = self.cards[index]
            text = shorten(card.answer, question=card.question)
            cached = (text, frozenset(content_words(text)))
            self._options[index] = cached
        return cached

    def _near_options(self, a: int, b: int) -> bool:
        """`near_same_option` of two cards' options (symmetric), remembered per pair."""
        pair = (a, b) if a < b else (b, a)
        found = self._near_pairs.get(pair)
        if found is None:
            if len(self._near_pairs) >= PAIR_CACHE:
                self._near_pairs.clear()
            (ta, wa), (tb, wb) = self.option(a), self.option(b)
            found = self._near_pairs[pair] = near_same_option(ta, wa, tb, wb)
        return found

    def _pool(self, index: int) -> tuple[int, ...]:
        """Distractor cards for `index`, best first: related, same topic, echoing the question.

        The ranking is what beats the naive test-taker: an option that repeats the question's
        words is only a giveaway when the wrong options do not.
        """
        cached = self._pools.get(index)
        if cached is not None:
            return cached
        card = self.cards[index]
        correct, correct_words = self.option(index)
        qvec = self.index.qvec(index)
        correct_echo = _echo(qvec, correct_words)
        candidates = dict((other, similarity) for similarity, other in self.index.related(index))
        for other in self.index.echoing(index):
            candidates.setdefault(other, cosine(self.index.full[index], self.index.full[other]))
        scored: list[tuple[float, int]] = []
        for other, similarity in candidates.items():
            if other == index or self.index.duplicates(index, other):
                continue
            text, words = self.option(other)
            if not text or near_same_option(correct, correct_words, text, words):
                continue
            echo = _echo(qvec, words)
            score = (
                WEIGHTS["similar"] * similarity
                + WEIGHTS["echo"] * echo
                - WEIGHTS["echo_gap"] * max(0.0, correct_echo - echo)
                - WEIGHTS["length"] * abs(len(text) - len(correct)) / OPTION_MAX
                + (WEIGHTS["topic"] if self.cards[other].topic == card.topic else 0.0)
            )
            scored.append((score, other))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        pool = tuple(other for _, other in scored[: POOL * 2])
        self._pools[index] = pool
        return pool


def _echo(qvec: dict[str, float], words: frozenset[str]) -> float:
    """How much of the question's weight an option repeats."""
    return sum(qvec.get(w, 0.0) for w in words)


def near_same_option(a: str, a_words: frozenset[str], b: str, b_words: frozenset[str]) -> bool:
    return a.casefold() == b.casefold() or jaccard(a_words, b_words) >= SAME_OPTION
