"""Cards -> fair questions: multiple choice, cloze (fill in the blank) and open prompts.

Fairness is built in, not checked afterwards:
- every option is shortened by the same function to the same target length, with Markdown
  stripped, so neither length nor formatting points at the right answer;
- distractors come from related cards' answers, ranked by how close they are to the card and
  to *this* question's words, so "pick the option that repeats the question" stops working;
- cards that duplicate or nearly duplicate the card (the same question at the other level, the
  same answer) never supply a distractor, so a question never has two defensible answers;
- the correct position is drawn from a seeded RNG, uniform over A-D.

Similarity is TF-IDF over question+answer words (stopwords removed, light stemming), in pure
Python. The index and each card's neighbour list are built lazily on first use and cached, so a
library of 100k cards costs nothing until asked and `make()` is a few cached lookups after
that.
"""

from __future__ import annotations

import functools
import math
import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.cards.model import LEVELS, Card

Format = Literal["choice", "cloze", "prompt"]
FORMATS: tuple[str, ...] = ("choice", "cloze", "prompt", "mixed")

BLANK = "_____"
OPTION_MAX = 90  # every choice option is cut to this, so lengths are comparable
TERM_MAX = 80  # a cloze option must fit a button label
CLOZE_SENTENCE_MAX = 320
CLOZE_WORDS = 4  # words around the blank, at least
CLOZE_WORDS_ALONE = 8  # ... when the question must be left out (it names the term)
NEIGHBOURS = 60  # related cards considered per card
QUERY_TERMS = 24  # a card's highest-weight words used to find its neighbours
POSTINGS_MAX = 2000  # a word on more cards than this is too common to find neighbours by
POOL = 8  # ranked distractors kept per card; make() draws from these
PAIR_CACHE = 200_000  # remembered distractor-pair verdicts; cleared when full

# Thresholds below were tuned on the shipped deck; pairs above them are the same question
# asked twice (core vs advanced "General Loss Function Concepts") or the same answer
# (Robust Regression core #4 and #15).
SAME_QUESTION = 0.4
SAME_ANSWER = 0.3
SAME_BOTH = 0.45  # question + answer similarity together
SAME_CARD = 0.45  # whole card (question and answer) similarity
ANSWERS_OTHER = 0.3  # one card's answer against the other card's question
CLOZE_STRICTER = 0.75  # a key term from a card on the same point may be a synonym
SAME_OPTION = 0.5  # word overlap (Jaccard) between two shortened options

# How choice distractors are ranked (tuned on the shipped deck against the naive takers):
# similar   whole-card similarity to the card: plausible, same subject area
# echo      how much of the question's word weight the option repeats: the lever that stops
#           "pick the option sharing most words with the question"
# echo_gap  penalty for echoing the question less than the correct option does
# length    penalty for a length unlike the correct option's, relative to OPTION_MAX
# topic     bonus for the same topic
# echoing   cards retrieved by the question's words, on top of the similar cards
WEIGHTS = {"similar": 1.0, "echo": 1.5, "echo_gap": 1.0, "length": 1.5, "topic": 0.1}
ECHOING = 40


@dataclass(frozen=True, slots=True)
class Question:
    card_id: str
    format: Format
    prompt: str  # neutral Markdown
    options: tuple[str, ...]  # four plain-text options; empty for a prompt
    answer_index: int | None  # 0-3; None for a prompt

    def to_dict(self) -> dict[str, object]:
        return {
            "card_id": self.card_id,
            "format": self.format,
            "prompt": self.prompt,
            "options": list(self.options),
            "answer_index": self.answer_index,
        }


# --- text helpers ---------------------------------------------------------------------------

