"""Generated multiple choice: the card's answer shortened to its core, and three distractors
from the answers of other cards of the same deck, of the same kind as the key.

What makes a generated question fair, and what is refused:

- every option goes through one shortening (whole clauses, one length limit); a card whose
  point does not fit an option is not asked as a choice question;
- distractors come from the card's own deck (same topic preferred), never across decks, and
  are of the key's kind: years with years, numbers with numbers, names with names, short
  phrases with short phrases, statements with statements;
- a name or short answer meets answers to questions asking for the same class of thing
  (`asked_for`): studios with studios, people with people, places with places; numbers
  are written alike (digits with digits, words with words) and near the key in size
  (years within YEAR_WINDOW of it);
- a trivia card shows only its first accepted answer, and no distractor may be one of the
  answers it accepts;
- no distractor names what the question asks about, and no card asking about the same thing
  supplies one: such a statement may well be true of it too (two defensible answers);
- a key that repeats the words naming the subject, when no distractor can, gives itself away:
  the card is skipped.

`skipped(index)` says why a card makes no question; `make` returns None exactly then.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.cards.model import Card
from bot.questions.answers import (
    accepted_answers,
    answer_kind,
    asked_for,
    number_form,
    number_value,
    shown_answer,
)
from bot.questions.index import SimilarityIndex, named_words
from bot.questions.model import Question, assemble
from bot.questions.shortening import OPTION_MAX, shorten_answer
from bot.questions.terms import word_form
from bot.questions.text import content_words, cosine, jaccard, plain, stem

_TAG = re.compile(r"^\s*(?:\*\*)?\([A-Z][a-z]+\)(?:\*\*)?\s+")

POOL = 8  # ranked distractors kept per card; make() draws from these
PAIR_CACHE = 200_000  # remembered distractor-pair verdicts; cleared when full
SAME_OPTION = 0.5  # word overlap (Jaccard) between two shortened options
# The most the key may repeat of the question's word weight beyond the third-best distractor.
ECHO_MARGIN = 0.45
SIBLING_QUESTION = 0.25  # question similarity of a card asking about the same thing
# A count more than four times bigger or smaller is no alternative ("2" for "21 balls"), but
# small counts may differ by a few whatever the ratio (1 among 2, 3, 4).
MAX_SIZE_GAP = math.log(4)
SMALL_COUNT_GAP = 3
YEAR_WINDOW = 40  # a year a lifetime away gives itself away: 1066 among 1959 and 1972
_ATOMIC = frozenset(["year", "number", "name"])
# What a question whose answer is a year or a number may ask for.
_COUNTED: dict[str, frozenset[str | None]] = {
    "year": frozenset([None, "year"]),
    "number": frozenset([None, "number"]),
}
TYPED_CANDIDATES = 60
SMALL_DECK = 500  # up to this many cards, every same-kind answer of the deck is a candidate
# Made-up neighbours of a numeric key when its deck has too few numbers: years a few apart,
# small counts one or two apart. Both sides, so the key is not always the middle value.
YEAR_STEPS = (-7, -4, -2, 3, 5, 9)
COUNT_STEPS = (-2, -1, 1, 2, 3, 4)

# How choice distractors are ranked (tuned on the shipped deck against the naive takers):
# similar   whole-card similarity to the card: plausible, same subject area
# echo      how much of the question's word weight the option repeats: the lever that stops
#           "pick the option sharing most words with the question"
# echo_gap  penalty for echoing the question less than the correct option does
# length    penalty for a length unlike the correct option's, relative to OPTION_MAX
# topic     bonus for the same topic: "pick the option from the topic shown" must not work
# size      penalty for a number far from the key's (ratio on a log scale)
WEIGHTS = {
    "similar": 1.0,
    "echo": 1.5,
    "echo_gap": 1.0,
    "length": 1.5,
    "topic": 0.6,
    "size": 0.5,
}

# Reasons a card makes no choice question (`quizbot questions --skipped`).
NOT_QA = "not a question-and-answer card"
RESTATES_SUBJECT = "its answer repeats the words of the question that no wrong option may use"
ECHOES_QUESTION = "its answer repeats the question's words far more than any wrong option"
TOO_FEW = "fewer than three wrong options of its answer's kind in its deck"


@dataclass(frozen=True, slots=True)
class Option:
    text: str
    words: frozenset[str]
    kind: str
    value: float | None
    problem: str | None  # why it cannot be an option at all
    accepted: frozenset[str]  # every answer the card accepts, casefolded


@dataclass(frozen=True, slots=True)
class Candidate:
    text: str
    words: frozenset[str]
    card: int | None  # None for a made-up number


class ChoiceMaker:
    def __init__(self, cards: Sequence[Card], index: SimilarityIndex) -> None:
        self.cards = cards
        self.index = index
        self._options: dict[int, Option] = {}
        self._pools: dict[int, tuple[Candidate, ...] | str] = {}
        self._by_kind: dict[str, dict[str, list[int]]] = {}
        self._deck_sizes: dict[str, int] = {}
        self._asked: dict[int, str | None] = {}
        # Pair verdicts between distractors, asked again by every question drawn from the
        # same card (10,000 daily posts in one minute share a few hundred cards).
        self._near_pairs: dict[tuple[str, str], bool] = {}

    def make(self, index: int, rng: random.Random) -> Question | None:
        pool = self._usable_pool(index)
        if isinstance(pool, str):
            return None
        # A little variety between days, but only among the best-ranked distractors.
        head = list(pool[:4])
        rng.shuffle(head)
        chosen = self._pick(head + list(pool[4:])) or self._pick(list(pool))
        if chosen is None:
            return None  # `skipped` checked the pool can give three; kept for safety
        card = self.cards[index]
        texts = [c.text for c in chosen]
        return assemble(card.id, "choice", _stem(card), self.option(index).text, texts, rng)

    def skipped(self, index: int) -> str | None:
        """Why card `index` makes no choice question, or None when it makes one."""
        pool = self._usable_pool(index)
        return pool if isinstance(pool, str) else None

    def option(self, index: int) -> Option:
        """Card `index`'s answer as an option."""
        cached = self._options.get(index)
        if cached is None:
            card = self.cards[index]
            short = shorten_answer(shown_answer(card), question=card.question)
            text = short.text
            kind = answer_kind(text)
            if kind in ("statement", "short"):
                # "The Huber loss grows linearly" -> "It grows linearly": an option that names
                # its own card's subject is told apart by that name alone, right or wrong.
                self.index.build()
                question = frozenset(content_words(card.question))
                subject = self.index.subject(index)
                reworded = without_subject(text, subject, question, plain(card.question))
                if len(reworded.split()) >= 3:
                    text = reworded
            accepted = frozenset(
                plain(a).strip().casefold() for a in accepted_answers(card) if a.strip()
            )
            cached = Option(
                text,
                frozenset(content_words(text)),
                kind,
                number_value(text),
                short.problem,
                accepted | {short.text.casefold()},
            )
            self._options[index] = cached
        return cached

    def asked_for(self, index: int) -> str | None:
        """What card `index`'s question asks for (`answers.asked_for`), remembered."""
        if index not in self._asked:
            self._asked[index] = asked_for(self.cards[index].question)
        return self._asked[index]

    def _pick(self, ranked: list[Candidate]) -> list[Candidate] | None:
        chosen: list[Candidate] = []
        for candidate in ranked:
            if any(self._near(candidate, c) for c in chosen):
                continue
            chosen.append(candidate)
            if len(chosen) == 3:
                return chosen
        return None

    def _near(self, a: Candidate, b: Candidate) -> bool:
        """`near_same_option` of two candidates (symmetric), remembered per pair."""
        pair = (a.text, b.text) if a.text < b.text else (b.text, a.text)
        found = self._near_pairs.get(pair)
        if found is None:
            if len(self._near_pairs) >= PAIR_CACHE:
                self._near_pairs.clear()
            found = self._near_pairs[pair] = near_same_option(a.text, a.words, b.text, b.words)
        return found

    def _usable_pool(self, index: int) -> tuple[Candidate, ...] | str:
        cached = self._pools.get(index)
        if cached is None:
            cached = self._build_pool(index)
            if not isinstance(cached, str) and self._pick(list(cached)) is None:
                cached = TOO_FEW
            self._pools[index] = cached
        return cached

    def _build_pool(self, index: int) -> tuple[Candidate, ...] | str:
        """Distractors for `index`, best first, or the reason there can be none."""
        card = self.cards[index]
        if card.kind != "qa" or not card.answer.strip():
            return NOT_QA
        self.index.build()
        key = self.option(index)
        if not key.text:
            return NOT_QA
        if key.problem:
            return key.problem
        subject = self.index.subject(index)
        if key.words & subject and key.kind in ("statement", "short"):
            return RESTATES_SUBJECT
        qvec = self.index.qvec(index)
        key_echo = _echo(qvec, key.words)
        scored: list[tuple[float, int, Candidate]] = []
        for other, similarity in self._candidates(index, key).items():
            option = self.option(other)
            if not self._fair_distractor(index, key, subject, other, option):
                continue
            echo = _echo(qvec, option.words)
            score = (
                WEIGHTS["similar"] * similarity
                + WEIGHTS["echo"] * echo
                - WEIGHTS["echo_gap"] * max(0.0, key_echo - echo)
                - WEIGHTS["length"] * abs(len(option.text) - len(key.text)) / OPTION_MAX
                + (WEIGHTS["topic"] if self.cards[other].topic == card.topic else 0.0)
                - WEIGHTS["size"] * _size_gap(key.value, option.value)
            )
            scored.append((score, other, Candidate(option.text, option.words, other)))
        scored.sort(key=lambda item: (-item[0], item[1]))
        pool = [candidate for _, _, candidate in scored[: POOL * 2]]
        echoes = sorted((_echo(qvec, c.words) for c in pool[:POOL]), reverse=True)
        if len(echoes) >= 3 and key_echo - echoes[2] > ECHO_MARGIN:
            return ECHOES_QUESTION
        if len(pool) < POOL and key.kind in ("year", "number"):
            pool += _made_up_numbers(key, {c.text.casefold() for c in pool})
        return tuple(pool)

    def _candidates(self, index: int, key: Option) -> dict[int, float]:
        """Cards of the same deck that may supply a distractor, with their similarity."""
        deck = self.cards[index].deck
        full = self.index.full
        found: dict[int, float] = {}
        for similarity, other in self.index.related(index):
            found[other] = similarity
        for other in self.index.echoing(index):
            found.setdefault(other, cosine(full[index], full[other]))
        # Years and names rarely share words with one another: the deck's answers of the same
        # kind are candidates whatever their wording (nearest in size first for numbers).
        typed = self._of_kind(deck, key.kind)
        if key.value is not None:
            typed = sorted(typed, key=lambda o: (_size_gap(key.value, self.option(o).value), o))
        for other in typed[:TYPED_CANDIDATES]:
            found.setdefault(other, cosine(full[index], full[other]))
        return {o: s for o, s in found.items() if self.cards[o].deck == deck}

    def _of_kind(self, deck: str, kind: str) -> list[int]:
        """The cards of `deck` whose answer is of `kind`, built per deck on first use; for
        statements only in small decks, where few cards share words."""
        if deck not in self._deck_sizes:
            for card in self.cards:
                self._deck_sizes[card.deck] = self._deck_sizes.get(card.deck, 0) + 1
        if kind not in _ATOMIC and self._deck_sizes.get(deck, 0) > SMALL_DECK:
            return []  # a large deck has enough lexical neighbours for statements
        if deck not in self._by_kind:
            by_kind: dict[str, list[int]] = {}
            for i, card in enumerate(self.cards):
                if card.deck == deck and card.kind == "qa" and card.answer.strip():
                    by_kind.setdefault(self.option(i).kind, []).append(i)
            self._by_kind[deck] = by_kind
        return self._by_kind[deck].get(kind, [])

    def _fair_distractor(
        self, index: int, key: Option, subject: frozenset[str], other: int, option: Option
    ) -> bool:
        if other == index or not option.text or option.problem or option.kind != key.kind:
            return False
        if self.cards[other].kind != "qa":
            return False
        if near_same_option(key.text, key.words, option.text, option.words):
            return False
        # Another spelling of the right answer is a right answer.
        if option.accepted & key.accepted:
            return False
        if option.words & subject:
            return False  # "Ben Gordon" for "What year was Ben Hur made?"
        if key.kind in ("name", "short") and self.asked_for(index) != self.asked_for(other):
            return False  # "Charlton Heston" for "Which studio released Ben Hur?"
        if key.kind in ("year", "number") and self.asked_for(other) not in _COUNTED[key.kind]:
            return False  # "2300 BCE" (a date) for "How many seconds are there in an hour?"
        if key.kind in ("name", "short"):
            asked = frozenset(content_words(self.cards[index].question))
            if option.words & asked and not key.words & asked:
                # "Whales" for "What is an infant whale called?" is never right; where the key
                # repeats the question too, such options keep it from standing out.
                return False
            if self.asked_for(index) is None and word_form(key.text) != word_form(option.text):
                return False  # "Awakens" among "Suicide" and "Pancreas": grammar gives it away
        if key.kind in _ATOMIC:
            if option.words & frozenset(named_words(self.cards[index].question)):
                return False  # "RMS Titanic" for "Who directed Titanic?", however common

            # Tokyo is no capital of France however alike the questions: a year, number or
            # name is right only where it is the same answer (checked above).
            return near_in_size(key, option)
        # A statement about what is asked may be true of it too; a card asking about the same
        # thing (the BGD half of a BGD/SGD pair) answers nearly the same question.
        if self.index.duplicates(index, other):
            return False
        return cosine(self.index.qvec(index), self.index.qvec(other)) < SIBLING_QUESTION


