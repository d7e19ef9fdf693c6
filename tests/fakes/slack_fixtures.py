"""pytest plugin with fake-Slack fixtures, plus the context managers behind them.

Load it from the root ``tests/conftest.py`` with ``pytest_plugins = ["fakes.slack_fixtures"]``
(``tests/`` without ``__init__.py``, pytest's default rootdir import mode) or
``["tests.fakes.slack_fixtures"]`` once ``tests/`` is a package. Scripts and benchmarks can
use the context managers directly.

Fixtures (all function-scoped, all cleaned up, nothing leaks between tests):

* ``slack_fake``: a started ``FakeSlack``.
* ``slack_web_client``: ``AsyncWebClient`` on the fake with the bot token and a 429 retry
  handler (the default handlers retry connection errors only).
* ``serve_bolt``: ``url = await serve_bolt(app)`` serves ``app.web_app()`` on 127.0.0.1
  and returns the events URL to pass to ``slack_fake.send_slash_command(url, ...)``.
* ``connect_socket_mode``: ``handler = await connect_socket_mode(app)`` connects an
  ``AsyncSocketModeHandler`` to the fake and closes it at teardown.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from .slack_server import FakeSlack


@contextlib.asynccontextmanager
async def running_fake_slack(**options: Any) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(**options) as fake:
        yield fake


def make_web_client(
    fake: FakeSlack,
    *,
    token: str | None = None,
    retry_rate_limits: bool = True,
    max_rate_limit_retries: int = 2,
) -> AsyncWebClient:
    """A client aimed at the fake; each call opens and closes its own aiohttp session."""
    client = AsyncWebClient(token=token or fake.bot_token, base_url=fake.api_url, timeout=5)
    if retry_rate_limits:
        client.retry_handlers.append(
            AsyncRateLimitErrorRetryHandler(max_retry_count=max_rate_limit_retries)
        )
    return client


@contextlib.asynccontextmanager
async def serve_web_app(
    web_app: web.Application, path: str = "/slack/events"
) -> AsyncIterator[str]:
    """Serve an aiohttp app on 127.0.0.1 (ephemeral port); yields ``http://.../path``."""
    runner = web.AppRunner(web_app, shutdown_timeout=0.5, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = int(runner.addresses[0][1])
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def serve_bolt_http(app: AsyncApp, path: str = "/slack/events") -> AsyncIterator[str]:
    async with serve_web_app(app.web_app(path=path), path) as url:
        yield url


@contextlib.asynccontextmanager
async def socket_mode_connection(
    app: AsyncApp,
    fake: FakeSlack,
    *,
    web_client: AsyncWebClient | None = None,
    timeout: float = 3.0,
) -> AsyncIterator[AsyncSocketModeHandler]:
    """Connect bolt's Socket Mode handler to the fake; close it and wait for the hang-up."""
    handler = AsyncSocketModeHandler(app, app_token=fake.app_token, web_client=web_client)
    try:
        await handler.connect_async()
        await fake.wait_for_socket(timeout)
        yield handler
    finally:
        await handler.close_async()
        await fake.wait_for_socket_closed(timeout)


@pytest.fixture
async def slack_fake() -> AsyncIterator[FakeSlack]:
    async with running_fake_slack() as fake:
        yield fake


@pytest.fixture
def slack_web_client(slack_fake: FakeSlack) -> AsyncWebClient:
    return make_web_client(slack_fake)


@pytest.fixture
async def serve_bolt() -> AsyncIterator[Callable[..., Awaitable[str]]]:
    async with contextlib.AsyncExitStack() as stack:

        async def start(app: AsyncApp, path: str = "/slack/events") -> str:
            return await stack.enter_async_context(serve_bolt_http(app, path))

        yield start


@pytest.fixture
async def connect_socket_mode(
    slack_fake: FakeSlack,
) -> AsyncIterator[Callable[..., Awaitable[AsyncSocketModeHandler]]]:
    async with contextlib.AsyncExitStack() as stack:

        async def connect(
            app: AsyncApp, web_client: AsyncWebClient | None = None
        ) -> AsyncSocketModeHandler:
            return await stack.enter_async_context(
                socket_mode_connection(app, slack_fake, web_client=web_client)
            )

        yield connect
