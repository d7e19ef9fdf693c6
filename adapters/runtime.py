"""What every chat adapter is handed and gives back, and the one Poster the engine talks to.

`quizbot run` builds one `Services` (store, cards, engine, daily schedules) and gives it to
each `Platform` of adapters.registry whose settings enable it; its `build` returns the
`Adapter` the runtime starts and stops. Adapters register their Poster with the router so
the engine, which knows nothing of platforms, reaches the right one by `Place.platform`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from bot.cards import Library
from bot.clock import Clock
from bot.config import Section, Settings
from bot.engine import Engine
from bot.logs import Noise
from bot.messages import OutgoingMessage
from bot.ports import Place, Poster

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    # Typing only: the schedule modules load APScheduler, which `quizbot run` loads anyway.
    from bot.schedule.reminders import PracticeReminders
    from bot.schedule.service import DailyService


class Adapter(Protocol):
    platform: str

    async def start(self) -> None:
        """Connect (or start serving) and return once ready to take interactions."""
        ...

    def alive(self) -> bool:
        """Connected and able to take interactions (reported by `quizbot health`)."""
        ...

    async def stop(self) -> None:
        """Stop taking interactions and close connections; pending engine writes are the
        runtime's job (it closes the store after every adapter stopped)."""
        ...


class PosterRouter:
    """The engine's single Poster: hands each call to the adapter of the place's platform."""

    def __init__(self) -> None:
        self._posters: dict[str, Poster] = {}

    def register(self, platform: str, poster: Poster) -> None:
        self._posters[platform] = poster

    def _for(self, place: Place) -> Poster:
        try:
            return self._posters[place.platform]
        except KeyError:
            raise LookupError(f"no adapter is running for platform {place.platform!r}") from None

    async def post(self, place: Place, message: OutgoingMessage) -> str:
        return await self._for(place).post(place, message)

    async def edit(self, place: Place, ref: str, message: OutgoingMessage) -> None:
        await self._for(place).edit(place, ref, message)

    async def start_thread(self, place: Place, message: OutgoingMessage) -> str:
        return await self._for(place).start_thread(place, message)

    async def find_post(self, place: Place, message: OutgoingMessage) -> str | None:
        return await self._for(place).find_post(place, message)

    async def tell(self, place: Place, user_id: str, message: OutgoingMessage) -> bool:
        poster = self._posters.get(place.platform)
        return False if poster is None else await poster.tell(place, user_id, message)


class Shutdown:
    """How an adapter that can no longer work (its token died) stops the whole process:
    `fatal(reason)` logs the reason once, as one line, and `quizbot run` then stops every
    adapter and exits non-zero, so the supervisor restarts it and the operator sees why."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._requested: asyncio.Event | None = None

    @property
    def requested(self) -> asyncio.Event:
        if self._requested is None:  # made on first use, inside the running loop
            self._requested = asyncio.Event()
            if self.reason is not None:
                self._requested.set()
        return self._requested

    def fatal(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
            log.critical("quizbot stops: %s", reason)
        if self._requested is not None:
            self._requested.set()


@dataclass
class Services:
    settings: Settings
    library: Library
    engine: Engine
    clock: Clock
    posters: PosterRouter
    daily: DailyService | None = None  # set/off/status/now for a channel's daily question
    reminders: PracticeReminders | None = None  # a player's private practice reminder
    shutdown: Shutdown = field(default_factory=Shutdown)  # an adapter's "stop everything"


class PlatformSettings(Section, Protocol):
    """A platform's own settings: a bot.config Section that also says whether to run."""

    @property
    def enabled(self) -> bool:
        """Whether these settings ask for the platform to run (its token is set)."""
        ...


@dataclass(frozen=True)
class Platform:
    """One chat platform `quizbot run` can serve; each adapter package declares its own."""

    name: str  # Place.platform and the heartbeat's name
    settings: type[PlatformSettings]  # its variables, how they are checked, when it runs
    build: Callable[[Services], Adapter] = field(repr=False)  # loads the platform's library
    enable_with: str = ""  # which variables turn it on, for "nothing to run"
    board_title: str = "{server}"  # a server's leaderboard title, e.g. "Slack workspace {server}"
    log_noise: tuple[Noise, ...] = ()  # its libraries' chatter, shown only at DEBUG
    # Regular expressions of its secrets not known at start (tokens issued by installs).
    secret_shapes: tuple[str, ...] = ()
