"""Socket Mode with a backoff and one log line per failed attempt.

slack_sdk's client retries a failed connection every 10 s forever, logging a ~40-line
traceback each time, and asks for the websocket URL outside its retry loop when it
reconnects. Here each attempt (a fresh URL from `apps.connections.open`, then the websocket)
is retried after 1, 2, 4, ... 60 s, with one warning naming the reason and the next delay;
the traceback goes to DEBUG. An app token Slack refuses is not retried: nothing would change.
Everything else (listeners, pings, the session monitor) is slack_sdk's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 60.0
PING_INTERVAL = 10.0  # slack_bolt's default
# Errors from apps.connections.open that retrying cannot fix.
REFUSED = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                     "not_allowed_token_type"})  # fmt: skip


class AppTokenRefused(RuntimeError):
    """Slack refused SLACK_APP_TOKEN: the message says what to do."""


def reason(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class ReconnectingClient(SocketModeClient):
    async def connect(self) -> None:
        delay = FIRST_DELAY
        while not self.closed:
            try:
                await self._connect_once()
                return
            except SlackApiError as error:
                if error.response.get("error") in REFUSED:
                    raise AppTokenRefused(
                        f"Slack refused SLACK_APP_TOKEN ({error.response.get('error')}): "
                        "create an app-level token with connections:write under Basic "
                        "Information -> App-Level Tokens"
                    ) from None
                problem: Exception = error
            except Exception as error:  # the network, Slack's 5xx: worth another try
                problem = error
            if self.closed:
                return
            self.wss_uri = None  # a URL serves one connection: ask for a new one next time
            log.warning(
                "Slack Socket Mode: could not connect (%s); retrying in %.0f s",
                reason(problem),
                delay,
            )
            log.debug("Slack Socket Mode connection attempt failed", exc_info=problem)
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_DELAY)

    async def connect_to_new_endpoint(self, force: bool = False) -> None:
        """slack_sdk's, except that the new URL is fetched inside connect()'s retried attempt
        (slack_sdk fetches it first, and a failure there skips the backoff)."""
        acquired = False
        try:
            with contextlib.suppress(TimeoutError):
                acquired = await asyncio.wait_for(self.connect_operation_lock.acquire(), 5)
            if force or (acquired and not await self.is_connected()):
                log.info("Slack Socket Mode: reconnecting")
                self.wss_uri = None
                await self.connect()
        finally:
            if acquired:
                self.connect_operation_lock.release()

    async def _connect_once(self) -> None:
        """One attempt, as slack_sdk's connect() makes each of its own."""
        self.auto_reconnect_enabled = False
        old = self.current_session
        if old is not None:
            with contextlib.suppress(Exception):  # a broken session may not close cleanly
                await old.close()
        if self.aiohttp_client_session.closed and not self.closed:
            self.aiohttp_client_session = aiohttp.ClientSession()
        if self.wss_uri is None:
            self.wss_uri = await self.issue_new_wss_url()
        self.current_session = await self.aiohttp_client_session.ws_connect(
            self.wss_uri,
            autoping=False,
            heartbeat=self.ping_interval,
            proxy=self.proxy,
            ssl=self.web_client.ssl if self.web_client.ssl is not None else True,
        )
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        self.stale = False
        log.info("Slack Socket Mode: connected")
        await self.current_session.ping(f"sdk-ping-pong:{time.time()}".encode())
        if self.current_session_monitor is not None:
            self.current_session_monitor.cancel()
        self.current_session_monitor = asyncio.ensure_future(self.monitor_current_session())
        if self.message_receiver is not None:
            self.message_receiver.cancel()
        self.message_receiver = asyncio.ensure_future(self.receive_messages())


class SocketModeHandler(AsyncSocketModeHandler):
    """slack_bolt's handler on a ReconnectingClient (its own __init__ builds slack_sdk's)."""

    def __init__(self, app: AsyncApp, app_token: str, web_client: AsyncWebClient) -> None:
        self.app = app
        self.app_token = app_token
        self.client = ReconnectingClient(
            app_token=app_token,
            logger=logging.getLogger(f"{__name__}.sdk"),
            web_client=web_client,
            ping_interval=PING_INTERVAL,
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]
