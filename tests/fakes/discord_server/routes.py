"""What each REST route of the fake Discord does: the application and its commands, channels,
messages, threads and DMs, and the routes the bot answers interactions on (callback,
followups and edits with the interaction token).

Each refuses what Discord refuses: a deleted channel (404 10003), a channel of a server the
bot was removed from or cannot see (403 50001), a missing permission (403 50013: sending,
embeds, threads), an archived thread (400 50083), someone else's message (403 50005), a DM
to a user who shares no server with the bot (400 50007), an interaction token older than
15 minutes (401 50027). A follow-up to a deferred response edits its loading message and
keeps the deferral's ephemeral state, whatever flags it sends (as Discord documents).

Strictest readings where Discord does not say: a post with embeds but without Embed Links
is refused with 50013 (Discord may instead drop the embeds)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from tests.fakes.discord_server.gateway import Gateway
from tests.fakes.discord_server.model import DiscordWorld, FakeChannel
from tests.fakes.discord_server.protocol import (
    APPLICATION_COMMAND,
    CALLBACK_AUTOCOMPLETE,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_UPDATE_MESSAGE,
    CREATE_PUBLIC_THREADS,
    EMBED_LINKS,
    EPHEMERAL,
    INTERACTION_TOKEN_LIFETIME,
    LOADING,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
)
from tests.fakes.discord_server.records import Call, Callback, DiscordError, InteractionHandle
from tests.fakes.discord_server.rest import Route


class Routes:
    """The route handlers; each answers (status, JSON body) or raises DiscordError."""

    def __init__(
        self, world: DiscordWorld, gateway: Gateway, *, interaction_deadline: float | None
    ) -> None:
        self.world = world
        self.gateway = gateway
        self.interaction_deadline = interaction_deadline

    def table(self) -> list[Route]:
        """Every route the fake implements; anything else is answered 404 and recorded."""
        app_cmds = "/applications/{application_id}/commands"
        guild_cmds = "/applications/{application_id}/guilds/{guild_id}/commands"
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        return [
            ("GET", "/users/@me", self._get_me),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_gateway),
            ("GET", app_cmds, self._get_commands),
            ("PUT", app_cmds, self._put_commands),
            ("POST", app_cmds, self._post_command),
            ("DELETE", app_cmds + "/{command_id}", self._delete_command),
            ("GET", guild_cmds, self._get_commands),
            ("PUT", guild_cmds, self._put_commands),
            ("POST", guild_cmds, self._post_command),
            ("DELETE", guild_cmds + "/{command_id}", self._delete_command),
            ("GET", "/channels/{channel_id}", self._get_channel),
            ("POST", "/channels/{channel_id}/messages", self._post_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", self._get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", self._patch_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", self._delete_message),
            ("POST", "/channels/{channel_id}/messages/{message_id}/threads", self._thread_from),
            ("POST", "/channels/{channel_id}/threads", self._thread_without_message),
            ("POST", "/channels/{channel_id}/typing", self._no_content),
            ("GET", "/channels/{channel_id}/messages", self._history),
            (
                "PUT",
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me",
                self._react,
            ),
            ("POST", "/users/@me/channels", self._create_dm),
            (
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self._interaction_callback,
            ),
            ("POST", hook, self._webhook_execute),
            ("GET", hook + "/messages/{message_id}", self._webhook_get),
            ("PATCH", hook + "/messages/{message_id}", self._webhook_edit),
            ("DELETE", hook + "/messages/{message_id}", self._webhook_delete),
        ]

    async def _get_me(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        data = self.world.bot.payload()
        data.update(verified=True, mfa_enabled=False, flags=0, email=None, locale="en-US")
        return 200, data

    async def _get_application(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, {
            "id": str(self.world.application_id),
            "name": self.world.bot.username,
            "description": "quiz bot (fake application)",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.world.owner.payload(),
            "flags": 0,
            "team": None,
            "summary": "",
            "rpc_origins": [],
        }

    async def _get_gateway(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        data: dict[str, Any] = {"url": self.world.gateway_url}
        if call.path.endswith("/bot"):
            data.update(
                shards=self.world.recommended_shards,
                session_start_limit={
                    "total": 1000,
                    "remaining": 1000,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            )
        return 200, data

    async def _no_content(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 204, None

    # -- application commands

    def _check_app(self, p: dict[str, str]) -> int | None:
        if int(p["application_id"]) != self.world.application_id:
            raise DiscordError(404, 10002, "Unknown Application")
        return int(p["guild_id"]) if "guild_id" in p else None

    def _store_command(self, guild_id: int | None, body: dict[str, Any]) -> dict[str, Any]:
        existing = self.world.commands.setdefault(guild_id, [])
        kind = body.get("type", 1)
        old = next((c for c in existing if c["name"] == body["name"] and c["type"] == kind), None)
        command = {
            "id": old["id"] if old else str(self.world._snowflake()),
            "application_id": str(self.world.application_id),
            "version": str(self.world._snowflake()),
            "type": kind,
            "name": body["name"],
            "description": body.get("description", ""),
            "options": body.get("options", []),
            "default_member_permissions": body.get("default_member_permissions"),
            "dm_permission": body.get("dm_permission", True),
            "nsfw": body.get("nsfw", False),
            "contexts": body.get("contexts"),
            "integration_types": body.get("integration_types", [0]),
            "name_localizations": body.get("name_localizations"),
            "description_localizations": body.get("description_localizations"),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        if old:
            existing.remove(old)
        existing.append(command)
        return command

    async def _get_commands(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, list(self.world.commands.get(self._check_app(p), []))

    async def _put_commands(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        guild_id = self._check_app(p)
        if not isinstance(call.json, list):
            raise DiscordError(400, 50035, "Invalid Form Body: expected a list of commands")
        # Bulk overwrite: commands left out are deleted; ones kept by name keep their ids.
        stored = [self._store_command(guild_id, body) for body in call.json]
        self.world.commands[guild_id] = stored
        return 200, stored

    async def _post_command(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 201, self._store_command(self._check_app(p), call.json)

    async def _delete_command(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        guild_id = self._check_app(p)
        existing = self.world.commands.get(guild_id, [])
        self.world.commands[guild_id] = [c for c in existing if c["id"] != p["command_id"]]
        return 204, None

    # -- channels and messages

    def _channel(self, p: dict[str, str], need: int = 0) -> FakeChannel:
        """The channel, if the bot may see it and has the `need` permission bits there."""
        channel = self.world.channels.get(int(p["channel_id"]))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        guild = channel.guild_id
        if guild is not None and (
            guild in self.world.removed_guilds or not channel.bot_permissions & VIEW_CHANNEL
        ):
            raise DiscordError(403, 50001, "Missing Access")
        if channel.bot_permissions & need != need:
            raise DiscordError(403, 50013, "Missing Permissions")
        return channel

    def _postable(self, p: dict[str, str], body: dict[str, Any]) -> FakeChannel:
        channel = self._channel(p)
        if channel.guild_id is None:
            return channel
        send = SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES
        need = send | (EMBED_LINKS if body.get("embeds") else 0)
        channel = self._channel(p, need)
        if channel.archived:
            raise DiscordError(400, 50083, "Thread is archived")
        return channel

    def _message(self, p: dict[str, str]) -> dict[str, Any]:
        message = self.world.messages.get(int(p["message_id"]))
        if message is None or ("channel_id" in p and message["channel_id"] != p["channel_id"]):
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _get_channel(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, self._channel(p).payload()

    async def _post_message(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        body = call.json or {}
        channel = self._postable(p, body)
        if not (body.get("content") or body.get("embeds") or body.get("components") or call.files):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        if len(body.get("content") or "") > 2000:
            raise DiscordError(400, 50035, "Invalid Form Body: content longer than 2000")
        nonce = body.get("nonce")
        if body.get("enforce_nonce") and nonce is not None:
            # Discord answers a repeated nonce with the message it already created.
            first = self.world.first_with_nonce(channel.id, nonce)
            if first is not None:
                self.world.stats.deduplicated += 1
                return 200, first
        return 200, self.world._new_message(channel.id, body, files=call.files)

    async def _history(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        channel = self._channel(p)
        limit = int(call.query.get("limit", 50))
        newest_first = sorted(
            self.world.messages_in(channel.id), key=lambda m: int(m["id"]), reverse=True
        )
        if "before" in call.query:
            newest_first = [m for m in newest_first if int(m["id"]) < int(call.query["before"])]
        if "after" in call.query:
            newest_first = [m for m in newest_first if int(m["id"]) > int(call.query["after"])]
        return 200, newest_first[:limit]

    async def _react(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        message = self._message(p)
        reactions = message.setdefault("reactions", [])
        emoji = p["emoji"]
        existing = next((r for r in reactions if r["emoji"]["name"] == emoji), None)
        if existing is None:
            reactions.append(
                {"emoji": {"id": None, "name": emoji}, "count": 1, "me": True, "burst_count": 0}
            )
        return 204, None

    async def _get_message(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, self._message(p)

    async def _patch_message(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        body = call.json or {}
        channel = self._channel(p, EMBED_LINKS if body.get("embeds") else 0)
        if channel.archived:
            raise DiscordError(400, 50083, "Thread is archived")
        message = self._message(p)
        if message["author"]["id"] != str(self.world.bot.id):
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        return 200, self.world._edit_message(message, body)

    async def _delete_message(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        message = self._message(p)
        del self.world.messages[int(message["id"])]
        self.world.deleted_messages.append(int(message["id"]))
        return 204, None

    async def _open_thread(
        self, parent: FakeChannel, thread_id: int, body: dict[str, Any]
    ) -> dict[str, Any]:
        thread = FakeChannel(
            id=thread_id,
            name=body.get("name") or "thread",
            guild_id=parent.guild_id,
            type=int(body.get("type") or 11),
            parent_id=parent.id,
            owner_id=self.world.bot.id,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
        )
        self.world.channels[thread.id] = thread
        guild = self.world._guild_of(parent.id)
        if guild is not None:
            guild.channels.append(thread)
        payload = thread.payload()
        if self.gateway.connected:
            await self.gateway.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        return payload

    async def _thread_from(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        parent = self._channel(p, CREATE_PUBLIC_THREADS)
        message = self._message(p)
        if int(message["id"]) in self.world.channels:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        # A thread started from a message shares the message's id on Discord.
        payload = await self._open_thread(parent, int(message["id"]), call.json or {})
        message["thread"] = payload
        return 201, payload

    async def _thread_without_message(
        self, request: web.Request, call: Call, p: dict[str, str]
    ) -> Any:
        parent = self._channel(p, CREATE_PUBLIC_THREADS)
        return 201, await self._open_thread(parent, self.world._snowflake(), call.json or {})

    async def _create_dm(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        user_id = int((call.json or {}).get("recipient_id", 0))
        user = self.world._user(user_id)
        if user is None:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        if not any(
            user in g.members for g in self.world.guilds if g.id not in self.world.removed_guilds
        ):
            # A bot may only DM people it shares a server with.
            raise DiscordError(400, 50007, "Cannot send messages to this user")
        existing = next(
            (c for c in self.world.channels.values() if c.type == 1 and c.owner_id == user_id), None
        )
        channel = existing or FakeChannel(
            self.world._snowflake(), "", None, type=1, owner_id=user_id
        )
        self.world.channels[channel.id] = channel
        return 200, {
            "id": str(channel.id),
            "type": 1,
            "last_message_id": None,
            "recipients": [user.payload()],
        }

    # -- interactions

    def _handle_for(self, p: dict[str, str]) -> InteractionHandle:
        handle = self.world._by_token.get(p.get("interaction_token") or p.get("webhook_token", ""))
        if handle is None:
            raise DiscordError(404, 10062, "Unknown interaction")
        if self.world.clock() - handle.created_at > INTERACTION_TOKEN_LIFETIME:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return handle

    async def _interaction_callback(
        self, request: web.Request, call: Call, p: dict[str, str]
    ) -> Any:
        handle = self.world._by_interaction_id.get(int(p["interaction_id"]))
        body = call.json or {}
        loop_time = asyncio.get_running_loop().time()
        callback = Callback(
            type=int(body.get("type", 0)),
            data=body.get("data"),
            latency=loop_time - handle.dispatched_at if handle else 0.0,
            status=0,
        )
        try:
            if handle is None or handle.token != p["interaction_token"]:
                raise DiscordError(404, 10062, "Unknown interaction")
            late = (
                self.interaction_deadline is not None
                and callback.latency > self.interaction_deadline
            )
            if late:
                raise DiscordError(404, 10062, "Unknown interaction")
            if handle.callbacks:
                raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
            status, payload = self._apply_callback(handle, callback, call)
        except DiscordError as error:
            callback.status = error.status
            if handle is not None:
                handle.rejected_callbacks.append(callback)
                handle._notify()
            raise
        callback.status = status
        handle.callbacks.append(callback)
        handle._notify()
        return status, payload

    def _apply_callback(
        self, handle: InteractionHandle, callback: Callback, call: Call
    ) -> tuple[int, Any]:
        data = dict(callback.data or {})
        channel_id = int(handle.payload["channel_id"])
        interaction: dict[str, Any] = {"id": str(handle.id), "type": handle.type}
        resource: dict[str, Any] | None = {"type": callback.type}
        if callback.type in (CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE):
            flags = int(data.get("flags") or 0)
            if callback.type == CALLBACK_DEFERRED_MESSAGE:
                flags |= LOADING
            message = self.world._new_message(
                channel_id,
                data,
                message_type=20 if handle.type == APPLICATION_COMMAND else 0,
                webhook_id=self.world.application_id,
                flags=flags,
                files=call.files,
                interaction=handle,
            )
            handle.original_message_id = int(message["id"])
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=callback.type == CALLBACK_DEFERRED_MESSAGE,
                response_message_ephemeral=bool(flags & EPHEMERAL),
            )
            resource["message"] = message
        elif callback.type in (CALLBACK_UPDATE_MESSAGE, CALLBACK_DEFERRED_UPDATE):
            if handle.type != MESSAGE_COMPONENT and handle.type != MODAL_SUBMIT:
                raise DiscordError(400, 40004, "Interaction callback type not allowed here")
            source = handle.payload.get("message") or {}
            stored = self.world.messages.get(int(source.get("id", 0)))
            if stored is not None:
                handle.original_message_id = int(stored["id"])
                if callback.type == CALLBACK_UPDATE_MESSAGE:
                    self.world._edit_message(stored, data)
                resource["message"] = stored
                interaction["response_message_id"] = stored["id"]
        elif callback.type in (CALLBACK_AUTOCOMPLETE, CALLBACK_MODAL, 1):
            resource = None if callback.type != CALLBACK_AUTOCOMPLETE else resource
        else:
            raise DiscordError(400, 50035, f"Invalid Form Body: unknown callback {callback.type}")
        if call.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        answer: dict[str, Any] = {"interaction": interaction}
        if resource is not None:
            answer["resource"] = resource
        return 200, answer

    async def _webhook_execute(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        handle = self._handle_for(p)
        if int(p["webhook_id"]) != self.world.application_id:
            raise DiscordError(404, 10015, "Unknown Webhook")
        body = call.json or {}
        channel_id = int(handle.payload["channel_id"])
        loading = handle.original
        if loading is not None and int(loading.get("flags", 0)) & LOADING:
            # The first follow-up after a deferral edits the loading message; its ephemeral
            # state stays the deferral's, whatever flags the follow-up sends.
            keep = int(loading["flags"]) & EPHEMERAL
            self.world._edit_message(loading, {k: v for k, v in body.items() if k != "flags"})
            loading["flags"] = keep
            handle.followups.append(loading)
            handle._notify()
            if call.query.get("wait") in ("1", "true", "True"):
                return 200, loading
            return 204, None
        message = self.world._new_message(
            channel_id,
            body,
            webhook_id=self.world.application_id,
            files=call.files,
            interaction=handle,
        )
        if handle.original_message_id is None and not handle.callbacks:
            handle.original_message_id = int(message["id"])
        handle.followups.append(message)
        handle._notify()
        if call.query.get("wait") in ("1", "true", "True"):
            return 200, message
        return 204, None

    def _webhook_message(self, handle: InteractionHandle, p: dict[str, str]) -> dict[str, Any]:
        if p["message_id"] == "@original":
            message_id = handle.original_message_id
        else:
            message_id = int(p["message_id"])
        message = self.world.messages.get(message_id or 0)
        if message is None:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _webhook_get(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        return 200, self._webhook_message(self._handle_for(p), p)

    async def _webhook_edit(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        handle = self._handle_for(p)
        message = self._webhook_message(handle, p)
        body = call.json or {}
        if "flags" not in body:
            # Editing the loading message of a deferred response resolves it.
            message["flags"] = int(message.get("flags", 0)) & ~LOADING
        self.world._edit_message(message, body)
        handle.edits.append(body)
        handle._notify()
        return 200, message

    async def _webhook_delete(self, request: web.Request, call: Call, p: dict[str, str]) -> Any:
        message = self._webhook_message(self._handle_for(p), p)
        del self.world.messages[int(message["id"])]
        self.world.deleted_messages.append(int(message["id"]))
        return 204, None
