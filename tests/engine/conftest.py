"""Engine fixtures: a real database (a SQLite file, a PostgreSQL database), a fake clock,
the in-memory poster."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from enginekit import START, FakeMaker, make_cards

from bot.cards.model import Card
from bot.clock import FakeClock
from bot.engine import Engine
from bot.ports import MemoryPoster
from bot.store import Store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def poster() -> MemoryPoster:
    return MemoryPoster()


@pytest.fixture
def cards() -> list[Card]:
    return make_cards()


@pytest.fixture
async def store(db_target) -> AsyncIterator[Store]:
    store = await Store.open(db_target)
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def engine(store, cards, clock, poster) -> Engine:
    return Engine(store, cards, clock, poster, FakeMaker(cards))
