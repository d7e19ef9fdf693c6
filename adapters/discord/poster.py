"""The engine's Poster on Discord: channel posts and edits through discord.py's HTTP client.

discord.py paces requests by bucket and retries 429s and 5xx itself; `max_ratelimit_timeout`
on the client turns a very long wait into `RateLimited` instead of a stuck reveal (the
engine logs it and `recover()` delivers the reveal later). A reference is the message id.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from adapters.discord.embeds import render
from adapters.discord.replies import NO_MENTIONS
from bot.messages import QuestionMessage
from bot.ports import Place
from bot.render import fit

log = logging.getLogger("quizbot.discord")

THREAD_NAME_LIMIT = 100
THREAD_ARCHIVE_MINUTES = 1440  # a day: a discussion prompt stays open through the working day


class DiscordPoster:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    def _channel(self, place: Place) -> discord.PartialMessageable:
        if place.platform != "discord" or place.is_practice:
            raise ValueError(f"not a Discord channel: {place}")
        return self.client.get_partial_messageable(
            int(place.channel_id), guild_id=int(place.server_id)
        )

    async def post(self, place: Place, message: Any) -> str:
        sent = await self._channel(place).send(allowed_mentions=NO_MENTIONS, **render(message))
        return str(sent.id)

    async def edit(self, place: Place, ref: str, message: Any) -> None:
        target = self._channel(place).get_partial_message(int(ref))
        try:
            await target.edit(allowed_mentions=NO_MENTIONS, **render(message))
        except discord.NotFound:
            # Someone deleted the question: the reveal still deserves to be seen.
            log.warning("message %s in %s is gone; posting the update as a new one", ref, place)
            await self.post(place, message)

    async def start_thread(self, place: Place, message: Any) -> str:
        """Post the message, then open a public thread on it for the discussion."""
        sent = await self._channel(place).send(allowed_mentions=NO_MENTIONS, **render(message))
        prompt = message.prompt if isinstance(message, QuestionMessage) else "Discussion"
        name = fit(" ".join(prompt.split()), THREAD_NAME_LIMIT)
        try:
            # Straight to the HTTP client: Message.create_thread needs the guild in the cache.
            await self.client.http.start_thread_with_message(
                sent.channel.id,
                sent.id,
                name=name,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                rate_limit_per_user=None,
            )
        except discord.HTTPException:
            # The question is out; a missing thread (no Create Public Threads) is not fatal.
            log.warning("could not open a thread for message %s in %s", sent.id, place)
        return str(sent.id)
