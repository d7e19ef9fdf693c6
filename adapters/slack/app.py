"""The Slack adapter: a slack-bolt AsyncApp that turns `/quiz` and button clicks into engine
calls, in Socket Mode or over HTTP.

Every listener acks first and works after, so Slack's 3-second deadline never waits on the
database or the Web API; then it always answers the person privately, also when something
failed (a plain sentence; the traceback goes to the log). Repeated deliveries (Slack's
retries, or the same trigger seen twice) are acked and dropped before any work.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientSession, web
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.pacing import RateLimiter
from adapters.runtime import Services
from adapters.slack import blocks as kit
from adapters.slack import commands as cmd
from adapters.slack.installs import Installations, InstallStates
from adapters.slack.people import DEFAULT_TTL, Directory, Person
from adapters.slack.platform import NAME as PLATFORM
from adapters.slack.platform import SlackSettings
from adapters.slack.poster import (
    REINSTALL,
    ChannelPacer,
    HoldOn429,
    OnlyRateLimitsForPosts,
    SlackPoster,
    refusal,
)
from adapters.slack.socket import SocketModeHandler
from adapters.slack.teams import Teams, TeamsPoster
from bot.messages import Notice, spell_commands
from bot.ports import Place, Player, PostError
from bot.schedule.spec import DailySpec, parse_words
from bot.schedule.timing import SpecError, parse_zone

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
COMMAND = "/quiz"
DEFAULT_API_URL = "https://slack.com/api/"
RATE_LIMIT_RETRIES = 3
SERVER_ERROR_RETRIES = 2
SEEN_DELIVERIES = 4096  # trigger/event ids remembered to drop repeats; retries come within minutes
# At stop, how long in-flight clicks get to finish writing and replying: `quizbot run` stops
# within 10 s of SIGTERM, whatever is in flight.
DRAIN_SECONDS = 3.0
SORRY = (
    "Sorry, that did not work: something went wrong on our side (it has been logged). "
    "Please try again in a moment."
)
ADMIN_ONLY = (
    "Only workspace admins and owners (or people named in QUIZBOT_SLACK_ADMINS) can change "
    "the daily question. `/quiz daily status` shows how it is set."
)
NO_SCHEDULE = "The daily question is not available on this bot yet."

Respond = Callable[..., Awaitable[Any]]


def make_client(token: str | None, api_url: str | None = None) -> AsyncWebClient:
    """Web API client with retries for 429s (honouring Retry-After) and 5xx, on top of the
    default connection-error retries. No token: the app's own client in distribution, whose
    calls (oauth.v2.access) carry their own credentials."""
    return with_retries(
        AsyncWebClient(token=token or None, base_url=api_url or DEFAULT_API_URL, timeout=10)
    )


def with_retries(client: AsyncWebClient) -> AsyncWebClient:
    """Add the 429 and 5xx retry handlers a client lacks (a client handed in keeps its own),
    and keep every handler but the 429 one off chat.postMessage (OnlyRateLimitsForPosts)."""
    kinds = {type(h) for h in client.retry_handlers}
    kinds |= {type(h.inner) for h in client.retry_handlers if isinstance(h, OnlyRateLimitsForPosts)}
    if AsyncRateLimitErrorRetryHandler not in kinds:
        client.retry_handlers.append(
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)
        )
    if AsyncServerErrorRetryHandler not in kinds:
        client.retry_handlers.append(
            AsyncServerErrorRetryHandler(max_retry_count=SERVER_ERROR_RETRIES)
        )
    client.retry_handlers[:] = [
        h
        if isinstance(h, AsyncRateLimitErrorRetryHandler | OnlyRateLimitsForPosts | HoldOn429)
        else OnlyRateLimitsForPosts(h)
        for h in client.retry_handlers
    ]
    return client


class SeenDeliveries:
    """The last `size` delivery ids, oldest forgotten first."""

    def __init__(self, size: int = SEEN_DELIVERIES) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen (and remember it), False for a repeat."""
        if key in self._ids:
            self._ids.move_to_end(key)
            return False
        self._ids[key] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)
        return True