_TOKEN = re.compile(r"\S+")
_ARTICLES = frozenset(["the", "a", "an"])
_PLURAL_VERBS = frozenset(["are", "were", "have", "do"])
# Nouns that end a subject's name ("the Huber loss", "the perceptron algorithm").
_HEAD_NOUNS = frozenset(
    stem(w)
    for w in [
        "loss",
        "function",
        "algorithm",
        "model",
        "rule",
        "problem",
        "method",
        "network",
        "layer",
        "term",
        "error",
        "descent",
        "variant",
        "approach",
    ]
)


def without_subject(
    text: str, subject: frozenset[str], question: frozenset[str], asked: str = ""
) -> str:
    """`text` with each run of the question's own words that names its subject ("the Huber
    loss", "MAE's") replaced by a pronoun, so the key does not point at itself. `asked` is
    the question's plain text: a name goes on only as the question writes it."""
    asked = " ".join(asked.split()).casefold()
    tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
    out: list[str] = []
    last = 0
    i = 0
    while i < len(tokens):
        # A name starts the sentence or a clause, with an article or a capital ("the Huber
        # loss", "MAE's"); "every negative input" is not one.
        starts = (
            i == 0
            or tokens[i - 1][2][-1:] in ",;:"
            or tokens[i][2][:1].isupper()
            or tokens[i][2].casefold() in _ARTICLES
        )
        if not starts:
            i += 1
            continue
        j = i + 1 if tokens[i][2].casefold() in _ARTICLES else i
        run_end = j
        named = False
        while run_end < len(tokens):
            words = set(content_words(tokens[run_end][2]))
            if not words or not words <= question:
                break
            token = tokens[run_end][2]
            if named and not (
                words <= _HEAD_NOUNS
                or token[:1].isupper()
                or token.startswith("(")
                or f"{tokens[run_end - 1][2]} {token}".casefold() in asked
            ):
                break  # "Momentum adds", "the learning rate controls": the verb stays
            named = named or bool(words & subject)
            run_end += 1
            if tokens[run_end - 1][2][-1:] in ",;:":
                break
        if not named:
            i += 1
            continue
        start, end = tokens[i][0], tokens[run_end - 1][1]
        phrase = text[start:end]
        tail = phrase[len(phrase.rstrip(",;:")) :]
        following = tokens[run_end][2].casefold() if run_end < len(tokens) else ""
        if phrase.rstrip(",;:").endswith(("'s", "’s")):
            pronoun = "its"
        elif following in _PLURAL_VERBS:
            pronoun = "they"
        else:
            pronoun = "it"
        if start == 0 or text[:start].rstrip().endswith((".", ":", ";")):
            pronoun = pronoun.capitalize()
        out.append(text[last:start] + pronoun + tail)
        last = end
        i = run_end + 1  # the word after a subject is its verb, not another subject
    out.append(text[last:])
    return "".join(out)


