"""The workspace one fake Slack serves: its identity and tokens, people, channels, messages,
and everything the fake recorded, with bounded waits on those records.

The Web API, response URLs, Socket Mode and the HTTP driver all read and change one
`SlackWorkspace` (`FakeSlack` is one).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from tests.fakes.slack_server.model import (
    DEFAULT_CHANNELS,
    DEFAULT_USERS,
    Ack,
    Call,
    ResponsePost,
    SlackChannel,
    SlackStats,
    SlackUser,
    SocketDelivery,
    T,
)

TRIGGER_SECONDS = 3.0  # a trigger_id opens a modal once, within 3 s (platform-limits.md)


class SlackWorkspace:
    """One team with its bot, people and channels; records in arrival order."""

    def __init__(
        self,
        *,
        bot_token: str,
        app_token: str,
        signing_secret: str,
        team_id: str,
        team_domain: str,
        api_app_id: str,
        bot_user_id: str,
        bot_id: str,
        users: Iterable[SlackUser] = DEFAULT_USERS,
        channels: Iterable[SlackChannel] = DEFAULT_CHANNELS,
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

        self.calls: list[Call] = []
        # Calls as they arrive, before any fault or delay: what is in flight right now.
        self.arrived: list[Call] = []
        self.responses: list[ResponsePost] = []
        self.acks: list[Ack] = []
        self.envelopes: list[SocketDelivery] = []
        self.messages: dict[str, dict[str, dict[str, Any]]] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.stats = SlackStats()
        self.socket_connections = 0
        # Platform state a test changes (see the methods below).
        self.deleted_channels: set[str] = set()
        self.revoked: str | None = None  # the error every token gets once revoked
        # Distribution: codes granted, bot tokens of installed workspaces (token -> team).
        self.grants: dict[str, tuple[str, str]] = {}
        self.installed: dict[str, str] = {}
        self.uninstalled: dict[str, str] = {}
        self.scopes: set[str] = {"commands", "chat:write", "chat:write.public", "users:read"}

        self._issued_response_urls: dict[str, int] = {}
        # trigger_id -> time.monotonic() it was handed out; a used one is removed.
        self._issued_triggers: dict[str, float] = {}
        self._spent_triggers: set[str] = set()
        self.on_response_url: Callable[[str], None] = lambda response_id: None
        self._ids = itertools.count(1)
        # Slack's trigger and event ids are unique across workspaces and time; two fakes in
        # one test (two processes on one database) must not hand out the same ones.
        self.id_salt = secrets.token_hex(4).upper()
        self._ts_seconds = int(time.time())
        self._ts_counter = itertools.count(1)
        self._changed = asyncio.Event()
        self.port: int | None = None

    def _next_ts(self) -> str:
        # Fixed-width microseconds keep ts strings sorting like numbers, as Slack's do.
        n = next(self._ts_counter)
        return f"{self._ts_seconds + n // 1_000_000}.{n % 1_000_000:06d}"

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
        self.on_response_url(response_id)
        return f"{self.base_url}/response/{response_id}"

    def new_trigger(self) -> str:
        """A trigger_id for one payload: views.open takes it once, within TRIGGER_SECONDS."""
        trigger = f"{next(self._ids)}.{self.team_id}.{self.id_salt.lower()}.fake.trigger"
        self._issued_triggers[trigger] = time.monotonic()
        return trigger

    def exchange_trigger(self, trigger: str) -> str | None:
        """None if `trigger` may open a view now (it is then spent), else Slack's error."""
        if trigger in self._spent_triggers:
            return "trigger_exchanged"
        issued = self._issued_triggers.pop(trigger, None)
        if issued is None:
            return "invalid_trigger"
        self._spent_triggers.add(trigger)
        if time.monotonic() - issued > TRIGGER_SECONDS:
            return "trigger_expired"
        return None

    def add_user(self, user: SlackUser) -> None:
        self.users[user.id] = user

    def add_channel(self, channel: SlackChannel) -> None:
        self.channels[channel.id] = channel

    def add_channels(self, *ids: str) -> None:
        """Public channels the bot is in, by id (Slack refuses posts to unknown channels)."""
        for channel_id in ids:
            self.channels.setdefault(channel_id, SlackChannel(channel_id, channel_id.lower()))

    def archive(self, channel_id: str) -> None:
        self.channels[channel_id] = dataclasses.replace(self.channels[channel_id], is_archived=True)

    def delete_channel(self, channel_id: str) -> None:
        """Deleted: Slack then answers channel_not_found for it."""
        self.channels.pop(channel_id, None)
        self.messages.pop(channel_id, None)
        self.deleted_channels.add(channel_id)

    def remove_bot(self, channel_id: str) -> None:
        """The bot was removed from the channel (/kick @quizbot)."""
        self.channels[channel_id] = dataclasses.replace(self.channels[channel_id], is_member=False)

    def delete_message(self, channel_id: str, ts: str) -> None:
        """Someone deleted a message (a question before its reveal)."""
        self.messages.get(channel_id, {}).pop(ts, None)

    # -- distribution: other workspaces installing the app through OAuth ------------------

    client_id = "1111111111.2222222222"
    client_secret = "fake-client-secret"

    def grant(self, team_id: str, *, scopes: str = "commands,chat:write,users:read") -> str:
        """A person of workspace `team_id` approved the install: the one-time `code` that
        Slack's redirect hands the app, for oauth.v2.access (valid once, 10 minutes)."""
        code = f"{next(self._ids)}.{secrets.token_hex(8)}"
        self.grants[code] = (team_id, scopes)
        return code

    def exchange(self, code: str) -> dict[str, Any] | str:
        """oauth.v2.access: the installation for a granted code (its bot token then works
        in that workspace), or Slack's error."""
        grant = self.grants.pop(code, None)
        if grant is None:
            return "invalid_code"
        team_id, scopes = grant
        token = f"xoxb-{team_id}-{secrets.token_hex(12)}"
        self.installed[token] = team_id
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": scopes,
            "bot_user_id": f"U0BOT{team_id[-4:]}",
            "app_id": self.api_app_id,
            "team": {"id": team_id, "name": f"Workspace {team_id}"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": f"U0ADM{team_id[-4:]}"},
        }

    def uninstall(self, team_id: str) -> None:
        """The app was removed from workspace `team_id`: its bot tokens stop working."""
        for token, team in list(self.installed.items()):
            if team == team_id:
                del self.installed[token]
                self.uninstalled[token] = team

    def team_of(self, token: str | None) -> str | None:
        """The workspace a bot token belongs to (the fake's own team for its bot token)."""
        if token == self.bot_token:
            return self.team_id
        return self.installed.get(token or "")

    def revoke_tokens(self, error: str = "token_revoked") -> None:
        """The app was uninstalled or its tokens revoked: every call now gets `error`."""
        self.revoked = error

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        return self.messages.get(channel, {}).get(ts)

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        return list(self.messages.get(channel, {}).values())

    def responses_to(self, url: str) -> list[ResponsePost]:
        return [r for r in self.responses if r.url == url]

    async def wait_for_arrival(self, method: str, timeout: float = 5.0) -> Call:
        """The first call to ``method`` that reached the fake, answered or not (a "slow"
        fault keeps it in flight)."""

        def find() -> Call | None:
            return next((c for c in self.arrived if c.method == method), None)

        return await self._wait_until(find, timeout, lambda: f"a call to {method} to arrive")

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
