"""The engine's Poster for Slack: renders neutral messages to blocks and posts them, paced.

Slack allows about one message per second per channel (short bursts pass). The pacer keeps
each channel under that on our side, so a quiz, a daily post and a standings message in one
channel queue up briefly instead of collecting 429s. Each channel's queue is bounded: past
`max_waiting` posts waiting, a post fails at once (the engine logs it and retries reveals
through `recover()`), rather than memory and delay growing without end.

Slack also limits posts across the whole workspace (the number is not published). Every post
and edit then waits its turn in one workspace `RateLimiter` (adapters/pacing.py, 47/s by
default), so a daily fan-out to thousands of channels queues instead of collecting 429s. A
429 that still comes back holds that queue for its Retry-After (at its first sight, through a
retry-handler hook on the client), and once the Web API client's own retries are used up the
post goes round again until `patience` runs out: a 429 means Slack stored nothing, so going
again never doubles a post.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler

from adapters import pacing
from adapters.slack import blocks as kit
from bot.clock import Clock
from bot.messages import OutgoingMessage
from bot.ports import Place

log = logging.getLogger(__name__)


# Slack's error codes in words a channel member can act on (the engine shows them).
_REASONS = {
    "not_in_channel": "quizbot is not in this channel: invite it with `/invite @quizbot`",
    "channel_not_found": "quizbot cannot see this channel: invite it with `/invite @quizbot`",
    "is_archived": "this channel is archived",
    "restricted_action": "this workspace does not let apps post here",
    "msg_too_long": "the message was too long for Slack",
    "ratelimited": "Slack is rate-limiting posts here; try again in a minute",
}


class PostFailed(RuntimeError):
    """Slack refused a post or an edit; the message says why in plain words."""


def _plain_error(error: SlackApiError) -> PostFailed:
    code = str(error.response.get("error") or "unknown_error") if error.response else "no_response"
    reason = _REASONS.get(code, f"Slack had a problem ({code}); try again in a minute")
    return PostFailed(reason)


class PacerFull(RuntimeError):
    """Too many posts already waiting for one channel."""


@dataclass
class _Channel:
    tokens: float
    last: float
    waiting: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class ChannelPacer:
    """A token bucket per channel (`rate` posts a second, `burst` saved up), first come
    first served, at most `max_waiting` posts queued per channel."""

    def __init__(
        self,
        rate: float = 1.0,
        burst: int = 3,
        max_waiting: int = 50,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1 or max_waiting < 1:
            raise ValueError("pacer needs rate > 0, burst >= 1 and max_waiting >= 1")
        self.rate = rate
        self.burst = burst
        self.max_waiting = max_waiting
        self._clock = clock
        self._sleep = sleep
        self._channels: dict[str, _Channel] = {}

    def waiting(self, channel: str) -> int:
        state = self._channels.get(channel)
        return state.waiting if state else 0

    async def wait(self, channel: str) -> None:
        """Return when one more post to `channel` stays within the pace."""
        state = self._channels.get(channel)
        if state is None:
            if len(self._channels) > 10_000:  # forget idle channels; a bucket refills anyway
                self._channels = {k: v for k, v in self._channels.items() if v.waiting}
            state = self._channels[channel] = _Channel(float(self.burst), self._clock())
        if state.waiting >= self.max_waiting:
            raise PacerFull(
                f"{state.waiting} posts already wait for channel {channel}; dropping this one"
            )
        state.waiting += 1
        try:
            async with state.lock:
                self._refill(state)
                if state.tokens < 1.0:
                    await self._sleep((1.0 - state.tokens) / self.rate)
                    self._refill(state)
                    state.tokens = max(state.tokens, 1.0)  # a fake sleep may not move the clock
                state.tokens -= 1.0
        finally:
            state.waiting -= 1

    def _refill(self, state: _Channel) -> None:
        now = self._clock()
        state.tokens = min(float(self.burst), state.tokens + (now - state.last) * self.rate)
        state.last = now


class SlackPoster:
    """`Poster` for places whose platform is "slack"; refs are message timestamps (`ts`)."""

    def __init__(
        self,
        client: Any,
        pacer: ChannelPacer | None = None,
        clock: Clock | None = None,
        *,
        workspace: pacing.RateLimiter | None = None,
        patience: float = pacing.MAX_WAIT,
    ):
        """`workspace`: the pace over every channel (default 47 posts/s); `patience`: seconds
        a post keeps going again after 429s before it fails."""
        self.client = client
        self.pacer = pacer or ChannelPacer()
        self.clock = clock
        self.workspace = workspace or pacing.RateLimiter(
            pacing.SLACK_WORKSPACE_RATE, pacing.SLACK_WORKSPACE_BURST, name="Slack posts"
        )
        self.patience = patience
        handlers = getattr(client, "retry_handlers", None)
        if isinstance(handlers, list) and not any(isinstance(h, HoldOn429) for h in handlers):
            handlers.insert(0, HoldOn429(self.workspace))

    def _render(self, message: OutgoingMessage) -> tuple[str, kit.Blocks]:
        return kit.render(message, self.clock.now() if self.clock else None)

    async def post(self, place: Place, message: OutgoingMessage) -> str:
        text, blocks = self._render(message)
        return await self._post(place.channel_id, text, blocks)

    async def edit(self, place: Place, ref: str, message: OutgoingMessage) -> None:
        text, blocks = self._render(message)
        await self._paced(
            None,
            lambda: self.client.chat_update(
                channel=place.channel_id, ts=ref, text=text, blocks=blocks
            ),
        )

    async def find_post(self, place: Place, message: OutgoingMessage) -> str | None:
        """Slack has no idempotent post and finding one would need history scopes: the
        engine then delivers the reveal once as a new message."""
        return None

    async def start_thread(self, place: Place, message: OutgoingMessage) -> str:
        """Post the prompt, then open its thread with a short note; the prompt's ts is the ref
        (the thread's id in Slack)."""
        ts = await self.post(place, message)
        try:
            await self._post(place.channel_id, kit.discussion_note(), None, thread_ts=ts)
        except Exception:  # the prompt is up; a missing note does not undo it
            log.exception("could not open the discussion thread under %s", ts)
        return ts

    async def _post(
        self, channel: str, text: str, blocks: kit.Blocks | None, thread_ts: str | None = None
    ) -> str:
        response = await self._paced(
            channel,
            lambda: self.client.chat_postMessage(
                channel=channel,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        return str(response["ts"])

    async def _paced(self, channel: str | None, call: Callable[[], Awaitable[Any]]) -> Any:
        """One Web API call in its turn (the channel's, then the workspace's); 429s that
        outlast the client's retries send it round again until `patience` runs out."""
        started = time.monotonic()
        while True:
            if channel is not None:
                await self.pacer.wait(channel)
            await self.workspace.acquire()
            try:
                return await call()
            except SlackApiError as error:
                wait = _rate_limited_for(error)
                if wait is None or time.monotonic() - started + wait > self.patience:
                    raise _plain_error(error) from error
            log.warning("Slack still rate-limits after the client's retries; again in %.0f s", wait)
            self.workspace.hold(wait)


class HoldOn429(AsyncRetryHandler):
    """Never retries by itself: it sees each 429 on a paced method first and holds the
    workspace queue for its Retry-After, so the posts behind it wait instead of collecting
    429s too (the client's own rate-limit handler then retries the request)."""

    PACED = frozenset({"chat.postMessage", "chat.update"})

    def __init__(self, limiter: pacing.RateLimiter) -> None:
        super().__init__(max_retry_count=0)
        self.limiter = limiter

    async def can_retry_async(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> bool:
        paced = request.url.rstrip("/").rsplit("/", 1)[-1] in self.PACED
        if paced and response is not None and response.status_code == 429:
            self.limiter.hold(_seconds(_header(response.headers, "retry-after")))
        return False


def _header(headers: Any, name: str) -> Any:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) and value else value
    return None


def _seconds(value: Any) -> float:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return 1.0  # Slack always sends it; without one, a second is its usual answer


def _rate_limited_for(error: SlackApiError) -> float | None:
    """Retry-After of a 429 answer, None for any other error."""
    response = error.response
    if response is None or getattr(response, "status_code", None) != 429:
        return None
    return _seconds(_header(getattr(response, "headers", None), "retry-after"))
