"""Client-side pacing for limits a platform counts over every channel at once.

Discord allows a bot 50 REST requests a second in total (interaction responses excepted);
Slack keeps a workspace-wide limit on chat.postMessage on top of one post a second per
channel. A daily fan-out to thousands of channels fires every post in the same second: left
alone, the library's retries (discord.py: 5 tries; slack_sdk: a few) run out and posts are
lost. A `RateLimiter` in front of those requests queues them instead, just under the limit.

It is a token bucket (`rate` a second, `burst` saved up) with one queue: callers that find
no token wait in line and one pump task hands out tokens to the head of the line as they come,
so the order is first come, first served and a change of pace applies to everyone waiting at
once. Waiting is bounded: a caller that would wait longer than `max_wait` gets `PacingFull`
at once (the daily scheduler retries such a post later; a queue of hours would outlive the
post's lease). `hold()` pauses everybody after a 429 slipped through (another process, a lower
real limit than we assumed) and halves the pace; it creeps back up (a tenth of the set rate
every `RECOVER_EVERY` seconds without a 429), so a lower limit costs speed, never posts.
The queue belongs to the event loop that uses it; a new loop (a new test) starts afresh.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

# Discord's global limit is 50/s; 47/s with a burst of 2 keeps any one-second window at 49
# or fewer while leaving a little room for the bot's other REST calls (command sync).
DISCORD_RATE = 47.0
DISCORD_BURST = 2
# Slack does not publish its workspace-wide number for chat.postMessage: we assume 50/s and
# pace just under it; a lower real limit shows up as 429s, which hold the queue (see hold()).
SLACK_WORKSPACE_RATE = 47.0
SLACK_WORKSPACE_BURST = 2
# chat.update is Tier 3: "50+ per minute" per workspace. 48 a minute with a burst of 2 keeps
# any minute at 50 or fewer.
SLACK_TIER3_RATE = 48 / 60
SLACK_TIER3_BURST = 2
# users.info is Tier 4: "100+ per minute".
SLACK_TIER4_RATE = 96 / 60
SLACK_TIER4_BURST = 5
# A daily post waiting longer than this is better retried by the scheduler (its posting lease
# is 10 minutes; a post still queued past that could be taken over by another process).
MAX_WAIT = 300.0
RECOVER_EVERY = 5.0  # seconds without a 429 before the pace steps back up


class PacingFull(RuntimeError):
    """So many posts already wait that this one would wait longer than allowed."""


class RateLimiter:
    """At most `rate` starts a second on average, `burst` of them back to back; callers go in
    the order they called; none waits longer than `max_wait` seconds."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        max_wait: float = MAX_WAIT,
        name: str = "posts",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if rate <= 0 or burst < 1 or max_wait <= 0:
            raise ValueError(
                f"a rate limiter needs rate > 0, burst >= 1 and max_wait > 0 "
                f"(got rate={rate}, burst={burst}, max_wait={max_wait})"
            )
        self.base = rate  # the platform's whole budget; `nominal` is this process's share
        self.nominal = rate  # the pace we were set to; `rate` is the one in force
        self.rate = rate
        self.burst = burst
        self.max_wait = max_wait
        self.name = name
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()
        self._changed = self._last  # when the pace last changed (a cut or a step back up)
        self._held_until = float("-inf")
        self._line: deque[asyncio.Future[None]] = deque()
        self._pump: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.holds = 0  # 429s reported through hold(): lets tests and benchmarks see them
        self.waiting = 0  # callers in line now
        _every.add(self)
        if _share < 1.0:
            self.set_share(_share)

    def delay(self) -> float:
        """About how long a caller arriving now would wait."""
        now = self._clock()
        self._refill(now)
        owed = self.waiting + 1 - self._tokens
        return max(self._held_until - now, 0.0) + max(owed, 0.0) / self.rate

    async def acquire(self) -> None:
        """Return when one more request fits under the limit (raises PacingFull instead of
        queueing past `max_wait`)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # futures and the pump of another loop are no use here
            self._loop, self._line, self._pump, self.waiting = loop, deque(), None, 0
        now = self._clock()
        self._refill(now)
        if not self._line and now >= self._held_until and self._tokens >= 1.0:
            self._tokens -= 1.0
            return
        wait = self.delay()
        if wait > self.max_wait:
            raise PacingFull(
                f"{self.name}: {self.waiting} requests already wait ({wait:.0f} s at "
                f"{self.rate:g}/s, more than the {self.max_wait:.0f} s allowed); "
                f"try again later"
            )
        turn: asyncio.Future[None] = loop.create_future()
        self._line.append(turn)
        if self._pump is None or self._pump.done():
            self._pump = loop.create_task(self._hand_out(), name=f"pacing {self.name}")
        self.waiting += 1
        try:
            await turn  # cancelled: the pump skips it, the token goes to the next in line
        finally:
            self.waiting -= 1

    async def _hand_out(self) -> None:
        while self._line:
            if self._line[0].done():  # its caller gave up waiting
                self._line.popleft()
                continue
            now = self._clock()
            self._refill(now)
            wait = max(self._held_until - now, (1.0 - self._tokens) / self.rate, 0.0)
            if wait > 0:
                slept_from = now
                await self._sleep(wait)
                if self._clock() <= slept_from:  # a sleep that does not move the clock
                    self._tokens = max(self._tokens, 1.0)
                    self._held_until = min(self._held_until, slept_from)
                continue
            turn = self._line.popleft()
            if not turn.done():
                self._tokens -= 1.0
                turn.set_result(None)

    def _refill(self, now: float) -> None:
        if self.rate < self.nominal and now - self._changed >= RECOVER_EVERY:
            self.rate = min(self.nominal, self.rate + self.nominal / 10)
            self._changed = now
        start = max(self._last, self._held_until)
        if now > start:
            self._tokens = min(float(self.burst), self._tokens + (now - start) * self.rate)
        self._last = max(self._last, now)

    def hold(self, seconds: float) -> None:
        """A 429 came back anyway: nobody starts for `seconds` (its Retry-After) and the pace
        halves (at most once a second, down to a sixteenth of the set rate); after the pause
        it resumes without a saved-up burst."""
        self.holds += 1
        now = self._clock()
        self._refill(now)
        if now - self._changed >= 1.0 or self.rate == self.nominal:
            self.rate = max(self.nominal / 16, self.rate / 2)
            self._changed = now
        self._tokens = min(self._tokens, 0.0)
        self._held_until = max(self._held_until, now + max(seconds, 0.0))

    def set_share(self, share: float) -> None:
        """Pace at `share` (0 < share <= 1) of the whole budget: several processes of one bot
        split a per-bot limit. A smaller share applies at once; a larger one is reached by the
        usual creep back up (see hold())."""
        share = min(max(share, 0.01), 1.0)
        self.nominal = self.base * share
        if self.rate > self.nominal:
            self.rate = self.nominal
            self._changed = self._clock()


_shared: dict[str, RateLimiter] = {}
_every: weakref.WeakSet[RateLimiter] = weakref.WeakSet()
_share = 1.0


def share_between(processes: int) -> None:
    """The documented rule for a per-bot limit shared by several processes: each live process
    (counted through the database's heartbeats) paces at 1/`processes` of it. The 429 backstop
    (hold()) covers the moments between a process starting or dying and the others hearing."""
    global _share
    _share = 1.0 / max(processes, 1)
    for limiter in list(_every):
        limiter.set_share(_share)


def shared(name: str, rate: float, burst: int = 1) -> RateLimiter:
    """The process's one limiter called `name` (created on first use): every poster of a
    platform in this process draws from the same budget."""
    limiter = _shared.get(name)
    if limiter is None:
        limiter = _shared[name] = RateLimiter(rate, burst, name=name)
    return limiter
