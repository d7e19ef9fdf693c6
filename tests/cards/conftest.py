from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.cards import Card, Library, load_library
from bot.paths import SHIPPED_SEEDS


@pytest.fixture(scope="session")
def shipped() -> Library:
    return load_library([SHIPPED_SEEDS])


@pytest.fixture(scope="session")
def card_at(shipped: Library) -> Callable[[int], list[Card]]:
    """The card(s) from one line of deep-learning-qa.md."""

    def lookup(line: int) -> list[Card]:
        return [c for c in shipped.cards if c.source == f"deep-learning-qa.md:{line}"]

    return lookup
