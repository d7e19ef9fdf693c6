"""Shared by the Slack adapter tests: a whole quizbot (real SQLite, real decks, fake clock)
wired to the real slack-bolt app, talking to the fake Slack."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk.http_retry.builtin_async_handlers import AsyncServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from adapters.pacing import RateLimiter
from adapters.runtime import PosterRouter, Services
from adapters.slack import SlackSettings, build
from adapters.slack.app import SlackAdapter
from adapters.slack.poster import ChannelPacer
from bot.cards import Library, load_library
from bot.clock import FakeClock
from bot.config import Secret, Settings
from bot.engine import Engine
from bot.paths import seed_dirs
from bot.questions import QuestionMaker
from bot.store import Store
from tests.fakes.slack_fixtures import make_web_client
from tests.fakes.slack_server import Call, FakeSlack, SlackUser

START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin
CHANNEL = "C0QUIZ"
CONFIG_ADMIN = "U0DAVE"  # named in QUIZBOT_SLACK_ADMINS, not a workspace admin

EXTRA_USERS = (
    SlackUser("U0CAROL", "carol", "Carol Danvers", "Carol <&> @channel"),
    SlackUser("U0DAVE", "dave", "Dave Lister", "dave", tz="Europe/Berlin"),
)
PLAYERS = ("U0ALICE", "U0BOB", "U0CAROL", "U0DAVE")


@functools.cache
def shipped_library() -> tuple[Library, QuestionMaker]:
    """The real shipped decks, loaded once per test session (they never change in a run)."""
    library = load_library(seed_dirs(None))
    return library, QuestionMaker(library.cards, library.items)


@dataclass
class Quizbot:
    fake: FakeSlack
    services: Services
    engine: Engine
    clock: FakeClock
    adapter: SlackAdapter

    @property
    def url(self) -> str:
        return self.adapter.url

    async def command(self, text: str, user_id: str = "U0ALICE", **kw: Any) -> dict[str, Any]:
        """`/quiz <text>` over HTTP; returns the private reply's body."""
        delivery = await self.fake.send_slash_command(
            self.url, "/quiz", text, user_id=user_id, **kw
        )
        assert delivery.status == 200, delivery.body
        post = await self.fake.wait_for_response(url=delivery.response_url)
        return post.body

    async def click(self, ts: str, action_id: str, user_id: str) -> dict[str, Any]:
        delivery = await self.fake.send_block_action(
            self.url, action_id, action_id, user_id=user_id, message_ts=ts
        )
        assert delivery.status == 200, delivery.body
        post = await self.fake.wait_for_response(url=delivery.response_url)
        return post.body


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def labels(message: dict[str, Any]) -> list[str]:
    """The texts of a message's buttons, in order."""
    return [b["text"]["text"] for b in buttons(message)]


def all_text(message: dict[str, Any]) -> str:
    """Every piece of text in a message or a respond() body, blocks included."""
    out = [str(message.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return "\n".join(out)


def is_question_post(call: Call) -> bool:
    return call.method == "chat.postMessage" and bool(buttons(call.args))


async def question_post(fake: FakeSlack, count: int = 1) -> Call:
    return await fake.wait_for_call(
        "chat.postMessage", lambda c: bool(buttons(c.args)), count=count
    )


@contextlib.asynccontextmanager
async def running_quizbot(
    tmp_path: Path,
    *,
    socket_mode: bool = False,
    daily: Callable[[Store, Engine, FakeClock], Any] | None = None,
    adapter_options: dict[str, Any] | None = None,
    **fake_options: Any,
) -> AsyncIterator[Quizbot]:
    library, maker = shipped_library()
    # Quick edits in these tests (a 5-question quiz reveals in seconds): the Tier 3 pace of
    # chat.update has tests of its own (test_slack_refusals.py).
    fake_options.setdefault("method_rates", {"chat.update": (50.0, 50)})
    async with FakeSlack(**fake_options) as fake:
        for user in EXTRA_USERS:
            fake.add_user(user)
        store = await Store.open(tmp_path / "quiz.db")
        try:
            clock = FakeClock(START)
            router = PosterRouter()
            engine = Engine(store, library, clock, router, maker)
            slack = SlackSettings(
                bot_token=Secret(fake.bot_token),
                app_token=Secret(fake.app_token if socket_mode else ""),
                signing_secret=Secret(fake.signing_secret),
                api_url=fake.api_url,
                admins=frozenset({CONFIG_ADMIN}),
            )
            settings = Settings(db=tmp_path / "quiz.db", seeds=[], sections=(slack,))
            service = daily(store, engine, clock) if daily else None
            services = Services(settings, library, engine, clock, router, service)
            client = make_web_client(fake)
            # The adapter keeps a retry handler it is given: a quick one, so 5xx tests are fast.
            client.retry_handlers.append(
                AsyncServerErrorRetryHandler(2, FixedValueRetryIntervalCalculator(0.01))
            )
            adapter = build(
                services,
                host="127.0.0.1",
                port=0,
                client=client,
                pacer=ChannelPacer(rate=20.0, burst=10),
                **{"update_pacer": RateLimiter(40.0, 10), **(adapter_options or {})},
            )
            await adapter.start()
            try:
                yield Quizbot(fake, services, engine, clock, adapter)
            finally:
                await adapter.stop()
        finally:
            await store.close()
