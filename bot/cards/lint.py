"""Checks across cards: numbering gaps and identical answers within a table, duplicates."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence

from bot.cards.model import Card, LintMessage
from bot.cards.text import strip_markup

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
    """Keep the first card of each id; every later one becomes a warning naming both."""
    kept: list[Card] = []
    messages: list[LintMessage] = []
    first_by_id: dict[str, Card] = {}
    for card in cards:
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
            )
        )
    return kept, messages
