"""The Discord adapter: a discord.py client with quizbot's slash commands and buttons.

`quizbot run` builds it with `adapters.discord.platform.build(services)`, awaits `start()` (returns
once the gateway session is ready and the commands are synced) and `stop()` at shutdown.
Timers (`engine.run_timer`) and `engine.recover()` are the runtime's, not ours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
import yarl
from discord import app_commands

from adapters.discord.clicks import DYNAMIC_ITEMS, is_typed_modal, typed_modal_sent
from adapters.discord.commands import daily, practice, quiz, reports, standings
from adapters.discord.platform import NAME, DiscordSettings
from adapters.discord.poster import TOKEN_DEAD, DiscordPoster
from adapters.discord.replies import NO_MENTIONS, NotInServer, apologise
from adapters.runtime import Services

log = logging.getLogger(__name__)

START_TIMEOUT = 30.0  # login + gateway READY; a real gateway takes 1-3 s
STOP_GRACE = 3.0  # in-flight commands and clicks get this long to answer before we close
# After close(), how long the gateway task may take to notice (it may sleep in a backoff).
CLOSE_WAIT = 1.0
UNKNOWN_BUTTON = (
    "That button is not one I know (it may be from an older quizbot). "
    "Start a new round with /quiz or /practice."
)
MAX_RATELIMIT_WAIT = 60.0  # a longer rate-limit wait raises RateLimited instead of hanging


def intents() -> discord.Intents:
    """Only GUILDS (not privileged): slash commands and buttons arrive as interactions with
    whatever they need; GUILDS keeps the server and channel cache for names and checks."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


class QuizTree(app_commands.CommandTree):
    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        track = getattr(self.client, "track_current_task", None)
        if track is not None:
            track()
        return True

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        command = interaction.command.qualified_name if interaction.command else "that command"
        if not isinstance(error, app_commands.CheckFailure | NotInServer):
            log.error("/%s failed", command, exc_info=error)
        await apologise(interaction, error, f"/{command}")


class QuizClient(discord.Client):
    def __init__(self, services: Services, **options: Any) -> None:
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT)
        super().__init__(intents=intents(), allowed_mentions=NO_MENTIONS, **options)
        self.services = services
        self.tree = QuizTree(self)
        for module in (quiz, practice, standings, daily, reports):
            module.add_to(self.tree)
        self.inflight: set[asyncio.Task[Any]] = set()

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """GUILD_DELETE without `unavailable`: the bot was kicked or the server deleted (an
        outage sends `unavailable`, which discord.py reports elsewhere). Pause the server's
        schedules; its reveals and quizzes meet Discord's refusal once and are not retried."""
        daily = self.services.daily
        if daily is None:
            return
        reason = "quizbot was removed from this server: invite it back, then /daily set"
        try:
            count = await daily.removed_from(NAME, str(guild.id), reason)
        except Exception:
            log.exception("Discord: could not pause the schedules of server %s", guild.id)
            return
        log.warning("Discord: removed from server %s; %d daily schedule(s) paused", guild.id, count)

    async def setup_hook(self) -> None:
        # Clicks on any message with an answer:<round>:<option> button, including messages
        # sent before this process started, reach AnswerButton.callback.
        self.add_dynamic_items(*DYNAMIC_ITEMS)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Answer clicks that no button of ours claims (a foreign or mangled custom_id, a
        button from an older version): discord.py ignores them, and the user would see
        "This interaction failed" after 3 s. A typed answer's box is answered here, whether
        it was opened by this process or before a restart (`typed_modal_sent`)."""
        if is_typed_modal(interaction):
            await typed_modal_sent(interaction)
            return
        if interaction.type is not discord.InteractionType.component:
            return
        custom_id = str(interaction.data.get("custom_id", "")) if interaction.data else ""
        if any(
            item.__discord_ui_compiled_template__.fullmatch(custom_id) for item in DYNAMIC_ITEMS
        ):
            return
        await interaction.response.send_message(UNKNOWN_BUTTON, ephemeral=True)

    def track_current_task(self) -> None:
        """Remember a running command/click so stop() can let it finish answering."""
        task = asyncio.current_task()
        if task is not None and task not in self.inflight:
            self.inflight.add(task)
            task.add_done_callback(self.inflight.discard)

    async def sync_commands(self, guild_id: int | None) -> list[app_commands.AppCommand]:
        """One server: commands appear at once. Everywhere: Discord may take a while."""
        if guild_id is None:
            return await self.tree.sync()
        guild = discord.Object(guild_id)
        self.tree.copy_global_to(guild=guild)
        return await self.tree.sync(guild=guild)


class ShardedQuizClient(QuizClient, discord.AutoShardedClient):
    """The same client over several gateway shards (DISCORD_SHARD_COUNT / DISCORD_SHARD_IDS):
    discord.py's AutoShardedClient runs one connection per shard of this process."""


def make_client(services: Services, settings: DiscordSettings, **client_options: Any) -> QuizClient:
    if settings.shard_count is None:
        return QuizClient(services, **client_options)
    if settings.shard_ids is not None:
        client_options.setdefault("shard_ids", list(settings.shard_ids))
    client_options.setdefault("shard_count", settings.shard_count)
    return ShardedQuizClient(services, **client_options)


