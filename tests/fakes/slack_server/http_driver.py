"""Driving an app in HTTP mode as Slack does: payloads POSTed to its ``web_app`` with
Slack's signature headers (or a bad one, an old timestamp, a retry), timing the ack."""

from __future__ import annotations

import json
import time
import urllib.parse
from typing import Any

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_server.model import HttpDelivery
from tests.fakes.slack_server.payloads import Payloads
from tests.fakes.slack_server.workspace import SlackWorkspace


class HttpDriver:
    def __init__(self, workspace: SlackWorkspace, payloads: Payloads) -> None:
        self.workspace = workspace
        self.payloads = payloads
        self._driver: aiohttp.ClientSession | None = None

    def open(self) -> None:
        self._driver = aiohttp.ClientSession()

    async def close(self) -> None:
        if self._driver is not None:
            await self._driver.close()
            self._driver = None

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
        secret = signing_secret or self.workspace.signing_secret
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
        payload = self.payloads.slash_command_payload(
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
        ephemeral: bool = False,
    ) -> HttpDelivery:
        payload = self.payloads.block_action_payload(
            action_id,
            value,
            user_id=user_id,
            channel_id=channel_id,
            message_ts=message_ts,
            block_id=block_id,
            team_id=team_id,
            ephemeral=ephemeral,
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

    async def send_view_submission(
        self, app_url: str, view_id: str, values: dict[str, str], *, user_id: str = "U0ALICE"
    ) -> HttpDelivery:
        payload = self.payloads.view_submission_payload(view_id, values, user_id=user_id)
        delivery = await self.send_signed(
            app_url, urllib.parse.urlencode({"payload": json.dumps(payload)})
        )
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
        team_id: str | None = None,
    ) -> HttpDelivery:
        payload = self.payloads.event_payload(event, team_id)
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