def delivery_key(body: dict[str, Any]) -> str | None:
    """What identifies one interaction across Slack's retries: its trigger id (commands,
    clicks) or event id (Events API)."""
    if body.get("trigger_id"):
        return f"trigger:{body['trigger_id']}"
    if body.get("event_id"):
        return f"event:{body['event_id']}"
    return None


class SlackAdapter:
    platform = PLATFORM

    def __init__(
        self,
        services: Services,
        *,
        client: AsyncWebClient | None = None,
        socket_mode: bool | None = None,
        host: str | None = None,
        port: int | None = None,
        pacer: ChannelPacer | None = None,
        workspace_pacer: RateLimiter | None = None,
        update_pacer: RateLimiter | None = None,
        people_ttl: float = DEFAULT_TTL,
        heartbeat_interval: float = 30.0,
    ) -> None:
        settings = services.settings.section(SlackSettings)
        self.services = services
        self.settings = settings
        self.engine = services.engine
        self.socket_mode = settings.socket_mode if socket_mode is None else socket_mode
        if not self.socket_mode and not settings.signing_secret:
            raise ValueError(
                "Slack HTTP mode needs SLACK_SIGNING_SECRET "
                "(or set SLACK_APP_TOKEN for Socket Mode)."
            )
        self.client = (
            with_retries(client)
            if client is not None
            else make_client(settings.bot_token.value, settings.api_url)
        )
        self.host = host or settings.http_host
        self.port = settings.http_port if port is None else port
        # Distribution (SLACK_CLIENT_ID): every workspace installs the app through OAuth and
        # has its own token, client, poster and people (adapters/slack/teams.py).
        self.distributed = settings.distributed
        self.teams: Teams | None = None
        oauth: dict[str, Any] = {}
        self.poster: SlackPoster | TeamsPoster
        if self.distributed:
            installations = Installations(services.engine.store, settings.client_id or "")
            self.teams = Teams(
                installations,
                lambda token: make_client(token, settings.api_url),
                clock=services.clock,
                on_token_dead=self._team_token_died,
            )
            self.poster = TeamsPoster(self.teams)
            oauth["oauth_settings"] = AsyncOAuthSettings(
                client_id=settings.client_id,
                client_secret=settings.client_secret.value,
                scopes=list(settings.scopes),
                installation_store=installations,
                installation_store_bot_only=True,
                state_store=InstallStates(services.engine.store, services.clock),
            )
        else:
            self.poster = SlackPoster(
                self.client,
                pacer,
                services.clock,
                workspace=workspace_pacer,
                updates=update_pacer,
                on_token_dead=self._token_died,
            )
        self.people = Directory(self.client, ttl=people_ttl)
        self.seen = SeenDeliveries()
        self.admins = settings.admins
        self.team_id = ""  # from auth.test at start
        self.bot_user_id = ""
        self.heartbeat_interval = heartbeat_interval
        self.last_heartbeat: float = 0.0  # time.time() of the last sign of life; 0 = never
        self.dropped_repeats = 0
        self.app = AsyncApp(
            client=self.client,
            signing_secret=settings.signing_secret.value,
            request_verification_enabled=not self.socket_mode,
            before_authorize=self._drop_repeats,
            name="quizbot",
            logger=logging.getLogger(f"{__name__}.bolt"),
            **oauth,
        )
        self.app.command(COMMAND)(self._on_command)
        self.app.action(re.compile(rf"^{kit.ANSWER_PREFIX}:"))(self._on_answer)
        self.app.action(kit.PRACTICE_NEXT)(self._on_practice_next)
        self.app.action(re.compile(rf"^{kit.TYPED_PREFIX}:"))(self._on_typed_click)
        self.app.view(kit.TYPED_CALLBACK)(self._on_typed_submit)
        self.app.action(re.compile(rf"^{kit.HINT_PREFIX}:"))(self._on_hint)
        self.app.action(re.compile(rf"^{kit.REPORT_PREFIX}:"))(self._on_report_click)
        self.app.view(kit.REPORT_CALLBACK)(self._on_report_submit)
        self.app.event("app_uninstalled")(self._on_uninstalled)
        self.app.event("tokens_revoked")(self._on_tokens_revoked)
        self.app.error(self._on_error)
        self._practice_topics: OrderedDict[str, str | None] = OrderedDict()
        self._inflight: set[asyncio.Task[Any]] = set()
        self._handler: SocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        services.posters.register(PLATFORM, self.poster)

    # -- life cycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The events URL in HTTP mode (with the real port once started)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}{EVENTS_PATH}"

    async def start(self) -> None:
        if self.client.session is None:  # one connection pool for every Web API call
            self._session = self.client.session = ClientSession()
        if self.teams is not None:
            self.teams.session = self.client.session
        try:
            if not self.distributed:  # each workspace's token was checked at its install
                await self._check_token()
            if self.socket_mode:
                self._handler = SocketModeHandler(
                    self.app, self.settings.app_token.value, web_client=self.client
                )
                await self._handler.connect_async()
                log.info("Slack adapter connected in Socket Mode")
            else:
                web_app = self.app.web_app(path=EVENTS_PATH, port=self.port)
                web_app.router.add_get(HEALTH_PATH, self._healthz)
                self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=2.0)
                await self._runner.setup()
                await web.TCPSite(self._runner, self.host, self.port).start()
                self.port = int(self._runner.addresses[0][1])  # port 0 picks a free one
                log.info("Slack adapter serving %s on %s:%s", EVENTS_PATH, self.host, self.port)
        except BaseException:
            await self.stop()  # nothing half-open: no session, socket or listener left behind
            raise
        self.last_heartbeat = time.time()
        self._heartbeat = asyncio.create_task(self._beat(), name="slack-heartbeat")

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        if self._handler is not None:
            await self._handler.close_async()
            self._handler = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._inflight:  # clicks already acked deserve their answer
            _, late = await asyncio.wait(set(self._inflight), timeout=DRAIN_SECONDS)
            for task in late:
                task.cancel()
        if self._session is not None:
            await self._session.close()
            self.client.session = self._session = None

    def alive(self) -> bool:
        """A sign of life within three heartbeat intervals: what `quizbot health` reports."""
        if self.poster.token_dead is not None:
            return False
        return time.time() - self.last_heartbeat < 3 * self.heartbeat_interval

    async def _check_token(self) -> None:
        """auth.test before anything else: a revoked or mistyped token is one clear start-up
        error (and after an uninstall the supervisor's restarts keep saying why)."""
        try:
            identity = await self.client.auth_test()
        except SlackApiError as error:
            found = refusal(error, "auth.test")
            raise RuntimeError(
                found.reason if isinstance(found, PostError) else f"auth.test failed: {found}"
            ) from None
        self.team_id = str(identity.get("team_id") or "")
        self.bot_user_id = str(identity.get("user_id") or "")

    def _token_died(self, reason: str) -> None:
        self.services.shutdown.fatal(f"slack: {reason}")

    # -- the workspace removed us -------------------------------------------------------

    async def _on_uninstalled(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        await self._removed(str(body.get("team_id") or self.team_id), "quizbot was uninstalled")

    async def _on_tokens_revoked(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        team_id = str(body.get("team_id") or self.team_id)
        revoked = ((body.get("event") or {}).get("tokens") or {}).get("bot") or []
        bot_user_id = self.bot_user_id
        if self.teams is not None:
            team = await self.teams.team(team_id)
            bot_user_id = team.bot_user_id if team is not None else ""
        if bot_user_id and bot_user_id not in revoked:
            return  # another token of the app (a user's OAuth token), not ours
        await self._removed(team_id, "quizbot's token was revoked")

    async def _team_token_died(self, team_id: str, reason: str) -> None:
        await self._removed(team_id, f"quizbot's token stopped working ({reason})")

    async def _removed(self, team_id: str, what: str) -> None:
        """The workspace removed the app: pause its schedules. With one workspace per bot
        token nothing else can work, so the process stops; in distribution the workspace's
        installation is deleted and the others go on."""
        reason = f"{what} from this workspace: reinstall it, then /quiz daily turns it back on"
        if self.services.daily is not None:
            try:
                await self.services.daily.removed_from(PLATFORM, team_id, reason)
            except Exception:
                log.exception("could not pause the schedules of workspace %s", team_id)
        if self.teams is not None:
            if await self.teams.installations.remove(team_id):
                log.warning("Slack workspace %s removed: %s; its daily schedules are paused",
                            team_id, what)  # fmt: skip
            self.teams.forget(team_id)
            return
        self.poster.token_dead = self.poster.token_dead or f"{what} from workspace {team_id}"
        self._token_died(f"{what} from workspace {team_id}: {REINSTALL}")

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            if self._handler is not None:
                alive = await self._handler.client.is_connected()
            else:
                alive = self._runner is not None
            if alive:
                self.last_heartbeat = time.time()
            else:
                log.warning("Slack connection is down; slack_sdk is reconnecting")

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "ok": True,
                "platform": PLATFORM,
                "mode": "socket" if self.socket_mode else "http",
                "last_heartbeat": self.last_heartbeat,
            }
        )

    # -- middleware ---------------------------------------------------------------------

    async def _drop_repeats(self, req: Any, next: Callable[[], Awaitable[Any]]) -> Any:
        """Runs after the signature check: ack a repeat at once and do nothing else."""
        self.last_heartbeat = time.time()
        key = delivery_key(req.body)
        # This process's memory first (no database trip for the common repeat), then the
        # database: a retry sent to another process behind a load balancer is a repeat too.
        if key is not None and (
            not self.seen.first_time(key) or not await self.engine.first_delivery(f"slack:{key}")
        ):
            self.dropped_repeats += 1
            retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
            log.info("dropped a repeated delivery %s (retry %s)", key, retry)
            return BoltResponse(status=200, body="")
        return await next()

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error in the Slack app: %r", error, exc_info=error)

    async def _work(self, job: Awaitable[None], respond: Respond) -> None:
        """Run one listener's work; whatever fails, the person gets a private sentence."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await job
        except Exception:
            log.exception("a Slack interaction failed")
            with contextlib.suppress(Exception):
                await _private(respond, SORRY)
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def _client_for(self, body: dict[str, Any]) -> AsyncWebClient:
        """The Web API client of the workspace a payload came from."""
        if self.teams is not None:
            team = await self.teams.team(_team_of(body))
            if team is not None:
                return team.client
        return self.client

    async def _player(
        self, user_id: str, fallback: str = "", *, quick: bool = True, team_id: str = ""
    ) -> tuple[Player, Person]:
        people = self.people
        if self.teams is not None:
            team = await self.teams.team(team_id)
            if team is not None:
                people = team.people
        person = await people.person(user_id, fallback, quick=quick)
        return Player(PLATFORM, user_id, person.display_name, person.tz), person

    def is_admin(self, person: Person) -> bool:
        return person.user_id in self.admins or person.is_admin

    # -- /quiz --------------------------------------------------------------------------

    async def _on_command(self, ack: Any, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await self._work(self._command(body, respond), respond)

    async def _command(self, body: dict[str, Any], respond: Respond) -> None:
        command = cmd.parse(body.get("text") or "")
        place = Place(PLATFORM, str(body.get("team_id") or ""), str(body["channel_id"]))
        if isinstance(command, cmd.Help):
            return await _private(respond, cmd.HELP)
        if isinstance(command, cmd.Invalid):
            return await _private(respond, f"{command.problem}\n\n{cmd.HELP}")
        if isinstance(command, cmd.Topics):
            return await _private(respond, self._topics_text())
        player, person = await self._player(
            str(body["user_id"]),
            str(body.get("user_name", "")),
            quick=False,
            team_id=place.server_id,
        )
        if isinstance(command, cmd.StartQuiz):
            topic = self._topic(command.topic)
            if isinstance(topic, cmd.Invalid):
                return await _private(respond, topic.problem)
            reply = await self.engine.start_quiz(
                place, player, command.count, command.seconds, topic, fmt=command.fmt
            )
            return await _private(respond, reply.notice)
        if isinstance(command, cmd.StopQuiz):
            reply = await self.engine.stop_quiz(place, player, self.is_admin(person))
            return await _private(respond, reply.notice)
        if isinstance(command, cmd.Practice):
            topic = self._topic(command.topic)
            if isinstance(topic, cmd.Invalid):
                return await _private(respond, topic.problem)
            return await self._practice(player, topic, respond, new_run=True)
        if isinstance(command, cmd.PracticeRemind):
            return await self._remind(command.words, place, player, person, respond)
        if isinstance(command, cmd.Leaderboard):
            board = await self.engine.leaderboard(place, command.period, command.scope, player)
            text, blocks = kit.leaderboard(board)
            return await _private(respond, text, blocks)
        if isinstance(command, cmd.Stats) and command.team:
            text, blocks = kit.team(await self.engine.team_memory(place))
            return await _private(respond, text, blocks)
        if isinstance(command, cmd.Stats):
            text, blocks = kit.stats(await self.engine.stats(player, place))
            return await _private(respond, text, blocks)
        if isinstance(command, cmd.Reports):
            return await _private(respond, await self._reports(command, place, player, person))
        return await self._daily(command, place, player, person, respond)

    async def _remind(
        self, words: str, place: Place, player: Player, person: Person, respond: Respond
    ) -> None:
        reminders = self.services.reminders
        if reminders is None:
            return await _private(respond, "Practice reminders are not available on this bot.")
        parts = words.split()
        if len(parts) == 1 and parts[0][:1].isdigit() and person.tz:
            words = f"{words} {person.tz}"  # the person's own zone, from their Slack profile
        return await _private(respond, await reminders.set(place, player, words))

    async def _reports(
        self, command: cmd.Reports, place: Place, player: Player, person: Person
    ) -> Notice:
        """`/quiz reports`: the list or one decision; the engine refuses non-admins."""
        desk, admin = self.engine.reports, self.is_admin(person)
        if command.hold_after is not None:
            return await desk.set_hold_after(place, player, admin, command.hold_after)
        if command.decision is not None:
            return await desk.decide(
                place, player, admin, command.card, command.decision, command.letter
            )
        return await desk.admin_view(place, admin)

    def _topic(self, wanted: str | None) -> str | cmd.Invalid | None:
        if not wanted:
            return None
        return cmd.resolve_topic(wanted, [name for name, _ in self.engine.topics()])

    def _topics_text(self) -> str:
        topics = self.engine.topics()
        if not topics:
            return "No decks are loaded, so there are no topics."
        # Neutral Markdown: _private renders (and escapes) it once for Slack.
        lines = [f"- {name} ({count} cards)" for name, count in topics]
        return (
            "**Topics**\n" + "\n".join(lines) + "\n\n`/quiz 5 <topic>` or `/quiz practice <topic>`"
        )

    async def _daily(
        self, command: cmd.Command, place: Place, player: Player, person: Person, respond: Respond
    ) -> None:
        if isinstance(command, cmd.DAILY_CONFIG_COMMANDS) and not self.is_admin(person):
            return await _private(respond, ADMIN_ONLY)
        daily = self.services.daily
        if daily is None:
            return await _private(respond, NO_SCHEDULE)
        admin = self.is_admin(person)
        if isinstance(command, cmd.DailySet):
            words = command.words
            zone = _zone_of(person)
            if zone and not _names_zone(words) and not await daily.has_schedule(place):
                words = f"{words} {zone}"  # a new schedule: "09:00" means the admin's 09:00
            # Words, not a parsed spec: the service keeps the settings they do not name.
            result = await daily.set(place, words, by=player, is_admin=admin)
        elif isinstance(command, cmd.DailyOff):
            result = await daily.off(place, by=player, is_admin=admin)
        elif isinstance(command, cmd.DailyNow):
            result = await daily.now(place, by=player, is_admin=admin)
        else:
            result = await daily.status(place)
        await _private(respond, result)

    # -- clicks -------------------------------------------------------------------------

    async def _on_answer(self, ack: Any, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await self._work(self._answer(body, respond), respond)

    async def _answer(self, body: dict[str, Any], respond: Respond) -> None:
        action = (body.get("actions") or [{}])[0]
        parsed = kit.parse_answer_action(str(action.get("action_id", "")))
        if parsed is None:
            return await _private(respond, "That button is not one I know; it may be outdated.")
        round_id, option = parsed
        user = body.get("user") or {}
        player, _ = await self._player(
            str(user["id"]), str(user.get("name") or ""), team_id=_team_of(body)
        )
        result = await self.engine.answer(round_id, player, option)
        if result.reveal is None:
            return await _private(respond, result.text)
        topic = self._practice_topics.get(player.user_id)
        text, blocks = kit.practice_reveal(result.reveal, result.text, topic)
        ephemeral = bool((body.get("container") or {}).get("is_ephemeral"))
        await _private(respond, text, blocks, replace=ephemeral)

    async def _on_hint(self, ack: Any, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await self._work(self._hint(body, respond), respond)

    async def _hint(self, body: dict[str, Any], respond: Respond) -> None:
        """The hint, privately (through the click's response URL), with buttons for the
        options still in play, or the Answer button of a typed question."""
        action = (body.get("actions") or [{}])[0]
        round_id = kit.parse_hint_action(str(action.get("action_id", "")))
        if round_id is None:
            return await _private(respond, "That button is not one I know; it may be outdated.")
        user = body.get("user") or {}
        player, _ = await self._player(
            str(user["id"]), str(user.get("name") or ""), team_id=_team_of(body)
        )
        reply = await self.engine.hint(round_id, player)
        if reply.status != "hinted":
            return await _private(respond, reply.text)
        text, blocks = kit.hint_reply(reply)
        await _private(respond, text, blocks)

    async def _on_typed_click(self, ack: Any, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await self._work(self._open_typed(body, respond), respond)

    async def _open_typed(self, body: dict[str, Any], respond: Respond) -> None:
        """Open the box to type the answer in. The click's trigger_id opens a modal only
        within 3 s, so nothing waits before views.open; whether the round is still open is
        the engine's to say when the answer is sent."""
        action = (body.get("actions") or [{}])[0]
        round_id = kit.parse_typed_action(str(action.get("action_id", "")))
        channel = str((body.get("container") or {}).get("channel_id") or "")
        if round_id is None or not channel:
            return await _private(respond, "That button is not one I know; it may be outdated.")
        client = await self._client_for(body)
        await client.views_open(
            trigger_id=body["trigger_id"], view=kit.typed_modal(round_id, channel)
        )

    async def _on_typed_submit(self, ack: Any, body: dict[str, Any]) -> None:
        # Acked at once (the modal closes); the answer is then told privately in the channel.
        await ack()
        user = str((body.get("user") or {}).get("id") or "")
        sent = kit.typed_submission(body.get("view") or {})
        if sent is None or not user:
            log.warning("a typed-answer submission without its round or channel")
            return
        round_id, channel, text = sent
        respond = _ephemeral_in(await self._client_for(body), channel, user)
        await self._work(self._typed_answer(body, round_id, text, respond), respond)

    async def _typed_answer(
        self, body: dict[str, Any], round_id: int, text: str, respond: Respond
    ) -> None:
        user = body.get("user") or {}
        player, _ = await self._player(
            str(user["id"]), str(user.get("name") or ""), team_id=_team_of(body)
        )
        result = await self.engine.answer_text(round_id, player, text)
        if result.reveal is None:
            return await _private(respond, result.text)
        topic = self._practice_topics.get(player.user_id)
        reveal_text, blocks = kit.practice_reveal(result.reveal, result.text, topic)
        await _private(respond, reveal_text, blocks)

    async def _on_report_click(self, ack: Any, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await self._work(self._open_report(body, respond), respond)

    async def _open_report(self, body: dict[str, Any], respond: Respond) -> None:
        """Open the report box at once (a trigger_id lasts 3 s); the engine judges the report
        when it is sent."""
        action = (body.get("actions") or [{}])[0]
        round_id = kit.parse_report_action(str(action.get("action_id", "")))
        channel = str((body.get("container") or {}).get("channel_id") or "")
        if round_id is None or not channel:
            return await _private(respond, "That button is not one I know; it may be outdated.")
        client = await self._client_for(body)
        await client.views_open(
            trigger_id=body["trigger_id"], view=kit.report_modal(round_id, channel)
        )

    async def _on_report_submit(self, ack: Any, body: dict[str, Any]) -> None:
        # Acked at once (the modal closes); the thank-you is then told privately in the channel.
        await ack()
        user = str((body.get("user") or {}).get("id") or "")
        sent = kit.report_submission(body.get("view") or {})
        if sent is None or not user:
            log.warning("a report submission without its round or channel")
            return
        round_id, channel, reason, note = sent
        respond = _ephemeral_in(await self._client_for(body), channel, user)
        await self._work(self._report(body, round_id, channel, reason, note, respond), respond)

    async def _report(
        self,
        body: dict[str, Any],
        round_id: int,
        channel: str,
        reason: str,
        note: str,
        respond: Respond,
    ) -> None:
        user = body.get("user") or {}
        team = str((body.get("team") or {}).get("id") or user.get("team_id") or "")
        player, _ = await self._player(str(user["id"]), str(user.get("name") or ""), team_id=team)
        place = Place(PLATFORM, team, channel)
        await _private(
            respond, await self.engine.reports.report(round_id, player, place, reason, note)
        )

    async def _on_practice_next(self, ack: Any, body: dict[str, Any], respond: Respond) -> None:
        await ack()
        await self._work(self._practice_next(body, respond), respond)

    async def _practice_next(self, body: dict[str, Any], respond: Respond) -> None:
        action = (body.get("actions") or [{}])[0]
        user = body.get("user") or {}
        player, _ = await self._player(
            str(user["id"]), str(user.get("name") or ""), team_id=_team_of(body)
        )
        await self._practice(player, kit.practice_topic(str(action.get("value") or "")), respond)

    async def _practice(
        self, player: Player, topic: str | None, respond: Respond, *, new_run: bool = False
    ) -> None:
        self._practice_topics[player.user_id] = topic
        self._practice_topics.move_to_end(player.user_id)
        if len(self._practice_topics) > SEEN_DELIVERIES:
            self._practice_topics.popitem(last=False)
        reply = await self.engine.practice_next(player, topic, new_run=new_run)
        if reply.question is None:
            return await _private(respond, reply.notice or "No practice question is available.")
        text, blocks = kit.question(reply.question, self.services.clock.now())
        await _private(respond, text, blocks)


# How engine text's command mentions (bot.messages.command) read on Slack.
COMMAND_NAMES = {
    "topics": "/quiz topics",
    "daily set": "/quiz daily HH:MM",
    "daily now": "/quiz daily now",
    "daily status": "/quiz daily status",
    "practice": "/quiz practice",
    "practice remind": "/quiz practice remind",
    "practice remind off": "/quiz practice remind off",
    "reports keep": "/quiz reports keep CARD",
    "reports hold": "/quiz reports hold CARD",
    "reports accept": "/quiz reports accept CARD LETTER",
    "reports void": "/quiz reports void CARD",
    "reports hold-after": "/quiz reports hold-after N",
}


def _team_of(body: dict[str, Any]) -> str:
    """The workspace a payload came from: commands and events name it `team_id`,
    interactions `team.id` (or the user's `team_id`)."""
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    return str(team or (body.get("user") or {}).get("team_id") or "")


def _ephemeral_in(client: AsyncWebClient, channel: str, user: str) -> Respond:
    """A `respond` for a modal submission, which has no response URL: a message only `user`
    sees in `channel` (chat.postEphemeral)."""

    async def send(*, text: str, blocks: kit.Blocks | None = None, **_: Any) -> None:
        await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)

    return send


async def _private(
    respond: Respond,
    message: Notice | str,
    blocks: kit.Blocks | None = None,
    *,
    replace: bool = False,
) -> None:
    """Reply to the one person who typed or clicked (ephemeral, through the response URL)."""
    text = message.text if isinstance(message, Notice) else str(message)
    text = spell_commands(text, COMMAND_NAMES)
    if blocks is None:
        _, blocks = kit.notice(text)
    await respond(
        text=text,
        blocks=blocks,
        response_type="ephemeral",
        replace_original=replace,
    )


def _zone_of(person: Person) -> str | None:
    """The person's Slack time zone as an IANA name, if Slack gave a valid one."""
    if not person.tz:
        return None
    try:
        return parse_zone(person.tz).key
    except SpecError:
        return None


def _names_zone(words: str) -> bool:
    """Whether the `/quiz daily` words name a time zone: parsed over two different defaults,
    the zone comes out the same only when the words set it."""
    try:
        return (
            parse_words(words, DailySpec(tz="UTC")).tz
            == parse_words(words, DailySpec(tz="Asia/Tokyo")).tz
        )
    except SpecError:
        return True  # the service reports the problem; add nothing
