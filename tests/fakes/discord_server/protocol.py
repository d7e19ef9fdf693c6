"""Discord's numbers, named as in its documentation: permission bits, intents, message
flags, interaction and callback types."""

from __future__ import annotations

import datetime as dt

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
_MEMBER_BITS = (6, 10, 11, 14, 15, 16, 18, 31, 35, 38)  # react, view, send, embed, files, ...
MEMBER_PERMISSIONS = str(sum(1 << bit for bit in _MEMBER_BITS))
# Discord sends an administrator every permission bit in interaction payloads.
ADMIN_PERMISSIONS = str((1 << 51) - 1)
# GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT: need a switch in the developer portal.
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)
EPHEMERAL = 1 << 6
LOADING = 1 << 7

# The permissions a channel grants the bot (topics/permissions).
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
# What the README's invite link grants (309237664768): view, send, embed, threads.
BOT_INVITE_PERMISSIONS = (
    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS
)

# How long Discord remembers a nonce for `enforce_nonce`: "the past few minutes", not a
# number. Strictest reading: two minutes.
NONCE_MEMORY = 120.0
INTERACTION_TOKEN_LIFETIME = 15 * 60.0  # seconds: follow-ups and edits after that get 401
# Invalid requests (401, 403, 429 but shared-scope 429s) before Cloudflare bans the IP.
INVALID_REQUEST_LIMIT = 10_000
INVALID_REQUEST_WINDOW = 600.0
# How long the ban lasts is not documented ("temporary"): strictest reading, an hour.
INVALID_REQUEST_BAN = 3600.0

# Interaction types and callback types, named as in Discord's documentation.
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
AUTOCOMPLETE = 4
MODAL_SUBMIT = 5
CALLBACK_MESSAGE = 4
CALLBACK_DEFERRED_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE = 8
CALLBACK_MODAL = 9


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()
