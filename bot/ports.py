"""Where the engine meets the outside: who and where (neutral values) and the one outbound port.

Each platform adapter implements `Poster`; tests use `MemoryPoster`, which records every call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from bot.messages import OutgoingMessage

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class Place:
    """Where a round is open: a channel, or one person's private practice."""

    platform: str  # "discord" | "slack" | "console" | ...
    server_id: str  # Discord guild id, Slack team id; "practice" for practice places
    channel_id: str  # "practice:<user id>" for practice places

    @classmethod
    def practice(cls, platform: str, user_id: str) -> Place:
        return cls(platform, "practice", f"practice:{user_id}")

    @property
    def is_practice(self) -> bool:
        return self.server_id == "practice"


@dataclass(frozen=True, slots=True)
class Player:
    platform: str
    user_id: str
    display_name: str
    # The person's own IANA zone where the platform tells it (Slack profiles); it dates their
    # streak days. None: the zone of the channel they answer in.
    tz: str | None = field(default=None, compare=False)


class Poster(Protocol):
    async def post(self, place: Place, message: OutgoingMessage) -> str:
        """Post a message in the place; return a reference the adapter can edit later."""
        ...

    async def edit(self, place: Place, ref: str, message: OutgoingMessage) -> None: ...

    async def start_thread(self, place: Place, message: OutgoingMessage) -> str:
        """Post a message that opens a discussion thread (where the platform has threads)."""
        ...

    async def find_post(self, place: Place, message: OutgoingMessage) -> str | None:
        """After a crash between posting a question and recording its reference: that
        post's reference, if the platform can give it back without ever posting twice
        (posting it now if it never arrived); None where it cannot tell."""
        ...


@dataclass
class MemoryPoster:
    """The test double: keeps every call in order, hands out refs "m1", "m2", ..."""

    calls: list[tuple[str, Place, str | None, OutgoingMessage]] = field(default_factory=list)
    fail_next: int = 0  # make the next N calls raise, to test failure handling

    async def post(self, place: Place, message: OutgoingMessage) -> str:
        self._maybe_fail()
        ref = f"m{len(self.calls) + 1}"
        self.calls.append(("post", place, ref, message))
        return ref

    async def edit(self, place: Place, ref: str, message: OutgoingMessage) -> None:
        self._maybe_fail()
        self.calls.append(("edit", place, ref, message))

    async def start_thread(self, place: Place, message: OutgoingMessage) -> str:
        self._maybe_fail()
        ref = f"t{len(self.calls) + 1}"
        self.calls.append(("thread", place, ref, message))
        return ref

    async def find_post(self, place: Place, message: OutgoingMessage) -> str | None:
        return None

    def of_kind(self, kind: str) -> list[tuple[str, Place, str | None, OutgoingMessage]]:
        return [c for c in self.calls if c[0] == kind]

    def messages(self, cls: type[M]) -> list[M]:
        return [c[3] for c in self.calls if isinstance(c[3], cls)]

    def _maybe_fail(self) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("MemoryPoster told to fail")
