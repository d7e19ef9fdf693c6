"""A fake Discord (REST + gateway) on 127.0.0.1 for an unmodified discord.py 2.7 client.

It speaks just enough of the real protocol for a ``discord.Client`` to log in, sync
application commands, post and edit messages, open threads and receive slash commands,
autocomplete and button clicks as INTERACTION_CREATE events. Every REST call is recorded so a
test can assert on what the bot tried; rate limits and faults can be switched on to check that
the bot (through discord.py) survives them.

Typical use (see tests/fakes/discord_fixtures.py for ready-made fixtures)::

    async with FakeDiscord() as fake, point_discord_at(fake):
        client = make_my_client()  # a discord.Client with guild_ready_timeout=0.1
        async with running_client(client, fake):
            handle = await fake.send_slash_command("ping", {})
            callback = await handle.response()
            assert callback.ephemeral and callback.latency < 3

Everything here runs on the test's event loop and every wait is bounded.

The parts, one reason to change each:
- protocol.py: Discord's numbers (permission bits, intents, flags, interaction types);
- model.py: what the fake holds (users, guilds, channels, messages, synced commands);
- records.py: what it records for a test (calls, callbacks, counters, faults, handles);
- rest.py: the REST server: recording, route buckets, the global limit, faults, 429s;
- routes.py: what each REST route does, the interaction callback and webhooks included;
- gateway.py: the websocket: IDENTIFY, READY, RESUME, heartbeats, DISPATCH;
- interactions.py: building the INTERACTION_CREATE a user's command, click or modal sends;
- server.py: `FakeDiscord`, which wires them on one port; client.py: pointing discord.py at it.

What discord.py 2.7.1 needs from a server (each cost time to find):
- JSON answers with Content-Type exactly ``application/json``; with ``; charset=utf-8``
  discord.py keeps the body as a str and fails indexing it.
- A 429 must carry a ``Via`` header and a JSON body with ``retry_after``, or discord.py takes
  it for a Cloudflare ban and raises HTTPException without retrying.
- 500/502/504 are retried after sleeping 1 + 2 * try seconds (1 s, 3 s, ...), up to 5 tries.
- ``X-RateLimit-Remaining: 0`` makes the client sleep ``X-RateLimit-Reset-After`` before the
  next request of that bucket, so per-route limits pace the bot without any 429.
- Interaction callbacks always carry ``?with_response=1`` and expect
  ``{"interaction": {...}, "resource": {"type": ..., "message": {...}}}``; they go through
  the webhook adapter (no Authorization header, one lock per interaction token).
- INTERACTION_CREATE needs ``attachment_size_limit``; a DynamicItem only fires when the
  payload's ``message.components`` contains the clicked custom_id.
- ``client.wait_until_ready()`` raises before ``login()``: log in first, then connect.
- Channel posts carry ``nonce`` + ``enforce_nonce``; a retried post after a lost response
  is answered with the first message, as Discord does.
"""

from __future__ import annotations

from tests.fakes.discord_server.client import (
    point_discord_at,
    running_client,
)
from tests.fakes.discord_server.model import (
    DiscordWorld,
    FakeChannel,
    FakeGuild,
    FakeUser,
)
from tests.fakes.discord_server.protocol import (
    ADMIN_PERMISSIONS,
    API_PREFIX,
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    CALLBACK_AUTOCOMPLETE,
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_DEFERRED_UPDATE,
    CALLBACK_MESSAGE,
    CALLBACK_MODAL,
    CALLBACK_UPDATE_MESSAGE,
    EPHEMERAL,
    LOADING,
    MEMBER_PERMISSIONS,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    PRIVILEGED_INTENTS,
)
from tests.fakes.discord_server.records import (
    Call,
    Callback,
    CallbackRejected,
    DiscordError,
    FakeStats,
    Faults,
    InteractionHandle,
)
from tests.fakes.discord_server.rest import (
    DISCORD_LIKE_ROUTE_LIMITS,
    JSON_TYPE,
)
from tests.fakes.discord_server.server import (
    FakeDiscord,
)

__all__ = [
    "ADMIN_PERMISSIONS",
    "API_PREFIX",
    "APPLICATION_COMMAND",
    "AUTOCOMPLETE",
    "CALLBACK_AUTOCOMPLETE",
    "CALLBACK_DEFERRED_MESSAGE",
    "CALLBACK_DEFERRED_UPDATE",
    "CALLBACK_MESSAGE",
    "CALLBACK_MODAL",
    "CALLBACK_UPDATE_MESSAGE",
    "DISCORD_LIKE_ROUTE_LIMITS",
    "EPHEMERAL",
    "JSON_TYPE",
    "LOADING",
    "MEMBER_PERMISSIONS",
    "MESSAGE_COMPONENT",
    "MODAL_SUBMIT",
    "PRIVILEGED_INTENTS",
    "Call",
    "Callback",
    "CallbackRejected",
    "DiscordError",
    "DiscordWorld",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeStats",
    "FakeUser",
    "Faults",
    "InteractionHandle",
    "point_discord_at",
    "running_client",
]
