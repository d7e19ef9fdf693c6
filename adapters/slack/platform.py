"""Slack as a platform of `quizbot run`: its settings, when it runs, and how it is built.

Light on purpose: the registry imports this for every run, and slack-bolt is loaded only
when `build` is called, so a Discord-only bot never pays for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from adapters.runtime import Platform, Services
from bot.config import UNSET, ConfigError, Get, Secret, int_setting, secret_setting, url_setting
from bot.logs import Noise

if TYPE_CHECKING:
    from adapters.slack.app import SlackAdapter

NAME = "slack"  # Place.platform of every Slack channel, and the heartbeat's name

# Token shapes, checked at start so a wrong paste is named before any connection is tried.
BOT_TOKEN = re.compile(r"xoxb-[0-9A-Za-z-]+")
BOT_TOKEN_LOOKS_LIKE = (
    "a bot token 'xoxb-...': copy the Bot User OAuth Token from OAuth & Permissions "
    "(a user token starts 'xoxp-', an app-level token 'xapp-')"
)
APP_TOKEN = re.compile(r"xapp-[0-9A-Za-z-]+")
APP_TOKEN_LOOKS_LIKE = (
    "an app-level token 'xapp-...': create one with connections:write under Basic "
    "Information -> App-Level Tokens"
)


DEFAULT_SCOPES = "commands,chat:write,chat:write.public,users:read"  # the manifest's


@dataclass(frozen=True)
class SlackSettings:
    VARIABLES: ClassVar[Mapping[str, str]] = {
        "SLACK_BOT_TOKEN": "xoxb- bot token; starts the Slack adapter",
        "SLACK_APP_TOKEN": "xapp- app-level token; Socket Mode when set",
        "SLACK_SIGNING_SECRET": "verifies HTTP-mode requests (needed without SLACK_APP_TOKEN)",
        "SLACK_API_URL": "override https://slack.com/api/ (local emulators in tests)",
        "QUIZBOT_HTTP_PORT": "port of the HTTP server (/slack/events, /healthz); default 3000",
        "QUIZBOT_HTTP_HOST": "address the HTTP server listens on; default 0.0.0.0 (all)",
        "QUIZBOT_SLACK_ADMINS": "comma-separated Slack user ids allowed to configure /quiz daily",
        "SLACK_CLIENT_ID": "many workspaces: the app's client id; starts the Slack adapter",
        "SLACK_CLIENT_SECRET": "many workspaces: the app's client secret",
        "SLACK_SCOPES": f"many workspaces: bot scopes asked at install; default {DEFAULT_SCOPES}",
    }

    bot_token: Secret = UNSET
    app_token: Secret = UNSET
    signing_secret: Secret = UNSET
    api_url: str | None = None
    http_port: int = 3000
    http_host: str = "0.0.0.0"
    admins: frozenset[str] = frozenset()
    client_id: str | None = None  # set: one deployment for many workspaces (OAuth installs)
    client_secret: Secret = UNSET
    scopes: tuple[str, ...] = tuple(DEFAULT_SCOPES.split(","))

    @property
    def enabled(self) -> bool:
        return bool(self.bot_token) or self.distributed

    @property
    def distributed(self) -> bool:
        """Installed in workspaces through Slack's OAuth flow, each with its own bot token,
        instead of one workspace's SLACK_BOT_TOKEN."""
        return bool(self.client_id)

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @classmethod
    def read(cls, get: Get) -> SlackSettings:
        bot_token = secret_setting(
            get, "SLACK_BOT_TOKEN", shape=BOT_TOKEN, looks_like=BOT_TOKEN_LOOKS_LIKE
        )
        app_token = secret_setting(
            get, "SLACK_APP_TOKEN", shape=APP_TOKEN, looks_like=APP_TOKEN_LOOKS_LIKE
        )
        signing_secret = secret_setting(get, "SLACK_SIGNING_SECRET")
        if signing_secret.value.startswith(("xox", "xapp-")):
            raise ConfigError(
                "SLACK_SIGNING_SECRET holds a token; the signing secret is under Basic "
                "Information -> App Credentials -> Signing Secret."
            )
        if bot_token and not app_token and not signing_secret:
            raise ConfigError(
                "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor "
                "SLACK_SIGNING_SECRET (HTTP mode) is: set one of them, see README "
                "'Running on Slack'."
            )
        admins = (get("QUIZBOT_SLACK_ADMINS") or "").split(",")
        client_id, client_secret, scopes = _distribution(get, bot_token, app_token, signing_secret)
        return cls(
            client_id=client_id,
            client_secret=client_secret,
            scopes=scopes,
            bot_token=bot_token,
            app_token=app_token,
            signing_secret=signing_secret,
            api_url=url_setting(get, "SLACK_API_URL"),
            http_port=int_setting(get, "QUIZBOT_HTTP_PORT", minimum=1, maximum=65535) or 3000,
            http_host=get("QUIZBOT_HTTP_HOST") or "0.0.0.0",
            admins=frozenset(u.strip() for u in admins if u.strip()),
        )


