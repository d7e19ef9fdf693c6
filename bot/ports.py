"""Where the engine meets the outside: who and where (neutral values) and the one outbound port.

Each platform adapter implements `Poster`; tests use `MemoryPoster`, which records every call.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

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


PostErrorKind = Literal["gone", "no_access", "token_dead", "message_gone", "maybe_posted"]

# What each kind means for whoever posted. Adapters map their platform's codes to these.
POST_ERROR_KINDS: dict[str, str] = {
    "gone": "the channel (or the whole server or workspace) no longer exists for the bot",
    "no_access": "the bot may not see or post in the channel (removed, missing permission, "
    "archived)",
    "token_dead": "the bot's token is invalid or revoked: nothing it sends will work",
    "message_gone": "the message to edit was deleted or can no longer be edited",
    "maybe_posted": "the platform failed part-way: the post may or may not be there",
}


@contextlib.contextmanager
def waiting_to_send() -> Iterator[None]:
    """Around a poster's wait for its turn (pacing, a rate limit's Retry-After): a stop that
    cancels it there is marked as never sent, so the engine can take the question back
    (`was_never_sent`) instead of leaving it "maybe posted", which a Slack post never leaves
    (a second post could be a duplicate)."""
    try:
        yield
    except asyncio.CancelledError as stop:
        stop.never_sent = True  # type: ignore[attr-defined]
        raise


def was_never_sent(error: BaseException) -> bool:
    """True for a cancellation that came while the request still waited for its turn."""
    return bool(getattr(error, "never_sent", False))


class PostError(RuntimeError):
    """A post or edit the platform refused for a reason that retrying will not change.

    Temporary trouble (rate limits, outages, timeouts) is any other exception: the caller
    retries it as before. `kind` says what to do instead: a place that is `gone` or has
    `no_access` stops being posted to (its daily schedule is paused); `token_dead` stops the
    whole adapter; `message_gone` means post anew instead of editing; `maybe_posted` means a
    second try could post twice. `reason` is one plain sentence for an admin."""

    def __init__(self, kind: PostErrorKind, reason: str, *, code: str = "") -> None:
        super().__init__(reason)
        self.kind: PostErrorKind = kind
        self.reason = reason
        self.code = code  # the platform's own error code, for the log

    @property
    def place_unusable(self) -> bool:
        """Nothing more can be posted in this place until a person fixes something."""
        return self.kind in ("gone", "no_access", "token_dead")


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

    async def tell(self, place: Place, user_id: str, message: OutgoingMessage) -> bool:
        """A private note to one person of `place`'s server or workspace (an admin whose
        schedule was paused). False where the platform does not allow it now; never raises."""
        ...


@dataclass
class MemoryPoster:
    """The test double: keeps every call in order, hands out refs "m1", "m2", ..."""

    calls: list[tuple[str, Place, str | None, OutgoingMessage]] = field(default_factory=list)
    fail_next: int = 0  # make the next N calls raise, to test failure handling
    fail_with: Exception | None = None  # what they raise (default: a ConnectionError)

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

    async def tell(self, place: Place, user_id: str, message: OutgoingMessage) -> bool:
        self.calls.append(("tell", place, user_id, message))
        return True

    def of_kind(self, kind: str) -> list[tuple[str, Place, str | None, OutgoingMessage]]:
        return [c for c in self.calls if c[0] == kind]

    def messages(self, cls: type[M]) -> list[M]:
        return [c[3] for c in self.calls if isinstance(c[3], cls)]

    def _maybe_fail(self) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise self.fail_with or ConnectionError("MemoryPoster told to fail")
