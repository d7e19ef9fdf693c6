"""The payloads Slack sends an app: a slash command, a block action (a button click) and an
Events API callback, for this workspace's people and channels. Socket Mode and the HTTP
driver deliver the same payloads, each in its own envelope."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.slack_server.workspace import SlackWorkspace


class Payloads:
    def __init__(self, workspace: SlackWorkspace) -> None:
        self.workspace = workspace

    def slash_command_payload(
        self,
        command: str = "/quiz",
        text: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0QUIZ",
        team_id: str | None = None,
    ) -> dict[str, str]:
        user = self.workspace.users.get(user_id)
        channel = self.workspace.channels.get(channel_id)
        return {
            "token": "deprecated-verification-token",
            "team_id": team_id or self.workspace.team_id,
            "team_domain": self.workspace.team_domain,
            "channel_id": channel_id,
            "channel_name": channel.name if channel else channel_id.lower(),
            "user_id": user_id,
            "user_name": user.name if user else user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.workspace.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.workspace.new_response_url(),
            "trigger_id": self.workspace.new_trigger(),
        }

    def block_action_payload(
        self,
        action_id: str,
        value: str = "",
        *,
        user_id: str = "U0ALICE",
        channel_id: str = "C0QUIZ",
        message_ts: str | None = None,
        block_id: str = "quiz",
        team_id: str | None = None,
        ephemeral: bool = False,
    ) -> dict[str, Any]:
        """A click on a button; ``ephemeral``: on a message only the clicker sees (posted
        through a response_url or chat.postEphemeral), which Slack sends without the
        message itself and with ``container.is_ephemeral`` true."""
        team = team_id or self.workspace.team_id
        user = self.workspace.users.get(user_id)
        channel = self.workspace.channels.get(channel_id)
        message_ts = message_ts or self.workspace._next_ts()
        stored = self.workspace.message(channel_id, message_ts)
        message = dict(stored) if stored else {"type": "message", "ts": message_ts, "text": ""}
        now = f"{time.time():.6f}"
        payload = {
            "type": "block_actions",
            "user": {
                "id": user_id,
                "username": user.name if user else user_id.lower(),
                "name": user.name if user else user_id.lower(),
                "team_id": team,
            },
            "api_app_id": self.workspace.api_app_id,
            "token": "deprecated-verification-token",
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": ephemeral,
            },
            "trigger_id": self.workspace.new_trigger(),
            "team": {"id": team, "domain": self.workspace.team_domain},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel_id, "name": channel.name if channel else channel_id},
            "message": message,
            "state": {"values": {}},
            "response_url": self.workspace.new_response_url(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": value or action_id, "emoji": True},
                    "value": value,
                    "action_ts": now,
                }
            ],
        }
        if ephemeral:
            del payload["message"]
        return payload

    def view_submission_payload(
        self, view_id: str, values: dict[str, str], *, user_id: str = "U0ALICE"
    ) -> dict[str, Any]:
        """The submission of a modal the app opened (views.open): ``values`` maps each
        plain_text_input's action_id to what the person typed, under its block's block_id."""
        opened = next((v for v in self.workspace.views if v["id"] == view_id), None)
        if opened is None:
            raise AssertionError(f"no view {view_id} was opened")
        state: dict[str, dict[str, Any]] = {}
        for block in opened.get("blocks", []):
            element = block.get("element") or {}
            if block.get("type") != "input" or element.get("type") != "plain_text_input":
                continue
            action_id = element["action_id"]
            typed = values.get(action_id)
            if typed is None:
                continue
            limit = element.get("max_length")
            if limit is not None and len(typed) > limit:
                raise AssertionError(f"Slack's text box stops at {limit} characters")
            state.setdefault(block["block_id"], {})[action_id] = {
                "type": "plain_text_input",
                "value": typed,
            }
        team = self.workspace.team_id
        user = self.workspace.users.get(user_id)
        return {
            "type": "view_submission",
            "team": {"id": team, "domain": self.workspace.team_domain},
            "user": {
                "id": user_id,
                "username": user.name if user else user_id.lower(),
                "name": user.name if user else user_id.lower(),
                "team_id": team,
            },
            "api_app_id": self.workspace.api_app_id,
            "token": "deprecated-verification-token",
            "trigger_id": self.workspace.new_trigger(),
            "view": {**opened, "state": {"values": state}},
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def event_payload(self, event: dict[str, Any], team_id: str | None = None) -> dict[str, Any]:
        """Wrap an event (e.g. a ``message``) the way the Events API delivers it; `team_id`:
        another workspace that installed the app."""
        n = next(self.workspace._ids)
        team = team_id or self.workspace.team_id
        return {
            "token": "deprecated-verification-token",
            "team_id": team,
            "api_app_id": self.workspace.api_app_id,
            "event": {"event_ts": f"{time.time():.6f}", **event},
            "type": "event_callback",
            "event_id": f"Ev{self.workspace.id_salt}{n:06d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": self.workspace.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
