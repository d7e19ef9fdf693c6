"""A fake Slack on 127.0.0.1 that the real slack-bolt AsyncApp and slack_sdk talk to.

One aiohttp server plays three parts of Slack:

* the Web API at ``{fake.api_url}`` (``http://127.0.0.1:PORT/api/``): point
  ``AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)`` at it;
* response URLs (``/response/<id>``) handed out in the payloads the fake builds, so
  bolt's ``respond()`` lands here and is recorded;
* the Socket Mode websocket (``/socket``), whose URL ``apps.connections.open`` returns.

It also drives an app the way Slack does: signed HTTP requests (slash commands, block
actions, events) to a bolt ``web_app`` and envelopes over the socket, recording the acks.

Rate limits follow Slack's shape: chat.postMessage about 1/s per channel with a small
burst (token bucket), an optional workspace-wide bucket, 429 + ``Retry-After`` +
``{"ok": false, "error": "ratelimited"}``. Faults (429 / 500 / slow) can be scripted or
injected at a seeded rate, so a run is repeatable.

Times in records (``Call.at``, ``Ack.at``...) come from ``time.monotonic()``; only the
rate-limit buckets use the injectable ``clock`` so tests can refill them without sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import random
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

T = TypeVar("T")

FaultKind = Literal["429", "500", "slow"]

# Methods that never count against limits or get faults: without them a client cannot
# even start, which is a different failure than the one a fault test wants to see.
UNLIMITED_METHODS = frozenset({"auth.test", "apps.connections.open"})
# Form fields Slack documents as JSON-encoded strings when the body is form-encoded.
JSON_FORM_FIELDS = frozenset({"blocks", "attachments", "metadata", "view", "unfurls"})


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
    id: str
    name: str
    is_private: bool = False
    is_im: bool = False

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": not self.is_private and not self.is_im,
            "is_group": self.is_private,
            "is_im": self.is_im,
            "is_private": self.is_private,
            "is_member": True,
            "is_archived": False,
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


@dataclass
class _ScriptedFault:
    method: str
    kind: FaultKind
    remaining: int
    retry_after: int
    slow_seconds: float


class FakeSlack:
    """Fake Slack Web API + response URLs + Socket Mode server on 127.0.0.1.

    Use as ``async with FakeSlack() as fake:`` (or ``await fake.start()`` / ``close()``).
    """

    def __init__(
        self,
        *,
        bot_token: str = "xoxb-fake-bot-token",
        app_token: str = "xapp-fake-app-token",
        signing_secret: str = "fake-signing-secret",
        team_id: str = "T0QUIZ",
        team_domain: str = "quizbot-test",
        api_app_id: str = "A0QUIZ",
        bot_user_id: str = "U0QUIZBOT",
        bot_id: str = "B0QUIZBOT",
        users: Iterable[SlackUser] = DEFAULT_USERS,
        channels: Iterable[SlackChannel] = DEFAULT_CHANNELS,
        channel_rate: float = 1.0,
        channel_burst: int = 3,
        workspace_rate: float | None = None,
        workspace_burst: int = 20,
        retry_after: int | None = None,
        response_url_uses: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.users: dict[str, SlackUser] = {u.id: u for u in users}
        self.channels: dict[str, SlackChannel] = {c.id: c for c in channels}
        self.channel_rate = channel_rate
        self.channel_burst = channel_burst
        # None: Retry-After is the bucket's real wait rounded up (Slack sends whole seconds).
        self.retry_after = retry_after
        self.response_url_uses = response_url_uses
        self.clock = clock
        self._channel_buckets: dict[str, TokenBucket] = {}
        self._workspace_bucket = (
            TokenBucket(workspace_rate, workspace_burst, clock) if workspace_rate else None
        )
        self.fault_plan: FaultPlan | None = None
        self._scripted: list[_ScriptedFault] = []

        self.calls: list[Call] = []
        self.responses: list[ResponsePost] = []
        self.acks: list[Ack] = []
        self.envelopes: list[SocketDelivery] = []
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.stats = SlackStats()
        self.socket_connections = 0

        self._issued_response_urls: dict[str, int] = {}
        self._ids = itertools.count(1)
        self._ts_seconds = int(time.time())
        self._ts_counter = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._driver: aiohttp.ClientSession | None = None
        self.port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{response_id}", self._handle_response_url)
        app.router.add_get("/socket", self._handle_socket)
        # A short shutdown timeout: a test teardown should never wait on a stuck client.
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])
        self._driver = aiohttp.ClientSession()
        return self

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"fake slack closing")
        if self._driver is not None:
            await self._driver.close()
            self._driver = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ addresses

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("FakeSlack is not started: use `async with FakeSlack() as fake`")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """``base_url`` for ``AsyncWebClient`` (trailing slash included)."""
        return f"{self.base_url}/api/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/socket"

    def new_response_url(self) -> str:
        response_id = f"R{next(self._ids):06d}"
        self._issued_response_urls[response_id] = 0
        return f"{self.base_url}/response/{response_id}"

    # ------------------------------------------------------------------ configuration

    def add_user(self, user: SlackUser) -> None:
        self.users[user.id] = user

    def add_channel(self, channel: SlackChannel) -> None:
        self.channels[channel.id] = channel

    def inject_faults(
        self,
        rate: float,
        *,
        kinds: Sequence[FaultKind] = ("429", "500", "slow"),
        seed: int = 0,
        methods: Iterable[str] | None = None,
        slow_seconds: float = 0.2,
        retry_after: int = 1,
    ) -> FaultPlan:
        """Give ``rate`` of eligible calls a fault, reproducibly for a given ``seed``."""
        self.fault_plan = FaultPlan(
            rate=rate,
            kinds=tuple(kinds),
            seed=seed,
            methods=frozenset(methods) if methods is not None else None,
            slow_seconds=slow_seconds,
            retry_after=retry_after,
        )
        return self.fault_plan

    def fail_next(
        self,
        method: str,
        kind: FaultKind = "429",
        *,
        times: int = 1,
        retry_after: int = 0,
        slow_seconds: float = 0.2,
    ) -> None:
        """Script the next ``times`` calls of ``method`` to fail (checked before the plan)."""
        if kind not in ("429", "500", "slow"):
            raise ValueError(f"fault kind must be '429', '500' or 'slow', got {kind!r}")
        self._scripted.append(_ScriptedFault(method, kind, times, retry_after, slow_seconds))

    # ------------------------------------------------------------------ queries

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return self.messages.get(channel, {}).get(ts)

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        return list(self.messages.get(channel, {}).values())

    def responses_to(self, url: str) -> list[ResponsePost]:
        return [r for r in self.responses if r.url == url]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        count: int = 1,
    ) -> Call:
        """Return the ``count``-th call to ``method`` matching ``predicate`` (past ones count)."""

        def find() -> Call | None:
            hits = [c for c in self.calls_to(method) if predicate is None or predicate(c)]
            return hits[count - 1] if len(hits) >= count else None

        return await self._wait_until(
            find, timeout, lambda: f"{count} call(s) to {method}; saw {self._call_summary()}"
        )

    async def wait_for_response(
        self,
        predicate: Callable[[ResponsePost], bool] | None = None,
        timeout: float = 5.0,
        url: str | None = None,
    ) -> ResponsePost:
        def find() -> ResponsePost | None:
            for post in self.responses:
                if (url is None or post.url == url) and (predicate is None or predicate(post)):
                    return post
            return None

        return await self._wait_until(
            find, timeout, lambda: f"a response_url POST; saw {len(self.responses)} other(s)"
        )

    async def wait_for_ack(self, envelope_id: str, timeout: float = 3.0) -> Ack:
        def find() -> Ack | None:
            return next((a for a in self.acks if a.envelope_id == envelope_id), None)

        return await self._wait_until(
            find, timeout, lambda: f"an ack for envelope {envelope_id}; acks: {len(self.acks)}"
        )

    async def wait_for_socket(self, timeout: float = 3.0) -> web.WebSocketResponse:
        """The newest open Socket Mode connection (after a reconnect, the old one may linger)."""

        def find() -> web.WebSocketResponse | None:
            return next((ws for ws in reversed(self._sockets) if not ws.closed), None)

        return await self._wait_until(
            find, timeout, lambda: "a Socket Mode connection (did the handler connect?)"
        )

    async def wait_for_connections(self, count: int, timeout: float = 3.0) -> None:
        """Wait until ``count`` connections were ever opened and exactly one is open."""

        def find() -> bool | None:
            open_now = sum(not ws.closed for ws in self._sockets)
            return True if self.socket_connections >= count and open_now == 1 else None

        await self._wait_until(
            find,
            timeout,
            lambda: f"{count} Socket Mode connection(s); seen {self.socket_connections}",
        )

    async def wait_for_socket_closed(self, timeout: float = 3.0) -> None:
        def find() -> bool | None:
            return True if not any(not ws.closed for ws in self._sockets) else None

        await self._wait_until(find, timeout, lambda: "every Socket Mode connection to close")

    def _call_summary(self) -> str:
        return ", ".join(f"{c.method}->{c.status}" for c in self.calls[-10:]) or "no calls"

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(
        self, find: Callable[[], T | None], timeout: float, what: Callable[[], str]
    ) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"fake Slack waited {timeout}s for {what()}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    # ------------------------------------------------------------------ Web API

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return args
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            args.update(body)
            return args
        form = await request.post()
        for key, value in form.items():
            text = value if isinstance(value, str) else str(value)
            if key in JSON_FORM_FIELDS and text[:1] in "[{":
                args[key] = json.loads(text)
            else:
                args[key] = text
        return args

    def _token_of(self, request: web.Request, args: dict[str, Any]) -> str | None:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :].strip()
        token = args.pop("token", None)
        return str(token) if token is not None else None

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args = await self._read_args(request)
        except ValueError as exc:
            return web.json_response({"ok": False, "error": "invalid_json", "detail": str(exc)})
        token = self._token_of(request, args)
        call = Call(method=method, args=args, token=token, at=time.monotonic())
        try:
            status, body, headers = await self._serve(call)
        except Exception as exc:  # a bug in the fake must show up as a clear 500, not a hang
            status, body, headers = 500, {"ok": False, "error": "fake_bug", "detail": repr(exc)}, {}
        call.status, call.response = status, body
        self.calls.append(call)
        self._notify()
        return web.json_response(body, status=status, headers=headers)

    async def _serve(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        auth_error = self._check_token(call)
        if auth_error:
            return 200, {"ok": False, "error": auth_error}, {}

        fault, retry_after, slow = self._pick_fault(call.method)
        channel = str(call.args.get("channel", ""))
        counts_for_channel = call.method == "chat.postMessage"
        if fault == "429":
            call.fault = "429"
            if counts_for_channel:
                self.stats._for(channel).rejected += 1
            return self._ratelimited(retry_after)
        if fault == "500":
            call.fault = "500"
            if counts_for_channel:
                self.stats._for(channel).rejected += 1
            return 500, {"ok": False, "error": "internal_error"}, {}
        if fault == "slow":
            call.fault = "slow"
            await asyncio.sleep(slow)

        wait = self._take_rate_limit(call.method, channel)
        if wait > 0:
            call.fault = "ratelimited"
            if counts_for_channel:
                self.stats._for(channel).rejected += 1
            seconds = self.retry_after if self.retry_after is not None else math.ceil(wait)
            return self._ratelimited(seconds)

        handler = self._methods().get(call.method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        body = handler(call.args)
        if counts_for_channel and body.get("ok"):
            self.stats._for(channel).delivered += 1
        return 200, body, {}

    def _check_token(self, call: Call) -> str | None:
        if call.token is None:
            return "not_authed"
        if call.method == "apps.connections.open":
            if call.token == self.app_token:
                return None
            return "not_allowed_token_type" if call.token == self.bot_token else "invalid_auth"
        return None if call.token == self.bot_token else "invalid_auth"

    def _pick_fault(self, method: str) -> tuple[FaultKind | None, int, float]:
        for scripted in self._scripted:
            if scripted.method == method and scripted.remaining > 0:
                scripted.remaining -= 1
                return scripted.kind, scripted.retry_after, scripted.slow_seconds
        plan = self.fault_plan
        if plan is not None and plan.applies_to(method):
            return plan.draw(), plan.retry_after, plan.slow_seconds
        return None, 0, 0.0

    def _take_rate_limit(self, method: str, channel: str) -> float:
        if method in UNLIMITED_METHODS:
            return 0.0
        channel_bucket = None
        if method == "chat.postMessage" and channel:
            channel_bucket = self._channel_buckets.get(channel)
            if channel_bucket is None:
                channel_bucket = TokenBucket(self.channel_rate, self.channel_burst, self.clock)
                self._channel_buckets[channel] = channel_bucket
            wait = channel_bucket.try_take()
            if wait > 0:
                return wait
        if self._workspace_bucket is not None:
            wait = self._workspace_bucket.try_take()
            if wait > 0:
                if channel_bucket is not None:
                    channel_bucket.refund()
                return wait
        return 0.0

    @staticmethod
    def _ratelimited(retry_after: int) -> tuple[int, dict[str, Any], dict[str, str]]:
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "api.test": lambda args: {"ok": True, "args": args},
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
        }

    def _next_ts(self) -> str:
        # Fixed-width microseconds keep ts strings sorting like numbers, as Slack's do.
        n = next(self._ts_counter)
        return f"{self._ts_seconds + n // 1_000_000}.{n % 1_000_000:06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": self.team_domain,
            "user": "quizbot",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"{self.ws_url}?ticket={next(self._ids)}"}

    def _channel_or_error(self, args: dict[str, Any]) -> str | dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found", "detail": "missing 'channel'"}
        channel = str(channel)
        # Posting teaches the fake the channel, so tests can use any id without set-up.
        self.channels.setdefault(channel, SlackChannel(channel, channel.lower()))
        return channel

    def _bot_message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "team": self.team_id,
            "ts": ts,
            "text": str(args.get("text") or ""),
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if args.get(key) is not None:
                message[key] = args[key]
        return message

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_or_error(args)
        if isinstance(channel, dict):
            return channel
        if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = self._bot_message(args, ts)
        self.messages.setdefault(channel, {})[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        current = self.message(channel, ts)
        if current is None:
            return {"ok": False, "error": "message_not_found"}
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                current[key] = args[key]
        current["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": current.get("text", ""),
            "message": current,
        }

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_or_error(args)
        if isinstance(channel, dict):
            return channel
        user = args.get("user")
        if not user or str(user) not in self.users:
            return {"ok": False, "error": "user_not_found"}
        ts = self._next_ts()
        self.ephemerals.append({**args, "channel": channel, "message_ts": ts})
        return {"ok": True, "message_ts": ts}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if self.messages.get(channel, {}).pop(ts, None) is None:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel, "ts": ts}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user") or ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user.to_api(self.team_id)}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(str(args.get("channel") or ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel.to_api()}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        parent = self.message(channel, ts)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        replies = [m for m in self.channel_messages(channel) if m.get("thread_ts") == ts]
        return {"ok": True, "messages": [parent, *replies], "has_more": False}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = args.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments", "detail": "'view' must be an object"}
        opened = {**view, "id": f"V{next(self._ids):06d}", "team_id": self.team_id}
        self.views.append(opened)
        return {"ok": True, "view": opened}

    # ------------------------------------------------------------------ response URLs

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        response_id = request.match_info["response_id"]
        uses = self._issued_response_urls.get(response_id)
        if uses is None:
            return web.Response(status=404, text="no_active_hooks")
        if uses >= self.response_url_uses:
            # Slack allows a handful of uses per response_url; later ones fail.
            return web.Response(status=404, text="used_url")
        self._issued_response_urls[response_id] = uses + 1
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        self.responses.append(
            ResponsePost(
                response_id,
                str(request.url),
                body if isinstance(body, dict) else {},
                time.monotonic(),
            )
        )
        self._notify()
        return web.Response(text="ok")

    # ------------------------------------------------------------------ Socket Mode

    async def _handle_socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.api_app_id},
            }
        )
        self._notify()
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                self._record_ack(msg.data)
        finally:
            self._sockets.remove(ws)
            self._notify()
        return ws

    def _record_ack(self, raw: str) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            return
        if not isinstance(data, dict) or "envelope_id" not in data:
            return
        envelope_id = str(data["envelope_id"])
        delivery = next((d for d in self.envelopes if d.envelope_id == envelope_id), None)
        ack = Ack(
            envelope_id=envelope_id,
            payload=data.get("payload"),
            sent_at=delivery.sent_at if delivery else math.nan,
            at=time.monotonic(),
        )
        if delivery is not None and delivery.ack is None:
            delivery.ack = ack
        self.acks.append(ack)
        self._notify()

    async def socket_send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool = False,
        retry_attempt: int | None = None,
        retry_reason: str | None = None,
        wait_ack: bool = True,
        timeout: float = 3.0,
    ) -> SocketDelivery:
        """Send one envelope over the first open socket; wait for its ack unless told not to."""
        ws = await self.wait_for_socket(timeout)
        envelope_id = f"env-{next(self._ids):06d}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": envelope_type,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
        }
        if retry_attempt is not None:
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason or "timeout"
        delivery = SocketDelivery(envelope_id, time.monotonic(), envelope)
        self.envelopes.append(delivery)
        await ws.send_json(envelope)
        if wait_ack:
            await self.wait_for_ack(envelope_id, timeout)
        return delivery

    async def socket_send_slash_command(
        self,
        command: str = "/quiz",
        text: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0QUIZ",
        team_id: str | None = None,
        retry_attempt: int | None = None,
        wait_ack: bool = True,
        timeout: float = 3.0,
    ) -> SocketDelivery:
        payload = self.slash_command_payload(
            command, text, user_id=user_id, channel_id=channel_id, team_id=team_id
        )
        return await self.socket_send(
            "slash_commands",
            payload,
            accepts_response_payload=True,
            retry_attempt=retry_attempt,
            wait_ack=wait_ack,
            timeout=timeout,
        )

    async def socket_send_block_action(
        self,
        action_id: str,
        value: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0QUIZ",
        message_ts: str | None = None,
        block_id: str = "quiz",
        team_id: str | None = None,
        wait_ack: bool = True,
        timeout: float = 3.0,
    ) -> SocketDelivery:
        payload = self.block_action_payload(
            action_id,
            value,
            user_id=user_id,
            channel_id=channel_id,
            message_ts=message_ts,
            block_id=block_id,
            team_id=team_id,
        )
        return await self.socket_send("interactive", payload, wait_ack=wait_ack, timeout=timeout)

    async def socket_send_event(
        self, event: dict[str, Any], *, wait_ack: bool = True, timeout: float = 3.0
    ) -> SocketDelivery:
        return await self.socket_send(
            "events_api", self.event_payload(event), wait_ack=wait_ack, timeout=timeout
        )

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask connected clients to reconnect, as Slack does every few hours."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": reason})

    # ------------------------------------------------------------------ payload builders

    def slash_command_payload(
        self,
        command: str = "/quiz",
        text: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0QUIZ",
        team_id: str | None = None,
    ) -> dict[str, str]:
        user = self.users.get(user_id)
        channel = self.channels.get(channel_id)
        return {
            "token": "deprecated-verification-token",
            "team_id": team_id or self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": channel.name if channel else channel_id.lower(),
            "user_id": user_id,
            "user_name": user.name if user else user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.new_response_url(),
            "trigger_id": f"{next(self._ids)}.fake.trigger",
        }

    def block_action_payload(
        self,
        action_id: str,
        value: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0QUIZ",
        message_ts: str | None = None,
        block_id: str = "quiz",
        team_id: str | None = None,
    ) -> dict[str, Any]:
        team = team_id or self.team_id
        user = self.users.get(user_id)
        channel = self.channels.get(channel_id)
        message_ts = message_ts or self._next_ts()
        stored = self.message(channel_id, message_ts)
        message = dict(stored) if stored else {"type": "message", "ts": message_ts, "text": ""}
        now = f"{time.time():.6f}"
        return {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": user.name if user else user_id.lower(),
                "name": user.name if user else user_id.lower(),
                "team_id": team,
            },
            "api_app_id": self.api_app_id,
            "token": "deprecated-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            },
            "trigger_id": f"{next(self._ids)}.fake.trigger",
            "team": {"id": team, "domain": self.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": channel.name if channel else channel_id},
            "message": message,
            "state": {"values": {}},
            "response_url": self.new_response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": value or action_id, "emoji": True},
                    "value": value,
                    "action_ts": now,
                }
            ],
        }

    def event_payload(self, event: dict[str, Any]) -> dict[str, Any]:
        """Wrap an event (e.g. a ``message``) the way the Events API delivers it."""
        n = next(self._ids)
        return {
            "token": "deprecated-verification-token",
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": f"Ev{n:08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }

    # ------------------------------------------------------------------ HTTP-mode driver

    async def send_signed(
        self,
        app_url: str,
        body: str,
        *,
        content_type: str = "application/x-www-form-urlencoded",
        signing_secret: str | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        timeout: float = 5.0,
    ) -> HttpDelivery:
        """POST ``body`` to the app signed like Slack does; ``elapsed`` is the ack time."""
        if self._driver is None:
            raise RuntimeError("FakeSlack is not started: use `async with FakeSlack() as fake`")
        ts = str(int(time.time()) if timestamp is None else timestamp)
        secret = signing_secret or self.signing_secret
        signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        assert signature is not None
        if bad_signature:
            signature = "v0=" + "0" * 64
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        started = time.perf_counter()
        async with self._driver.post(
            app_url,
            data=body.encode("utf-8"),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as resp:
            text = await resp.text()
            elapsed = time.perf_counter() - started
            return HttpDelivery(resp.status, text, dict(resp.headers), elapsed)

    async def send_slash_command(
        self,
        app_url: str,
        command: str = "/quiz",
        text: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0QUIZ",
        team_id: str | None = None,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> HttpDelivery:
        payload = self.slash_command_payload(
            command, text, user_id=user_id, channel_id=channel_id, team_id=team_id
        )
        delivery = await self.send_signed(
            app_url,
            urllib.parse.urlencode(payload),
            signing_secret=signing_secret,
            timestamp=timestamp,
            bad_signature=bad_signature,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )
        delivery.response_url = payload["response_url"]
        delivery.payload = payload
        return delivery

    async def send_block_action(
        self,
        app_url: str,
        action_id: str,
        value: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0QUIZ",
        message_ts: str | None = None,
        block_id: str = "quiz",
        team_id: str | None = None,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        bad_signature: bool = False,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> HttpDelivery:
        payload = self.block_action_payload(
            action_id,
            value,
            user_id=user_id,
            channel_id=channel_id,
            message_ts=message_ts,
            block_id=block_id,
            team_id=team_id,
        )
        delivery = await self.send_signed(
            app_url,
            urllib.parse.urlencode({"payload": json.dumps(payload)}),
            signing_secret=signing_secret,
            timestamp=timestamp,
            bad_signature=bad_signature,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )
        delivery.response_url = payload["response_url"]
        delivery.payload = payload
        return delivery

    async def send_event(
        self,
        app_url: str,
        event: dict[str, Any],
        *,
        signing_secret: str | None = None,
        timestamp: int | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> HttpDelivery:
        payload = self.event_payload(event)
        delivery = await self.send_signed(
            app_url,
            json.dumps(payload),
            content_type="application/json",
            signing_secret=signing_secret,
            timestamp=timestamp,
            retry_num=retry_num,
            retry_reason=retry_reason,
        )
        delivery.payload = payload
        return delivery
