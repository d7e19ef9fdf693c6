"""Response URLs (``/response/<id>``): where bolt's ``respond()`` posts. The payloads the fake
builds hand them out; each takes 5 posts within 30 minutes, as on Slack, its blocks are
checked like a message's, and every accepted post is recorded."""

from __future__ import annotations

import time
from collections.abc import Callable

from aiohttp import web

from tests.fakes.slack_server import validation
from tests.fakes.slack_server.model import ResponsePost
from tests.fakes.slack_server.workspace import SlackWorkspace

LIFETIME = 30 * 60.0  # seconds a response_url works after the interaction


class ResponseUrls:
    def __init__(
        self,
        workspace: SlackWorkspace,
        *,
        uses: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workspace = workspace
        self.uses = uses
        self.clock = clock
        self.issued_at: dict[str, float] = {}

    def issued(self, response_id: str) -> None:
        self.issued_at[response_id] = self.clock()

    async def handle(self, request: web.Request) -> web.Response:
        response_id = request.match_info["response_id"]
        uses = self.workspace._issued_response_urls.get(response_id)
        if uses is None:
            return web.Response(status=404, text="no_active_hooks")
        if uses >= self.uses:
            # Slack allows a handful of uses per response_url; later ones fail.
            return web.Response(status=404, text="used_url")
        issued = self.issued_at.get(response_id, self.clock())
        if self.clock() - issued > LIFETIME:
            return web.Response(status=404, text="expired_url")
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        refused = validation.check_message(body) if isinstance(body, dict) else None
        if refused is not None and not body.get("delete_original"):
            return web.Response(status=400, text=f"{refused[0]}: {refused[1]}")
        self.workspace._issued_response_urls[response_id] = uses + 1
        self.workspace.responses.append(
            ResponsePost(
                response_id,
                str(request.url),
                body if isinstance(body, dict) else {},
                time.monotonic(),
            )
        )
        self.workspace._notify()
        return web.Response(text="ok")
