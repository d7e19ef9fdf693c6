"""Slack distribution: one deployment in many workspaces, each installed through Slack's OAuth
flow (slack-bolt's `AsyncOAuthSettings`). The installations (each workspace's own bot token)
and the install attempts under way (OAuth `state` values) live in quizbot's database, in the
`installations` and `oauth_states` tables, so every process sees every workspace.

slack-sdk's async store interfaces over `bot.store.Store`: plain SQL that runs on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from logging import Logger, getLogger
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from adapters.slack.platform import NAME as PLATFORM
from bot.store.db import Store, parse_ts, ts

STATE_LIFETIME = timedelta(minutes=10)  # an install started and not finished by then is void

_COLUMNS = "server_id, bot_token, bot_user_id, bot_id, app_id, scopes, installer_id, installed_at"


class Installations(AsyncInstallationStore):
    """Each workspace's installation, by team id (org-wide installs by enterprise id)."""

    def __init__(self, store: Store, client_id: str) -> None:
        self.store = store
        self.client_id = client_id
        self._logger = getLogger(__name__)

    @property
    def logger(self) -> Logger:
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        if installation.bot_token is None:
            raise ValueError("a Slack installation without a bot token: check SLACK_SCOPES")
        server = installation.team_id or installation.enterprise_id or ""
        row = (
            PLATFORM,
            server,
            installation.bot_token,
            installation.bot_user_id,
            installation.bot_id,
            installation.app_id,
            ",".join(installation.bot_scopes or []),
            installation.user_id,
            ts(datetime.fromtimestamp(installation.installed_at or time.time(), UTC)),
        )

        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                f"INSERT INTO installations (platform, {_COLUMNS}) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, server_id) DO UPDATE SET"
                " bot_token=excluded.bot_token, bot_user_id=excluded.bot_user_id,"
                " bot_id=excluded.bot_id, app_id=excluded.app_id, scopes=excluded.scopes,"
                " installer_id=excluded.installer_id, installed_at=excluded.installed_at",
                row,
            )

        await self.store.write(write)

    async def async_save_bot(self, bot: Bot) -> None:
        await self.async_save(
            Installation(
                app_id=bot.app_id,
                enterprise_id=bot.enterprise_id,
                team_id=bot.team_id,
                bot_token=bot.bot_token,
                bot_id=bot.bot_id,
                bot_user_id=bot.bot_user_id,
                bot_scopes=bot.bot_scopes,
                user_id="",
                installed_at=bot.installed_at,
            )
        )

    async def installed(self, team_id: str) -> dict[str, Any] | None:
        row = await self.store.fetchone(
            f"SELECT {_COLUMNS} FROM installations WHERE platform=? AND server_id=?",
            (PLATFORM, team_id),
        )
        return dict(row) if row else None

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        server = (enterprise_id if is_enterprise_install else team_id) or team_id or ""
        found = await self.installed(server)
        if found is None:
            return None
        return Bot(
            app_id=found["app_id"],
            enterprise_id=enterprise_id,
            team_id=found["server_id"],
            bot_token=found["bot_token"],
            bot_id=found["bot_id"] or "",
            bot_user_id=found["bot_user_id"] or "",
            bot_scopes=found["scopes"] or "",
            is_enterprise_install=bool(is_enterprise_install),
            installed_at=parse_ts(found["installed_at"]).timestamp(),
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        bot = await self.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is None or user_id is not None:  # quizbot keeps no user tokens
            return None
        return Installation(
            app_id=bot.app_id,
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
            user_id="",
            installed_at=bot.installed_at,
        )

    async def remove(self, team_id: str) -> bool:
        """The workspace uninstalled the app or revoked its token: True if it was installed."""
        sql = "DELETE FROM installations WHERE platform=? AND server_id=?"
        return bool(await self.store.write(lambda c: c.execute(sql, (PLATFORM, team_id)).rowcount))

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.remove(team_id or enterprise_id or "")

    async def async_delete_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
    ) -> None:
        if user_id is None:
            await self.remove(team_id or enterprise_id or "")

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self.remove(team_id or enterprise_id or "")


class InstallStates(AsyncOAuthStateStore):
    """The `state` of each install under way: issued when the install page is shown, used
    once when Slack redirects back, void after STATE_LIFETIME (any process may see either)."""

    def __init__(self, store: Store, clock: Any = None) -> None:
        self.store = store
        self.clock = clock
        self._logger = getLogger(__name__)

    @property
    def logger(self) -> Logger:
        return self._logger

    def _now(self) -> datetime:
        return self.clock.now() if self.clock is not None else datetime.now(UTC)

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        now = self._now()

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM oauth_states WHERE expires_at < ?", (ts(now),))
            conn.execute(
                "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)",
                (state, ts(now + STATE_LIFETIME)),
            )

        await self.store.write(write)
        return state

    async def async_consume(self, state: str) -> bool:
        now = ts(self._now())
        sql = "DELETE FROM oauth_states WHERE state=? AND expires_at >= ?"
        return bool(await self.store.write(lambda c: c.execute(sql, (state, now)).rowcount))
