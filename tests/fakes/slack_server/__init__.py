"""A fake Slack on 127.0.0.1 that the real slack-bolt AsyncApp and slack_sdk talk to.

One aiohttp server plays three parts of Slack:

* the Web API at ``{fake.api_url}`` (``http://127.0.0.1:PORT/api/``): point
  ``AsyncWebClient(token=fake.bot_token, base_url=fake.api_url)`` at it;
* response URLs (``/response/<id>``) handed out in the payloads the fake builds, so
  bolt's ``respond()`` lands here and is recorded;
* the Socket Mode websocket (``/socket``), whose URL ``apps.connections.open`` returns.

It also drives an app the way Slack does: signed HTTP requests (slash commands, block
actions, events) to a bolt ``web_app`` and envelopes over the socket, recording the acks.

Rate limits follow Slack's shape: chat.postMessage about 1/s per channel with a small
burst (token bucket), an optional workspace-wide bucket, 429 + ``Retry-After`` +
``{"ok": false, "error": "ratelimited"}``. Faults (429 / 500 / slow) can be scripted or
injected at a seeded rate, so a run is repeatable.

The parts, one reason to change each: model.py (people, channels, records, token buckets),
workspace.py (the team and what was recorded, with bounded waits), web_api.py (methods,
limits, faults), response_urls.py, payloads.py (what Slack sends an app), socket_mode.py,
http_driver.py (signed requests to an app's ``web_app``), and server.py (`FakeSlack`, which
wires them on one port).

Times in records (``Call.at``, ``Ack.at``...) come from ``time.monotonic()``; only the
rate-limit buckets use the injectable ``clock`` so tests can refill them without sleeping.
"""

from __future__ import annotations

from tests.fakes.slack_server.model import (
    DEFAULT_CHANNELS,
    DEFAULT_USERS,
    UNLIMITED_METHODS,
    Ack,
    Call,
    ChannelStats,
    FaultKind,
    FaultPlan,
    HttpDelivery,
    ManualClock,
    ResponsePost,
    SlackChannel,
    SlackStats,
    SlackUser,
    SocketDelivery,
    TokenBucket,
)
from tests.fakes.slack_server.server import (
    FakeSlack,
)
from tests.fakes.slack_server.web_api import (
    JSON_FORM_FIELDS,
)
from tests.fakes.slack_server.workspace import (
    SlackWorkspace,
)

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_USERS",
    "JSON_FORM_FIELDS",
    "UNLIMITED_METHODS",
    "Ack",
    "Call",
    "ChannelStats",
    "FakeSlack",
    "FaultKind",
    "FaultPlan",
    "HttpDelivery",
    "ManualClock",
    "ResponsePost",
    "SlackChannel",
    "SlackStats",
    "SlackUser",
    "SlackWorkspace",
    "SocketDelivery",
    "TokenBucket",
]
