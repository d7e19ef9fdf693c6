"""A fake Discord (REST + gateway) on 127.0.0.1 for an unmodified discord.py 2.7 client.

It speaks just enough of the real protocol for a ``discord.Client`` to log in, sync
application commands, post and edit messages, open threads and receive slash commands,
autocomplete and button clicks as INTERACTION_CREATE events. Every REST call is recorded so a
test can assert on what the bot tried; rate limits and faults can be switched on to check that
the bot (through discord.py) survives them.

Typical use (see tests/fakes/discord_fixtures.py for ready-made fixtures)::

    async with FakeDiscord() as fake, point_discord_at(fake):
        client = make_my_client()  # a discord.Client with guild_ready_timeout=0.1
        async with running_client(client, fake):
            handle = await fake.send_slash_command("ping", {})
            callback = await handle.response()
            assert callback.ephemeral and callback.latency < 3

Everything here runs on the test's event loop and every wait is bounded.

What discord.py 2.7.1 needs from a server (each cost time to find):
- JSON answers with Content-Type exactly ``application/json``; with ``; charset=utf-8``
  discord.py keeps the body as a str and fails indexing it.
- A 429 must carry a ``Via`` header and a JSON body with ``retry_after``, or discord.py takes
  it for a Cloudflare ban and raises HTTPException without retrying.
- 500/502/504 are retried after sleeping 1 + 2 * try seconds (1 s, 3 s, ...), up to 5 tries.
- ``X-RateLimit-Remaining: 0`` makes the client sleep ``X-RateLimit-Reset-After`` before the
  next request of that bucket, so per-route limits pace the bot without any 429.
- Interaction callbacks always carry ``?with_response=1`` and expect
  ``{"interaction": {...}, "resource": {"type": ..., "message": {...}}}``; they go through
  the webhook adapter (no Authorization header, one lock per interaction token).
- INTERACTION_CREATE needs ``attachment_size_limit``; a DynamicItem only fires when the
  payload's ``message.components`` contains the clicked custom_id.
- ``client.wait_until_ready()`` raises before ``login()``: log in first, then connect.
- Channel posts carry ``nonce`` + ``enforce_nonce``; a retried post after a lost response
  is answered with the first message, as Discord does.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import json
import random
import re
import secrets
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

API_PREFIX = "/api/v10"
JSON_TYPE = "application/json"  # exactly this: discord.py only parses JSON for this value
DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
_MEMBER_BITS = (6, 10, 11, 14, 15, 16, 18, 31, 35, 38)  # react, view, send, embed, files, ...
MEMBER_PERMISSIONS = str(sum(1 << bit for bit in _MEMBER_BITS))
# Discord sends an administrator every permission bit in interaction payloads.
ADMIN_PERMISSIONS = str((1 << 51) - 1)
# GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT: need a switch in the developer portal.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# Discord's commonly observed per-channel message limit, for benchmarks that want realism.
DISCORD_LIKE_ROUTE_LIMITS: dict[str, tuple[int, float]] = {
    "POST /channels/{channel_id}/messages": (5, 5.0),
}

# Interaction types and callback types, named as in Discord's documentation.
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5
CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE = 8
CALLBACK_MODAL = 9

# Routes the bot needs before it can do anything: never faulted, never rate limited.
_LOGIN_ROUTES = frozenset(
    {"GET /users/@me", "GET /oauth2/applications/@me", "GET /gateway", "GET /gateway/bot"}
)


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


@functools.lru_cache(maxsize=512)
def _placeholder_regex(pattern: str) -> re.Pattern[str]:
    """'/channels/{id}/messages' -> a regex where each {name} matches one path segment."""
    parts = re.split(r"(\{[^}/]+\})", pattern)
    body = "".join(
        f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") and p[1:-1].isidentifier() else re.escape(p)
        for p in parts
        if p
    )
    # Duplicate names (two {id}) are legal in a caller's pattern: make them anonymous.
    seen: set[str] = set()

    def dedupe(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in seen:
            return "("
        seen.add(name)
        return match.group(0)

    return re.compile(re.sub(r"\(\?P<([^>]+)>", dedupe, body) + "$")


# --------------------------------------------------------------------------- data model


@dataclass
class FakeUser:
    """A Discord user; ``permissions`` is what an interaction from them carries in the guild."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    permissions: str = MEMBER_PERMISSIONS
    roles: list[int] = field(default_factory=list)
    nick: str | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data

    def member_payload(self, *, with_permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user": self.payload(),
            "nick": self.nick,
            "avatar": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_permissions:
            data["permissions"] = self.permissions
        return data


@dataclass
class FakeChannel:
    id: int
    name: str
    guild_id: int | None
    type: int = 0  # 0 text, 11 public thread, 12 private thread, 1 DM
    parent_id: int | None = None
    owner_id: int | None = None
    auto_archive_duration: int = 1440

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "name": self.name}
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.is_thread:
            data.update(
                parent_id=str(self.parent_id),
                owner_id=str(self.owner_id),
                last_message_id=None,
                rate_limit_per_user=0,
                message_count=0,
                member_count=1,
                total_message_sent=0,
                flags=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": _now_iso(),
                    "locked": False,
                    "create_timestamp": _now_iso(),
                },
            )
        elif self.type == 0:
            data.update(
                position=0,
                permission_overwrites=[],
                nsfw=False,
                parent_id=None,
                topic=None,
                last_message_id=None,
                rate_limit_per_user=0,
                flags=0,
            )
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeUser] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        everyone = {
            "id": str(self.id),
            "name": "@everyone",
            "permissions": MEMBER_PERMISSIONS,
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        text_channels = [c for c in self.channels if not c.is_thread]
        threads = [c for c in self.channels if c.is_thread]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "member_count": len(self.members),
            "large": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "roles": [everyone, *self.roles],
            "channels": [c.payload() for c in text_channels],
            "threads": [c.payload() for c in threads],
            "members": [m.member_payload() for m in self.members],
            "presences": [],
            "voice_states": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "system_channel_id": str(text_channels[0].id) if text_channels else None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "afk_timeout": 300,
        }


# --------------------------------------------------------------------------- records


@dataclass
class Call:
    """One REST request as the fake saw it, and what it answered."""

    method: str
    path: str  # without the /api/v10 prefix
    route: str | None  # the matched template, e.g. "POST /channels/{channel_id}/messages"
    query: dict[str, str]
    json: Any
    headers: dict[str, str]  # without Authorization
    auth: str  # "ok" (bot token matched), "bad" (wrong token) or "none" (no header)
    at: float  # loop time when it arrived
    status: int = 0
    response: Any = None
    fault: str | None = None  # "429", "500", "delay", "global-429", "route-429", ...
    files: list[str] = field(default_factory=list)


@dataclass
class Callback:
    """An interaction callback the bot POSTed (``/interactions/{id}/{token}/callback``)."""

    type: int
    data: dict[str, Any] | None
    latency: float  # seconds from INTERACTION_CREATE sent to callback received
    status: int

    @property
    def ephemeral(self) -> bool:
        return bool((self.data or {}).get("flags", 0) & EPHEMERAL)

    @property
    def content(self) -> str | None:
        return (self.data or {}).get("content")

    @property
    def choices(self) -> list[dict[str, Any]]:
        return list((self.data or {}).get("choices", []))


