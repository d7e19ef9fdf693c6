"""`FakeDiscord`: the fake's world, its REST API, gateway and interaction builder on one port.

This class only wires the parts together, runs the aiohttp server and offers a test one
object to drive: the REST side lives in rest.py and routes.py, the websocket in gateway.py,
injected interactions in interactions.py, and the data all of them share in model.py.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tests.fakes.discord_server.gateway import Gateway
from tests.fakes.discord_server.interactions import InteractionBuilder
from tests.fakes.discord_server.model import DiscordWorld, FakeGuild
from tests.fakes.discord_server.protocol import API_PREFIX
from tests.fakes.discord_server.records import Call
from tests.fakes.discord_server.rest import RestApi
from tests.fakes.discord_server.routes import Routes


class FakeDiscord(DiscordWorld):
    """A fake Discord REST API and gateway on 127.0.0.1 (see the package docstring)."""

    def __init__(
        self,
        *,
        token: str = "ZmFrZS1ib3Q.ZmFrZQ.fake-bot-token-signature",
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
        super().__init__(token=token, application_id=application_id, bot_name=bot_name)
        self.gateway = Gateway(
            self, heartbeat_interval_ms=heartbeat_interval_ms, privileged_intents=privileged_intents
        )
        self.rest = RestApi(
            self,
            global_limit=global_limit,
            global_window=global_window,
            route_limit=route_limit,
            route_limits=route_limits or {},
        )
        self.rest.add_routes(
            Routes(self, self.gateway, interaction_deadline=interaction_deadline).table()
        )
        self.interact = InteractionBuilder(self, self.gateway)
        self._runner: web.AppRunner | None = None

        # What a test drives, each documented where it is done.
        self.calls_to = self.rest.calls_to
        self.wait_for_call = self.rest.wait_for_call
        self.describe_calls = self.rest.describe_calls
        self.inject_faults = self.rest.inject_faults
        self.fail_next = self.rest.fail_next
        self.dispatch = self.gateway.dispatch
        self.disconnect_gateway = self.gateway.disconnect_gateway
        self.send_slash_command = self.interact.send_slash_command
        self.send_autocomplete = self.interact.send_autocomplete
        self.submit_modal = self.interact.submit_modal
        self.click_button = self.interact.click_button
        self.send_component = self.interact.send_component

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> FakeDiscord:
        self.rest.open()
        self.gateway.open()
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.rest.handle)
        app.router.add_route("*", "/{tail:.*}", self.rest.not_api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.port = server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def wait_until_ready(self, timeout: float = 5.0) -> None:
        """Until a client identified and got READY plus a GUILD_CREATE per guild."""
        if not await self.gateway.ready(timeout):
            raise TimeoutError(
                f"no client identified on {self.gateway_url} within {timeout}s; "
                f"REST calls so far: {self.describe_calls()}"
            )

    # ----------------------------------------------------------------- what a test does

    async def remove_bot_from(self, guild: FakeGuild) -> None:
        """The bot was kicked (or the server deleted): GUILD_DELETE without `unavailable`,
        then 403 Missing Access for the server's channels."""
        self.removed_guilds.add(guild.id)
        if self.gateway.connected:
            await self.dispatch("GUILD_DELETE", {"id": str(guild.id)})

    async def revoke_bot_token(self) -> None:
        """The token was reset in the Developer Portal: REST answers 401 and the gateway
        closes with 4004 (Authentication failed)."""
        self.revoke_token()
        await self.gateway.disconnect_gateway(4004)

    @property
    def invalid_limit(self) -> int:
        return self.rest.invalid_limit

    @invalid_limit.setter
    def invalid_limit(self, value: int) -> None:
        """Fewer invalid requests before the ban (Discord: 10,000 in 10 minutes)."""
        self.rest.invalid_limit = value

    # ----------------------------------------------------------------- what the bot did

    @property
    def calls(self) -> list[Call]:
        """Every REST request, in arrival order."""
        return self.rest.calls

    @property
    def unknown_calls(self) -> list[Call]:
        """Requests to routes the fake does not implement (answered 404)."""
        return self.rest.unknown_calls

    @property
    def gateway_received(self) -> list[dict[str, Any]]:
        """Every frame the bot sent on the gateway (tokens redacted)."""
        return self.gateway.received

    @property
    def identify(self) -> dict[str, Any] | None:
        """The last IDENTIFY payload (token redacted): intents, properties, shard."""
        return self.gateway.identify
