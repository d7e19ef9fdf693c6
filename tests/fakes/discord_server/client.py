"""Pointing an unmodified discord.py client at a `FakeDiscord` and running it there."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tests.fakes.discord_server.server import FakeDiscord


class _DiscordPointer:
    """Undo handle returned by point_discord_at: call it, or use it as a context manager."""

    def __init__(self, fake: FakeDiscord) -> None:
        import discord.gateway
        import discord.http
        import yarl

        self._route = discord.http.Route
        self._ws = discord.gateway.DiscordWebSocket
        self._saved = (self._route.BASE, self._ws.DEFAULT_GATEWAY)
        self._route.BASE = fake.base_url
        self._ws.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

    def undo(self) -> None:
        self._route.BASE, self._ws.DEFAULT_GATEWAY = self._saved

    __call__ = undo

    def __enter__(self) -> _DiscordPointer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.undo()

    # Also async, so it can share one ``async with`` line with the fake.
    async def __aenter__(self) -> _DiscordPointer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.undo()


def point_discord_at(fake: FakeDiscord) -> _DiscordPointer:
    """Point discord.py's REST base and default gateway at ``fake`` (process-wide).

    Returns an undo handle: ``undo = point_discord_at(fake); ...; undo()`` or
    ``with point_discord_at(fake): ...``.
    """
    return _DiscordPointer(fake)


@contextlib.asynccontextmanager
async def running_client(
    client: Any, fake: FakeDiscord, *, timeout: float = 5.0
) -> AsyncIterator[Any]:
    """Log ``client`` in against ``fake``, run it until the block ends, then close it.

    Waits (bounded) for discord.py's ``on_ready``; pass ``guild_ready_timeout=0.1`` to the
    client or ready takes 2 s. On exit the client is closed and its connect task awaited.
    """
    try:
        # GET /users/@me, GET /oauth2/applications/@me, then the client's setup_hook.
        await client.login(fake.token)
    except BaseException:
        await client.close()
        raise
    connect = asyncio.create_task(client.connect(reconnect=True), name="fake-discord-connect")
    ready = asyncio.create_task(client.wait_until_ready(), name="fake-discord-ready")
    try:
        done, _ = await asyncio.wait(
            {connect, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            if connect in done:
                connect.result()  # re-raise why the connection ended
            raise TimeoutError(
                f"discord.py did not become ready within {timeout}s; "
                f"REST calls: {fake.describe_calls()}"
            )
        yield client
    finally:
        ready.cancel()
        await client.close()
        if connect.done():
            connect.exception()  # already raised above when it mattered; mark it retrieved
        else:
            await asyncio.wait_for(connect, timeout)
