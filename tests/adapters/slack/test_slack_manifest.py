"""deploy/slack-manifest.yaml matches what the adapter registers and calls."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from adapters.slack.app import COMMAND, EVENTS_PATH

ROOT = Path(__file__).resolve().parents[3]
MANIFEST = ROOT / "deploy" / "slack-manifest.yaml"

# Web API methods the adapter may call, and the bot scope each needs.
SCOPE_OF_METHOD: dict[str, str | None] = {
    "auth_test": None,  # the token check at start needs no scope
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",  # a typed answer's private acknowledgement
    "views_open": None,  # a modal needs the click's trigger_id, not a scope
    "users_info": "users:read",
}


API_FAMILIES = {"admin", "apps", "auth", "bots", "chat", "conversations", "emoji", "files",
                "pins", "reactions", "team", "usergroups", "users", "views"}  # fmt: skip


def _called_methods() -> set[str]:
    """`client.<method>(` calls found in the adapter's source."""
    called: set[str] = set()
    for path in (ROOT / "adapters" / "slack").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr.split("_")[0] in API_FAMILIES
                and isinstance(node.func.value, ast.Attribute | ast.Name)
                and (getattr(node.func.value, "attr", None) or node.func.value.id).endswith(
                    "client"
                )
            ):
                called.add(node.func.attr)
    return called


def test_manifest_declares_the_command_and_only_the_scopes_used() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == COMMAND
    assert command["url"].endswith(EVENTS_PATH)
    assert "daily" in command["usage_hint"] and len(command["usage_hint"]) <= 1000
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["features"]["bot_user"]["display_name"] == "quizbot"

    called = _called_methods()
    assert called == set(SCOPE_OF_METHOD), f"update SCOPE_OF_METHOD and the manifest: {called}"
    needed = {"commands", "chat:write.public"} | {SCOPE_OF_METHOD[m] for m in called} - {None}
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(needed)
    # The events the adapter listens to are the ones the manifest subscribes to.
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(events) == ["app_uninstalled", "tokens_revoked"]
