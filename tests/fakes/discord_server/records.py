"""What the fake Discord records for a test to assert on: REST calls, interaction callbacks,
counters, the faults it was told to inject, and a handle per injected interaction."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.discord_server.protocol import EPHEMERAL

if TYPE_CHECKING:
    from tests.fakes.discord_server.model import DiscordWorld


@dataclass
class Call:
    """One REST request as the fake saw it, and what it answered."""

    method: str
    path: str  # without the /api/v10 prefix
    route: str | None  # the matched template, e.g. "POST /channels/{channel_id}/messages"
    query: dict[str, str]
    json: Any
    headers: dict[str, str]  # without Authorization
    auth: str  # "ok" (bot token matched), "bad" (wrong token) or "none" (no header)
    at: float  # loop time when it arrived
    status: int = 0
    response: Any = None
    fault: str | None = None  # "429", "500", "delay", "global-429", "route-429", ...
    files: list[str] = field(default_factory=list)


@dataclass
class Callback:
    """An interaction callback the bot POSTed (``/interactions/{id}/{token}/callback``)."""

    type: int
    data: dict[str, Any] | None
    latency: float  # seconds from INTERACTION_CREATE sent to callback received
    status: int

    @property
    def ephemeral(self) -> bool:
        return bool((self.data or {}).get("flags", 0) & EPHEMERAL)

    @property
    def content(self) -> str | None:
        return (self.data or {}).get("content")

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list((self.data or {}).get("choices", []))


@dataclass
class FakeStats:
    requests: int = 0
    delivered: int = 0  # 2xx answers
    rate_limited: int = 0  # 429 answers (global, per-route and injected)
    server_errors: int = 0  # injected 5xx answers
    delayed: int = 0
    lost_responses: int = 0  # handled but answered 500 (Faults.lost_response, after_processing)
    deduplicated: int = 0  # posts answered with an earlier message of the same nonce
    messages_created: int = 0  # channel posts, followups and callback messages stored
    messages_edited: int = 0
    interactions_sent: int = 0
    invalid_requests: int = 0  # 401, 403 and non-shared 429 answers (Discord bans at 10,000)
    by_status: Counter[int] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return self.rate_limited + self.server_errors


@dataclass
class Faults:
    """Random faults drawn from a seeded RNG, one draw per eligible request.

    ``routes``: "METHOD /template" patterns (placeholders allowed) the faults apply to; empty
    means every REST route except login and gateway discovery.
    """

    seed: int = 0
    rate_limited: float = 0.0  # fraction answered 429 (not global) with ``retry_after``
    server_error: float = 0.0  # fraction answered 500 or 502
    lost_response: float = 0.0  # fraction handled, then answered 500 (the bot retries)
    slow: float = 0.0  # fraction delayed by a uniform draw from ``delay``
    retry_after: float = 0.05
    delay: tuple[float, float] = (0.02, 0.1)
    routes: tuple[str, ...] = ()


class Waiter:
    """An Event-based 'wait until this check returns something', always bounded."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()

    async def wait(self, check: Callable[[], Any], timeout: float, what: Callable[[], str]) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(what())
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


class CallbackRejected(AssertionError):
    """The bot's interaction callback was refused (too late, or for an unknown interaction)."""


class InteractionHandle:
    """One injected interaction and everything the bot did with its token."""

    def __init__(self, world: DiscordWorld, payload: dict[str, Any], dispatched_at: float) -> None:
        self._world = world
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.dispatched_at = dispatched_at
        self.callbacks: list[Callback] = []  # accepted callbacks (Discord accepts one)
        self.rejected_callbacks: list[Callback] = []  # late or duplicate acknowledgements
        self.followups: list[dict[str, Any]] = []  # messages created with the token
        self.edits: list[dict[str, Any]] = []  # PATCH bodies sent with the token
        self.original_message_id: int | None = None
        self.created_at = world.clock()  # its token works INTERACTION_TOKEN_LIFETIME from here
        self._waiter = Waiter()

    def _notify(self) -> None:
        self._waiter.notify()

    @property
    def original(self) -> dict[str, Any] | None:
        """The current state of the message the response created or updated, if any."""
        if self.original_message_id is None:
            return None
        return self._world.messages.get(self.original_message_id)

    async def response(self, timeout: float = 3.0) -> Callback:
        """The first accepted callback: its type, data and latency since dispatch."""

        def check() -> Callback | None:
            if self.callbacks:
                return self.callbacks[0]
            if self.rejected_callbacks:
                # A rejected first callback (late or unknown) can never be followed by an
                # accepted one, so fail now rather than at the timeout.
                rejected = ", ".join(
                    f"type {c.type} -> {c.status} after {c.latency:.3f}s"
                    for c in self.rejected_callbacks
                )
                raise CallbackRejected(f"interaction {self.id}: callback rejected: {rejected}")
            return None

        return await self._waiter.wait(
            check,
            timeout,
            lambda: f"the bot sent no callback for interaction {self.id} within {timeout}s",
        )

    async def followup(self, count: int = 1, timeout: float = 3.0) -> dict[str, Any]:
        """The ``count``-th followup message (1-based) sent with this interaction's token."""
        return await self._waiter.wait(
            lambda: self.followups[count - 1] if len(self.followups) >= count else None,
            timeout,
            lambda: f"only {len(self.followups)} followup(s) for interaction {self.id}",
        )

    async def edit(self, count: int = 1, timeout: float = 3.0) -> dict[str, Any]:
        """The ``count``-th edit body (1-based) sent with this interaction's token."""
        return await self._waiter.wait(
            lambda: self.edits[count - 1] if len(self.edits) >= count else None,
            timeout,
            lambda: f"only {len(self.edits)} edit(s) for interaction {self.id}",
        )


class DiscordError(Exception):
    """Raised by a route handler to answer a Discord-shaped error."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
