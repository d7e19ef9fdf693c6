"""The fake gateway: the websocket discord.py connects to.

HELLO, IDENTIFY answered with READY and a GUILD_CREATE per guild (or closed with 4004/4014),
sharding as Discord does it (an IDENTIFY with `shard: [shard_id, num_shards]` gets only the
guilds with `(guild_id >> 22) % num_shards == shard_id`, and their events; 4010 for an invalid
shard),
heartbeat ACKs, RESUME replaying what was missed, member chunks, and the DISPATCH frames the
rest of the fake sends (THREAD_CREATE, INTERACTION_CREATE).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord_server.model import DiscordWorld
from tests.fakes.discord_server.protocol import PRIVILEGED_INTENTS


@dataclass
class _Session:
    session_id: str
    seq: int = 0
    ws: web.WebSocketResponse | None = None
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=2000))
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    shard: tuple[int, int] | None = None  # (shard_id, num_shards) when it identified as one


class Gateway:
    """One bot's gateway sessions; every frame the bot sent is kept in ``received``."""

    def __init__(
        self, world: DiscordWorld, *, heartbeat_interval_ms: int, privileged_intents: bool
    ) -> None:
        self.world = world
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.privileged_intents = privileged_intents
        self.received: list[dict[str, Any]] = []  # client -> server frames
        self._ready: asyncio.Event | None = None
        self._sessions: dict[str, _Session] = {}
        self._session: _Session | None = None
        self._shards: dict[int, _Session] = {}  # shard_id -> its session (sharded bots)
        self._sockets: set[web.WebSocketResponse] = set()

    def open(self) -> None:
        self._ready = asyncio.Event()

    async def close(self) -> None:
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(code=1001, message=b"fake stopped"), 1.0)
        self._sockets.clear()

    async def ready(self, timeout: float) -> bool:
        """Whether a client identified and got READY plus its GUILD_CREATEs in time."""
        assert self._ready is not None, "start the fake first"
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    @property
    def connected(self) -> bool:
        """Whether a bot has identified (DISPATCH frames then reach it, or wait for RESUME)."""
        return self._session is not None

    @property
    def identify(self) -> dict[str, Any] | None:
        """The last IDENTIFY payload (token redacted): intents, properties, shard."""
        frames = [f for f in self.received if f.get("op") == 2]
        return frames[-1]["d"] if frames else None

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
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
                self.received.append(_redact(frame))
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif op == 2:
                    if (data or {}).get("token") != self.world.token:
                        await ws.close(code=4004, message=b"Authentication failed.")
                        break
                    asked = int((data or {}).get("intents") or 0)
                    if asked & PRIVILEGED_INTENTS and not self.privileged_intents:
                        await ws.close(code=4014, message=b"Disallowed intent(s).")
                        break
                    shard = (data or {}).get("shard")
                    if shard is not None and not _valid_shard(shard):
                        await ws.close(code=4010, message=b"Invalid shard.")
                        break
                    session = await self._identify(ws, tuple(shard) if shard else None)
                elif op == 6:
                    session = await self._resume(ws, data or {})
                elif op == 8 and session is not None:
                    await self._send_member_chunk(session, data or {})
        finally:
            self._sockets.discard(ws)
            if session is not None and session.ws is ws:
                session.ws = None
        return ws

    @property
    def shards(self) -> dict[int, tuple[int, int]]:
        """The shards identified so far: shard_id -> (shard_id, num_shards)."""
        return {i: s.shard for i, s in self._shards.items() if s.shard is not None}

    def shard_of(self, guild_id: int) -> int | None:
        """The connected shard that receives `guild_id`'s events, if the bot is sharded."""
        for shard_id, session in self._shards.items():
            if session.shard is not None and (guild_id >> 22) % session.shard[1] == shard_id:
                return shard_id
        return None

    async def _identify(
        self, ws: web.WebSocketResponse, shard: tuple[int, int] | None = None
    ) -> _Session:
        session = _Session(session_id=secrets.token_hex(16), ws=ws, shard=shard)
        self._sessions[session.session_id] = session
        self._session = session
        if shard is not None:
            self._shards[shard[0]] = session
        guilds = [g for g in self.world.guilds if shard is None or _on(g.id, shard)]
        ready_shard = {"shard": list(shard)} if shard is not None else {}
        await self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": {
                    **self.world.bot.payload(),
                    "verified": True,
                    "mfa_enabled": False,
                    "flags": 0,
                },
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "resume_gateway_url": self.world.gateway_url,
                "session_type": "normal",
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "application": {"id": str(self.world.application_id), "flags": 0},
                "_trace": ["fake-discord"],
                **ready_shard,
            },
        )
        for guild in guilds:
            await self._send(session, "GUILD_CREATE", guild.payload())
        assert self._ready is not None
        self._ready.set()
        return session

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> _Session | None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") != self.world.token:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return None
        session.ws = ws
        self._session = session
        if session.shard is not None:
            self._shards[session.shard[0]] = session
        after = int(data.get("seq") or 0)
        async with session.lock:
            for frame in list(session.log):
                if frame["s"] > after:
                    await ws.send_str(json.dumps(frame))
        await self._send(session, "RESUMED", {"_trace": ["fake-discord"]})
        return session

    async def _send_member_chunk(self, session: _Session, data: dict[str, Any]) -> None:
        guild = next((g for g in self.world.guilds if str(g.id) == str(data.get("guild_id"))), None)
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
        session = self._session
        guild_id = data.get("guild_id")
        if self._shards and guild_id is not None:
            # A sharded bot hears a guild's events on that guild's shard only.
            shard_id = self.shard_of(int(guild_id))
            if shard_id is None:
                raise RuntimeError(f"no connected shard receives guild {guild_id}'s events")
            session = self._shards[shard_id]
        await self._send(session, event, data)

    async def disconnect_gateway(self, code: int = 4000) -> None:
        """Drop the bot's websocket; discord.py reconnects and RESUMEs (codes like 4000)."""
        session = self._session
        if session is not None and session.ws is not None:
            await session.ws.close(code=code, message=b"fake disconnect")


def _valid_shard(shard: Any) -> bool:
    return (
        isinstance(shard, list)
        and len(shard) == 2
        and all(isinstance(n, int) for n in shard)
        and shard[1] >= 1
        and 0 <= shard[0] < shard[1]
    )


def _on(guild_id: int, shard: tuple[int, int]) -> bool:
    return (guild_id >> 22) % shard[1] == shard[0]


def _redact(frame: dict[str, Any]) -> dict[str, Any]:
    data = frame.get("d")
    if isinstance(data, dict) and "token" in data:
        return {**frame, "d": {**data, "token": "<redacted>"}}
    return frame
