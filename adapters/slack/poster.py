"""The engine's Poster for Slack: renders neutral messages to blocks and posts them, paced.

Slack allows about one message per second per channel (short bursts pass). The pacer keeps
each channel under that on our side, so a quiz, a daily post and a standings message in one
channel queue up briefly instead of collecting 429s. Each channel's queue is bounded: past
`max_waiting` posts waiting, a post fails at once (the engine logs it and retries reveals
through `recover()`), rather than memory and delay growing without end.

Slack also limits posts across the whole workspace (the number is not published). Every post
then waits its turn in one workspace `RateLimiter` (adapters/pacing.py, 47/s by default), so a
daily fan-out to thousands of channels queues instead of collecting 429s. Edits
(`chat.update`) are Tier 3, about 50 a minute per workspace: they wait in a limiter of their
own at that pace, and a reveal that would wait longer than `patience` is posted as a new
message instead (through the post queue), so a reveal fan-out to hundreds of channels still
reaches every one. A 429 that still comes back holds its method's queue for its Retry-After
(at its first sight, through a retry-handler hook on the client), and once the Web API
client's own retries are used up the call goes round again until `patience` runs out: a 429
means Slack stored nothing, so going again never doubles a post.

A refusal that retrying will not change becomes a `PostError` of its kind (`REFUSALS`): a
deleted or archived channel, a channel quizbot is not in, a dead token. A reveal whose
question was deleted or can no longer be edited is posted as a new message, once. A 5xx or
a cut connection on `chat.postMessage` may have stored the post (Slack says so), and Slack
has no idempotency key: it is never retried blindly but reported as `maybe_posted`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler

from adapters import pacing
from adapters.slack import blocks as kit
from adapters.slack.markup import escape
from bot.clock import Clock
from bot.messages import Notice, OutgoingMessage, PracticeReminder
from bot.ports import Place, PostError, PostErrorKind, waiting_to_send

log = logging.getLogger(__name__)

REINSTALL = "reinstall the app from deploy/slack-manifest.yaml and set SLACK_BOT_TOKEN again"

# Slack's error names that retrying will not change: their kind and a sentence an admin can
# act on. Sources: the method pages of chat.postMessage and chat.update, and the Web API's
# OpenAPI description (shared/specs/slack). Anything else is temporary or our own bug.
REFUSALS: dict[str, tuple[PostErrorKind, str]] = {
    "channel_not_found": (
        "gone",
        "quizbot cannot find this channel: it was deleted, or it is private and quizbot is "
        "not in it (invite it with /invite @quizbot)",
    ),
    "is_inactive": ("gone", "the channel was archived, frozen or deleted"),
    "not_in_channel": (
        "no_access",
        "quizbot is not in this channel: invite it with /invite @quizbot",
    ),
    "is_archived": ("no_access", "the channel is archived"),
    "restricted_action": ("no_access", "this workspace does not let apps post in this channel"),
    "team_access_not_granted": ("no_access", "quizbot has no access to this workspace"),
    "message_not_found": ("message_gone", "the message was deleted"),
    "cant_update_message": ("message_gone", "the message can no longer be edited"),
    "edit_window_closed": ("message_gone", "the message is past the workspace's edit window"),
    "invalid_auth": ("token_dead", f"Slack refused SLACK_BOT_TOKEN (invalid_auth): {REINSTALL}"),
    "not_authed": ("token_dead", "no Slack token was sent: set SLACK_BOT_TOKEN"),
    "account_inactive": (
        "token_dead",
        f"the Slack token's user or app was deactivated (account_inactive): {REINSTALL}",
    ),
    "token_revoked": (
        "token_dead",
        f"the Slack token was revoked (token_revoked, the app was uninstalled?): {REINSTALL}",
    ),
    "token_expired": ("token_dead", f"the Slack token expired (token_expired): {REINSTALL}"),
    "missing_scope": ("token_dead", "the Slack app lacks a scope it needs"),
}


class PostFailed(RuntimeError):
    """Slack refused a post or an edit for a reason a later try may not meet (a rate limit
    outlasted, an outage), or one that is our own mistake (an invalid block)."""


def error_code(error: SlackApiError) -> str:
    response = error.response
    return str(response.get("error") or "unknown_error") if response is not None else "no_response"


def refusal(error: SlackApiError, method: str) -> PostError | PostFailed:
    """What a Slack error means for the caller: a PostError of its kind, else PostFailed."""
    code = error_code(error)
    status = getattr(error.response, "status_code", 200)
    if code in REFUSALS:
        kind, reason = REFUSALS[code]
        if code == "missing_scope":
            needed = error.response.get("needed") if error.response is not None else None
            reason = f"the Slack app lacks the scope {needed or '?'}: {REINSTALL}"
        return PostError(kind, reason, code=code)
    if method == "chat.postMessage" and (
        status >= 500 or code in ("internal_error", "fatal_error")
    ):
        return PostError(
            "maybe_posted",
            f"Slack failed part-way through a post ({status} {code}): it may be in the channel",
            code=code,
        )
    return PostFailed(f"Slack had a problem ({code}); it is tried again later")


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
        updates: pacing.RateLimiter | None = None,
        patience: float = pacing.MAX_WAIT,
        on_token_dead: Callable[[str], None] | None = None,
    ):
        """`workspace`: the pace of posts over every channel (default 47/s); `updates`: the
        pace of edits (Tier 3, default 50 a minute); `patience`: seconds a call keeps going
        again after 429s before it fails; `on_token_dead`: told once when Slack says the
        token no longer works (the adapter stops the process)."""
        self.client = client
        self.pacer = pacer or ChannelPacer()
        self.clock = clock
        self.workspace = workspace or pacing.RateLimiter(
            pacing.SLACK_WORKSPACE_RATE, pacing.SLACK_WORKSPACE_BURST, name="Slack posts"
        )
        self.updates = updates or pacing.RateLimiter(
            pacing.SLACK_TIER3_RATE, pacing.SLACK_TIER3_BURST, name="Slack edits"
        )
        self.patience = patience
        self.on_token_dead = on_token_dead
        self.token_dead: str | None = None
        handlers = getattr(client, "retry_handlers", None)
        if isinstance(handlers, list) and not any(isinstance(h, HoldOn429) for h in handlers):
            handlers.insert(
                0, HoldOn429({"chat.postMessage": self.workspace, "chat.update": self.updates})
            )

    def _render(self, message: OutgoingMessage) -> tuple[str, kit.Blocks]:
        return kit.render(message, self.clock.now() if self.clock else None)

    async def post(self, place: Place, message: OutgoingMessage) -> str:
        text, blocks = self._render(message)
        return await self._post(place.channel_id, text, blocks)

    async def edit(self, place: Place, ref: str, message: OutgoingMessage) -> None:
        """Edit the message into `message`; if it was deleted or cannot be edited, or the
        edit queue (Tier 3) is too long to wait in, post `message` as a new one, once."""
        text, blocks = self._render(message)
        try:
            await self._paced(
                None,
                lambda: self.client.chat_update(
                    channel=place.channel_id, ts=ref, text=text, blocks=blocks
                ),
                limiter=self.updates,
                method="chat.update",
            )
        except PostError as error:
            if error.kind != "message_gone":
                raise
            log.warning("message %s in %s: %s; posting the update as a new one", ref, place,
                        error.reason)  # fmt: skip
        except pacing.PacingFull:
            log.warning("Slack edits queue is full; posting the update to %s as a new one", place)
        else:
            return
        await self._post(place.channel_id, text, blocks)

    async def tell(self, place: Place, user_id: str, message: OutgoingMessage) -> bool:
        """A direct message from the app (its Messages tab), naming the channel; a practice
        reminder comes with its button instead."""
        if isinstance(message, PracticeReminder):
            from adapters.slack.app import COMMAND_NAMES  # the app builds this poster

            text, blocks = kit.practice_reminder(message, COMMAND_NAMES)
            try:
                await self._post(user_id, text, blocks)
            except Exception as error:
                log.warning("could not remind %s: %s", user_id, error)
                return False
            return True
        body = message.text if isinstance(message, Notice) else str(message)
        text = f"About <#{escape(place.channel_id)}>: {escape(body)}"
        try:
            await self._post(user_id, text, None)
        except Exception as error:
            log.warning("could not tell %s about %s: %s", user_id, place, error)
            return False
        return True

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

    async def _paced(
        self,
        channel: str | None,
        call: Callable[[], Awaitable[Any]],
        *,
        limiter: pacing.RateLimiter | None = None,
        method: str = "chat.postMessage",
    ) -> Any:
        """One Web API call in its turn (the channel's, then its method's workspace queue);
        429s that outlast the client's retries send it round again until `patience` runs
        out. Refusals are raised as PostError; a dead token is also reported, once."""
        queue = limiter or self.workspace
        started = time.monotonic()
        while True:
            if self.token_dead is not None:
                raise PostError("token_dead", self.token_dead)
            with waiting_to_send():  # earlier tries, if any, were refused with a 429
                if channel is not None:
                    await self.pacer.wait(channel)
                await queue.acquire()
            try:
                return await call()
            except SlackApiError as error:
                wait = _rate_limited_for(error)
                if wait is None or time.monotonic() - started + wait > self.patience:
                    raise self._refused(refusal(error, method)) from error
            except (TimeoutError, aiohttp.ClientError) as error:
                if method != "chat.postMessage" or isinstance(error, aiohttp.ClientConnectorError):
                    raise  # nothing reached Slack, or an edit: safe to try again later
                raise PostError(
                    "maybe_posted",
                    f"the connection to Slack broke during a post ({type(error).__name__}): "
                    "it may be in the channel",
                ) from error
            log.warning("Slack still rate-limits after the client's retries; again in %.0f s", wait)
            queue.hold(wait)

    def _refused(self, error: PostError | PostFailed) -> PostError | PostFailed:
        if isinstance(error, PostError) and error.kind == "token_dead" and not self.token_dead:
            self.token_dead = error.reason
            if self.on_token_dead is not None:
                self.on_token_dead(error.reason)
        return error


class HoldOn429(AsyncRetryHandler):
    """Never retries by itself: it sees each 429 on a paced method first and holds that
    method's queue for its Retry-After, so the calls behind it wait instead of collecting
    429s too (the client's own rate-limit handler then retries the request)."""

    def __init__(self, limiters: dict[str, pacing.RateLimiter]) -> None:
        super().__init__(max_retry_count=0)
        self.limiters = limiters

    async def can_retry_async(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> bool:
        limiter = self.limiters.get(method_of(request))
        if limiter is not None and response is not None and response.status_code == 429:
            limiter.hold(_seconds(_header(response.headers, "retry-after")))
        return False


def method_of(request: Any) -> str:
    """The Web API method a slack_sdk request calls (the last part of its URL)."""
    return str(request.url).rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


class OnlyRateLimitsForPosts(AsyncRetryHandler):
    """Wraps a retry handler (5xx, broken connections) so it never retries chat.postMessage:
    Slack may have stored a post that answered 5xx or lost its connection, and it has no
    idempotency key, so a blind retry could post twice. Other methods retry as before."""

    def __init__(self, inner: AsyncRetryHandler) -> None:
        super().__init__(inner.max_retry_count, inner.interval_calculator)
        self.inner = inner

    async def can_retry_async(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> bool:
        if method_of(request) == "chat.postMessage":
            return False
        return await self.inner.can_retry_async(
            state=state, request=request, response=response, error=error
        )

    async def prepare_for_next_attempt_async(
        self, *, state: Any, request: Any, response: Any = None, error: Any = None
    ) -> None:
        await self.inner.prepare_for_next_attempt_async(
            state=state, request=request, response=response, error=error
        )


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
