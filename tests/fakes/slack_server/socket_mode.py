"""Socket Mode (``/socket``): the websocket ``apps.connections.open`` points an app at.

Hello on connect, envelopes out, acks recorded with their latency, and the ``disconnect``
Slack sends every few hours so the app reconnects.
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.slack_server.model import Ack, SocketDelivery
from tests.fakes.slack_server.payloads import Payloads
from tests.fakes.slack_server.workspace import SlackWorkspace


class SocketMode:
    def __init__(self, workspace: SlackWorkspace, payloads: Payloads) -> None:
        self.workspace = workspace
        self.payloads = payloads
        self._sockets: list[web.WebSocketResponse] = []
        # While set, the websocket endpoint answers 503 instead of upgrading (Slack's edge
        # refusing): apps.connections.open still hands out URLs.
        self.refusing = False

    async def close(self) -> None:
        for ws in list(self._sockets):
            await ws.close(code=aiohttp.WSCloseCode.GOING_AWAY, message=b"fake slack closing")

    async def wait_for_ack(self, envelope_id: str, timeout: float = 3.0) -> Ack:
        def find() -> Ack | None:
            return next((a for a in self.workspace.acks if a.envelope_id == envelope_id), None)

        return await self.workspace._wait_until(
            find,
            timeout,
            lambda: f"an ack for envelope {envelope_id}; acks: {len(self.workspace.acks)}",
        )

    async def wait_for_socket(self, timeout: float = 3.0) -> web.WebSocketResponse:
        """The newest open Socket Mode connection (after a reconnect, the old one may linger)."""

        def find() -> web.WebSocketResponse | None:
            return next((ws for ws in reversed(self._sockets) if not ws.closed), None)

        return await self.workspace._wait_until(
            find, timeout, lambda: "a Socket Mode connection (did the handler connect?)"
        )

    async def wait_for_connections(self, count: int, timeout: float = 3.0) -> None:
        """Wait until ``count`` connections were ever opened and exactly one is open."""

        def find() -> bool | None:
            open_now = sum(not ws.closed for ws in self._sockets)
            return True if self.workspace.socket_connections >= count and open_now == 1 else None

        await self.workspace._wait_until(
            find,
            timeout,
            lambda: f"{count} Socket Mode connection(s); seen {self.workspace.socket_connections}",
        )

    async def wait_for_socket_closed(self, timeout: float = 3.0) -> None:
        def find() -> bool | None:
            return True if not any(not ws.closed for ws in self._sockets) else None

        await self.workspace._wait_until(
            find, timeout, lambda: "every Socket Mode connection to close"
        )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.refusing:
            return web.Response(status=503, text="fake slack: refusing websockets")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        self.workspace.socket_connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets),
                "debug_info": {"host": "fake-slack", "approximate_connection_time": 3600},
                "connection_info": {"app_id": self.workspace.api_app_id},
            }
        )
        self.workspace._notify()
        try:
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                self._record_ack(msg.data)
        finally:
            self._sockets.remove(ws)
            self.workspace._notify()
        return ws

    def _record_ack(self, raw: str) -> None:
        try:
            data = json.loads(raw)
        except ValueError:
            return
        if not isinstance(data, dict) or "envelope_id" not in data:
            return
        envelope_id = str(data["envelope_id"])
        delivery = next((d for d in self.workspace.envelopes if d.envelope_id == envelope_id), None)
        ack = Ack(
            envelope_id=envelope_id,
            payload=data.get("payload"),
            sent_at=delivery.sent_at if delivery else math.nan,
            at=time.monotonic(),
        )
        if delivery is not None and delivery.ack is None:
            delivery.ack = ack
        self.workspace.acks.append(ack)
        self.workspace._notify()

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
        envelope_id = f"env-{next(self.workspace._ids):06d}"
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
        self.workspace.envelopes.append(delivery)
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
        payload = self.payloads.slash_command_payload(
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
        payload = self.payloads.block_action_payload(
            action_id,
            value,
            user_id=user_id,
            channel_id=channel_id,
            message_ts=message_ts,
            block_id=block_id,
            team_id=team_id,
        )
        return await self.socket_send("interactive", payload, wait_ack=wait_ack, timeout=timeout)

    async def socket_send_view_submission(
        self,
        view_id: str,
        values: dict[str, str],
        *,
        user_id: str = "U0ALICE",
        wait_ack: bool = True,
        timeout: float = 3.0,
    ) -> SocketDelivery:
        payload = self.payloads.view_submission_payload(view_id, values, user_id=user_id)
        return await self.socket_send(
            "interactive",
            payload,
            accepts_response_payload=True,
            wait_ack=wait_ack,
            timeout=timeout,
        )

    async def socket_send_event(
        self, event: dict[str, Any], *, wait_ack: bool = True, timeout: float = 3.0
    ) -> SocketDelivery:
        return await self.socket_send(
            "events_api", self.payloads.event_payload(event), wait_ack=wait_ack, timeout=timeout
        )

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask connected clients to reconnect, as Slack does every few hours."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": reason})
