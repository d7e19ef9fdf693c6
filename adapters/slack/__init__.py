"""Slack adapter: `/quiz` and answer buttons on slack-bolt, Socket Mode or HTTP.

adapter = build(services)   # registers its Poster with services.posters
await adapter.start()       # Socket Mode when SLACK_APP_TOKEN is set, else HTTP
...
await adapter.stop()
"""

from __future__ import annotations

from typing import Any

from adapters.runtime import Services
from adapters.slack.app import SlackAdapter, make_client


def build(services: Services, **options: Any) -> SlackAdapter:
    """The Slack adapter for `services`; `options` go to `SlackAdapter` (host, port, client,
    pacer, ...), e.g. `build(services, host="127.0.0.1", port=0)` in tests."""
    return SlackAdapter(services, **options)


__all__ = ["SlackAdapter", "build", "make_client"]
