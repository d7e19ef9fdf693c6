"""pytest fixtures for the fake Discord; load as a plugin.

In tests/conftest.py (root): ``pytest_plugins = ["tests.fakes.discord_fixtures"]``;
or in one test module: the same line at module level.

- ``fake_discord``: a started FakeDiscord that discord.py points at; stopped and unpointed after.
- ``fake_discord_factory``: ``await fake_discord_factory(global_limit=50, ...)`` for settings.
- ``run_discord_client``: ``bot = await run_discord_client(MyBot(), fake)`` logs the client in
  and waits for on_ready; it is closed before the fake stops.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest_asyncio

from tests.fakes.discord_server import FakeDiscord, point_discord_at, running_client


@pytest_asyncio.fixture
async def fake_discord_factory() -> AsyncIterator[Callable[..., Awaitable[FakeDiscord]]]:
    async with contextlib.AsyncExitStack() as stack:

        async def make(**settings: Any) -> FakeDiscord:
            fake = await stack.enter_async_context(FakeDiscord(**settings))
            stack.enter_context(point_discord_at(fake))
            return fake

        yield make


@pytest_asyncio.fixture
async def fake_discord(
    fake_discord_factory: Callable[..., Awaitable[FakeDiscord]],
) -> FakeDiscord:
    return await fake_discord_factory()


@pytest_asyncio.fixture
async def run_discord_client(
    fake_discord_factory: Callable[..., Awaitable[FakeDiscord]],
) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    # Depends on the factory so teardown closes every client before any fake stops.
    async with contextlib.AsyncExitStack() as stack:

        async def run(client: Any, fake: FakeDiscord, *, timeout: float = 5.0) -> Any:
            return await stack.enter_async_context(running_client(client, fake, timeout=timeout))

        yield run
