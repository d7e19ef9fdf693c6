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
from adapters.discord.embeds import render
from adapters.discord.markup import THREAD_NAME_LIMIT
from adapters.discord.replies import NO_MENTIONS
from bot.messages import OutgoingMessage, QuestionMessage
from bot.ports import Place
from bot.render import fit

T = TypeVar("T")

log = logging.getLogger(__name__)

THREAD_ARCHIVE_MINUTES: Literal[1440] = (
    1440  # a day: a discussion prompt stays open through the working day
)


class DiscordPoster:
    def __init__(
        self,
        client: discord.Client,
        limiter: pacing.RateLimiter | None = None,
        *,
        patience: float = pacing.MAX_WAIT,
    ) -> None:
        """`limiter`: the global pace (default: the process's shared Discord limiter);
        `patience`: seconds a request keeps going again after 429s before its error stands."""
        self.client = client
        self.limiter = limiter or pacing.shared(
            "discord", pacing.DISCORD_RATE, pacing.DISCORD_BURST
        )
        self.patience = patience

    async def _paced(self, request: Callable[[], Awaitable[T]]) -> T:
        """One REST request in its turn. A 429 discord.py gave up on (5 tries, or a wait over
        max_ratelimit_timeout) goes again after its Retry-After, until `patience` runs out; a
        global one holds the whole queue meanwhile, a route's only this request."""
        started = time.monotonic()
        failure: discord.HTTPException | discord.RateLimited
        while True:
            await self.limiter.acquire()
            try:
                return await request()
            except discord.RateLimited as error:
                wait, is_global, failure = error.retry_after, False, error
            except discord.HTTPException as error:
                if error.status != 429:
                    raise
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
        except discord.NotFound:
            # Someone deleted the question: the reveal still deserves to be seen.
            log.warning("message %s in %s is gone; posting the update as a new one", ref, place)
            await self.post(place, message)

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
        except discord.HTTPException:
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
