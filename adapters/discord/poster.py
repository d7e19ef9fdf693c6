"""The engine's Poster on Discord: channel posts and edits through discord.py's HTTP client.

discord.py paces requests by bucket and retries 429s and 5xx itself, but it does not pace
itself against Discord's global limit (50 requests/s per bot) and gives up after 5 tries: a
daily fan-out to thousands of channels would lose posts. Every channel post, edit and thread
this poster makes first waits its turn in one process-wide `RateLimiter` (adapters/pacing.py,
47/s); a 429 that still gets through pauses that queue and the request goes again, with the
same nonce (Discord answers a repeated nonce with the first message, so never a double post).
Interaction responses do not pass here: they are outside the global limit and have 3 s.

`max_ratelimit_timeout` on the client turns a very long wait into `RateLimited` instead of a
stuck reveal (the engine logs it and `recover()` delivers the reveal later). A reference is
the message id.

A refusal retrying will not change becomes a `PostError` of its kind (`REFUSALS`, by
Discord's JSON error code): a deleted channel, a channel the bot cannot see or lacks a
permission in, a revoked token (HTTP 401, which also stops the process: Discord counts 401s,
403s and 429s towards its ban of 10,000 invalid requests in 10 minutes, so nothing must keep
sending them). A reveal whose question was deleted is posted as a new message, once.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

import discord

from adapters import pacing
from adapters.discord.buttons import next_button
from adapters.discord.embeds import notice_text, render
from adapters.discord.markup import THREAD_NAME_LIMIT
from adapters.discord.replies import NO_MENTIONS
from bot.messages import Notice, OutgoingMessage, PracticeReminder, QuestionMessage
from bot.ports import Place, PostError, PostErrorKind, waiting_to_send
from bot.render import fit

T = TypeVar("T")

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[1440] = (
    1440  # a day: a discussion prompt stays open through the working day
)

PERMISSIONS = "View Channel, Send Messages, Embed Links and Create Public Threads"
# Discord's JSON error codes that retrying will not change (topics/opcodes-and-status-codes):
# their kind and a sentence an admin can act on.
REFUSALS: dict[int, tuple[PostErrorKind, str]] = {
    10003: ("gone", "the channel was deleted (Discord: Unknown Channel)"),
    10004: ("gone", "quizbot is no longer in this server (Discord: Unknown Guild)"),
    50001: (
        "no_access",
        f"quizbot cannot see this channel (Discord: Missing Access): give it {PERMISSIONS} "
        "there, or invite it back to the server",
    ),
    50013: (
        "no_access",
        f"quizbot lacks a permission in this channel (Discord: Missing Permissions): it needs "
        f"{PERMISSIONS}",
    ),
    50083: ("no_access", "the thread is archived (Discord: Thread is archived)"),
    10008: ("message_gone", "the message was deleted (Discord: Unknown Message)"),
    50005: ("message_gone", "the message cannot be edited by quizbot"),
}
TOKEN_DEAD = (
    "Discord refused DISCORD_TOKEN (401 Unauthorized): it was reset or the bot was deleted; "
    "copy a new token from the Developer Portal (Bot > Reset Token)"
)


def refusal(error: discord.HTTPException) -> PostError | None:
    """The PostError a Discord HTTP error stands for, or None when a later try may work."""
    if error.status == 401:
        return PostError("token_dead", TOKEN_DEAD, code="401")
    found = REFUSALS.get(error.code)
    if found is None or error.status not in (403, 404, 400):
        return None
    kind, reason = found
    return PostError(kind, reason, code=str(error.code))


class DiscordPoster:
    def __init__(
        self,
        client: discord.Client,
        limiter: pacing.RateLimiter | None = None,
        *,
        patience: float = pacing.MAX_WAIT,
        on_token_dead: Callable[[str], None] | None = None,
    ) -> None:
        """`limiter`: the global pace (default: the process's shared Discord limiter);
        `patience`: seconds a request keeps going again after 429s before its error stands;
        `on_token_dead`: told once when Discord answers 401 (the adapter stops the process)."""
        self.client = client
        self.limiter = limiter or pacing.shared(
            "discord", pacing.DISCORD_RATE, pacing.DISCORD_BURST
        )
        self.patience = patience
        self.on_token_dead = on_token_dead
        self.token_dead: str | None = None

    async def _paced(self, request: Callable[[], Awaitable[T]]) -> T:
        """One REST request in its turn. A 429 discord.py gave up on (5 tries, or a wait over
        max_ratelimit_timeout) goes again after its Retry-After, until `patience` runs out; a
        global one holds the whole queue meanwhile, a route's only this request."""
        started = time.monotonic()
        failure: discord.HTTPException | discord.RateLimited
        while True:
            if self.token_dead is not None:  # every request would be one more 401
                raise PostError("token_dead", self.token_dead, code="401")
            with waiting_to_send():  # earlier tries, if any, were refused with a 429
                await self.limiter.acquire()
            try:
                return await request()
            except discord.RateLimited as error:
                wait, is_global, failure = error.retry_after, False, error
            except discord.HTTPException as error:
                if error.status != 429:
                    refused = refusal(error)
                    if refused is None:
                        raise
                    if refused.kind == "token_dead" and self.token_dead is None:
                        self.token_dead = refused.reason
                        if self.on_token_dead is not None:
                            self.on_token_dead(refused.reason)
                    raise refused from error
                wait, is_global, failure = *_retry_after(error), error
            if time.monotonic() - started + wait > self.patience:
                raise failure
            log.warning(
                "Discord %s rate limit outlasted the library's retries; again in %.1f s",
                "global" if is_global else "route",
                wait,
            )
            if is_global:
                self.limiter.hold(wait)
            else:
                with waiting_to_send():
                    await asyncio.sleep(wait)

    async def _send(self, place: Place, message: OutgoingMessage) -> discord.Message:
        channel = self._channel(place)
        fields = render(message)
        # The same nonce for every try, so a retried post is never doubled. A question's is
        # its round's, so find_post can ask for it again after a crash.
        nonce = (
            question_nonce(message.round_id)
            if isinstance(message, QuestionMessage)
            else secrets.randbits(63)
        )
        return await self._paced(
            lambda: channel.send(allowed_mentions=NO_MENTIONS, nonce=nonce, **fields)
        )

    def _channel(self, place: Place) -> discord.PartialMessageable:
        if place.platform != "discord" or place.is_practice:
            raise ValueError(f"not a Discord channel: {place}")
        return self.client.get_partial_messageable(
            int(place.channel_id), guild_id=int(place.server_id)
        )

    async def post(self, place: Place, message: OutgoingMessage) -> str:
        sent = await self._send(place, message)
        return str(sent.id)

    async def find_post(self, place: Place, message: OutgoingMessage) -> str | None:
        """Post the question again with its round's nonce: Discord answers with the first
        message if it arrived (within the few minutes it remembers nonces), else posts it."""
        if not isinstance(message, QuestionMessage):
            return None
        return await self.post(place, message)

    async def edit(self, place: Place, ref: str, message: OutgoingMessage) -> None:
        target = self._channel(place).get_partial_message(int(ref))
        fields = render(message)
        try:
            await self._paced(lambda: target.edit(allowed_mentions=NO_MENTIONS, **fields))
        except PostError as error:
            if error.kind != "message_gone":
                raise
            # Someone deleted the question: the reveal still deserves to be seen.
            log.warning("message %s in %s: %s; posting the update as a new one", ref, place,
                        error.reason)  # fmt: skip
            await self.post(place, message)

    async def tell(self, place: Place, user_id: str, message: OutgoingMessage) -> bool:
        """A direct message naming the channel. Discord lets a bot DM a member of a server
        they share who accepts DMs from it; otherwise False. A practice reminder comes with a
        button that starts practice."""
        view: discord.ui.View | None = None
        if isinstance(message, PracticeReminder):
            content = notice_text(message.text)
            view = discord.ui.View(timeout=None)
            view.add_item(next_button(None, label="Practise now"))
        else:
            text = message.text if isinstance(message, Notice) else str(message)
            content = notice_text(f"About <#{int(place.channel_id)}>: {text}")
        try:
            channel = await self._paced(lambda: self.client.create_dm(discord.Object(int(user_id))))
            await self._paced(
                lambda: (
                    channel.send(content=content, allowed_mentions=NO_MENTIONS, view=view)
                    if view is not None
                    else channel.send(content=content, allowed_mentions=NO_MENTIONS)
                )
            )
        except (discord.HTTPException, PostError, ValueError) as error:
            log.warning("could not tell %s about %s: %s", user_id, place, error)
            return False
        return True

    async def start_thread(self, place: Place, message: OutgoingMessage) -> str:
        """Post the message, then open a public thread on it for the discussion."""
        sent = await self._send(place, message)
        prompt = message.prompt if isinstance(message, QuestionMessage) else "Discussion"
        name = fit(" ".join(prompt.split()), THREAD_NAME_LIMIT)
        try:
            # Straight to the HTTP client: Message.create_thread needs the guild in the cache.
            await self._paced(
                lambda: self.client.http.start_thread_with_message(
                    sent.channel.id,
                    sent.id,
                    name=name,
                    auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                    rate_limit_per_user=None,
                )
            )
        except (discord.HTTPException, PostError):
            # The question is out; a missing thread (no Create Public Threads) is not fatal.
            log.warning("could not open a thread for message %s in %s", sent.id, place)
        return str(sent.id)


def _retry_after(error: discord.HTTPException) -> tuple[float, bool]:
    """(seconds a 429 asked us to wait, whether it was the global limit)."""
    headers = getattr(error.response, "headers", None) or {}
    is_global = (
        headers.get("X-RateLimit-Global") == "true" or headers.get("X-RateLimit-Scope") == "global"
    )
    try:
        return max(0.1, float(headers.get("Retry-After", 1))), is_global
    except (TypeError, ValueError):
        return 1.0, is_global


def question_nonce(round_id: int) -> str:
    return f"quizbot-q{round_id}"  # Discord nonces are at most 25 characters
