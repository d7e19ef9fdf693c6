"""What every chat adapter is handed, and the one Poster the engine talks to.

`quizbot run` builds one `Services` (store, cards, engine, daily schedules) and gives it to
each adapter the environment configures; adapters register their Poster with the router so
the engine, which knows nothing of platforms, reaches the right one by `Place.platform`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.cards import Library
from bot.clock import Clock
from bot.config import Settings
from bot.engine import Engine
from bot.ports import Place, Poster


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

    async def post(self, place: Place, message: Any) -> str:
        return await self._for(place).post(place, message)

    async def edit(self, place: Place, ref: str, message: Any) -> None:
        await self._for(place).edit(place, ref, message)

    async def start_thread(self, place: Place, message: Any) -> str:
        return await self._for(place).start_thread(place, message)

    async def find_post(self, place: Place, message: Any) -> str | None:
        return await self._for(place).find_post(place, message)


@dataclass
class Services:
    settings: Settings
    library: Library
    engine: Engine
    clock: Clock
    posters: PosterRouter
    daily: Any = None  # bot.schedule's service: set/off/status/now for a channel