@dataclass
class FakeStats:
    requests: int = 0
    delivered: int = 0  # 2xx answers
    rate_limited: int = 0  # 429 answers (global, per-route and injected)
    server_errors: int = 0  # injected 5xx answers
    delayed: int = 0
    lost_responses: int = 0  # handled but answered 500 (Faults.lost_response, after_processing)
    deduplicated: int = 0  # posts answered with an earlier message of the same nonce
    messages_created: int = 0  # channel posts, followups and callback messages stored
    messages_edited: int = 0
    interactions_sent: int = 0
    by_status: Counter[int] = field(default_factory=Counter)

    @property
    def rejected(self) -> int:
        return self.rate_limited + self.server_errors


@dataclass
class Faults:
    """Random faults drawn from a seeded RNG, one draw per eligible request.

    ``routes``: "METHOD /template" patterns (placeholders allowed) the faults apply to; empty
    means every REST route except login and gateway discovery.
    """

    seed: int = 0
    rate_limited: float = 0.0  # fraction answered 429 (not global) with ``retry_after``
    server_error: float = 0.0  # fraction answered 500 or 502
    lost_response: float = 0.0  # fraction handled, then answered 500 (the bot retries)
    slow: float = 0.0  # fraction delayed by a uniform draw from ``delay``
    retry_after: float = 0.05
    delay: tuple[float, float] = (0.02, 0.1)
    routes: tuple[str, ...] = ()


@dataclass
class _ScriptedFault:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float
    is_global: bool
    after_processing: bool = False


class _Waiter:
    """An Event-based 'wait until this check returns something', always bounded."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def notify(self) -> None:
        self._changed.set()

    async def wait(self, check: Callable[[], Any], timeout: float, what: Callable[[], str]) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(what())
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


class CallbackRejected(AssertionError):
    """The bot's interaction callback was refused (too late, or for an unknown interaction)."""


class InteractionHandle:
    """One injected interaction and everything the bot did with its token."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any], dispatched_at: float) -> None:
        self._fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.dispatched_at = dispatched_at
        self.callbacks: list[Callback] = []  # accepted callbacks (Discord accepts one)
        self.rejected_callbacks: list[Callback] = []  # late or duplicate acknowledgements
        self.followups: list[dict[str, Any]] = []  # messages created with the token
        self.edits: list[dict[str, Any]] = []  # PATCH bodies sent with the token
        self.original_message_id: int | None = None
        self._waiter = _Waiter()

    def _notify(self) -> None:
        self._waiter.notify()

    @property
    def original(self) -> dict[str, Any] | None:
        """The current state of the message the response created or updated, if any."""
        if self.original_message_id is None:
            return None
        return self._fake.messages.get(self.original_message_id)

    async def response(self, timeout: float = 3.0) -> Callback:
        """The first accepted callback: its type, data and latency since dispatch."""

        def check() -> Callback | None:
            if self.callbacks:
                return self.callbacks[0]
            if self.rejected_callbacks:
                # A rejected first callback (late or unknown) can never be followed by an
                # accepted one, so fail now rather than at the timeout.
                rejected = ", ".join(
                    f"type {c.type} -> {c.status} after {c.latency:.3f}s"
                    for c in self.rejected_callbacks
                )
                raise CallbackRejected(f"interaction {self.id}: callback rejected: {rejected}")
            return None

        return await self._waiter.wait(
            check,
            timeout,
            lambda: f"the bot sent no callback for interaction {self.id} within {timeout}s",
        )

    async def followup(self, count: int = 1, timeout: float = 3.0) -> dict[str, Any]:
        """The ``count``-th followup message (1-based) sent with this interaction's token."""
        return await self._waiter.wait(
            lambda: self.followups[count - 1] if len(self.followups) >= count else None,
            timeout,
            lambda: f"only {len(self.followups)} followup(s) for interaction {self.id}",
        )

    async def edit(self, count: int = 1, timeout: float = 3.0) -> dict[str, Any]:
        """The ``count``-th edit body (1-based) sent with this interaction's token."""
        return await self._waiter.wait(
            lambda: self.edits[count - 1] if len(self.edits) >= count else None,
            timeout,
            lambda: f"only {len(self.edits)} edit(s) for interaction {self.id}",
        )


@dataclass
class _Session:
    session_id: str
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=2000))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


_Handler = Callable[[web.Request, "Call", dict[str, str]], Awaitable[tuple[int, Any]]]


