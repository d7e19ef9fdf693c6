"""Response URLs (``/response/<id>``): where bolt's ``respond()`` posts. The payloads the fake
builds hand them out; each takes a few posts, as on Slack, and every post is recorded."""

from __future__ import annotations

import time

from aiohttp import web

from tests.fakes.slack_server.model import ResponsePost
from tests.fakes.slack_server.workspace import SlackWorkspace


class ResponseUrls:
    def __init__(self, workspace: SlackWorkspace, *, uses: int) -> None:
        self.workspace = workspace
        self.uses = uses

    async def handle(self, request: web.Request) -> web.Response:
        response_id = request.match_info["response_id"]
        uses = self.workspace._issued_response_urls.get(response_id)
        if uses is None:
            return web.Response(status=404, text="no_active_hooks")
        if uses >= self.uses:
            # Slack allows a handful of uses per response_url; later ones fail.
            return web.Response(status=404, text="used_url")
        self.workspace._issued_response_urls[response_id] = uses + 1
        try:
            body = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
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
