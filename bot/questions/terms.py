"""Key terms for cloze questions: what kind of thing a term is, and which terms are too close
to one another (substring, shared stem, synonym, acronym) to stand side by side as options."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.questions.text import SPACE, STOPWORDS, content_words, plain, stem, without_symbols

TERM_MAX = 80  # a cloze option must fit a button label

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
class Term:
    text: str  # the option as shown
    kind: str
    stems: frozenset[str]
    initials: str


def make_term(raw: str) -> Term | None:
    text = without_symbols(plain(raw)).strip().strip("\"'“”‘’").strip()
    text = SPACE.sub(" ", text)
    if (
        not text
        or raw.rstrip().endswith(":")
        or len(text) > TERM_MAX
        or not any(ch.isalnum() for ch in text)
    ):
        return None
    stems = frozenset(content_words(text))
    words = [w for w in re.findall(r"[A-Za-z]+", text) if w.casefold() not in STOPWORDS]
    initials = "".join(w[0] for w in words).casefold()
    return Term(text, term_kind(text), stems, initials)


def same_kind(a: Term, b: Term) -> bool:
    if a.kind != b.kind:
        return False
    la, lb = len(a.text), len(b.text)
    if max(la, lb) > 2 * min(la, lb) + 4:
        return False
    wa, wb = len(a.text.split()), len(b.text.split())
    if wa == wb == 1 and word_form(a.text) != word_form(b.text):
        return False  # "oscillate" among nouns would stand out by grammar alone
    return abs(wa - wb) <= max(1, min(wa, wb) // 2)


def word_form(word: str) -> str:
    """A guess at a single word's part of speech from its ending ("" for a phrase)."""
    if len(word.split()) != 1:
        return ""
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


def _synonymous(a: Term, b: Term) -> bool:
    return any(a.stems & group and b.stems & group for group in _SYNONYMS)


def related_terms(a: Term, b: Term) -> bool:
    """Substring, shared word, synonym or acronym of one another: too close to be fair."""
    x, y = a.text.casefold(), b.text.casefold()
    if x in y or y in x or a.stems & b.stems or _synonymous(a, b):
        return True
    compact = {re.sub(r"[^a-z0-9]", "", x), re.sub(r"[^a-z0-9]", "", y)}
    return bool({a.initials, b.initials} & compact - {""})


@dataclass(frozen=True, slots=True)
class ClozeChoice:
    term: Term
    prompt: str
    prompt_stems: frozenset[str]
    distractors: tuple[Term, ...]  # ranked, best first


# --- the maker ------------------------------------------------------------------------------