class DiscordError(Exception):
    """Raised by a route handler to answer a Discord-shaped error."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


# --------------------------------------------------------------------------- the fake


class FakeDiscord:
    """A fake Discord REST API and gateway on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        *,
        token: str = "fake-bot-token",
        application_id: int = 700_000_000_000_000_001,
        bot_name: str = "quizbot",
        heartbeat_interval_ms: int = 41_250,
        global_limit: float | None = None,
        global_window: float = 1.0,
        route_limit: tuple[int, float] = (50, 1.0),
        route_limits: dict[str, tuple[int, float]] | None = None,
        interaction_deadline: float | None = 3.0,
        privileged_intents: bool = False,
    ) -> None:
        """``global_limit``: requests per second over all bot routes (None: unlimited; Discord:
        50), counted in windows of ``global_window`` seconds;
        ``route_limit``: (requests, window seconds) per route bucket and major parameter;
        ``route_limits``: overrides by "METHOD /template", e.g. Discord's 5 per 5 s for
        ``"POST /channels/{channel_id}/messages"``; ``interaction_deadline``: seconds after
        dispatch that the first callback is still accepted (Discord: 3), None for no limit;
        ``privileged_intents``: whether the (fake) developer portal enabled members, presence
        and message-content intents; if not, IDENTIFY asking for them is closed with 4014,
        which discord.py raises as PrivilegedIntentsRequired."""
        self.token = token
        self.application_id = application_id
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.global_limit = global_limit
        self.global_window = global_window
        self.route_limit = route_limit
        self.route_limits = dict(route_limits or {})
        self.interaction_deadline = interaction_deadline
        self.privileged_intents = privileged_intents

        self._last_snowflake = 0
        self.bot = FakeUser(self._snowflake(), bot_name, bot=True)
        self.owner = FakeUser(self._snowflake(), "owner", global_name="Owner")
        self.alice = FakeUser(self._snowflake(), "alice", global_name="Alice")
        self.bob = FakeUser(self._snowflake(), "bob", global_name="Bob")
        self.admin = FakeUser(self._snowflake(), "admin", permissions=ADMIN_PERMISSIONS)
        guild_id = self._snowflake()
        self.guild = FakeGuild(
            id=guild_id,
            name="Deep Learning Club",
            owner_id=self.owner.id,
            channels=[
                FakeChannel(self._snowflake(), "general", guild_id),
                FakeChannel(self._snowflake(), "daily-quiz", guild_id),
            ],
            members=[self.bot, self.owner, self.alice, self.bob, self.admin],
        )
        self.guilds: list[FakeGuild] = [self.guild]
        self.channels: dict[int, FakeChannel] = {c.id: c for c in self.guild.channels}

        self.calls: list[Call] = []
        self.gateway_received: list[dict[str, Any]] = []  # client -> server frames
        self.messages: dict[int, dict[str, Any]] = {}
        # (channel id, nonce) -> message id: a nonce'd post looks up its first try in O(1)
        # (a scan of every stored message made a 10,000-channel fan-out quadratic).
        self._by_nonce: dict[tuple[int, str], int] = {}
        self.deleted_messages: list[int] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global)
        self.interactions: list[InteractionHandle] = []
        self.stats = FakeStats()

        self._by_interaction_id: dict[int, InteractionHandle] = {}
        self._by_token: dict[str, InteractionHandle] = {}
        self._routes: list[tuple[str, str, re.Pattern[str], _Handler]] = []
        self._register_routes()
        self._waiter: _Waiter | None = None
        self._ready: asyncio.Event | None = None
        self._sessions: dict[str, _Session] = {}
        self._session: _Session | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._runner: web.AppRunner | None = None
        self._faults: Faults | None = None
        self._fault_rng = random.Random(0)
        self._scripted: list[_ScriptedFault] = []
        self._global_reset_at = 0.0
        self._global_used = 0
        self._buckets: dict[str, tuple[float, int]] = {}  # key -> (window reset at, used)
        self.port = 0

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def channel(self) -> FakeChannel:
        """The default text channel (#general of the default guild)."""
        return self.guild.channels[0]

    async def start(self) -> FakeDiscord:
        self._waiter = _Waiter()
        self._ready = asyncio.Event()
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._not_api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(code=1001, message=b"fake stopped"), 1.0)
        self._sockets.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait_until_ready(self, timeout: float = 5.0) -> None:
        """Until a client identified and got READY plus a GUILD_CREATE per guild."""
        assert self._ready is not None, "start the fake first"
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no client identified on {self.gateway_url} within {timeout}s; "
                f"REST calls so far: {self.describe_calls()}"
            ) from None

    # ----------------------------------------------------------------- model helpers

    def _snowflake(self) -> int:
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        value = max(stamp, self._last_snowflake + 1)
        self._last_snowflake = value
        return value

    def add_user(self, username: str, *, permissions: str = MEMBER_PERMISSIONS) -> FakeUser:
        """A new member of the default guild (sent in GUILD_CREATE if added before login)."""
        user = FakeUser(self._snowflake(), username, global_name=username.title())
        user.permissions = permissions
        self.guild.members.append(user)
        return user

    def add_channel(self, name: str, *, guild: FakeGuild | None = None) -> FakeChannel:
        guild = guild or self.guild
        channel = FakeChannel(self._snowflake(), name, guild.id)
        guild.channels.append(channel)
        self.channels[channel.id] = channel
        return channel

    def messages_in(
        self, channel_id: int, *, interaction_responses: bool = True
    ) -> list[dict[str, Any]]:
        """Stored messages of a channel, oldest first; interaction responses and followups
        (they carry ``webhook_id``) are left out with ``interaction_responses=False``."""
        return [
            m
            for m in self.messages.values()
            if int(m["channel_id"]) == channel_id
            and (interaction_responses or "webhook_id" not in m)
        ]

    @property
    def identify(self) -> dict[str, Any] | None:
        """The last IDENTIFY payload (token redacted): intents, properties, shard."""
        frames = [f for f in self.gateway_received if f.get("op") == 2]
        return frames[-1]["d"] if frames else None

    def _guild_of(self, channel_id: int) -> FakeGuild | None:
        channel = self.channels.get(channel_id)
        if channel is None or channel.guild_id is None:
            return None
        return next((g for g in self.guilds if g.id == channel.guild_id), None)

    def _user(self, user_id: int) -> FakeUser | None:
        for guild in self.guilds:
            for member in guild.members:
                if member.id == user_id:
                    return member
        return None

    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        author: FakeUser | None = None,
        message_type: int = 0,
        webhook_id: int | None = None,
        flags: int | None = None,
        files: Iterable[str] = (),
        interaction: InteractionHandle | None = None,
    ) -> dict[str, Any]:
        author = author or self.bot
        message_id = self._snowflake()
        attachments = [
            {
                "id": str(self._snowflake()),
                "filename": name,
                "size": 0,
                "url": f"http://127.0.0.1:{self.port}/attachments/{name}",
                "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{name}",
            }
            for name in files
        ]
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": list(body.get("embeds") or []),
            "reactions": [],
            "pinned": False,
            "type": message_type,
            "flags": int(body.get("flags") or 0) if flags is None else flags,
            "components": list(body.get("components") or []),
        }
        guild = self._guild_of(channel_id)
        if guild is not None:
            message["guild_id"] = str(guild.id)
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
            nonce_key = (channel_id, str(body["nonce"]))
            if self._by_nonce.get(nonce_key) not in self.messages:  # the first one stays found
                self._by_nonce[nonce_key] = message_id
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        if interaction is not None:
            member = interaction.payload.get("member", {}).get("user") or interaction.payload.get(
                "user"
            )
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": member,
                "authorizing_integration_owners": {},
            }
        self.messages[message_id] = message
        self.stats.messages_created += 1
        return message

    def _edit_message(self, message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "flags", "attachments"):
            if key in body and body[key] is not None:
                message[key] = body[key]
        if "flags" in body and body["flags"] is None:
            message["flags"] = 0
        message["edited_timestamp"] = _now_iso()
        self.stats.messages_edited += 1
        return message

    # ----------------------------------------------------------------- recorded calls

    def calls_to(self, method: str, path_pattern: str) -> list[Call]:
        """Recorded calls whose path matches; ``{anything}`` matches one path segment."""
        regex = _placeholder_regex(path_pattern)
        method = method.upper()
        return [c for c in self.calls if c.method == method and regex.match(c.path)]

    async def wait_for_call(
        self,
        method: str,
        path_pattern: str,
        timeout: float = 5.0,
        *,
        count: int = 1,
        predicate: Callable[[Call], bool] | None = None,
    ) -> Call:
        """The ``count``-th (1-based) matching call that has been answered, waiting if needed."""
        assert self._waiter is not None, "start the fake first"

        def check() -> Call | None:
            found = [
                c
                for c in self.calls_to(method, path_pattern)
                if c.status and (predicate is None or predicate(c))
            ]
            return found[count - 1] if len(found) >= count else None

        return await self._waiter.wait(
            check,
            timeout,
            lambda: (
                f"no {method} {path_pattern} (#{count}) within {timeout}s; "
                f"the bot tried: {self.describe_calls()}"
            ),
        )

    def describe_calls(self, last: int = 30) -> str:
        rows = [f"{c.method} {c.path} -> {c.status}" for c in self.calls[-last:]]
        return "; ".join(rows) or "nothing"

    @property
    def unknown_calls(self) -> list[Call]:
        """Requests to routes the fake does not implement (answered 404)."""
        return [c for c in self.calls if c.route is None]

    # ----------------------------------------------------------------- faults and limits

    def inject_faults(self, faults: Faults | None) -> None:
        """Switch random faults on (or off with None); the RNG is reseeded from ``faults.seed``."""
        self._faults = faults
        self._fault_rng = random.Random(faults.seed if faults else 0)

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        after_processing: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (429, 500, 502, ...).

        ``after_processing=True`` (5xx only) handles the request first, so the message
        exists but the bot sees an error: the "lost response" case a retry must not double.
        """
        self._scripted.append(
            _ScriptedFault(
                method.upper(),
                _placeholder_regex(path_pattern),
                status,
                times,
                retry_after,
                is_global,
                after_processing,
            )
        )

    def _route_limit(self, route: str) -> tuple[int, float]:
        return self.route_limits.get(route, self.route_limit)

    def _bucket_headers(self, route: str, major: str) -> tuple[dict[str, str], bool]:
        """Consume one request of the route's bucket; (headers, allowed)."""
        limit, window = self._route_limit(route)
        now = time.monotonic()
        key = f"{route}:{major}"
        reset_at, used = self._buckets.get(key, (0.0, 0))
        if now >= reset_at:
            reset_at, used = now + window, 0
        allowed = used < limit
        if allowed:
            used += 1
        self._buckets[key] = (reset_at, used)
        reset_after = max(reset_at - now, 0.0)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - used, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(route.encode()).hexdigest()[:16],
        }
        return headers, allowed

    def _take_global_token(self) -> float:
        """0 when the request may pass the global limit, else seconds to wait.

        A bucket of ``global_limit * global_window`` tokens refilled at each window's end,
        like Discord's "50 per second". A continuously refilled bucket would hand every
        waiting request the same short retry_after; they would all retry together and
        discord.py gives up after 5 tries.
        """
        if self.global_limit is None:
            return 0.0
        now = time.monotonic()
        capacity = max(1, round(self.global_limit * self.global_window))
        if now >= self._global_reset_at:
            self._global_reset_at, self._global_used = now + self.global_window, 0
        if self._global_used < capacity:
            self._global_used += 1
            return 0.0
        return max(self._global_reset_at - now, 0.001)

    def _faults_apply(self, route: str | None, method: str, path: str) -> bool:
        if self._faults is None or route is None or route in _LOGIN_ROUTES:
            return False
        if not self._faults.routes:
            return True
        for pattern in self._faults.routes:
            want_method, _, want_path = pattern.partition(" ")
            if want_method.upper() == method and _placeholder_regex(want_path).match(path):
                return True
        return False

    @staticmethod
    def _rate_limited(
        retry_after: float, *, is_global: bool, scope: str, extra: dict[str, str] | None = None
    ) -> web.Response:
        body = {
            "message": "You are being rate limited.",
            "retry_after": round(retry_after, 3),
            "global": is_global,
            "code": 0,
        }
        headers = {
            "Retry-After": str(max(1, int(retry_after + 0.999))),
            "X-RateLimit-Scope": scope,
            # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
            "Via": "1.1 google",
            **(extra or {}),
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        return _json(429, body, headers)

    # ----------------------------------------------------------------- REST entry point

    async def _not_api(self, request: web.Request) -> web.Response:
        return _json(404, {"message": "404: Not Found", "code": 0})

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        body, files = await _read_body(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        authorization = request.headers.get("Authorization")
        auth = (
            "none"
            if authorization is None
            else ("ok" if authorization == f"Bot {self.token}" else "bad")
        )
        route, params, handler = self._match(method, path)
        call = Call(
            method=method,
            path=path,
            route=route,
            query=dict(request.query),
            json=body,
            headers=headers,
            auth=auth,
            at=asyncio.get_running_loop().time(),
            files=files,
        )
        self.calls.append(call)
        self.stats.requests += 1
        response = await self._answer(request, call, params, handler)
        call.status = response.status
        if call.response is None and isinstance(response.body, bytes) and response.body:
            call.response = json.loads(response.body)
        self.stats.by_status[response.status] += 1
        if 200 <= response.status < 300:
            self.stats.delivered += 1
        elif response.status == 429:
            self.stats.rate_limited += 1
        assert self._waiter is not None
        self._waiter.notify()
        return response

    def _match(self, method: str, path: str) -> tuple[str | None, dict[str, str], _Handler | None]:
        for route_method, template, regex, handler in self._routes:
            if route_method != method:
                continue
            match = regex.match(path)
            if match:
                return f"{method} {template}", match.groupdict(), handler
        return None, {}, None

    async def _answer(
        self,
        request: web.Request,
        call: Call,
        params: dict[str, str],
        handler: _Handler | None,
    ) -> web.Response:
        if handler is None or call.route is None:
            call.response = {"message": "404: Not Found", "code": 0}
            return _json(404, call.response)
        route = call.route
        token_route = "webhook_token" in params or "interaction_token" in params

        lose_response = False
        for scripted in self._scripted:
            if (
                scripted.remaining > 0
                and scripted.method == call.method
                and scripted.pattern.match(call.path)
            ):
                scripted.remaining -= 1
                call.fault = str(scripted.status)
                if scripted.after_processing and scripted.status >= 500:
                    lose_response = True
                    break
                return self._fault_response(scripted.status, scripted.retry_after, scripted)
        self._scripted = [s for s in self._scripted if s.remaining > 0]

        # Interaction and webhook-token routes are outside the bot's global limit on Discord.
        if route not in _LOGIN_ROUTES and not token_route:
            wait = self._take_global_token()
            if wait > 0:
                call.fault = "global-429"
                return self._rate_limited(wait, is_global=True, scope="global")

        if self._faults_apply(route, call.method, call.path):
            faults = self._faults
            assert faults is not None
            draw = self._fault_rng.random()
            if draw < faults.rate_limited:
                call.fault = "429"
                return self._rate_limited(faults.retry_after, is_global=False, scope="shared")
            draw -= faults.rate_limited
            if draw < faults.server_error:
                status = self._fault_rng.choice((500, 502))
                call.fault = str(status)
                self.stats.server_errors += 1
                return _json(status, {"message": "Internal Server Error", "code": 0})
            draw -= faults.server_error
            if draw < faults.lost_response:
                call.fault = "lost-500"
                lose_response = True
            draw -= faults.lost_response
            if 0 <= draw < faults.slow:
                call.fault = "delay"
                self.stats.delayed += 1
                await asyncio.sleep(self._fault_rng.uniform(*faults.delay))

        if not token_route and route not in ("GET /gateway",) and call.auth != "ok":
            call.response = {"message": "401: Unauthorized", "code": 0}
            return _json(401, call.response)

        major = "+".join(
            params[k]
            # Each interaction token is its own bucket, as on Discord.
            for k in (
                "channel_id",
                "guild_id",
                "webhook_id",
                "webhook_token",
                "interaction_id",
                "interaction_token",
            )
            if k in params
        )
        bucket_headers, allowed = self._bucket_headers(route, major)
        if not allowed:
            call.fault = "route-429"
            retry = float(bucket_headers["X-RateLimit-Reset-After"])
            return self._rate_limited(retry, is_global=False, scope="user", extra=bucket_headers)

        try:
            status, payload = await handler(request, call, params)
        except DiscordError as error:
            status, payload = error.status, {"message": error.message, "code": error.code}
        call.response = payload
        if lose_response and status < 300:
            self.stats.server_errors += 1
            self.stats.lost_responses += 1
            return _json(500, {"message": "Internal Server Error", "code": 0})
        if status == 204:
            return web.Response(status=204, headers=bucket_headers)
        return _json(status, payload, bucket_headers)

    def _fault_response(
        self, status: int, retry_after: float, scripted: _ScriptedFault
    ) -> web.Response:
        if status == 429:
            scope = "global" if scripted.is_global else "user"
            return self._rate_limited(retry_after, is_global=scripted.is_global, scope=scope)
        if status >= 500:
            self.stats.server_errors += 1
        return _json(status, {"message": f"injected {status}", "code": 0})

    # ----------------------------------------------------------------- routes

    def _register_routes(self) -> None:
        app_cmds = "/applications/{application_id}/commands"
        guild_cmds = "/applications/{application_id}/guilds/{guild_id}/commands"
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        table: list[tuple[str, str, _Handler]] = [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", app_cmds, self._get_commands),
            ("PUT", app_cmds, self._put_commands),
            ("POST", app_cmds, self._post_command),
            ("DELETE", app_cmds + "/{command_id}", self._delete_command),
            ("GET", guild_cmds, self._get_commands),
            ("PUT", guild_cmds, self._put_commands),
            ("POST", guild_cmds, self._post_command),
            ("DELETE", guild_cmds + "/{command_id}", self._delete_command),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/messages", self._post_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._thread_from),
            ("POST", "/channels/{channel_id}/threads", self._thread_without_message),
            ("POST", "/channels/{channel_id}/typing", self._no_content),
            ("GET", "/channels/{channel_id}/messages", self._history),
            (
                "PUT",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self._react,
            ),
            ("POST", "/users/@me/channels", self._create_dm),
            (
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self._interaction_callback,
            ),
            ("POST", hook, self._webhook_execute),
            ("GET", hook + "/messages/{message_id}", self._webhook_get),
            ("PATCH", hook + "/messages/{message_id}", self._webhook_edit),
            ("DELETE", hook + "/messages/{message_id}", self._webhook_delete),
        ]
        for method, template, handler in table:
            self._routes.append((method, template, _placeholder_regex(template), handler))

    async def _get_me(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        data = self.bot.payload()
        data.update(verified=True, mfa_enabled=False, flags=0, email=None, locale="en-US")
        return 200, data

    async def _get_application(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot.username,
            "description": "quiz bot (fake application)",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.owner.payload(),
            "flags": 0,
            "team": None,
            "summary": "",
            "rpc_origins": [],
        }

    async def _get_gateway(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        data: dict[str, Any] = {"url": self.gateway_url}
        if call.path.endswith("/bot"):
            data.update(
                shards=1,
                session_start_limit={
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            )
        return 200, data

    async def _no_content(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 204, None

    # -- application commands

    def _check_app(self, p: dict[str, str]) -> int | None:
        if int(p["application_id"]) != self.application_id:
            raise DiscordError(404, 10002, "Unknown Application")
        return int(p["guild_id"]) if "guild_id" in p else None

    def _store_command(self, guild_id: int | None, body: dict[str, Any]) -> dict[str, Any]:
        existing = self.commands.setdefault(guild_id, [])
        kind = body.get("type", 1)
        old = next((c for c in existing if c["name"] == body["name"] and c["type"] == kind), None)
        command = {
            "id": old["id"] if old else str(self._snowflake()),
            "application_id": str(self.application_id),
            "version": str(self._snowflake()),
            "type": kind,
            "name": body["name"],
            "description": body.get("description", ""),
            "options": body.get("options", []),
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "nsfw": body.get("nsfw", False),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types", [0]),
            "name_localizations": body.get("name_localizations"),
            "description_localizations": body.get("description_localizations"),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        if old:
            existing.remove(old)
        existing.append(command)
        return command

    async def _get_commands(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, list(self.commands.get(self._check_app(p), []))

    async def _put_commands(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        guild_id = self._check_app(p)
        if not isinstance(call.json, list):
            raise DiscordError(400, 50035, "Invalid Form Body: expected a list of commands")
        # Bulk overwrite: commands left out are deleted; ones kept by name keep their ids.
        stored = [self._store_command(guild_id, body) for body in call.json]
        self.commands[guild_id] = stored
        return 200, stored

    async def _post_command(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 201, self._store_command(self._check_app(p), call.json)

    async def _delete_command(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        guild_id = self._check_app(p)
        existing = self.commands.get(guild_id, [])
        self.commands[guild_id] = [c for c in existing if c["id"] != p["command_id"]]
        return 204, None

    def command_named(self, name: str, guild_id: int | None = None) -> dict[str, Any] | None:
        """A synced command: the guild's first (when ``guild_id`` given), else global."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == 1:
                    return command
        return None

    # -- channels and messages

    def _channel(self, p: dict[str, str]) -> FakeChannel:
        channel = self.channels.get(int(p["channel_id"]))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    def _message(self, p: dict[str, str]) -> dict[str, Any]:
        message = self.messages.get(int(p["message_id"]))
        if message is None or ("channel_id" in p and message["channel_id"] != p["channel_id"]):
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, self._channel(p).payload()

    async def _post_message(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        channel = self._channel(p)
        body = call.json or {}
        if not (body.get("content") or body.get("embeds") or body.get("components") or call.files):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        if len(body.get("content") or "") > 2000:
            raise DiscordError(400, 50035, "Invalid Form Body: content longer than 2000")
        nonce = body.get("nonce")
        if body.get("enforce_nonce") and nonce is not None:
            # Discord answers a repeated nonce with the message it already created.
            first = self.messages.get(self._by_nonce.get((channel.id, str(nonce)), -1))
            if first is not None:
                self.stats.deduplicated += 1
                return 200, first
        return 200, self._new_message(channel.id, body, files=call.files)

    async def _history(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        channel = self._channel(p)
        limit = int(call.query.get("limit", 50))
        newest_first = sorted(
            self.messages_in(channel.id), key=lambda m: int(m["id"]), reverse=True
        )
        if "before" in call.query:
            newest_first = [m for m in newest_first if int(m["id"]) < int(call.query["before"])]
        if "after" in call.query:
            newest_first = [m for m in newest_first if int(m["id"]) > int(call.query["after"])]
        return 200, newest_first[:limit]

    async def _react(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        message = self._message(p)
        reactions = message.setdefault("reactions", [])
        emoji = p["emoji"]
        existing = next((r for r in reactions if r["emoji"]["name"] == emoji), None)
        if existing is None:
            reactions.append(
                {"emoji": {"id": None, "name": emoji}, "count": 1, "me": True, "burst_count": 0}
            )
        return 204, None

    async def _get_message(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, self._message(p)

    async def _patch_message(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, self._edit_message(self._message(p), call.json or {})

    async def _delete_message(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        message = self._message(p)
        del self.messages[int(message["id"])]
        self.deleted_messages.append(int(message["id"]))
        return 204, None

    async def _open_thread(
        self, parent: FakeChannel, thread_id: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        thread = FakeChannel(
            id=thread_id,
            name=body.get("name") or "thread",
            guild_id=parent.guild_id,
            type=int(body.get("type") or 11),
            parent_id=parent.id,
            owner_id=self.bot.id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        self.channels[thread.id] = thread
        guild = self._guild_of(parent.id)
        if guild is not None:
            guild.channels.append(thread)
        payload = thread.payload()
        if self._session is not None:
            await self.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        return payload

    async def _thread_from(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        parent = self._channel(p)
        message = self._message(p)
        if int(message["id"]) in self.channels:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        # A thread started from a message shares the message's id on Discord.
        payload = await self._open_thread(parent, int(message["id"]), call.json or {})
        message["thread"] = payload
        return 201, payload

    async def _thread_without_message(
        self, request: web.Request, call: Call, p: dict[str, str]
    ) -> Any:
        parent = self._channel(p)
        return 201, await self._open_thread(parent, self._snowflake(), call.json or {})

    async def _create_dm(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        user_id = int((call.json or {}).get("recipient_id", 0))
        user = self._user(user_id)
        if user is None:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        existing = next(
            (c for c in self.channels.values() if c.type == 1 and c.owner_id == user_id), None
        )
        channel = existing or FakeChannel(self._snowflake(), "", None, type=1, owner_id=user_id)
        self.channels[channel.id] = channel
        return 200, {
            "id": str(channel.id),
            "type": 1,
            "last_message_id": None,
            "recipients": [user.payload()],
        }

    # -- interactions

    def _handle_for(self, p: dict[str, str]) -> InteractionHandle:
        handle = self._by_token.get(p.get("interaction_token") or p.get("webhook_token", ""))
        if handle is None:
            raise DiscordError(404, 10062, "Unknown interaction")
        return handle

    async def _interaction_callback(
        self, request: web.Request, call: Call, p: dict[str, str]
    ) -> Any:
        handle = self._by_interaction_id.get(int(p["interaction_id"]))
        body = call.json or {}
        loop_time = asyncio.get_running_loop().time()
        callback = Callback(
            type=int(body.get("type", 0)),
            data=body.get("data"),
            latency=loop_time - handle.dispatched_at if handle else 0.0,
            status=0,
        )
        try:
            if handle is None or handle.token != p["interaction_token"]:
                raise DiscordError(404, 10062, "Unknown interaction")
            late = (
                self.interaction_deadline is not None
                and callback.latency > self.interaction_deadline
            )
            if late:
                raise DiscordError(404, 10062, "Unknown interaction")
            if handle.callbacks:
                raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
            status, payload = self._apply_callback(handle, callback, call)
        except DiscordError as error:
            callback.status = error.status
            if handle is not None:
                handle.rejected_callbacks.append(callback)
                handle._notify()
            raise
        callback.status = status
        handle.callbacks.append(callback)
        handle._notify()
        return status, payload

    def _apply_callback(
        self, handle: InteractionHandle, callback: Callback, call: Call
    ) -> tuple[int, Any]:
        data = dict(callback.data or {})
        channel_id = int(handle.payload["channel_id"])
        interaction: dict[str, Any] = {"id": str(handle.id), "type": handle.type}
        resource: dict[str, Any] | None = {"type": callback.type}
        if callback.type in (CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE):
            flags = int(data.get("flags") or 0)
            if callback.type == CALLBACK_DEFERRED_MESSAGE:
                flags |= LOADING
            message = self._new_message(
                channel_id,
                data,
                message_type=20 if handle.type == APPLICATION_COMMAND else 0,
                webhook_id=self.application_id,
                flags=flags,
                files=call.files,
                interaction=handle,
            )
            handle.original_message_id = int(message["id"])
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=callback.type == CALLBACK_DEFERRED_MESSAGE,
                response_message_ephemeral=bool(flags & EPHEMERAL),
            )
            resource["message"] = message
        elif callback.type in (CALLBACK_UPDATE_MESSAGE, CALLBACK_DEFERRED_UPDATE):
            if handle.type != MESSAGE_COMPONENT and handle.type != MODAL_SUBMIT:
                raise DiscordError(400, 40004, "Interaction callback type not allowed here")
            source = handle.payload.get("message") or {}
            stored = self.messages.get(int(source.get("id", 0)))
            if stored is not None:
                handle.original_message_id = int(stored["id"])
                if callback.type == CALLBACK_UPDATE_MESSAGE:
                    self._edit_message(stored, data)
                resource["message"] = stored
                interaction["response_message_id"] = stored["id"]
        elif callback.type in (CALLBACK_AUTOCOMPLETE, CALLBACK_MODAL, 1):
            resource = None if callback.type != CALLBACK_AUTOCOMPLETE else resource
        else:
            raise DiscordError(400, 50035, f"Invalid Form Body: unknown callback {callback.type}")
        if call.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        answer: dict[str, Any] = {"interaction": interaction}
        if resource is not None:
            answer["resource"] = resource
        return 200, answer

    async def _webhook_execute(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        handle = self._handle_for(p)
        if int(p["webhook_id"]) != self.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        body = call.json or {}
        channel_id = int(handle.payload["channel_id"])
        message = self._new_message(
            channel_id,
            body,
            webhook_id=self.application_id,
            files=call.files,
            interaction=handle,
        )
        if handle.original_message_id is None and not handle.callbacks:
            handle.original_message_id = int(message["id"])
        handle.followups.append(message)
        handle._notify()
        if call.query.get("wait") in ("1", "true", "True"):
            return 200, message
        return 204, None

    def _webhook_message(self, handle: InteractionHandle, p: dict[str, str]) -> dict[str, Any]:
        if p["message_id"] == "@original":
            message_id = handle.original_message_id
        else:
            message_id = int(p["message_id"])
        message = self.messages.get(message_id or 0)
        if message is None:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _webhook_get(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, self._webhook_message(self._handle_for(p), p)

    async def _webhook_edit(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        handle = self._handle_for(p)
        message = self._webhook_message(handle, p)
        body = call.json or {}
        if "flags" not in body:
            # Editing the loading message of a deferred response resolves it.
            message["flags"] = int(message.get("flags", 0)) & ~LOADING
        self._edit_message(message, body)
        handle.edits.append(body)
        handle._notify()
        return 200, message

    async def _webhook_delete(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        message = self._webhook_message(self._handle_for(p), p)
        del self.messages[int(message["id"])]
        self.deleted_messages.append(int(message["id"]))
        return 204, None

    # ----------------------------------------------------------------- gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, timeout=1.0)
        await ws.prepare(request)
        self._sockets.add(ws)
        session: _Session | None = None
        try:
            await ws.send_str(
                json.dumps({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            )
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                op, data = frame.get("op"), frame.get("d")
                self.gateway_received.append(_redact(frame))
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    if (data or {}).get("token") != self.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    asked = int((data or {}).get("intents") or 0)
                    if asked & PRIVILEGED_INTENTS and not self.privileged_intents:
                        await ws.close(code=4014, message=b"Disallowed intent(s).")
                        break
                    session = await self._identify(ws)
                elif op == 6:
                    session = await self._resume(ws, data or {})
                elif op == 8 and session is not None:
                    await self._send_member_chunk(session, data or {})
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
        return ws

    async def _identify(self, ws: web.WebSocketResponse) -> _Session:
        session = _Session(session_id=secrets.token_hex(16), ws=ws)
        self._sessions[session.session_id] = session
        self._session = session
        await self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": {**self.bot.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in self.guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "session_type": "normal",
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "application": {"id": str(self.application_id), "flags": 0},
                "_trace": ["fake-discord"],
            },
        )
        for guild in self.guilds:
            await self._send(session, "GUILD_CREATE", guild.payload())
        assert self._ready is not None
        self._ready.set()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> _Session | None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.token:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return None
        session.ws = ws
        self._session = session
        after = int(data.get("seq") or 0)
        async with session.lock:
            for frame in list(session.log):
                if frame["s"] > after:
                    await ws.send_str(json.dumps(frame))
        await self._send(session, "RESUMED", {"_trace": ["fake-discord"]})
        return session

    async def _send_member_chunk(self, session: _Session, data: dict[str, Any]) -> None:
        guild = next((g for g in self.guilds if str(g.id) == str(data.get("guild_id"))), None)
        if guild is None:
            return
        chunk = {
            "guild_id": str(guild.id),
            "members": [m.member_payload() for m in guild.members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._send(session, "GUILD_MEMBERS_CHUNK", chunk)

    async def _send(self, session: _Session, event: str, data: dict[str, Any]) -> None:
        async with session.lock:
            session.seq += 1
            frame = {"op": 0, "s": session.seq, "t": event, "d": data}
            session.log.append(frame)
            ws = session.ws
            if ws is not None and not ws.closed:
                await ws.send_str(json.dumps(frame))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a gateway DISPATCH (op 0) to the connected bot; buffered while it reconnects."""
        if self._session is None:
            raise RuntimeError(
                "no bot has identified on the fake gateway yet: await fake.wait_until_ready()"
            )
        await self._send(self._session, event, data)

    async def disconnect_gateway(self, code: int = 4000) -> None:
        """Drop the bot's websocket; discord.py reconnects and RESUMEs (codes like 4000)."""
        session = self._session
        if session is not None and session.ws is not None:
            await session.ws.close(code=code, message=b"fake disconnect")

    # ----------------------------------------------------------------- injecting interactions

    def _member_fields(
        self, user: FakeUser | None, permissions: str | None, guild_id: int | None
    ) -> dict[str, Any]:
        user = user or self.alice
        if guild_id is None:
            return {"user": user.payload()}
        member = user.member_payload(with_permissions=True)
        if permissions is not None:
            member["permissions"] = permissions
        return {"member": member}

    def _channel_for(self, channel_id: int | None) -> FakeChannel:
        channel = self.channels.get(channel_id or self.channel.id)
        if channel is None:
            raise ValueError(f"unknown channel {channel_id}: use fake.add_channel() first")
        return channel

    async def _send_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user: FakeUser | None,
        permissions: str | None,
        channel_id: int | None,
        locale: str,
        message: dict[str, Any] | None = None,
    ) -> InteractionHandle:
        channel = self._channel_for(channel_id)
        guild_id = channel.guild_id
        interaction_id = self._snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "token": f"itoken-{interaction_id}-{secrets.token_urlsafe(12)}",
            "version": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": data,
            "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": ADMIN_PERMISSIONS},
            "app_permissions": ADMIN_PERMISSIONS,
            "locale": locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id or 0)},
            "context": 0 if guild_id is not None else 1,
            **self._member_fields(user, permissions, guild_id),
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        if message is not None:
            payload["message"] = message
        handle = InteractionHandle(self, payload, asyncio.get_running_loop().time())
        self.interactions.append(handle)
        self._by_interaction_id[interaction_id] = handle
        self._by_token[handle.token] = handle
        self.stats.interactions_sent += 1
        await self.dispatch("INTERACTION_CREATE", payload)
        # Latency counts from the moment the frame left the fake.
        handle.dispatched_at = asyncio.get_running_loop().time()
        return handle

    def _command_options(
        self,
        definition: list[dict[str, Any]] | None,
        options: dict[str, Any],
        focused: str | None,
        resolved: dict[str, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in definition or []}
        out = []
        for name, value in options.items():
            kind = by_name.get(name, {}).get("type") or _infer_option_type(value)
            if isinstance(value, FakeUser):
                value = value.id
            if isinstance(value, FakeChannel):
                value = value.id
            if kind in (6, 7, 8, 9):
                value = str(value)
                self._resolve(kind, int(value), resolved)
            option: dict[str, Any] = {"name": name, "type": kind, "value": value}
            if focused == name:
                option["focused"] = True
                option["value"] = str(value)
            out.append(option)
        return out

    def _resolve(self, kind: int, snowflake: int, resolved: dict[str, dict[str, Any]]) -> None:
        user = self._user(snowflake)
        if user is not None and kind in (6, 9):
            resolved.setdefault("users", {})[str(snowflake)] = user.payload()
            member = user.member_payload(with_permissions=True)
            member.pop("user")
            resolved.setdefault("members", {})[str(snowflake)] = member
        channel = self.channels.get(snowflake)
        if channel is not None and kind == 7:
            resolved.setdefault("channels", {})[str(snowflake)] = {
                **channel.payload(),
                "permissions": ADMIN_PERMISSIONS,
            }

    def _command_data(
        self,
        name: str,
        options: dict[str, Any],
        subcommand: str | None,
        channel_id: int | None,
        focused: str | None = None,
    ) -> dict[str, Any]:
        guild_id = self._channel_for(channel_id).guild_id
        command = self.command_named(name, guild_id)
        resolved: dict[str, dict[str, Any]] = {}
        definition = command["options"] if command else None
        path = subcommand.split() if subcommand else []
        # Walk group/subcommand definitions so option types come from what the bot synced.
        for part in path:
            found = next((o for o in definition or [] if o["name"] == part), None)
            definition = found.get("options") if found else None
        leaf = self._command_options(definition, options, focused, resolved)
        for depth, part in reversed(list(enumerate(path))):
            kind = 1 if depth == len(path) - 1 else 2
            leaf = [{"name": part, "type": kind, "options": leaf}]
        data: dict[str, Any] = {
            "id": command["id"] if command else str(self._snowflake()),
            "name": name,
            "type": 1,
            "options": leaf,
        }
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def send_slash_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: FakeUser | None = None,
        permissions: str | None = None,
        channel_id: int | None = None,
        subcommand: str | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Deliver ``/name [subcommand] options`` as INTERACTION_CREATE (type 2).

        ``subcommand`` is "sub" or "group sub". Option types come from the synced command when
        there is one, else from the Python value (str, int, bool, float, FakeUser, FakeChannel).
        ``permissions`` overrides the member's permission string for this interaction.
        """
        data = self._command_data(name, options or {}, subcommand, channel_id)
        return await self._send_interaction(
            APPLICATION_COMMAND,
            data,
            user=user,
            permissions=permissions,
            channel_id=channel_id,
            locale=locale,
        )

    async def send_autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        subcommand: str | None = None,
        timeout: float = 3.0,
    ) -> list[dict[str, Any]]:
        """Deliver an autocomplete (type 4) for option ``focused``; returns the bot's choices."""
        data = self._command_data(name, options, subcommand, channel_id, focused=focused)
        handle = await self._send_interaction(
            AUTOCOMPLETE,
            data,
            user=user,
            permissions=None,
            channel_id=channel_id,
            locale="en-US",
        )
        callback = await handle.response(timeout)
        if callback.type != CALLBACK_AUTOCOMPLETE:
            raise AssertionError(f"autocomplete answered with callback type {callback.type}")
        return callback.choices

    def _component_message(
        self, message: int | dict[str, Any] | None, custom_id: str, channel_id: int | None
    ) -> dict[str, Any]:
        if isinstance(message, dict):
            return message
        if message is not None and message in self.messages:
            return self.messages[message]
        # A message this fake never stored (e.g. posted before a restart): make one that
        # carries the clicked button, so discord.py can rebuild the view from it.
        channel = self._channel_for(channel_id)
        return {
            "id": str(message or self._snowflake()),
            "channel_id": str(channel.id),
            "author": self.bot.payload(),
            "content": "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [
                {
                    "type": 1,
                    "components": [
                        {"type": 2, "style": 1, "label": custom_id[:80], "custom_id": custom_id}
                    ],
                }
            ],
        }

    async def submit_modal(
        self,
        opened_by: InteractionHandle,
        values: dict[str, str],
        *,
        user: FakeUser | None = None,
        locale: str = "en-US",
        timeout: float = 3.0,
    ) -> InteractionHandle:
        """Submit the modal the bot opened (callback type 9) in answer to ``opened_by``.

        ``values`` maps text-input custom_ids to what the user typed; the submitted
        components mirror the modal's layout (action rows or labels).
        """
        callback = await opened_by.response(timeout)
        if callback.type != CALLBACK_MODAL:
            raise AssertionError(f"interaction {opened_by.id} was not answered with a modal")
        modal = callback.data or {}

        def submitted(component: dict[str, Any]) -> dict[str, Any] | None:
            if component.get("type") == 1:
                inner = [c for c in map(submitted, component.get("components", [])) if c]
                return {"type": 1, "components": inner} if inner else None
            if component.get("type") == 18:
                inner_one = submitted(component.get("component", {}))
                return {"type": 18, "component": inner_one} if inner_one else None
            custom_id = component.get("custom_id")
            if component.get("type") == 4 and custom_id in values:
                return {"type": 4, "custom_id": custom_id, "value": values[custom_id]}
            return None

        components = [c for c in map(submitted, modal.get("components", [])) if c]
        data = {"custom_id": modal.get("custom_id"), "components": components}
        message = opened_by.payload.get("message")
        return await self._send_interaction(
            MODAL_SUBMIT,
            data,
            user=user,
            permissions=None,
            channel_id=int(opened_by.payload["channel_id"]),
            locale=locale,
            message=message,
        )

    async def click_button(
        self,
        message: int | dict[str, Any] | None,
        custom_id: str,
        *,
        user: FakeUser | None = None,
        permissions: str | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Deliver a button click (type 3, component_type 2) on ``message``.

        ``message`` is a message id the fake stored (the bot posted it), a message payload,
        or an id/None for a message the fake never saw (one is built around the button).
        """
        return await self.send_component(
            message,
            custom_id,
            user=user,
            permissions=permissions,
            channel_id=channel_id,
            locale=locale,
        )

    async def send_component(
        self,
        message: int | dict[str, Any] | None,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        user: FakeUser | None = None,
        permissions: str | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """A component interaction; ``component_type=3`` with ``values`` is a select menu."""
        payload = self._component_message(message, custom_id, channel_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self._send_interaction(
            MESSAGE_COMPONENT,
            data,
            user=user,
            permissions=permissions,
            channel_id=int(payload["channel_id"]),
            locale=locale,
            message=payload,
        )


# --------------------------------------------------------------------------- helpers


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    # web.json_response would say "application/json; charset=utf-8", which discord.py
    # does not parse (it then crashes indexing a str).
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": JSON_TYPE, **(headers or {})},
    )


async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
    """(JSON body or None, uploaded file names); multipart bodies carry payload_json."""
    content_type = request.content_type
    if content_type == "multipart/form-data":
        form = await request.post()
        files = [f.filename for f in form.values() if hasattr(f, "filename")]
        raw = form.get("payload_json")
        return (json.loads(raw) if isinstance(raw, str) else None), files
    text = await request.text()
    if not text:
        return None, []
    try:
        return json.loads(text), []
    except json.JSONDecodeError:
        return text, []


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, FakeUser):
        return 6
    if isinstance(value, FakeChannel):
        return 7
    return 3


def _redact(frame: dict[str, Any]) -> dict[str, Any]:
    data = frame.get("d")
    if isinstance(data, dict) and "token" in data:
        return {**frame, "d": {**data, "token": "<redacted>"}}
    return frame


class _DiscordPointer:
    """Undo handle returned by point_discord_at: call it, or use it as a context manager."""

    def __init__(self, fake: FakeDiscord) -> None:
        import discord.gateway
        import discord.http
        import yarl

        self._route = discord.http.Route
        self._ws = discord.gateway.DiscordWebSocket
        self._saved = (self._route.BASE, self._ws.DEFAULT_GATEWAY)
        self._route.BASE = fake.base_url
        self._ws.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

    def undo(self) -> None:
        self._route.BASE, self._ws.DEFAULT_GATEWAY = self._saved

    __call__ = undo

    def __enter__(self) -> _DiscordPointer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.undo()

    # Also async, so it can share one ``async with`` line with the fake.
    async def __aenter__(self) -> _DiscordPointer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.undo()


def point_discord_at(fake: FakeDiscord) -> _DiscordPointer:
    """Point discord.py's REST base and default gateway at ``fake`` (process-wide).

    Returns an undo handle: ``undo = point_discord_at(fake); ...; undo()`` or
    ``with point_discord_at(fake): ...``.
    """
    return _DiscordPointer(fake)


@contextlib.asynccontextmanager
async def running_client(
    client: Any, fake: FakeDiscord, *, timeout: float = 5.0
) -> AsyncIterator[Any]:
    """Log ``client`` in against ``fake``, run it until the block ends, then close it.

    Waits (bounded) for discord.py's ``on_ready``; pass ``guild_ready_timeout=0.1`` to the
    client or ready takes 2 s. On exit the client is closed and its connect task awaited.
    """
    try:
        # GET /users/@me, GET /oauth2/applications/@me, then the client's setup_hook.
        await client.login(fake.token)
    except BaseException:
        await client.close()
        raise
    connect = asyncio.create_task(client.connect(reconnect=True), name="fake-discord-connect")
    ready = asyncio.create_task(client.wait_until_ready(), name="fake-discord-ready")
    try:
        done, _ = await asyncio.wait(
            {connect, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if ready not in done:
            if connect in done:
                connect.result()  # re-raise why the connection ended
            raise TimeoutError(
                f"discord.py did not become ready within {timeout}s; "
                f"REST calls: {fake.describe_calls()}"
            )
        yield client
    finally:
        ready.cancel()
        await client.close()
        if connect.done():
            connect.exception()  # already raised above when it mattered; mark it retrieved
        else:
            await asyncio.wait_for(connect, timeout)
