"""Slack distribution: each installed workspace gets its own Web API client (its bot token),
its own poster (Slack's post limits are per workspace) and its own people directory, made
from its installation (adapters/slack/installs.py) on first use and kept for a minute, so an
install or uninstall seen by another process is followed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientSession
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.installs import Installations
from adapters.slack.people import Directory
from adapters.slack.poster import ChannelPacer, SlackPoster
from bot.messages import OutgoingMessage
from bot.ports import Place, PostError

log = logging.getLogger(__name__)

KEEP_SECONDS = 60.0
NOT_INSTALLED = (
    "quizbot is not installed in this Slack workspace (it was uninstalled or never finished "
    "installing): install it again, then /quiz daily turns the schedule back on"
)


@dataclass
class Team:
    team_id: str
    bot_token: str
    bot_user_id: str
    client: AsyncWebClient
    poster: SlackPoster
    people: Directory
    made_at: float


class Teams:
    def __init__(
        self,
        installations: Installations,
        make_client: Callable[[str], AsyncWebClient],
        *,
        clock: Any = None,
        on_token_dead: Callable[[str, str], Coroutine[Any, Any, None]] | None = None,
    ) -> None:
        """`make_client(token)`: a Web API client with quizbot's retries; `on_token_dead(team,
        reason)`: Slack said a workspace's token no longer works."""
        self.installations = installations
        self.make_client = make_client
        self.clock = clock
        self.on_token_dead = on_token_dead
        self.session: ClientSession | None = None  # shared by every workspace's client
        self._teams: dict[str, Team] = {}
        self._pacer = ChannelPacer()  # channel ids are unique across workspaces

    async def team(self, team_id: str) -> Team | None:
        known = self._teams.get(team_id)
        if known is not None and time.monotonic() - known.made_at < KEEP_SECONDS:
            return known
        found = await self.installations.installed(team_id)
        if found is None:
            self._teams.pop(team_id, None)
            return None
        if known is not None and known.bot_token == found["bot_token"]:
            known.made_at = time.monotonic()
            return known
        client = self.make_client(found["bot_token"])
        client.session = self.session

        def dead(reason: str, team: str = team_id) -> None:
            if self.on_token_dead is not None:
                asyncio.get_running_loop().create_task(self.on_token_dead(team, reason))

        team = Team(
            team_id,
            found["bot_token"],
            found["bot_user_id"] or "",
            client,
            SlackPoster(client, self._pacer, self.clock, on_token_dead=dead),
            Directory(client),
            time.monotonic(),
        )
        self._teams[team_id] = team
        return team

    def forget(self, team_id: str) -> None:
        self._teams.pop(team_id, None)


class TeamsPoster:
    """The `Poster` of every installed workspace: each call goes to the place's workspace;
    a workspace without an installation refuses for good (its schedules pause)."""

    token_dead: str | None = None  # never for the whole app: a dead token is one workspace's

    def __init__(self, teams: Teams) -> None:
        self.teams = teams

    async def _poster(self, place: Place) -> SlackPoster:
        team = await self.teams.team(place.server_id)
        if team is None:
            raise PostError("no_access", NOT_INSTALLED)
        return team.poster

    async def post(self, place: Place, message: OutgoingMessage) -> str:
        return await (await self._poster(place)).post(place, message)

    async def edit(self, place: Place, ref: str, message: OutgoingMessage) -> None:
        await (await self._poster(place)).edit(place, ref, message)

    async def start_thread(self, place: Place, message: OutgoingMessage) -> str:
        return await (await self._poster(place)).start_thread(place, message)

    async def find_post(self, place: Place, message: OutgoingMessage) -> str | None:
        return None  # as SlackPoster: Slack cannot hand a post back

    async def tell(self, place: Place, user_id: str, message: OutgoingMessage) -> bool:
        team = await self.teams.team(place.server_id)
        return False if team is None else await team.poster.tell(place, user_id, message)
