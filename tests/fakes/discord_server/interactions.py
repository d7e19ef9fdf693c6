"""Interactions as Discord delivers them: what a user's slash command, autocomplete, button
click, select or modal submit looks like as INTERACTION_CREATE.

Option types come from the commands the bot synced, so a test passes plain Python values; the
payloads carry what discord.py needs to route them (``attachment_size_limit``, resolved users
and channels, the clicked message's components).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from tests.fakes.discord_server.gateway import Gateway
from tests.fakes.discord_server.model import DiscordWorld, FakeChannel, FakeUser
from tests.fakes.discord_server.protocol import (
    ADMIN_PERMISSIONS,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    CALLBACK_AUTOCOMPLETE,
    CALLBACK_MODAL,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    now_iso,
)
from tests.fakes.discord_server.records import InteractionHandle


class InteractionBuilder:
    """Builds and dispatches interactions; each returns an `InteractionHandle` to wait on."""

    def __init__(self, world: DiscordWorld, gateway: Gateway) -> None:
        self.world = world
        self.gateway = gateway

    def _member_fields(
        self, user: FakeUser | None, permissions: str | None, guild_id: int | None
    ) -> dict[str, Any]:
        user = user or self.world.alice
        if guild_id is None:
            return {"user": user.payload()}
        member = user.member_payload(with_permissions=True)
        if permissions is not None:
            member["permissions"] = permissions
        return {"member": member}

    def _channel_for(self, channel_id: int | None) -> FakeChannel:
        channel = self.world.channels.get(channel_id or self.world.channel.id)
        if channel is None:
            raise ValueError(f"unknown channel {channel_id}: use fake.add_channel() first")
        return channel

    async def _send_interaction(
        self,
        kind: int,
        data: dict[str, Any],
        *,
        user: FakeUser | None,
        permissions: str | None,
        channel_id: int | None,
        locale: str,
        message: dict[str, Any] | None = None,
    ) -> InteractionHandle:
        channel = self._channel_for(channel_id)
        guild_id = channel.guild_id
        interaction_id = self.world._snowflake()
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.world.application_id),
            "type": kind,
            "token": f"itoken-{interaction_id}-{secrets.token_urlsafe(12)}",
            "version": 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": data,
            "channel_id": str(channel.id),
            "channel": {**channel.payload(), "permissions": ADMIN_PERMISSIONS},
            "app_permissions": ADMIN_PERMISSIONS,
            "locale": locale,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id or 0)},
            "context": 0 if guild_id is not None else 1,
            **self._member_fields(user, permissions, guild_id),
        }
        if guild_id is not None:
            payload["guild_id"] = str(guild_id)
            payload["guild_locale"] = "en-US"
            payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        if message is not None:
            payload["message"] = message
        handle = InteractionHandle(self.world, payload, asyncio.get_running_loop().time())
        self.world.register(handle)
        self.world.stats.interactions_sent += 1
        await self.gateway.dispatch("INTERACTION_CREATE", payload)
        # Latency counts from the moment the frame left the fake.
        handle.dispatched_at = asyncio.get_running_loop().time()
        return handle

    def _command_options(
        self,
        definition: list[dict[str, Any]] | None,
        options: dict[str, Any],
        focused: str | None,
        resolved: dict[str, dict[str, Any]],
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in definition or []}
        out = []
        for name, value in options.items():
            kind = by_name.get(name, {}).get("type") or _infer_option_type(value)
            if isinstance(value, FakeUser):
                value = value.id
            if isinstance(value, FakeChannel):
                value = value.id
            if kind in (6, 7, 8, 9):
                value = str(value)
                self._resolve(kind, int(value), resolved)
            option: dict[str, Any] = {"name": name, "type": kind, "value": value}
            if focused == name:
                option["focused"] = True
                option["value"] = str(value)
            out.append(option)
        return out

    def _resolve(self, kind: int, snowflake: int, resolved: dict[str, dict[str, Any]]) -> None:
        user = self.world._user(snowflake)
        if user is not None and kind in (6, 9):
            resolved.setdefault("users", {})[str(snowflake)] = user.payload()
            member = user.member_payload(with_permissions=True)
            member.pop("user")
            resolved.setdefault("members", {})[str(snowflake)] = member
        channel = self.world.channels.get(snowflake)
        if channel is not None and kind == 7:
            resolved.setdefault("channels", {})[str(snowflake)] = {
                **channel.payload(),
                "permissions": ADMIN_PERMISSIONS,
            }

    def _command_data(
        self,
        name: str,
        options: dict[str, Any],
        subcommand: str | None,
        channel_id: int | None,
        focused: str | None = None,
    ) -> dict[str, Any]:
        guild_id = self._channel_for(channel_id).guild_id
        command = self.world.command_named(name, guild_id)
        resolved: dict[str, dict[str, Any]] = {}
        definition = command["options"] if command else None
        path = subcommand.split() if subcommand else []
        # Walk group/subcommand definitions so option types come from what the bot synced.
        for part in path:
            found = next((o for o in definition or [] if o["name"] == part), None)
            definition = found.get("options") if found else None
        leaf = self._command_options(definition, options, focused, resolved)
        for depth, part in reversed(list(enumerate(path))):
            kind = 1 if depth == len(path) - 1 else 2
            leaf = [{"name": part, "type": kind, "options": leaf}]
        data: dict[str, Any] = {
            "id": command["id"] if command else str(self.world._snowflake()),
            "name": name,
            "type": 1,
            "options": leaf,
        }
        if command and command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def send_slash_command(
        self,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        user: FakeUser | None = None,
        permissions: str | None = None,
        channel_id: int | None = None,
        subcommand: str | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Deliver ``/name [subcommand] options`` as INTERACTION_CREATE (type 2).

        ``subcommand`` is "sub" or "group sub". Option types come from the synced command when
        there is one, else from the Python value (str, int, bool, float, FakeUser, FakeChannel).
        ``permissions`` overrides the member's permission string for this interaction.
        """
        data = self._command_data(name, options or {}, subcommand, channel_id)
        return await self._send_interaction(
            APPLICATION_COMMAND,
            data,
            user=user,
            permissions=permissions,
            channel_id=channel_id,
            locale=locale,
        )

    async def send_autocomplete(
        self,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        user: FakeUser | None = None,
        channel_id: int | None = None,
        subcommand: str | None = None,
        timeout: float = 3.0,
    ) -> list[dict[str, Any]]:
        """Deliver an autocomplete (type 4) for option ``focused``; returns the bot's choices."""
        data = self._command_data(name, options, subcommand, channel_id, focused=focused)
        handle = await self._send_interaction(
            AUTOCOMPLETE,
            data,
            user=user,
            permissions=None,
            channel_id=channel_id,
            locale="en-US",
        )
        callback = await handle.response(timeout)
        if callback.type != CALLBACK_AUTOCOMPLETE:
            raise AssertionError(f"autocomplete answered with callback type {callback.type}")
        return callback.choices

    def _component_message(
        self, message: int | dict[str, Any] | None, custom_id: str, channel_id: int | None
    ) -> dict[str, Any]:
        if isinstance(message, dict):
            return message
        if message is not None and message in self.world.messages:
            return self.world.messages[message]
        # A message this fake never stored (e.g. posted before a restart): make one that
        # carries the clicked button, so discord.py can rebuild the view from it.
        channel = self._channel_for(channel_id)
        return {
            "id": str(message or self.world._snowflake()),
            "channel_id": str(channel.id),
            "author": self.world.bot.payload(),
            "content": "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [
                {
                    "type": 1,
                    "components": [
                        {"type": 2, "style": 1, "label": custom_id[:80], "custom_id": custom_id}
                    ],
                }
            ],
        }

    async def submit_modal(
        self,
        opened_by: InteractionHandle,
        values: dict[str, str],
        *,
        user: FakeUser | None = None,
        locale: str = "en-US",
        timeout: float = 3.0,
    ) -> InteractionHandle:
        """Submit the modal the bot opened (callback type 9) in answer to ``opened_by``.

        ``values`` maps text-input custom_ids to what the user typed; the submitted
        components mirror the modal's layout (action rows or labels).
        """
        callback = await opened_by.response(timeout)
        if callback.type != CALLBACK_MODAL:
            raise AssertionError(f"interaction {opened_by.id} was not answered with a modal")
        modal = callback.data or {}

        def submitted(component: dict[str, Any]) -> dict[str, Any] | None:
            if component.get("type") == 1:
                inner = [c for c in map(submitted, component.get("components", [])) if c]
                return {"type": 1, "components": inner} if inner else None
            if component.get("type") == 18:
                inner_one = submitted(component.get("component", {}))
                return {"type": 18, "component": inner_one} if inner_one else None
            custom_id = component.get("custom_id")
            if component.get("type") == 4 and custom_id in values:
                return {"type": 4, "custom_id": custom_id, "value": values[custom_id]}
            return None

        components = [c for c in map(submitted, modal.get("components", [])) if c]
        data = {"custom_id": modal.get("custom_id"), "components": components}
        message = opened_by.payload.get("message")
        return await self._send_interaction(
            MODAL_SUBMIT,
            data,
            user=user,
            permissions=None,
            channel_id=int(opened_by.payload["channel_id"]),
            locale=locale,
            message=message,
        )

    async def click_button(
        self,
        message: int | dict[str, Any] | None,
        custom_id: str,
        *,
        user: FakeUser | None = None,
        permissions: str | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Deliver a button click (type 3, component_type 2) on ``message``.

        ``message`` is a message id the fake stored (the bot posted it), a message payload,
        or an id/None for a message the fake never saw (one is built around the button).
        """
        return await self.send_component(
            message,
            custom_id,
            user=user,
            permissions=permissions,
            channel_id=channel_id,
            locale=locale,
        )

    async def send_component(
        self,
        message: int | dict[str, Any] | None,
        custom_id: str,
        *,
        component_type: int = 2,
        values: list[str] | None = None,
        user: FakeUser | None = None,
        permissions: str | None = None,
        channel_id: int | None = None,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """A component interaction; ``component_type=3`` with ``values`` is a select menu."""
        payload = self._component_message(message, custom_id, channel_id)
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        return await self._send_interaction(
            MESSAGE_COMPONENT,
            data,
            user=user,
            permissions=permissions,
            channel_id=int(payload["channel_id"]),
            locale=locale,
            message=payload,
        )


def _infer_option_type(value: Any) -> int:
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    if isinstance(value, float):
        return 10
    if isinstance(value, FakeUser):
        return 6
    if isinstance(value, FakeChannel):
        return 7
    return 3
