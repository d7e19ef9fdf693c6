"""Checks across cards: numbering gaps and identical answers within a table, duplicates."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence

from bot.cards.model import Card, LintMessage
from bot.cards.text import strip_markup

# Every kind of warning, by the name `cards lint` shows in brackets and a deck's
# `quizbot-lint: ignore KIND` line silences it by (errors cannot be silenced).
KINDS: dict[str, str] = {
    "identical-answers": "two answers of one table are the same, or one repeats another",
    "numbering": "a gap or a repeat in a table's row numbers",
    "duplicate-question": "a question already asked by an earlier card (the copy is left out)",
    "topic-shrunk": "a topic loses cards whose questions another deck already asks",
    "placeholder-answer": "an answer such as TODO, ? or tbd (the card is left out)",
    "placeholder-question": "a question such as TODO (the card is left out)",
    "no-cards": "a deck file that gives no card at all",
    "read-as-qa": "a .txt deck of question;answer lines, read as questions and answers",
    "unknown-file": "a file in a deck folder that is not a deck",
    "merged-rows": "two table rows on one line",
    "extra-cells": "a row with more cells than its table",
    "answer-in-question": "the answer written in the question cell",
    "unpaired-bold": "a ** without its partner",
    "title-question": "a question that is only a title",
    "missing-item": "a card without an authored item in the deck's .items.yaml",
    "item-field": "an unknown field in an authored item",
    "item-unmatched": "an authored item that matches no card",
    "item-option": "an authored option too long, cut short with '…', or without a why",
    "item": "any other remark on an authored item",
}

_NUMBER = re.compile(r"^([A-Za-z]*)(\d+)$")
_PUNCT = re.compile(r"[^\w\s]")


def normalized_answer(answer: str) -> str:
    return " ".join(_PUNCT.sub(" ", strip_markup(answer).casefold()).split())


def check_tables(cards: Sequence[Card], groups: Sequence[str]) -> list[LintMessage]:
    """Numbering gaps and word-for-word identical answers, per table."""
    messages: list[LintMessage] = []
    by_group: dict[str, list[Card]] = {}
    for card, group in zip(cards, groups, strict=True):
        by_group.setdefault(group, []).append(card)
    for group_cards in by_group.values():
        if group_cards[0].kind != "qa":
            continue
        messages += _numbering(group_cards)
        messages += _identical_answers(group_cards)
    messages.sort(key=_source_order)
    return messages


def _numbering(cards: list[Card]) -> list[LintMessage]:
    messages: list[LintMessage] = []
    previous: tuple[str, int] | None = None
    for card in cards:
        m = _NUMBER.match(card.number)
        if not m:
            previous = None
            continue
        current = (m.group(1), int(m.group(2)))
        if previous and previous[0] == current[0]:
            if current[1] == previous[1]:
                messages.append(
                    LintMessage(
                        card.source,
                        "warning",
                        f"row number {card.number} repeats the row before; renumber the rows",
                        "numbering",
                    )
                )
            elif current[1] != previous[1] + 1:
                expected = f"{previous[0]}{previous[1] + 1}"
                messages.append(
                    LintMessage(
                        card.source,
                        "warning",
                        f"numbering gap: row {card.number} follows {previous[0]}{previous[1]} "
                        f"(expected {expected}); a row may be missing, or renumber the rows",
                        "numbering",
                    )
                )
        previous = current
    return messages


# An answer repeated inside another counts when it is a real answer, not a key term
# ("**Vectorization**." is rightly part of longer answers about vectorization).
MIN_REPEATED_WORDS = 12


def _identical_answers(cards: list[Card]) -> list[LintMessage]:
    """Answers that are word for word the same, or one repeated whole inside another.

    Each card is reported against the first earlier card of its table that it equals, or that
    contains it or is contained in it (the shorter one having at least MIN_REPEATED_WORDS
    words). Comparing every pair made a 100k-card deck spend most of its load time here, so
    equal answers are found through a dict, and containment is only searched for the few
    answers that occur inside another answer of the table at all (`_inside_another`)."""
    keys = [normalized_answer(card.answer) for card in cards]
    padded = [f" {key} " for key in keys]
    contained = _inside_another(keys, padded)
    messages: list[LintMessage] = []
    first_with: dict[str, int] = {}
    contained_so_far: list[int] = []
    for i, card in enumerate(cards):
        key, pad = keys[i], padded[i]
        match = first_with.get(key)
        if i in contained:  # this answer inside an earlier, longer (or as long) one
            for j in range(i if match is None else match):
                if len(key) <= len(keys[j]) and pad in padded[j]:
                    match = j
                    break
        for j in contained_so_far:  # an earlier, shorter answer inside this one
            if match is not None and j >= match:
                break
            if len(keys[j]) < len(key) and padded[j] in pad:
                match = j
                break
        if match is not None:
            first = cards[match]
            how = (
                "the same answer as"
                if keys[match] == key
                else "an answer repeated word for word in"
            )
            messages.append(
                LintMessage(
                    card.source,
                    "warning",
                    f"identical answers: row {card.number} has {how} row {first.number} "
                    f"({first.source}); a choice question cannot tell them apart: make "
                    "each answer specific to its question",
                    "identical-answers",
                )
            )
        first_with.setdefault(key, i)
        if i in contained:
            contained_so_far.append(i)
    return messages


def _inside_another(keys: list[str], padded: list[str]) -> set[int]:
    """Indexes of answers (of at least MIN_REPEATED_WORDS words) equal to another answer of the
    table or repeated inside one.

    Inside another means inside a longer one, so each answer is searched for only among the
    longer answers: one string of them all, longest first, of which it searches the head.
    """
    times = Counter(keys)
    longest_first = sorted(padded, key=len, reverse=True)
    haystack = "\0".join(longest_first)
    ends: list[int] = []  # ends[k]: where the k+1 longest answers end in haystack
    end = -1
    for pad in longest_first:
        end += len(pad) + 1
        ends.append(end)
    shorter = [-len(pad) for pad in longest_first]  # ascending, for bisect
    found: set[int] = set()
    for i, key in enumerate(keys):
        if len(key.split()) < MIN_REPEATED_WORDS:
            continue
        if times[key] >= 2:
            found.add(i)
            continue
        longer = bisect_left(shorter, -len(padded[i]))
        if longer and haystack.find(padded[i], 0, ends[longer - 1]) >= 0:
            found.add(i)
    return found


def _source_order(message: LintMessage) -> tuple[str, int]:
    name, _, line = message.source.rpartition(":")
    return (name, int(line)) if line.isdigit() else (message.source, 0)


def drop_duplicates(cards: Sequence[Card]) -> tuple[list[Card], list[LintMessage]]:
    """Keep the first card of each id; every later one becomes a warning naming both. A deck
    whose topic loses cards to another deck's copies gets one more warning naming the topic:
    the operator who added that deck sees it smaller than its file."""
    kept: list[Card] = []
    messages: list[LintMessage] = []
    first_by_id: dict[str, Card] = {}
    in_topic: Counter[tuple[str, str]] = Counter()
    lost: dict[tuple[str, str], list[tuple[Card, Card]]] = {}
    for card in cards:
        in_topic[card.deck, card.topic] += 1
        first = first_by_id.get(card.id)
        if first is None:
            first_by_id[card.id] = card
            kept.append(card)
            continue
        messages.append(
            LintMessage(
                card.source,
                "warning",
                f"duplicate question (id {card.id}), first at {first.source}: this copy is "
                "skipped; delete it or reword one of them",
                "duplicate-question",
            )
        )
        if first.deck != card.deck and first.topic.casefold() != card.topic.casefold():
            lost.setdefault((card.deck, card.topic), []).append((card, first))
    for (deck, topic), pairs in lost.items():
        total = in_topic[deck, topic]
        others = " and ".join(repr(d) for d in sorted({first.deck for _, first in pairs}))
        copy, original = pairs[0]
        messages.append(
            LintMessage(
                copy.source,
                "warning",
                f"topic {topic!r} of deck {deck!r} keeps {total - len(pairs)} of its {total} "
                f"cards: {len(pairs)} {'asks' if len(pairs) == 1 else 'ask'} what deck "
                f"{others} already asks under another topic "
                f"(first: {copy.source} = {original.source}). Reword them, or remove them "
                "from one deck",
                "topic-shrunk",
            )
        )
    return kept, messages


# An answer (or question) that stands for one still to be written: a card with it would ask
# "TODO" or offer it as an option, so it is left out, with a warning.
PLACEHOLDERS = frozenset(
    {"todo", "to do", "tbd", "tba", "fixme", "xxx", "placeholder", "answer", "question",
     "wip", "coming soon", "lorem ipsum", "fill in", "fill me in", "insert answer here"}
)  # fmt: skip
_PLACEHOLDER_WORDS = ("todo", "tbd", "fixme", "xxx")
_PLACEHOLDER_START = re.compile(rf"^(?:{'|'.join(_PLACEHOLDER_WORDS)})\b")


def placeholder(text: str) -> str | None:
    """The placeholder `text` is ("TODO", "?", "..."), or None when it is real content."""
    if len(text) > 40 and not text.lstrip("*_` ")[:5].casefold().startswith(_PLACEHOLDER_WORDS):
        return None  # most answers: too long to be a placeholder, and no "TODO" in front
    plain = strip_markup(text).strip()
    words = " ".join(_PUNCT.sub(" ", plain.casefold()).split())
    if not words or words in PLACEHOLDERS or _PLACEHOLDER_START.match(words):
        return plain
    return None


def drop_placeholders(cards: Sequence[Card]) -> tuple[list[Card], list[LintMessage]]:
    """Leave out answered cards whose question or answer is a placeholder, each with a
    warning naming it."""
    kept: list[Card] = []
    messages: list[LintMessage] = []
    for card in cards:
        field, found = "answer", placeholder(card.answer) if card.kind == "qa" else None
        if found is None:
            field, found = "question", placeholder(card.question)
        if found is None:
            kept.append(card)
            continue
        messages.append(
            LintMessage(
                card.source,
                "warning",
                f"the {field} is a placeholder ({found!r}): this card is left out until it "
                f"has a real {field}",
                f"placeholder-{field}",
            )
        )
    return kept, messages
