"""Checks across cards: numbering gaps and identical answers within a table, duplicates."""

from __future__ import annotations

import re
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
    """Answers that are word for word the same, or one repeated whole inside another."""
    messages: list[LintMessage] = []
    earlier: list[tuple[Card, str]] = []
    for card in cards:
        key = normalized_answer(card.answer)
        for first, first_key in earlier:
            same = key == first_key
            shorter, longer = sorted((key, first_key), key=len)
            contained = (
                len(shorter.split()) >= MIN_REPEATED_WORDS and f" {shorter} " in f" {longer} "
            )
            if same or contained:
                how = "the same answer as" if same else "an answer repeated word for word in"
                messages.append(
                    LintMessage(
                        card.source,
                        "warning",
                        f"identical answers: row {card.number} has {how} row {first.number} "
                        f"({first.source}); a choice question cannot tell them apart: make "
                        "each answer specific to its question",
                    )
                )
                break
        earlier.append((card, key))
    return messages


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
