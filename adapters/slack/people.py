"""Who is clicking: display names, admin rights and time zones from `users.info`, cached.

A quiz burst is many clicks from few people, so each person costs one `users.info` call per
TTL; concurrent lookups of the same person share one call. When Slack cannot answer, the
person still gets a name (their username from the payload) and no admin rights.

users.info is Tier 4 (about 100 a minute): lookups are paced at that rate, and a lookup that
would wait more than `MAX_NAME_WAIT` uses the payload's name at once instead (not cached, so
the next click looks again): thirty new players clicking in the same second get their
"Locked in" at once, not after seconds of 429s and retries.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from adapters import pacing

log = logging.getLogger(__name__)

DEFAULT_TTL = 600.0  # seconds: renames and role changes show up within ten minutes
MAX_PEOPLE = 10_000  # bound the cache; a workspace bigger than this just looks people up again
MAX_NAME_WAIT = 1.0  # seconds a click may wait for its turn at users.info


@dataclass(frozen=True, slots=True)
class Person:
    user_id: str
    display_name: str
    is_admin: bool = False  # workspace admin or owner
    tz: str | None = None  # IANA zone from the person's Slack profile


class Directory:
    def __init__(
        self,
        client: Any,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
        limiter: pacing.RateLimiter | None = None,
    ) -> None:
        self._client = client
        self._limiter = limiter or pacing.RateLimiter(
            pacing.SLACK_TIER4_RATE,
            pacing.SLACK_TIER4_BURST,
            max_wait=MAX_NAME_WAIT,
            name="Slack users.info",
        )
        self._ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, Person]] = {}
        self._pending: dict[str, asyncio.Future[Person]] = {}
        self.lookups = 0  # users.info calls made: lets tests see the cache work

    async def person(self, user_id: str, fallback_name: str = "", *, quick: bool = True) -> Person:
        """`quick`: a click, which takes the payload's name rather than wait its turn; a
        command (`quick=False`) waits, since admin rights may depend on the answer."""
        cached = self._cache.get(user_id)
        if cached is not None and cached[0] > self._clock():
            return cached[1]
        pending = self._pending.get(user_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Person] = asyncio.get_running_loop().create_future()
        self._pending[user_id] = future
        try:
            person = await self._lookup(user_id, fallback_name, quick)
            future.set_result(person)
            return person
        finally:
            del self._pending[user_id]
            if not future.done():  # cancelled mid-lookup: do not leave waiters hanging
                future.cancel()

    async def _lookup(self, user_id: str, fallback_name: str, quick: bool) -> Person:
        if quick:
            try:
                await self._limiter.acquire()
            except pacing.PacingFull:
                return Person(user_id, fallback_name or user_id)
        self.lookups += 1
        try:
            response = await self._client.users_info(user=user_id)
            user = response["user"]
        except Exception as error:  # Slack down or user gone: a name is still needed
            log.warning("users.info for %s failed (%s); using the payload's name", user_id, error)
            return Person(user_id, fallback_name or user_id)
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or fallback_name
            or user_id
        )
        person = Person(
            user_id,
            str(name),
            is_admin=bool(user.get("is_admin") or user.get("is_owner")),
            tz=user.get("tz") or None,
        )
        if len(self._cache) >= MAX_PEOPLE:
            self._cache.clear()
        self._cache[user_id] = (self._clock() + self._ttl, person)
        return person