# fmt: off
_STOPWORDS = frozenset([
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down",
    "during", "each", "even", "few", "for", "from", "further", "had", "has", "have",
    "having", "he", "her", "here", "hers", "how", "however", "i", "if", "in", "into", "is",
    "it", "its", "itself", "just", "like", "may", "me", "might", "more", "most", "much",
    "must", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or",
    "other", "our", "out", "over", "own", "same", "she", "should", "so", "some", "such",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "through", "thus", "to", "too", "under", "until", "up", "very", "via", "was",
    "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
    "with", "would", "you", "your", "e", "g", "i.e", "eg", "ie", "etc", "vs", "describe",
    "explain", "define", "give", "state", "briefly", "conceptually", "specifically",
    "typically", "often", "usually",
])
# fmt: on

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CODE = re.compile(r"`+([^`]*)`+")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_EMPH = re.compile(r"(?<![\w*])[*_]([^*_\n]+)[*_](?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_ASIDE = re.compile(r"\s*\((?:e\.g\.|i\.e\.|for example|such as)[^()]*\)", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "vs", "etc", "approx", "cf", "fig", "eq", "dr", "mr"})
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*\s+")


_SUFFIXES = (
    "ibilities",
    "abilities",
    "ibility",
    "ability",
    "ations",
    "ation",
    "ities",
    "ity",
    "ness",
    "ments",
    "ment",
    "ingly",
    "ing",
    "edly",
    "ed",
    "ly",
    "able",
    "ible",
    "ence",
    "ance",
    "ive",
    "ize",
    "ise",
    "al",
    "e",
)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Crude suffix stripping: enough that "differentiable" meets "differentiability",
    "gradients" meets "gradient" and "optimization" meets "optimize"."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "as")):
        word = word[:-1]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Stemmed words that carry meaning: markup, stopwords and one-letter tokens dropped."""
    words = _WORD.findall(plain(text).casefold())
    return [stem(w) for w in words if w not in _STOPWORDS and (len(w) > 1 or w.isdigit())]


def plain(text: str) -> str:
    """Markdown to plain text: code, bold, italic and link markup removed, content kept.

    Code spans are kept verbatim: `(y_pred - y_true)**2` is code, not bold.
    """
    pieces = []
    last = 0
    for match in _CODE.finditer(text):
        pieces.append(_strip_markup(text[last : match.start()]))
        pieces.append(match.group(1))
        last = match.end()
    pieces.append(_strip_markup(text[last:]))
    return "".join(pieces)


def _strip_markup(text: str) -> str:
    text = text.replace("**", "").replace("__", "")
    text = _EMPH.sub(lambda m: m.group(1), text)
    return _LINK.sub(lambda m: m.group(1), text)


def _mask_code(text: str) -> str:
    """Same length, code spans blanked, so `**` inside code is not taken for bold."""
    return _CODE.sub(lambda m: "\0" * len(m.group(0)), text)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, not splitting after "e.g." or inside a number."""
    masked = _mask_code(text)
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(masked):
        end = match.start() + 1
        before = masked[start:end].rstrip(".!?").rsplit(None, 1)
        last_word = before[-1].casefold().strip("(") if before else ""
        following = masked[match.end() : match.end() + 1]
        # "e.g. the", "1. SGD → 2. MBGD": not the end of a sentence.
        if last_word in _ABBREVIATIONS or last_word.isdigit() or following.islower():
            continue
        spans.append((start, end))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _without_symbols(text: str) -> str:
    # Emoji and pictographs carry no meaning for the question and would make one option stand out.
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Cs", "Co"))


def _lines(answer: str) -> list[str]:
    text = answer.replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n")
    return [_LIST_MARK.sub("", line).strip() for line in text.splitlines() if line.strip()]


_SUBJECT = re.compile(
    r"^(?P<subject>[^,;:()]{1,60}?)\s+(?:is|are|means|refers to|represents)\b:?\s+(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_PRONOUN = re.compile(
    r"^(?:(?:it|this|they|that)\s+(?:is|are)|it['’]s)\s+(?P<rest>.+)$", re.I | re.S
)
_DEFINING = re.compile(r"^\W*(?:\(\w[^)]*\)\s*)?(?:what|define|describe|which)\b", re.IGNORECASE)
# A question comparing two things needs both names in the answer.
_COMPARING = re.compile(r"\b(?:differ\w*|versus|vs|compare\w*|contrast\w*|between)\b", re.I)


def _drop_restated_subject(text: str, question: str) -> str:
    """ "An epoch is one complete cycle…" -> "One complete cycle…" for "What is an epoch?".

    The subject only repeats the card's own question, so it tells nothing about the answer,
    yet it is the words a naive test-taker matches against the question. Applied to every
    option alike; only for "what is / define" questions, where the subject is the thing asked.
    """
    question = plain(question).strip()
    if not _DEFINING.match(question) or _COMPARING.search(question):
        return text
    match = _PRONOUN.match(text)
    if match is None:
        match = _SUBJECT.match(text)
        if match is None:
            return text
        subject = set(content_words(match.group("subject")))
        if not subject or not subject <= set(content_words(question)):
            return text
    rest = match.group("rest").strip()
    if len(rest.split()) < 3:
        return text
    return rest[0].upper() + rest[1:]


def shorten(answer: str, limit: int = OPTION_MAX, question: str = "") -> str:
    """An answer cut to its core: first sentence, plain text, at most `limit` characters.

    Every option of a choice question goes through this one function, so no option is
    recognisable by its length or its formatting. With the card's own `question`, a leading
    subject that only restates it is dropped.
    """
    lines = _lines(answer)
    if not lines:
        return ""
    text = lines[0]
    # "The gradient serves a dual purpose:" is only a lead-in; the first item is the substance.
    if text.endswith(":") and len(lines) > 1:
        text = f"{text} {lines[1]}"
    spans = _sentence_spans(text)
    if spans:
        first = text[spans[0][0] : spans[0][1]]
        # A one-word first "sentence" ("No." / "Yes.") needs the next one to make sense.
        if len(first.split()) < 3 and len(spans) > 1:
            first = text[spans[0][0] : spans[1][1]]
        text = first
    text = _without_symbols(plain(text))
    text = _ASIDE.sub("", text)
    text = _SPACE.sub(" ", text).strip()
    text = text.rstrip(".").strip()
    if question:
        text = _drop_restated_subject(text, question)
    if len(text) > limit:
        cut = text[: limit - 1]
        if " " in cut:
            cut = cut[: cut.rfind(" ")]
        text = cut.rstrip(" ,;:-–—(") + "…"
    return text


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


# --- cloze terms ----------------------------------------------------------------------------

_NUMBER_WORDS = frozenset(
    ["zero", "one", "two", "three", "four", "five", "ten", "hundred", "half", "nothing", "none"]
)
_MATH_CHARS = set("=+−*/^_∇∂∑∏√≈≤≥→←∝×·|<>") | {chr(c) for c in range(0x370, 0x400)}


def term_kind(term: str) -> str:
    """What sort of thing a key term is, so cloze distractors are "of the same kind"."""
    text = plain(term).strip()
    words = text.split()
    if re.fullmatch(r"[-+−]?[\d.,]+\s*%?", text) or text.casefold() in _NUMBER_WORDS:
        return "number"
    if any(ch in _MATH_CHARS for ch in text) or (
        any(ch.isdigit() for ch in text) and len(words) <= 2 and not text.isalpha()
    ):
        return "formula"
    letters = [w.strip("()[],.;:'\"") for w in words]
    letters = [w for w in letters if w]
    if letters and all(w.isupper() and len(w) > 1 for w in letters):
        return "acronym"
    if letters and sum(w[0].isupper() for w in letters) * 2 > len(letters):
        return "name"
    return "phrase"


@dataclass(frozen=True, slots=True)
class _Term:
    text: str  # the option as shown
    kind: str
    stems: frozenset[str]
    initials: str


def _make_term(raw: str) -> _Term | None:
    text = _without_symbols(plain(raw)).strip().strip("\"'“”‘’").strip()
    text = _SPACE.sub(" ", text)
    if (
        not text
        or raw.rstrip().endswith(":")
        or len(text) > TERM_MAX
        or not any(ch.isalnum() for ch in text)
    ):
        return None
    stems = frozenset(content_words(text))
    words = [w for w in re.findall(r"[A-Za-z]+", text) if w.casefold() not in _STOPWORDS]
    initials = "".join(w[0] for w in words).casefold()
    return _Term(text, term_kind(text), stems, initials)


def _same_kind(a: _Term, b: _Term) -> bool:
    if a.kind != b.kind:
        return False
    la, lb = len(a.text), len(b.text)
    if max(la, lb) > 2 * min(la, lb) + 4:
        return False
    wa, wb = len(a.text.split()), len(b.text.split())
    if wa == wb == 1 and _word_form(a.text) != _word_form(b.text):
        return False  # "oscillate" among nouns would stand out by grammar alone
    return abs(wa - wb) <= max(1, min(wa, wb) // 2)


def _word_form(word: str) -> str:
    """A guess at a single word's part of speech from its ending."""
    word = word.casefold()
    for ending in ("ly", "ing", "ed", "ate", "ize", "ise", "ify"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return ending
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return "s"
    return ""


# Words no lexical test can tell apart; a blank filled by either would have two right answers.
_SYNONYMS: tuple[frozenset[str], ...] = tuple(
    frozenset(stem(w) for w in group.split())
    for group in (
        "gradient derivative slope subgradient",
        "magnitude size step",
        "error loss cost penalty",
        "weight parameter coefficient",
        "bias intercept offset",
        "zero nothing none",
        "fast quick rapid speed",
        "stable stability smooth",
        "noisy noise jiggly erratic variance",
        "minimum minima lowest",
        "maximum maxima highest",
    )
)


def _synonymous(a: _Term, b: _Term) -> bool:
    return any(a.stems & group and b.stems & group for group in _SYNONYMS)


def _related_terms(a: _Term, b: _Term) -> bool:
    """Substring, shared word, synonym or acronym of one another: too close to be fair."""
    x, y = a.text.casefold(), b.text.casefold()
    if x in y or y in x or a.stems & b.stems or _synonymous(a, b):
        return True
    compact = {re.sub(r"[^a-z0-9]", "", x), re.sub(r"[^a-z0-9]", "", y)}
    return bool({a.initials, b.initials} & compact - {""})


@dataclass(frozen=True, slots=True)
class _Cloze:
    term: _Term
    prompt: str
    prompt_stems: frozenset[str]
    distractors: tuple[_Term, ...]  # ranked, best first


# --- the maker ------------------------------------------------------------------------------


class QuestionMaker:
    """Turns cards into questions. Build once per library; every method is deterministic."""

    def __init__(self, cards: Sequence[Card]) -> None:
        self.cards: tuple[Card, ...] = tuple(cards)
        self._position = {card.id: i for i, card in enumerate(self.cards)}
        self._topics: dict[str, str] = {}
        for card in self.cards:
            self._topics.setdefault(card.topic.casefold(), card.topic)
        self._eligible: dict[tuple[str, str | None, str | None], list[int]] = {}
        # Built on first use (see _build); per-card caches fill as cards are asked for.
        self._built = False
        self._full: list[dict[str, float]] = []
        self._qvecs: dict[int, dict[str, float]] = {}
        self._avecs: dict[int, dict[str, float]] = {}
        self._postings: dict[str, list[tuple[int, float]]] = {}
        self._idf: dict[str, float] = {}
        self._default_idf = 1.0
        self._neighbours: dict[int, list[tuple[float, int]]] = {}
        self._options: dict[int, tuple[str, frozenset[str]]] = {}
        self._choice_pools: dict[int, tuple[int, ...]] = {}
        self._terms: dict[int, tuple[tuple[str, _Term], ...]] = {}
        self._clozes: dict[int, tuple[_Cloze, ...]] = {}
        self._answer_keys: list[int] = []
        # Pair verdicts between distractors, asked again by every question drawn from the
        # same card (10,000 daily posts in one minute share a few hundred cards).
        self._near_pairs: dict[tuple[int, int], bool] = {}
        self._related_pairs: dict[tuple[str, str], bool] = {}

    # -- public API --

    @property
    def topics(self) -> list[str]:
        return sorted(self._topics.values(), key=str.casefold)

    def resolve_topic(self, topic: str) -> str:
        """The one topic `topic` names: exact, else a unique prefix, else a unique substring.

        Case does not matter. Raises ValueError listing the known topics when nothing or
        more than one topic matches.
        """
        wanted = _SPACE.sub(" ", topic).strip().casefold()
        if wanted in self._topics:
            return self._topics[wanted]
        for test in (str.startswith, str.__contains__):
            found = [name for key, name in self._topics.items() if test(key, wanted)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise ValueError(
                    f"topic {topic!r} matches several topics: {', '.join(sorted(found))}; "
                    "give more of the name"
                )
        known = "; ".join(self.topics) or "(no cards loaded)"
        raise ValueError(f"unknown topic {topic!r}; known topics: {known}")

    def prompt(self, card: Card) -> Question:
        """An open question for discussion: not scored, so no options and no answer."""
        return Question(card.id, "prompt", card.question, (), None)

    def make(self, card: Card, fmt: str, seed: int | str) -> Question | None:
        """One question from `card` in format `fmt`, the same for the same seed.

        None when the card cannot give that format: a prompt card asked for choice or cloze,
        no bold key term that makes a fair blank, or fewer than three fair distractors.
        """
        if fmt == "prompt":
            return self.prompt(card)
        if fmt not in ("choice", "cloze"):
            raise ValueError(f"unknown question format {fmt!r}; use choice, cloze or prompt")
        if card.kind != "qa" or not card.answer.strip():
            return None
        index = self._index_of(card)
        rng = random.Random(f"{seed}:{card.id}:{fmt}")
        if fmt == "choice":
            return self._make_choice(index, rng)
        return self._make_cloze(index, rng)

    def generate(
        self,
        count: int,
        seed: int | str,
        fmt: str = "mixed",
        topic: str | None = None,
        level: str | None = None,
        exclude: Iterable[str] = (),
    ) -> list[Question]:
        """Up to `count` questions from distinct cards, the same list for the same seed.

        "mixed" draws choice or cloze per card (choice when a card has no fair cloze);
        "prompt" draws from prompt cards only. Fewer than `count` come back when the filter
        leaves fewer cards that can make the format.
        """
        if fmt not in FORMATS:
            raise ValueError(f"unknown question format {fmt!r}; use {', '.join(FORMATS)}")
        if level is not None and level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; use {' or '.join(LEVELS)}")
        topic_name = self.resolve_topic(topic) if topic else None
        kind = "prompt" if fmt == "prompt" else "qa"
        eligible = self._eligible_cards(kind, topic_name, level)
        skip = set(exclude)
        rng = random.Random(seed)
        questions: list[Question] = []
        # Bounded: in a library where most cards cannot make the format, stop looking
        # rather than touch every card.
        attempts = 4 * count + 200
        for index in self._draw_order(rng, len(eligible), count + len(skip)):
            if len(questions) >= count or attempts == 0:
                break
            card = self.cards[eligible[index]]
            if card.id in skip:
                continue
            attempts -= 1
            card_seed = rng.getrandbits(64)
            wanted = rng.choice(("choice", "cloze")) if fmt == "mixed" else fmt
            question = self.make(card, wanted, card_seed)
            if question is None and fmt == "mixed":
                question = self.make(card, "choice", card_seed)
            if question is not None:
                questions.append(question)
        return questions

    # -- choice --

    def _make_choice(self, index: int, rng: random.Random) -> Question | None:
        card = self.cards[index]
        correct = self._option(index)[0]
        if not correct:
            return None
        chosen: list[int] = []
        pool = list(self._choice_pool(index))
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
        texts = [self._option(c)[0] for c in chosen]
        return _assemble(card.id, "choice", card.question, correct, texts, rng)

    def _near_options(self, a: int, b: int) -> bool:
        """`_near_same_option` of two cards' options (symmetric), remembered per pair."""
        pair = (a, b) if a < b else (b, a)
        found = self._near_pairs.get(pair)
        if found is None:
            if len(self._near_pairs) >= PAIR_CACHE:
                self._near_pairs.clear()
            (ta, wa), (tb, wb) = self._option(a), self._option(b)
            found = self._near_pairs[pair] = _near_same_option(ta, wa, tb, wb)
        return found

    def _option(self, index: int) -> tuple[str, frozenset[str]]:
        cached = self._options.get(index)
        if cached is None:
            card = self.cards[index]
            text = shorten(card.answer, question=card.question)
            cached = (text, frozenset(content_words(text)))
            self._options[index] = cached
        return cached

    def _choice_pool(self, index: int) -> tuple[int, ...]:
        """Distractor cards for `index`, best first: related, same topic, echoing the question.

        The ranking is what beats the naive test-taker: an option that repeats the question's
        words is only a giveaway when the wrong options do not.
        """
        cached = self._choice_pools.get(index)
        if cached is not None:
            return cached
        card = self.cards[index]
        correct, correct_words = self._option(index)
        qvec = self._qvec(index)
        correct_echo = self._echo(qvec, correct_words)
        candidates = dict((other, similarity) for similarity, other in self._related(index))
        for other in self._echoing(index):
            candidates.setdefault(other, _cosine(self._full[index], self._full[other]))
        scored: list[tuple[float, int]] = []
        for other, similarity in candidates.items():
            if other == index or self._duplicates(index, other):
                continue
            text, words = self._option(other)
            if not text or _near_same_option(correct, correct_words, text, words):
                continue
            echo = self._echo(qvec, words)
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
        self._choice_pools[index] = pool
        return pool

    def _echoing(self, index: int) -> list[int]:
        """Cards whose answers repeat this card's question words, best first."""
        limit = ECHOING
        scores = self._search(self._qvec(index))
        scores.pop(index, None)
        return sorted(scores, key=lambda other: (-scores[other], other))[:limit]

    def _search(self, vector: dict[str, float]) -> dict[int, float]:
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

    def _echo(self, qvec: dict[str, float], words: frozenset[str]) -> float:
        """How much of the question's weight an option repeats."""
        return sum(qvec.get(w, 0.0) for w in words)

    def _duplicates(self, a: int, b: int, scale: float = 1.0) -> bool:
        """True when card b asks or answers what card a does: never a source of distractors.

        `scale` < 1 is stricter: a cloze term from a card on the same point may be a synonym.
        """
        ca, cb = self.cards[a], self.cards[b]
        if ca.topic == cb.topic and ca.number == cb.number and ca.level != cb.level:
            return True  # the same slot in the core and the advanced table of a topic
        if self._answer_keys[a] == self._answer_keys[b]:
            return True
        # Lexical similarity cannot tell "the same question" from "the sibling question"
        # (BGD vs SGD path); both are excluded, since a lost distractor costs little and a
        # second defensible answer ruins the question.
        question = _cosine(self._qvec(a), self._qvec(b))
        answer = _cosine(self._avec(a), self._avec(b))
        return (
            question >= SAME_QUESTION * scale
            or answer >= SAME_ANSWER * scale
            or question + answer >= SAME_BOTH * scale
            or _cosine(self._full[a], self._full[b]) >= SAME_CARD * scale
            or _cosine(self._qvec(a), self._avec(b)) >= ANSWERS_OTHER * scale
            or _cosine(self._qvec(b), self._avec(a)) >= ANSWERS_OTHER * scale
        )

    # -- cloze --

    def _make_cloze(self, index: int, rng: random.Random) -> Question | None:
        clozes = self._cloze_choices(index)
        if not clozes:
            return None
        cloze = clozes[rng.randrange(len(clozes))]
        head = list(cloze.distractors[:4])
        rng.shuffle(head)
        chosen: list[_Term] = []
        for term in head + list(cloze.distractors[4:]):
            if any(self._related_terms(term, other) for other in chosen):
                continue
            chosen.append(term)
            if len(chosen) == 3:
                break
        if len(chosen) < 3:
            return None
        card = self.cards[index]
        return _assemble(
            card.id, "cloze", cloze.prompt, cloze.term.text, [t.text for t in chosen], rng
        )

    def _related_terms(self, a: _Term, b: _Term) -> bool:
        """`_related_terms`, remembered per pair: a term's fields all follow from its text."""
        pair = (a.text, b.text)
        found = self._related_pairs.get(pair)
        if found is None:
            if len(self._related_pairs) >= PAIR_CACHE:
                self._related_pairs.clear()
            found = self._related_pairs[pair] = _related_terms(a, b)
        return found

    def _card_terms(self, index: int) -> tuple[tuple[str, _Term], ...]:
        """The bold key terms of a card's answer: (raw Markdown inside **, parsed term)."""
        cached = self._terms.get(index)
        if cached is None:
            found = []
            masked = _mask_code(self.cards[index].answer)
            for match in _BOLD.finditer(masked):
                raw = self.cards[index].answer[match.start(1) : match.end(1)]
                term = _make_term(raw)
                if term is not None:
                    found.append((raw, term))
            cached = tuple(found)
            self._terms[index] = cached
        return cached

    def _cloze_choices(self, index: int) -> tuple[_Cloze, ...]:
        cached = self._clozes.get(index)
        if cached is not None:
            return cached
        card = self.cards[index]
        question_stems = frozenset(content_words(card.question))
        own_terms = {term.text.casefold() for _, term in self._card_terms(index)}
        related = [
            other
            for _, other in self._related(index)
            if not self._duplicates(index, other, CLOZE_STRICTER) and self.cards[other].kind == "qa"
        ]
        choices: list[_Cloze] = []
        seen: set[str] = set()
        for sentence, raw, term in self._blankable(index):
            if term.text.casefold() in seen:
                continue
            blanked = sentence.replace(f"**{raw}**", BLANK, 1)
            sentence_stems = frozenset(content_words(blanked))
            if term.stems & sentence_stems or term.text.casefold() in blanked.casefold():
                continue  # the blank would be filled in by the rest of the sentence
            # The question is context unless it gives the term away.
            gives_away = term.stems & question_stems or term.text.casefold() in (
                plain(card.question).casefold()
            )
            if gives_away and len(_WORD.findall(plain(blanked))) < CLOZE_WORDS_ALONE:
                continue  # without the question there is too little to go on
            prompt = blanked if gives_away else f"{card.question}\n\n{blanked}"
            prompt_stems = sentence_stems if gives_away else sentence_stems | question_stems
            distractors = self._cloze_distractors(index, term, prompt_stems, own_terms, related)
            if len(distractors) >= 3:
                seen.add(term.text.casefold())
                choices.append(_Cloze(term, prompt, prompt_stems, distractors))
        self._clozes[index] = tuple(choices)
        return self._clozes[index]

    def _blankable(self, index: int) -> list[tuple[str, str, _Term]]:
        """(sentence, raw bold text, term) for each bold term standing in a usable sentence."""
        terms = dict(self._card_terms(index))
        found = []
        for line in _lines(self.cards[index].answer):
            for start, end in _sentence_spans(line):
                sentence = line[start:end].strip()
                if len(sentence) > CLOZE_SENTENCE_MAX:
                    continue
                masked = _mask_code(sentence)
                for match in _BOLD.finditer(masked):
                    raw = sentence[match.start(1) : match.end(1)]
                    term = terms.get(raw)
                    rest = plain(masked[: match.start()] + masked[match.end() :])
                    if term is not None and len(_WORD.findall(rest)) >= CLOZE_WORDS:
                        found.append((sentence, raw, term))
        return found

    def _cloze_distractors(
        self,
        index: int,
        term: _Term,
        prompt_stems: frozenset[str],
        own_terms: set[str],
        related: list[int],
    ) -> tuple[_Term, ...]:
        scored: list[tuple[float, int, _Term]] = []
        seen: set[str] = set()
        for rank, other in enumerate(related):
            for _, candidate in self._card_terms(other):
                key = candidate.text.casefold()
                if (
                    key in seen
                    or key in own_terms
                    or not _same_kind(term, candidate)
                    or _related_terms(term, candidate)
                    or candidate.stems & prompt_stems
                ):
                    continue
                seen.add(key)
                length_gap = abs(len(candidate.text) - len(term.text)) / max(
                    len(candidate.text), len(term.text)
                )
                scored.append((rank / len(related) + length_gap, len(scored), candidate))
        scored.sort(key=lambda item: (item[0], item[1]))
        return tuple(candidate for _, _, candidate in scored[: POOL * 2])

    # -- similarity index --

    def _build(self) -> None:
        """TF-IDF vectors for every card and an inverted index over them (once, lazily)."""
        if self._built:
            return
        documents: list[tuple[list[str], list[str]]] = [
            (content_words(card.question), content_words(card.answer)) for card in self.cards
        ]
        frequency: dict[str, int] = defaultdict(int)
        for question_words, answer_words in documents:
            for word in set(question_words) | set(answer_words):
                frequency[word] += 1
        total = len(documents)
        self._idf = {w: math.log((1 + total) / (1 + df)) + 1.0 for w, df in frequency.items()}
        self._default_idf = math.log(1 + total) + 1.0
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, (question_words, answer_words) in enumerate(documents):
            full = self._vector(question_words + answer_words)
            self._full.append(full)
            self._answer_keys.append(hash(_SPACE.sub(" ", plain(self.cards[i].answer).casefold())))
            for word, weight in full.items():
                postings[word].append((i, weight))
        self._postings = dict(postings)
        self._built = True

    def _qvec(self, index: int) -> dict[str, float]:
        """The question's own TF-IDF vector (made when first needed: most cards never are)."""
        vector = self._qvecs.get(index)
        if vector is None:
            vector = self._vector(content_words(self.cards[index].question))
            self._qvecs[index] = vector
        return vector

    def _avec(self, index: int) -> dict[str, float]:
        vector = self._avecs.get(index)
        if vector is None:
            vector = self._vector(content_words(self.cards[index].answer))
            self._avecs[index] = vector
        return vector

    def _vector(self, words: list[str]) -> dict[str, float]:
        counts: dict[str, int] = defaultdict(int)
        for word in words:
            counts[word] += 1
        vector = {
            w: (1.0 + math.log(c)) * self._idf.get(w, self._default_idf) for w, c in counts.items()
        }
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {w: v / norm for w, v in vector.items()}

    def _related(self, index: int) -> list[tuple[float, int]]:
        """The cards most similar to card `index` (cosine, best first), computed once per card."""
        cached = self._neighbours.get(index)
        if cached is not None:
            return cached
        self._build()
        scores = self._search(self._full[index])
        scores.pop(index, None)
        ranked = sorted(((s, o) for o, s in scores.items()), key=lambda p: (-p[0], p[1]))
        cached = [(s, o) for s, o in ranked[:NEIGHBOURS] if self.cards[o].kind == "qa"]
        self._neighbours[index] = cached
        return cached

    # -- selection --

    def _index_of(self, card: Card) -> int:
        index = self._position.get(card.id)
        if index is None:
            raise ValueError(f"card {card.id} ({card.source}) is not in this question maker")
        self._build()
        return index

    def _eligible_cards(self, kind: str, topic: str | None, level: str | None) -> list[int]:
        key = (kind, topic, level)
        cached = self._eligible.get(key)
        if cached is None:
            cached = [
                i
                for i, card in enumerate(self.cards)
                if card.kind == kind
                and (topic is None or card.topic == topic)
                and (level is None or card.level == level)
            ]
            self._eligible[key] = cached
        return cached

    @staticmethod
    def _draw_order(rng: random.Random, size: int, count: int) -> Iterable[int]:
        """Positions in random order; only the first few are drawn unless more are needed."""
        first = rng.sample(range(size), min(size, 2 * count + 8))
        yield from first
        if len(first) < size:
            taken = set(first)
            rest = [i for i in range(size) if i not in taken]
            rng.shuffle(rest)
            yield from rest


def _near_same_option(a: str, a_words: frozenset[str], b: str, b_words: frozenset[str]) -> bool:
    return a.casefold() == b.casefold() or _jaccard(a_words, b_words) >= SAME_OPTION


def _assemble(
    card_id: str,
    fmt: Format,
    prompt: str,
    correct: str,
    distractors: list[str],
    rng: random.Random,
) -> Question | None:
    answer_index = rng.randrange(4)
    options = list(distractors[:3])
    options.insert(answer_index, correct)
    if len({o.casefold() for o in options}) != 4:
        return None
    return Question(card_id, fmt, prompt, tuple(options), answer_index)
