"""What the fake Discord holds: users, guilds, channels, messages and synced commands.

The REST API, the gateway and the interaction builder all read and change one `DiscordWorld`
(`FakeDiscord` is one); nothing here speaks HTTP or websockets.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tests.fakes.discord_server.protocol import (
    ADMIN_PERMISSIONS,
    API_PREFIX,
    BOT_INVITE_PERMISSIONS,
    DISCORD_EPOCH_MS,
    MEMBER_PERMISSIONS,
    NONCE_MEMORY,
    VIEW_CHANNEL,
    now_iso,
)
from tests.fakes.discord_server.records import FakeStats

if TYPE_CHECKING:
    from tests.fakes.discord_server.records import InteractionHandle

# --------------------------------------------------------------------------- data model


@dataclass
class FakeUser:
    """A Discord user; ``permissions`` is what an interaction from them carries in the guild."""

    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    permissions: str = MEMBER_PERMISSIONS
    roles: list[int] = field(default_factory=list)
    nick: str | None = None

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data

    def member_payload(self, *, with_permissions: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user": self.payload(),
            "nick": self.nick,
            "avatar": None,
            "roles": [str(r) for r in self.roles],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_permissions:
            data["permissions"] = self.permissions
        return data


@dataclass
class FakeChannel:
    id: int
    name: str
    guild_id: int | None
    type: int = 0  # 0 text, 11 public thread, 12 private thread, 1 DM
    parent_id: int | None = None
    owner_id: int | None = None
    auto_archive_duration: int = 1440
    bot_permissions: int = BOT_INVITE_PERMISSIONS  # what the bot may do here
    archived: bool = False  # a thread nobody can post in any more

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    def payload(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": str(self.id), "type": self.type, "name": self.name}
        if self.guild_id is not None:
            data["guild_id"] = str(self.guild_id)
        if self.is_thread:
            data.update(
                parent_id=str(self.parent_id),
                owner_id=str(self.owner_id),
                last_message_id=None,
                rate_limit_per_user=0,
                message_count=0,
                member_count=1,
                total_message_sent=0,
                flags=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": self.auto_archive_duration,
                    "archive_timestamp": now_iso(),
                    "locked": False,
                    "create_timestamp": now_iso(),
                },
            )
        elif self.type == 0:
            data.update(
                position=0,
                permission_overwrites=[],
                nsfw=False,
                parent_id=None,
                topic=None,
                last_message_id=None,
                rate_limit_per_user=0,
                flags=0,
            )
        return data


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    channels: list[FakeChannel] = field(default_factory=list)
    members: list[FakeUser] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        everyone = {
            "id": str(self.id),
            "name": "@everyone",
            "permissions": MEMBER_PERMISSIONS,
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        text_channels = [c for c in self.channels if not c.is_thread]
        threads = [c for c in self.channels if c.is_thread]
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "unavailable": False,
            "member_count": len(self.members),
            "large": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "roles": [everyone, *self.roles],
            "channels": [c.payload() for c in text_channels],
            "threads": [c.payload() for c in threads],
            "members": [m.member_payload() for m in self.members],
            "presences": [],
            "voice_states": [],
            "emojis": [],
            "stickers": [],
            "features": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "system_channel_id": str(text_channels[0].id) if text_channels else None,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "afk_timeout": 300,
        }


# --------------------------------------------------------------------------- the world


class DiscordWorld:
    """The bot's application and everything it can see: one guild with #general and
    #daily-quiz, the owner, alice, bob and an admin; messages as Discord would store them."""

    def __init__(self, *, token: str, application_id: int, bot_name: str) -> None:
        self.token = token
        self.application_id = application_id
        self._last_snowflake = 0
        self.bot = FakeUser(self._snowflake(), bot_name, bot=True)
        self.owner = FakeUser(self._snowflake(), "owner", global_name="Owner")
        self.alice = FakeUser(self._snowflake(), "alice", global_name="Alice")
        self.bob = FakeUser(self._snowflake(), "bob", global_name="Bob")
        self.admin = FakeUser(self._snowflake(), "admin", permissions=ADMIN_PERMISSIONS)
        guild_id = self._snowflake()
        self.guild = FakeGuild(
            id=guild_id,
            name="Deep Learning Club",
            owner_id=self.owner.id,
            channels=[
                FakeChannel(self._snowflake(), "general", guild_id),
                FakeChannel(self._snowflake(), "daily-quiz", guild_id),
            ],
            members=[self.bot, self.owner, self.alice, self.bob, self.admin],
        )
        self.guilds: list[FakeGuild] = [self.guild]
        self.channels: dict[int, FakeChannel] = {c.id: c for c in self.guild.channels}
        self.messages: dict[int, dict[str, Any]] = {}
        # (channel id, nonce) -> (message id, when): a nonce'd post looks up its first try in
        # O(1) (a scan of every stored message made a 10,000-channel fan-out quadratic).
        self._by_nonce: dict[tuple[int, str], tuple[int, float]] = {}
        # The clock of the platform's memory: nonces, interaction token lifetimes, the
        # invalid-request window. Tests may replace it to move time on without sleeping.
        self.clock: Callable[[], float] = time.monotonic
        self.deleted_channels: set[int] = set()
        self.removed_guilds: set[int] = set()
        self.deleted_messages: list[int] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None: global)
        self.interactions: list[InteractionHandle] = []
        self._by_interaction_id: dict[int, InteractionHandle] = {}
        self._by_token: dict[str, InteractionHandle] = {}
        self.stats = FakeStats()
        self.port = 0  # set when the server listens
        self.recommended_shards = 1  # GET /gateway/bot's "shards"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def channel(self) -> FakeChannel:
        """The default text channel (#general of the default guild)."""
        return self.guild.channels[0]

    def _snowflake(self) -> int:
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        value = max(stamp, self._last_snowflake + 1)
        self._last_snowflake = value
        return value

    def add_user(self, username: str, *, permissions: str = MEMBER_PERMISSIONS) -> FakeUser:
        """A new member of the default guild (sent in GUILD_CREATE if added before login)."""
        user = FakeUser(self._snowflake(), username, global_name=username.title())
        user.permissions = permissions
        self.guild.members.append(user)
        return user

    def add_guild(self, name: str, *, on_shard: tuple[int, int] | None = None) -> FakeGuild:
        """Another server the bot is in, with #general and the owner, alice, bob and the admin
        as members. `on_shard=(shard_id, shard_count)`: an id Discord routes to that shard,
        `(guild_id >> 22) % shard_count == shard_id`."""
        guild_id = self._snowflake()
        if on_shard is not None:
            shard_id, count = on_shard
            while (guild_id >> 22) % count != shard_id:
                guild_id += 1 << 22  # the next millisecond: the same kind of id, a later time
            self._last_snowflake = guild_id
        guild = FakeGuild(
            id=guild_id,
            name=name,
            owner_id=self.owner.id,
            channels=[FakeChannel(self._snowflake(), "general", guild_id)],
            members=[self.bot, self.owner, self.alice, self.bob, self.admin],
        )
        self.guilds.append(guild)
        for channel in guild.channels:
            self.channels[channel.id] = channel
        return guild

    def add_channel(self, name: str, *, guild: FakeGuild | None = None) -> FakeChannel:
        guild = guild or self.guild
        channel = FakeChannel(self._snowflake(), name, guild.id)
        guild.channels.append(channel)
        self.channels[channel.id] = channel
        return channel

    def messages_in(
        self, channel_id: int, *, interaction_responses: bool = True
    ) -> list[dict[str, Any]]:
        """Stored messages of a channel, oldest first; interaction responses and followups
        (they carry ``webhook_id``) are left out with ``interaction_responses=False``."""
        return [
            m
            for m in self.messages.values()
            if int(m["channel_id"]) == channel_id
            and (interaction_responses or "webhook_id" not in m)
        ]

    def _guild_of(self, channel_id: int) -> FakeGuild | None:
        channel = self.channels.get(channel_id)
        if channel is None or channel.guild_id is None:
            return None
        return next((g for g in self.guilds if g.id == channel.guild_id), None)

    def _user(self, user_id: int) -> FakeUser | None:
        for guild in self.guilds:
            for member in guild.members:
                if member.id == user_id:
                    return member
        return None

    def _new_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        *,
        author: FakeUser | None = None,
        message_type: int = 0,
        webhook_id: int | None = None,
        flags: int | None = None,
        files: Iterable[str] = (),
        interaction: InteractionHandle | None = None,
    ) -> dict[str, Any]:
        author = author or self.bot
        message_id = self._snowflake()
        attachments = [
            {
                "id": str(self._snowflake()),
                "filename": name,
                "size": 0,
                "url": f"http://127.0.0.1:{self.port}/attachments/{name}",
                "proxy_url": f"http://127.0.0.1:{self.port}/attachments/{name}",
            }
            for name in files
        ]
        message: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": author.payload(),
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": attachments,
            "embeds": list(body.get("embeds") or []),
            "reactions": [],
            "pinned": False,
            "type": message_type,
            "flags": int(body.get("flags") or 0) if flags is None else flags,
            "components": list(body.get("components") or []),
        }
        guild = self._guild_of(channel_id)
        if guild is not None:
            message["guild_id"] = str(guild.id)
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
            nonce_key = (channel_id, str(body["nonce"]))
            if self.first_with_nonce(channel_id, body["nonce"]) is None:  # the first stays found
                self._by_nonce[nonce_key] = (message_id, self.clock())
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        if interaction is not None:
            member = interaction.payload.get("member", {}).get("user") or interaction.payload.get(
                "user"
            )
            message["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": interaction.type,
                "user": member,
                "authorizing_integration_owners": {},
            }
        self.messages[message_id] = message
        self.stats.messages_created += 1
        return message

    def _edit_message(self, message: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        for key in ("content", "embeds", "components", "flags", "attachments"):
            if key in body and body[key] is not None:
                message[key] = body[key]
        if "flags" in body and body["flags"] is None:
            message["flags"] = 0
        message["edited_timestamp"] = now_iso()
        self.stats.messages_edited += 1
        return message

    def first_with_nonce(self, channel_id: int, nonce: object) -> dict[str, Any] | None:
        """The stored message first posted to the channel with this nonce, if Discord still
        remembers it (NONCE_MEMORY)."""
        found = self._by_nonce.get((channel_id, str(nonce)))
        if found is None or self.clock() - found[1] > NONCE_MEMORY:
            return None
        return self.messages.get(found[0])

    # -- what a test does to the platform

    def delete_channel(self, channel: FakeChannel) -> None:
        """Someone deleted the channel: Discord answers 404 Unknown Channel (10003)."""
        self.channels.pop(channel.id, None)
        for guild in self.guilds:
            if channel in guild.channels:
                guild.channels.remove(channel)
        self.deleted_channels.add(channel.id)

    def deny(self, channel: FakeChannel, permissions: int) -> None:
        """Take permission bits from the bot in this channel (VIEW_CHANNEL: it cannot see
        the channel at all, 403 Missing Access; others: 403 Missing Permissions)."""
        channel.bot_permissions &= ~permissions

    def hide(self, channel: FakeChannel) -> None:
        self.deny(channel, VIEW_CHANNEL)

    def revoke_token(self) -> None:
        """The bot's token was reset: every REST call now answers 401."""
        self.token = f"revoked-{self.token}"

    def delete_message(self, message_id: int) -> None:
        """Someone deleted a message (a question before its reveal)."""
        self.messages.pop(message_id, None)
        self.deleted_messages.append(message_id)

    def register(self, handle: InteractionHandle) -> None:
        self.interactions.append(handle)
        self._by_interaction_id[handle.id] = handle
        self._by_token[handle.token] = handle

    def command_named(self, name: str, guild_id: int | None = None) -> dict[str, Any] | None:
        """A synced command: the guild's first (when ``guild_id`` given), else global."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == 1:
                    return command
        return None
