"""What the fake Slack knows and records: people and channels, Web API calls, response_url
posts, Socket Mode envelopes and acks, per-channel counters, the faults it was told to
inject, and the token buckets its rate limits use."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

T = TypeVar("T")

FaultKind = Literal["429", "500", "slow"]

# Per-method rate tiers ("Rate limits" in Slack's docs): (requests a second, burst). Tier 3 is
# "50+ per minute", Tier 4 "100+ per minute"; bursts are "occasional", not numbered: strictest
# reading, a few. chat.postMessage has its own per-channel limit (see WebApi).
TIER3 = (50 / 60, 5)
TIER4 = (100 / 60, 10)
METHOD_TIERS: dict[str, tuple[float, int]] = {
    "chat.update": TIER3,
    "chat.delete": TIER3,
    "views.open": TIER3,  # platform-limits.md: Tier 3
    "users.info": TIER4,
    "conversations.info": TIER3,
    "conversations.replies": TIER3,
    "chat.postEphemeral": TIER4,
}

# Methods that never count against limits or get faults: without them a client cannot
# even start, which is a different failure than the one a fault test wants to see.
UNLIMITED_METHODS = frozenset({"auth.test", "apps.connections.open"})


class ManualClock:
    """A clock the test moves by hand, for refilling rate-limit buckets without sleeping."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class TokenBucket:
    """Slack-style limiter: ``rate`` tokens per second, at most ``burst`` saved up."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError(f"token bucket needs rate > 0 and burst >= 1, got {rate=}, {burst=}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now

    def try_take(self) -> float:
        """Take a token; return 0.0 on success, else the seconds until one is available."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate

    def refund(self) -> None:
        self._tokens = min(self.burst, self._tokens + 1.0)


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str
    real_name: str
    display_name: str = ""
    is_admin: bool = False
    is_owner: bool = False
    is_bot: bool = False
    tz: str = "UTC"

    def to_api(self, team_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_admin": self.is_admin,
            "is_owner": self.is_owner,
            "is_primary_owner": self.is_owner,
            "is_bot": self.is_bot,
            "tz": self.tz,
            "profile": {
                "real_name": self.real_name,
                "display_name": self.display_name,
                "real_name_normalized": self.real_name,
                "display_name_normalized": self.display_name,
            },
        }


@dataclass(frozen=True)
class SlackChannel:
    """``is_member``: whether the bot is in it (a public one takes posts anyway, through
    chat:write.public; a private one the bot is not in looks like no channel at all)."""

    id: str
    name: str
    is_private: bool = False
    is_im: bool = False
    is_archived: bool = False
    is_member: bool = True

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private and not self.is_im,
            "is_group": self.is_private,
            "is_im": self.is_im,
            "is_private": self.is_private,
            "is_member": self.is_member,
            "is_archived": self.is_archived,
        }


DEFAULT_USERS: tuple[SlackUser, ...] = (
    SlackUser("U0ADMIN", "ada", "Ada Admin", "ada", is_admin=True, is_owner=True),
    SlackUser("U0ALICE", "alice", "Alice Liddell", "alice"),
    SlackUser("U0BOB", "bob", "Bob Builder", "bobby"),
)
DEFAULT_CHANNELS: tuple[SlackChannel, ...] = (
    SlackChannel("C0QUIZ", "quiz"),
    SlackChannel("C0RANDOM", "random"),
)


@dataclass
class Call:
    """One Web API call as the fake saw it (``at`` is ``time.monotonic()``)."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    fault: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and bool(self.response.get("ok"))


@dataclass
class ResponsePost:
    """A POST to a response URL (what bolt's ``respond()`` sent)."""

    response_id: str
    url: str
    body: dict[str, Any]
    at: float

    @property
    def response_type(self) -> str:
        # Slack treats a missing response_type as ephemeral.
        return str(self.body.get("response_type") or "ephemeral")


@dataclass
class Ack:
    """An ack the app sent back over the socket for one envelope."""

    envelope_id: str
    payload: dict[str, Any] | None
    sent_at: float
    at: float

    @property
    def latency(self) -> float:
        return self.at - self.sent_at


@dataclass
class SocketDelivery:
    envelope_id: str
    sent_at: float
    envelope: dict[str, Any]
    ack: Ack | None = None


@dataclass
class HttpDelivery:
    """What the app answered to a signed HTTP request; ``elapsed`` is the ack time."""

    status: int
    body: str
    headers: Mapping[str, str]
    elapsed: float
    response_url: str | None = None
    payload: dict[str, Any] | None = None

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class ChannelStats:
    delivered: int = 0
    rejected: int = 0


class SlackStats:
    """chat.postMessage outcomes per channel; ``stats["C1"]`` never raises."""

    def __init__(self) -> None:
        self.by_channel: dict[str, ChannelStats] = {}

    def __getitem__(self, channel: str) -> ChannelStats:
        return self.by_channel.get(channel, ChannelStats())

    def _for(self, channel: str) -> ChannelStats:
        return self.by_channel.setdefault(channel, ChannelStats())

    @property
    def delivered(self) -> int:
        return sum(s.delivered for s in self.by_channel.values())

    @property
    def rejected(self) -> int:
        return sum(s.rejected for s in self.by_channel.values())

    def __repr__(self) -> str:
        return f"SlackStats({self.by_channel!r})"


@dataclass
class FaultPlan:
    """Seeded random faults: ``rate`` of eligible calls get one of ``kinds``."""

    rate: float
    kinds: Sequence[FaultKind] = ("429", "500", "slow")
    seed: int = 0
    methods: frozenset[str] | None = None  # None: every method but UNLIMITED_METHODS
    slow_seconds: float = 0.2
    retry_after: int = 1
    # The share of 500s answered after the call was carried out: Slack says a 5xx may come
    # after part of the operation succeeded. Not documented how often: half.
    partial: float = 0.5

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, got {self.rate}")
        unknown = set(self.kinds) - {"429", "500", "slow"}
        if unknown or not self.kinds:
            raise ValueError(f"fault kinds must be among '429', '500', 'slow'; got {self.kinds}")
        self._rng = random.Random(self.seed)

    def applies_to(self, method: str) -> bool:
        if self.methods is None:
            return method not in UNLIMITED_METHODS
        return method in self.methods

    def draw(self) -> FaultKind | None:
        # Two draws per call whatever the outcome, so the sequence depends only on the seed.
        hit = self._rng.random() < self.rate
        kind = self.kinds[self._rng.randrange(len(self.kinds))]
        return kind if hit else None

    def after_processing(self) -> bool:
        return self._rng.random() < self.partial


@dataclass
class _ScriptedFault:
    method: str
    kind: FaultKind
    remaining: int
    retry_after: int
    slow_seconds: float
    after_processing: bool = False
