"""A running quizbot on the fake Discord: real discord.py, real SQLite, real decks, fake clock."""

from __future__ import annotations

import contextlib
import functools
import statistics
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.discord import DiscordSettings, build
from adapters.discord.adapter import DiscordAdapter
from adapters.runtime import PosterRouter, Services
from bot.cards import Library, load_library
from bot.clock import FakeClock
from bot.config import Secret, Settings
from bot.engine import Engine
from bot.paths import SHIPPED_SEEDS
from bot.questions import QuestionMaker
from bot.store import Store
from tests.fakes.discord_server import FakeDiscord, FakeUser

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin


@functools.cache
def shipped() -> tuple[Library, QuestionMaker]:
    """The shipped decks, loaded once per test session (they never change)."""
    library = load_library([SHIPPED_SEEDS])
    return library, QuestionMaker(library.cards, library.items)


@dataclass
class Quizbot:
    fake: FakeDiscord
    adapter: DiscordAdapter
    engine: Engine
    store: Store
    clock: FakeClock
    services: Services

    @property
    def channel_id(self) -> int:
        return self.fake.channel.id

    def question_posts(self) -> list[dict[str, Any]]:
        """Channel messages with answer buttons (questions), oldest first."""
        return [
            m
            for m in self.fake.messages_in(self.channel_id, interaction_responses=False)
            if any(
                c.get("custom_id", "").startswith("answer:")
                for row in m.get("components", [])
                for c in row.get("components", [])
            )
        ]


def settings_for(fake: FakeDiscord, db: Path) -> Settings:
    discord = DiscordSettings(
        token=Secret(fake.token),
        api_base=fake.base_url,
        gateway_url=fake.gateway_url,
        guild_id=fake.guild.id,
    )
    return Settings(db=db, seeds=[SHIPPED_SEEDS], sections=(discord,))


@contextlib.asynccontextmanager
async def running_quizbot(
    fake: FakeDiscord, db: Path, clock: FakeClock | None = None, daily: Any = None
) -> AsyncIterator[Quizbot]:
    library, maker = shipped()
    clock = clock or FakeClock(START)
    store = await Store.open(db)
    posters = PosterRouter()
    engine = Engine(store, library, clock, posters, maker)
    services = Services(
        settings=settings_for(fake, db),
        library=library,
        engine=engine,
        clock=clock,
        posters=posters,
        daily=daily,
    )
    adapter = build(services, guild_ready_timeout=0.1)
    try:
        await adapter.start(timeout=5)
        yield Quizbot(fake, adapter, engine, store, clock, services)
    finally:
        await adapter.stop()
        await store.close()


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components", []) for c in row.get("components", [])]


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for c in components(message) if "custom_id" in c]


def member(fake: FakeDiscord, n: int) -> FakeUser:
    """The n-th quiz player: the fake's built-in members, then added ones."""
    people = [fake.alice, fake.bob, fake.owner]
    while len(people) <= n:
        people.append(fake.add_user(f"player{len(people)}"))
    return people[n]


def summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
        "max_ms": ordered[-1] * 1000,
    }