def _stem(card: Card) -> str:
    """The card's question without a leading "(Concept)" tag: a study note, not the question."""
    return _TAG.sub("", card.question, count=1)


def _echo(qvec: dict[str, float], words: frozenset[str]) -> float:
    """How much of the question's weight an option repeats."""
    return sum(qvec.get(w, 0.0) for w in words)


def _size_gap(a: float | None, b: float | None) -> float:
    if a is None or b is None:
        return 0.0
    if a > 0 and b > 0:
        return abs(math.log(a / b))
    return abs(a - b) / (abs(a) + abs(b) + 1.0)


def near_in_size(key: Option, option: Option) -> bool:
    """Whether a year or number option could pass for the key: written the same way and of
    its magnitude. Other kinds have no size."""
    if key.value is None or option.value is None:
        return key.kind not in ("year", "number")
    if key.kind == "year":
        return abs(key.value - option.value) <= YEAR_WINDOW
    if key.kind == "number":
        if number_form(key.text) != number_form(option.text):
            return False
        if abs(key.value - option.value) <= SMALL_COUNT_GAP:
            return True
    return _size_gap(key.value, option.value) <= MAX_SIZE_GAP


def _made_up_numbers(key: Option, taken: set[str]) -> list[Candidate]:
    """Numbers near the key's, written like it ("1959" -> "1955"; "8 legs" -> "6 legs")."""
    value = key.value
    if value is None or value != int(value):
        return []
    digits = str(int(value))
    position = key.text.find(digits)
    if position < 0:
        return []
    steps: tuple[int, ...] = YEAR_STEPS if key.kind == "year" else COUNT_STEPS
    if key.kind == "number" and abs(value) >= 20:
        steps = tuple(s * max(1, int(abs(value)) // 10) for s in COUNT_STEPS)
    found = []
    for step in steps:
        number = int(value) + step
        if number < 0 or (number == 0 and value > 0):
            continue
        text = key.text[:position] + str(number) + key.text[position + len(digits) :]
        if text.casefold() in taken or text.casefold() in key.accepted:
            continue
        found.append(Candidate(text, frozenset(content_words(text)), None))
    return found


def near_same_option(a: str, a_words: frozenset[str], b: str, b_words: frozenset[str]) -> bool:
    return a.casefold() == b.casefold() or jaccard(a_words, b_words) >= SAME_OPTION
