"""One deployment, many workspaces (SLACK_CLIENT_ID): a workspace installs quizbot through
Slack's OAuth flow (the real slack-bolt flow against the fake Slack's oauth.v2.access), its
own bot token is kept in the database, its commands and daily posts use that token, and
`app_uninstalled` / `tokens_revoked` remove the installation and pause that workspace's
schedules while the others go on."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from adapters.runtime import PosterRouter, Services
from adapters.slack import SlackSettings, build
from adapters.slack.installs import Installations, InstallStates
from bot.cards import load_library
from bot.clock import FakeClock
from bot.config import ConfigError, Secret, Settings
from bot.engine import Engine
from bot.paths import seed_dirs
from bot.ports import Place
from bot.questions import QuestionMaker
from bot.schedule.scheduler import DailyScheduler
from bot.schedule.service import DailyService
from bot.store import Store
from tests.fakes.slack_server import FakeSlack

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SECOND, THIRD = "T0SECOND", "T0THIRD"


@contextlib.asynccontextmanager
async def distributed_bot(fake: FakeSlack, db: Any) -> AsyncIterator[Any]:
    library = load_library(seed_dirs(None))
    clock = FakeClock(NOW)
    async with await Store.open(db) as store:
        router = PosterRouter()
        engine = Engine(store, library, clock, router, QuestionMaker(library.cards, library.items))
        daily = DailyScheduler(store, engine, clock=clock)
        slack = SlackSettings(
            client_id=fake.client_id,
            client_secret=Secret(fake.client_secret),
            signing_secret=Secret(fake.signing_secret),
            api_url=fake.api_url,
        )
        settings = Settings(db=db, seeds=[], sections=(slack,))
        services = Services(settings, library, engine, clock, router, DailyService(daily))
        adapter = build(services, host="127.0.0.1", port=0)
        await adapter.start()
        try:
            yield adapter
        finally:
            await adapter.stop()
            daily.shutdown()


async def install(fake: FakeSlack, adapter: Any, team_id: str) -> tuple[int, str, str]:
    """A person of `team_id` opens the install link, approves, and Slack redirects back: the
    redirect's status, its URL and the state cookie the browser sent."""
    base = adapter.url.removesuffix("/slack/events")
    async with aiohttp.ClientSession() as browser:
        async with browser.get(f"{base}/slack/install") as page:
            assert page.status == 200
            link = re.search(r'state=([^&"]+)', await page.text())
            assert link is not None, "the install page links to Slack with a state"
            # The state's cookie is Secure (production runs behind HTTPS): the browser of
            # this plain-HTTP test hands it back by hand.
            cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        code = fake.grant(team_id)
        redirect = f"{base}/slack/oauth_redirect?code={code}&state={link[1]}"
        async with browser.get(redirect, headers={"Cookie": cookie}) as done:
            return done.status, redirect, cookie


async def test_a_workspace_installs_through_oauth_and_is_served_with_its_own_token(tmp_path):
    async with FakeSlack() as fake, distributed_bot(fake, tmp_path / "q.db") as bot:
        status, redirect, cookie = await install(fake, bot, SECOND)
        assert status == 200
        installed = await bot.teams.installations.installed(SECOND)
        assert installed is not None
        token = installed["bot_token"]
        assert fake.team_of(token) == SECOND
        # Its admin sets a daily question; it is posted with that workspace's token.
        set_ = await fake.send_slash_command(
            bot.url, "/quiz", "daily 09:00 UTC", user_id="U0ADMIN", team_id=SECOND
        )
        reply = await fake.wait_for_response(url=set_.response_url)
        assert reply.body["text"].startswith("Daily question set"), reply.body
        now = await fake.send_slash_command(
            bot.url, "/quiz", "daily now", user_id="U0ADMIN", team_id=SECOND
        )
        await fake.wait_for_response(url=now.response_url)
        post = await fake.wait_for_call(
            "chat.postMessage", lambda c: c.ok and c.args.get("channel") == "C0QUIZ"
        )
        assert post.token == token
        # An install's state works once: replaying its finished redirect installs nothing.
        async with (
            aiohttp.ClientSession() as browser,
            browser.get(redirect, headers={"Cookie": cookie}) as replay,
        ):
            assert replay.status != 200
        assert await bot.teams.installations.installed(SECOND) == installed


async def test_uninstalling_one_workspace_pauses_its_schedules_and_not_the_others(tmp_path):
    async with FakeSlack() as fake, distributed_bot(fake, tmp_path / "q.db") as bot:
        for team in (SECOND, THIRD):
            assert (await install(fake, bot, team))[0] == 200
            delivery = await fake.send_slash_command(
                bot.url, "/quiz", "daily 09:00 UTC", user_id="U0ADMIN", team_id=team
            )
            await fake.wait_for_response(url=delivery.response_url)
        fake.uninstall(SECOND)
        event = await fake.send_event(bot.url, {"type": "app_uninstalled"}, team_id=SECOND)
        assert event.status == 200
        daily = bot.services.daily.daily
        for _ in range(100):  # the listener runs after the ack
            if await bot.teams.installations.installed(SECOND) is None:
                break
            await asyncio.sleep(0.05)
        assert await bot.teams.installations.installed(SECOND) is None
        second = await daily.db.schedule(Place("slack", SECOND, "C0QUIZ"))
        third = await daily.db.schedule(Place("slack", THIRD, "C0QUIZ"))
        assert (
            second is not None and second.paused and "uninstalled" in (second.paused_reason or "")
        )
        assert third is not None and not third.paused
        assert bot.services.shutdown.reason is None  # the process goes on for the others
        assert bot.alive()
        # A revoked token in the third workspace: the same, through tokens_revoked.
        installed = await bot.teams.installations.installed(THIRD)
        assert installed is not None
        fake.uninstall(THIRD)
        revoked = {"type": "tokens_revoked", "tokens": {"bot": [installed["bot_user_id"]]}}
        await fake.send_event(bot.url, revoked, team_id=THIRD)
        for _ in range(100):
            if await bot.teams.installations.installed(THIRD) is None:
                break
            await asyncio.sleep(0.05)
        third = await daily.db.schedule(Place("slack", THIRD, "C0QUIZ"))
        assert third is not None and third.paused


async def test_install_states_are_used_once_and_expire(tmp_path):
    clock = FakeClock(NOW)
    async with await Store.open(tmp_path / "q.db") as store:
        states = InstallStates(store, clock)
        state = await states.async_issue()
        assert await states.async_consume(state) is True
        assert await states.async_consume(state) is False
        late = await states.async_issue()
        clock.set(NOW.replace(minute=11))
        assert await states.async_consume(late) is False
        assert await Installations(store, "id").installed("T0NONE") is None


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"SLACK_CLIENT_ID": "1.2"}, "without SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_SECRET": "s"}, "without SLACK_CLIENT_ID"),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x",
             "SLACK_BOT_TOKEN": "xoxb-1-2-abc"},
            "unset one of them",
        ),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, "runs in HTTP mode"),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "x",
             "SLACK_SCOPES": "users:read"},
            "must include commands and chat:write",
        ),
    ],
)  # fmt: skip
def test_wrong_distribution_settings_say_what_and_how_to_fix(env, says):
    from adapters.registry import load_settings

    with pytest.raises(ConfigError) as error:
        load_settings(env)
    assert says in str(error.value)
