"""`FakeSlack`: the workspace, its Web API, response URLs, Socket Mode and an HTTP driver.

This class only wires the parts together, runs the aiohttp server and gives a test one
object to drive; each part lives in its own module (see the package docstring).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from aiohttp import web

from tests.fakes.slack_server.http_driver import HttpDriver
from tests.fakes.slack_server.model import DEFAULT_CHANNELS, DEFAULT_USERS, SlackChannel, SlackUser
from tests.fakes.slack_server.payloads import Payloads
from tests.fakes.slack_server.response_urls import ResponseUrls
from tests.fakes.slack_server.socket_mode import SocketMode
from tests.fakes.slack_server.web_api import WebApi
from tests.fakes.slack_server.workspace import SlackWorkspace


class FakeSlack(SlackWorkspace):
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
        method_rates: dict[str, tuple[float, int]] | None = None,
    ) -> None:
        """``method_rates``: (per second, burst) by method, over Slack's tiers (model.py's
        METHOD_TIERS: chat.update 50 a minute); ``clock`` drives rate buckets and the
        30-minute life of response URLs."""
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.team_id = team_id
        super().__init__(
            bot_token=bot_token,
            app_token=app_token,
            signing_secret=signing_secret,
            team_id=team_id,
            team_domain=team_domain,
            api_app_id=api_app_id,
            bot_user_id=bot_user_id,
            bot_id=bot_id,
            users=users,
            channels=channels,
        )
        self.web_api = WebApi(
            self,
            channel_rate=channel_rate,
            channel_burst=channel_burst,
            workspace_rate=workspace_rate,
            workspace_burst=workspace_burst,
            retry_after=retry_after,
            clock=clock,
            method_rates=method_rates,
        )
        self.response_urls = ResponseUrls(self, uses=response_url_uses, clock=clock)
        self.on_response_url = self.response_urls.issued
        self.payloads = Payloads(self)
        self.socket_mode = SocketMode(self, self.payloads)
        self.http = HttpDriver(self, self.payloads)
        self._runner: web.AppRunner | None = None

        # What a test drives, each documented where it is done.
        self.inject_faults = self.web_api.inject_faults
        self.fail_next = self.web_api.fail_next
        self.slash_command_payload = self.payloads.slash_command_payload
        self.block_action_payload = self.payloads.block_action_payload
        self.event_payload = self.payloads.event_payload
        self.view_submission_payload = self.payloads.view_submission_payload
        self.wait_for_ack = self.socket_mode.wait_for_ack
        self.wait_for_socket = self.socket_mode.wait_for_socket
        self.wait_for_connections = self.socket_mode.wait_for_connections
        self.wait_for_socket_closed = self.socket_mode.wait_for_socket_closed
        self.socket_send = self.socket_mode.socket_send
        self.socket_send_slash_command = self.socket_mode.socket_send_slash_command
        self.socket_send_block_action = self.socket_mode.socket_send_block_action
        self.socket_send_event = self.socket_mode.socket_send_event
        self.socket_send_view_submission = self.socket_mode.socket_send_view_submission
        self.socket_disconnect = self.socket_mode.socket_disconnect
        self.send_signed = self.http.send_signed
        self.send_slash_command = self.http.send_slash_command
        self.send_block_action = self.http.send_block_action
        self.send_event = self.http.send_event
        self.send_view_submission = self.http.send_view_submission

    async def start(self) -> FakeSlack:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self.web_api.handle)
        app.router.add_post("/response/{response_id}", self.response_urls.handle)
        app.router.add_get("/socket", self.socket_mode.handle)
        # A short shutdown timeout: a test teardown should never wait on a stuck client.
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = int(self._runner.addresses[0][1])
        self.http.open()
        return self

    async def close(self) -> None:
        await self.socket_mode.close()
        await self.http.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlack:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