class DiscordAdapter:
    platform = NAME

    def __init__(self, services: Services, **client_options: Any) -> None:
        self.services = services
        self.settings = services.settings.section(DiscordSettings)
        self.client = make_client(services, self.settings, **client_options)
        self.poster = DiscordPoster(self.client, on_token_dead=self._died)
        self._connect: asyncio.Task[None] | None = None
        self._stopping = False
        self._saved_endpoints: tuple[str, yarl.URL] | None = None

    def _point_at_endpoints(self) -> None:
        """DISCORD_API_BASE / DISCORD_GATEWAY_URL (local emulators): discord.py reads both
        from class attributes, so they are set for the process and restored by stop()."""
        api, gateway = self.settings.api_base, self.settings.gateway_url
        if not api and not gateway:
            return
        route, ws = discord.http.Route, discord.gateway.DiscordWebSocket
        self._saved_endpoints = (route.BASE, ws.DEFAULT_GATEWAY)
        if api:
            route.BASE = api.rstrip("/")
        if gateway:
            ws.DEFAULT_GATEWAY = yarl.URL(gateway)

    def _restore_endpoints(self) -> None:
        if self._saved_endpoints is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = (
                self._saved_endpoints
            )
            self._saved_endpoints = None

    def alive(self) -> bool:
        """Connected to the gateway and ready: what `quizbot health` reports."""
        if self.poster.token_dead is not None:
            return False
        return self.client.is_ready() and not self.client.is_closed()

    def _died(self, reason: str) -> None:
        """The token no longer works (a 401, or the gateway closed with 4004): stop the
        process, once, with the reason."""
        self.services.shutdown.fatal(f"discord: {reason}")

    def _connection_ended(self, task: asyncio.Task[None]) -> None:
        """discord.py reconnects by itself; its connect task only ends for good on a close
        it cannot recover from (4004 authentication failed, 4014 intents, ...)."""
        if self._stopping or task.cancelled():
            return
        error = task.exception()
        if isinstance(error, discord.ConnectionClosed) and error.code == 4004:
            self.poster.token_dead = self.poster.token_dead or TOKEN_DEAD
            self._died(f"the gateway closed with 4004 (authentication failed): {TOKEN_DEAD}")
        elif self.client.is_ready() or error is not None:
            self._died(f"the gateway connection ended and will not come back: {error!r}")

    async def start(self, timeout: float = START_TIMEOUT) -> None:
        token = self.settings.token.value
        if not token:
            raise RuntimeError("DISCORD_TOKEN is not set: the Discord adapter cannot start")
        self._point_at_endpoints()
        try:
            try:
                await self.client.login(token)
            except discord.LoginFailure:
                raise RuntimeError(
                    "Discord refused DISCORD_TOKEN: copy the bot token again from the "
                    "Developer Portal (Bot > Reset Token)"
                ) from None
            self._connect = asyncio.create_task(
                self.client.connect(reconnect=True), name="quizbot-discord-gateway"
            )
            await self._until_ready(timeout)
            self._connect.add_done_callback(self._connection_ended)
        except BaseException:
            await self.stop()
            raise
        guild_id = self.settings.guild_id
        try:
            synced = await self.client.sync_commands(guild_id)
            where = f"server {guild_id}" if guild_id else "every server (may take a while)"
            log.info("Discord: %d slash commands synced to %s", len(synced), where)
        except discord.HTTPException:
            # Commands synced by an earlier start keep working; say why new ones may not show.
            log.exception("Discord: could not sync slash commands; the previous set stays")
        me = self.client.user
        log.info("Discord: ready as %s (application %s)", me, self.client.application_id)
        if self.settings.shard_count is not None:
            mine = self.settings.shard_ids or range(self.settings.shard_count)
            log.info("Discord: running shards %s of %d", ",".join(map(str, mine)),
                     self.settings.shard_count)  # fmt: skip

    async def _until_ready(self, timeout: float) -> None:
        assert self._connect is not None
        ready = asyncio.create_task(self.client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {self._connect, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ready
        if ready in done and not ready.cancelled():
            return
        if self._connect in done:
            error = self._connect.exception()
            if isinstance(error, discord.PrivilegedIntentsRequired):
                raise RuntimeError("Discord refused the gateway intents") from error
            if isinstance(error, AttributeError):
                # discord.py 2.7 retries a first connection that never opened by resuming a
                # session it never had, and fails on that: the warning before says why.
                gateway = self.settings.gateway_url or "Discord's gateway"
                raise RuntimeError(
                    f"could not connect to {gateway}: see the warning just before"
                ) from error
            raise RuntimeError(f"the Discord gateway connection ended: {error!r}") from error
        raise TimeoutError(f"Discord did not become ready within {timeout:.0f} s")

    async def stop(self) -> None:
        """Let in-flight commands and clicks answer (bounded), then close the connection."""
        self._stopping = True
        pending = [t for t in self.client.inflight if t is not asyncio.current_task()]
        if pending:
            _, late = await asyncio.wait(pending, timeout=STOP_GRACE)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late, timeout=1.0)
        await self.client.close()
        if self._connect is not None:
            if not self._connect.done():
                try:
                    await asyncio.wait_for(self._connect, CLOSE_WAIT)
                except (TimeoutError, asyncio.CancelledError):
                    pass
                except Exception:
                    log.debug("gateway task ended with an error while stopping", exc_info=True)
            elif not self._connect.cancelled():
                self._connect.exception()  # retrieved: it was reported by start() if it mattered
            self._connect = None
        self._restore_endpoints()
