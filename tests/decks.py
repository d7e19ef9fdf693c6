"""Deck helpers shared by the adapter tests."""

from __future__ import annotations

from dataclasses import replace

from bot.questions import QuestionMaker


def options_only(maker: QuestionMaker) -> QuestionMaker:
    """The maker's cards with no typed answers listed: every question has options to click.
    For tests of a flow with options, which should not depend on which cards the deck asks
    typed (the typed flow has tests of its own)."""
    items = {
        card_id: replace(
            item,
            accepted=(),
            cloze=replace(item.cloze, accepted=()) if item.cloze is not None else None,
        )
        for card_id, item in maker.items.items()
    }
    return QuestionMaker(maker.cards, items)