def _distribution(
    get: Get, bot_token: Secret, app_token: Secret, signing_secret: Secret
) -> tuple[str | None, Secret, tuple[str, ...]]:
    """SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SCOPES: checked together."""
    client_id = (get("SLACK_CLIENT_ID") or "").strip() or None
    client_secret = secret_setting(get, "SLACK_CLIENT_SECRET")
    scopes_text = get("SLACK_SCOPES") or DEFAULT_SCOPES
    scopes = tuple(s.strip() for s in scopes_text.split(",") if s.strip())
    if client_id is None:
        if client_secret:
            raise ConfigError("SLACK_CLIENT_SECRET is set without SLACK_CLIENT_ID: set both.")
        return None, client_secret, scopes
    where = "Basic Information -> App Credentials"
    if not client_secret:
        raise ConfigError(f"SLACK_CLIENT_ID is set without SLACK_CLIENT_SECRET ({where}).")
    if bot_token:
        raise ConfigError(
            "SLACK_CLIENT_ID (many workspaces, each installed through OAuth) and "
            "SLACK_BOT_TOKEN (one workspace) are both set: unset one of them."
        )
    if app_token or not signing_secret:
        raise ConfigError(
            "SLACK_CLIENT_ID runs in HTTP mode (the install redirect needs a public URL): "
            f"unset SLACK_APP_TOKEN and set SLACK_SIGNING_SECRET ({where})."
        )
    if "commands" not in scopes or "chat:write" not in scopes:
        raise ConfigError(
            f"SLACK_SCOPES={scopes_text!r} must include commands and chat:write "
            f"(default {DEFAULT_SCOPES})."
        )
    return client_id, client_secret, scopes


def build(services: Services, **options: Any) -> SlackAdapter:
    """The Slack adapter for `services` (it registers its Poster); `options` go to
    `SlackAdapter` (host, port, client, pacer, ...), e.g. `build(services, host="127.0.0.1",
    port=0)` in tests."""
    from adapters.slack.app import SlackAdapter

    return SlackAdapter(services, **options)


SLACK = Platform(
    NAME,
    SlackSettings,
    build,
    enable_with="SLACK_BOT_TOKEN with SLACK_APP_TOKEN or SLACK_SIGNING_SECRET, or "
    "SLACK_CLIENT_ID with SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET (Slack)",
    board_title="Slack workspace {server}",
    # Every Slack token: the bot tokens workspaces get at install (oauth.v2.access answers,
    # logged by slack_sdk at DEBUG) are not known when logging starts.
    secret_shapes=(r"xox[abeoprs]-[0-9A-Za-z-]{8,}", r"xapp-[0-9A-Za-z-]{8,}"),
    log_noise=(
        # slack_bolt, because SLACK_BOT_TOKEN is in the environment and we pass a client.
        Noise("adapters.slack.app.bolt", "As you gave `client` as well, `token` will be unused"),
        # slack_sdk's Socket Mode client narrates sessions, pings and reconnects at INFO, and
        # reports a lost connection once more at ERROR; adapters.slack.socket says it once.
        Noise("adapters.slack.socket.sdk"),
        Noise("adapters.slack.socket.sdk", "Failed to receive or enqueue a message"),
        Noise("slack_sdk.web", "A retry handler found"),
    ),
)
