"""What kind of answer a card has, so a key meets distractors of its own kind.

A year is offered among years, a number among numbers, a name among names, a short phrase
among short phrases and a statement among statements: "1959 / Ben Gordon / Ben Simmons" gives
the year away to anyone who reads the question. Trivia lists accept several spellings of one
answer; only the first is shown, the others only decide what else would count as right.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from bot.cards.model import Card
from bot.questions.text import plain

# How Red-DiscordBot trivia answers reach Card.answer (bot/cards/trivia.py joins them so).
ALIAS_SEPARATOR = " / "
_TRIVIA_SUFFIXES = (".yaml", ".yml")

SHORT_WORDS = 5  # a phrase of at most this many words is "short", not a statement

_YEAR = re.compile(r"(?:in\s+)?(?:1[0-9]|20)\d\d(?:s|\s*(?:AD|BC|CE|BCE))?", re.I)
_NUMBER = re.compile(
    r"[-+−]?(?:\d{1,3}(?:[,\s]\d{3})+|\d+)(?:[.,]\d+)?\s*(?:%|[a-zA-Z°$€£]{0,12}\.?)?"
)
_CURRENCY = re.compile(r"^[$€£]\s*")
_NUMBER_WORDS = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
        "dozen",
    ]
)
# Words that start a name but are not themselves capitalised ("van Gogh", "da Vinci").
_NAME_PARTICLES = frozenset(
    ["of", "the", "and", "de", "da", "di", "van", "von", "der", "le", "la", "du", "del", "y"]
)

_MATH = set("=+−*/^∇∂∑∏√≈≤≥→←∝×·") | {chr(c) for c in range(0x370, 0x400)}

KINDS = ("year", "number", "formula", "name", "short", "statement")


def is_trivia(card: Card) -> bool:
    """A card from a trivia list, whose answer is every accepted spelling joined."""
    source = card.source.rsplit(":", 1)[0]
    return PurePath(source).suffix.casefold() in _TRIVIA_SUFFIXES


def accepted_answers(card: Card) -> tuple[str, ...]:
    """Every answer the card accepts: the alias list of a trivia card, else its one answer."""
    if is_trivia(card):
        return tuple(a.strip() for a in card.answer.split(ALIAS_SEPARATOR) if a.strip())
    return (card.answer,)


def shown_answer(card: Card) -> str:
    """The answer an option shows: the first accepted spelling only."""
    answers = accepted_answers(card)
    return answers[0] if answers else ""


def answer_kind(text: str) -> str:
    """One of KINDS for an option text (already plain and short)."""
    text = plain(text).strip().rstrip(".")
    bare = _CURRENCY.sub("", text)
    if _YEAR.fullmatch(bare):
        return "year"
    if _NUMBER.fullmatch(bare) or _number_words(bare):
        return "number"
    words = text.split()
    # "w ← w - η x_i" among sentences is spotted by its symbols alone.
    if sum(ch in _MATH for ch in text) >= 2 or "=" in text:
        return "formula"
    if len(words) > SHORT_WORDS:
        return "statement"
    if _is_name(words):
        return "name"
    return "short"


def number_value(text: str) -> float | None:
    """The numeric value of a year or number option, for "near in size" ranking."""
    match = re.search(r"[-+−]?\d[\d,]*(?:\.\d+)?", plain(text))
    if match is None:
        return None
    try:
        return float(match.group(0).replace(",", "").replace("−", "-"))
    except ValueError:
        return None


def _number_words(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.casefold())
    return bool(words) and len(words) <= 3 and all(w in _NUMBER_WORDS for w in words)


def _is_name(words: list[str]) -> bool:
    """Proper-noun shaped: every word capitalised (particles aside), or one acronym."""
    cleaned = [w.strip("()[],.;:'\"!?") for w in words]
    cleaned = [w for w in cleaned if w]
    if not cleaned or not cleaned[0][:1].isupper():
        return False
    return all(
        w[:1].isupper() or w[:1].isdigit() or w.casefold() in _NAME_PARTICLES for w in cleaned
    )
