"""The fake Discord's REST API as a server: every request recorded, then limits and faults.

A request is matched against the route table (`Routes` fills it), recorded as a `Call`, put
through scripted faults, the global limit, random faults, the bot-token check, the route
bucket and the body's validation against Discord's OpenAPI document and documented limits
(validation.py), in that order, and only then handed to its route. Discord's 429 shape
(``Via``, ``retry_after``, ``X-RateLimit-*``) is built here, so discord.py paces and retries
as it would. Every 401, 403 and 429 (shared-scope 429s excepted) counts toward Discord's
budget of 10,000 invalid requests in 10 minutes; past it, Cloudflare bans the bot: every
request is then answered 429 without ``Via``, which discord.py does not retry.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import hashlib
import json
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakes.discord_server import validation
from tests.fakes.discord_server.model import DiscordWorld
from tests.fakes.discord_server.protocol import (
    INVALID_REQUEST_BAN,
    INVALID_REQUEST_LIMIT,
    INVALID_REQUEST_WINDOW,
)
from tests.fakes.discord_server.records import Call, DiscordError, Faults, Waiter

JSON_TYPE = "application/json"  # exactly this: discord.py only parses JSON for this value

# Discord's commonly observed per-channel message limit, for benchmarks that want realism.
DISCORD_LIKE_ROUTE_LIMITS: dict[str, tuple[int, float]] = {
    "POST /channels/{channel_id}/messages": (5, 5.0),
}

# Routes the bot needs before it can do anything: never faulted, never rate limited.
_LOGIN_ROUTES = frozenset(
    {"GET /users/@me", "GET /oauth2/applications/@me", "GET /gateway", "GET /gateway/bot"}
)

# A route: (request, its recorded call, the path's {placeholders}) -> (status, JSON body).
Handler = Callable[[web.Request, Call, dict[str, str]], Awaitable[tuple[int, Any]]]
Route = tuple[str, str, Handler]  # method, "/template/{placeholder}", handler


@functools.lru_cache(maxsize=512)
def _placeholder_regex(pattern: str) -> re.Pattern[str]:
    """'/channels/{id}/messages' -> a regex where each {name} matches one path segment."""
    parts = re.split(r"(\{[^}/]+\})", pattern)
    body = "".join(
        f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") and p[1:-1].isidentifier() else re.escape(p)
        for p in parts
        if p
    )
    # Duplicate names (two {id}) are legal in a caller's pattern: make them anonymous.
    seen: set[str] = set()

    def dedupe(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in seen:
            return "("
        seen.add(name)
        return match.group(0)

    return re.compile(re.sub(r"\(\?P<([^>]+)>", dedupe, body) + "$")


@dataclass
class _ScriptedFault:
    method: str
    pattern: re.Pattern[str]
    status: int
    remaining: int
    retry_after: float
    is_global: bool
    after_processing: bool = False


class RestApi:
    """The REST side of one fake Discord: routes, recorded calls, rate limits and faults."""

    def __init__(
        self,
        world: DiscordWorld,
        *,
        global_limit: float | None,
        global_window: float,
        route_limit: tuple[int, float],
        route_limits: dict[str, tuple[int, float]],
    ) -> None:
        self.world = world
        self.global_limit = global_limit
        self.global_window = global_window
        self.route_limit = route_limit
        self.route_limits = dict(route_limits)
        self.calls: list[Call] = []
        self._routes: list[tuple[str, str, re.Pattern[str], Handler]] = []
        self._waiter: Waiter | None = None
        self._faults: Faults | None = None
        self._fault_rng = random.Random(0)
        self._scripted: list[_ScriptedFault] = []
        self._global_reset_at = 0.0
        self._global_used = 0
        self._buckets: dict[str, tuple[float, int]] = {}  # key -> (window reset at, used)
        self.invalid_limit = INVALID_REQUEST_LIMIT
        self._invalid: collections.deque[float] = collections.deque()
        self.banned_until: float | None = None

    def add_routes(self, table: Iterable[Route]) -> None:
        for method, template, handler in table:
            self._routes.append((method, template, _placeholder_regex(template), handler))

    def open(self) -> None:
        self._waiter = Waiter()

    def calls_to(self, method: str, path_pattern: str) -> list[Call]:
        """Recorded calls whose path matches; ``{anything}`` matches one path segment."""
        regex = _placeholder_regex(path_pattern)
        method = method.upper()
        return [c for c in self.calls if c.method == method and regex.match(c.path)]

    async def wait_for_call(
        self,
        method: str,
        path_pattern: str,
        timeout: float = 5.0,
        *,
        count: int = 1,
        predicate: Callable[[Call], bool] | None = None,
    ) -> Call:
        """The ``count``-th (1-based) matching call that has been answered, waiting if needed."""
        assert self._waiter is not None, "start the fake first"

        def check() -> Call | None:
            found = [
                c
                for c in self.calls_to(method, path_pattern)
                if c.status and (predicate is None or predicate(c))
            ]
            return found[count - 1] if len(found) >= count else None

        return await self._waiter.wait(
            check,
            timeout,
            lambda: (
                f"no {method} {path_pattern} (#{count}) within {timeout}s; "
                f"the bot tried: {self.describe_calls()}"
            ),
        )

    def describe_calls(self, last: int = 30) -> str:
        rows = [f"{c.method} {c.path} -> {c.status}" for c in self.calls[-last:]]
        return "; ".join(rows) or "nothing"

    @property
    def unknown_calls(self) -> list[Call]:
        """Requests to routes the fake does not implement (answered 404)."""
        return [c for c in self.calls if c.route is None]

    def inject_faults(self, faults: Faults | None) -> None:
        """Switch random faults on (or off with None); the RNG is reseeded from ``faults.seed``."""
        self._faults = faults
        self._fault_rng = random.Random(faults.seed if faults else 0)

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int = 429,
        times: int = 1,
        retry_after: float = 0.05,
        is_global: bool = False,
        after_processing: bool = False,
    ) -> None:
        """Answer the next ``times`` matching requests with ``status`` (429, 500, 502, ...).

        ``after_processing=True`` (5xx only) handles the request first, so the message
        exists but the bot sees an error: the "lost response" case a retry must not double.
        """
        self._scripted.append(
            _ScriptedFault(
                method.upper(),
                _placeholder_regex(path_pattern),
                status,
                times,
                retry_after,
                is_global,
                after_processing,
            )
        )

    def _route_limit(self, route: str) -> tuple[int, float]:
        return self.route_limits.get(route, self.route_limit)

    def _bucket_headers(self, route: str, major: str) -> tuple[dict[str, str], bool]:
        """Consume one request of the route's bucket; (headers, allowed)."""
        limit, window = self._route_limit(route)
        now = time.monotonic()
        key = f"{route}:{major}"
        reset_at, used = self._buckets.get(key, (0.0, 0))
        if now >= reset_at:
            reset_at, used = now + window, 0
        allowed = used < limit
        if allowed:
            used += 1
        self._buckets[key] = (reset_at, used)
        reset_after = max(reset_at - now, 0.0)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - used, 0)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": hashlib.sha1(route.encode()).hexdigest()[:16],
        }
        return headers, allowed

    def _take_global_token(self) -> float:
        """0 when the request may pass the global limit, else seconds to wait.

        A bucket of ``global_limit * global_window`` tokens refilled at each window's end,
        like Discord's "50 per second". A continuously refilled bucket would hand every
        waiting request the same short retry_after; they would all retry together and
        discord.py gives up after 5 tries.
        """
        if self.global_limit is None:
            return 0.0
        now = time.monotonic()
        capacity = max(1, round(self.global_limit * self.global_window))
        if now >= self._global_reset_at:
            self._global_reset_at, self._global_used = now + self.global_window, 0
        if self._global_used < capacity:
            self._global_used += 1
            return 0.0
        return max(self._global_reset_at - now, 0.001)

    def _faults_apply(self, route: str | None, method: str, path: str) -> bool:
        if self._faults is None or route is None or route in _LOGIN_ROUTES:
            return False
        if not self._faults.routes:
            return True
        for pattern in self._faults.routes:
            want_method, _, want_path = pattern.partition(" ")
            if want_method.upper() == method and _placeholder_regex(want_path).match(path):
                return True
        return False

    @staticmethod
    def _rate_limited(
        retry_after: float, *, is_global: bool, scope: str, extra: dict[str, str] | None = None
    ) -> web.Response:
        body = {
            "message": "You are being rate limited.",
            "retry_after": round(retry_after, 3),
            "global": is_global,
            "code": 0,
        }
        headers = {
            "Retry-After": str(max(1, int(retry_after + 0.999))),
            "X-RateLimit-Scope": scope,
            # discord.py treats a 429 without Via as a Cloudflare ban and gives up.
            "Via": "1.1 google",
            **(extra or {}),
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        return _json(429, body, headers)

    async def not_api(self, request: web.Request) -> web.Response:
        return _json(404, {"message": "404: Not Found", "code": 0})

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        body, files = await _read_body(request)
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        authorization = request.headers.get("Authorization")
        auth = (
            "none"
            if authorization is None
            else ("ok" if authorization == f"Bot {self.world.token}" else "bad")
        )
        route, params, handler = self._match(method, path)
        call = Call(
            method=method,
            path=path,
            route=route,
            query=dict(request.query),
            json=body,
            headers=headers,
            auth=auth,
            at=asyncio.get_running_loop().time(),
            files=files,
        )
        self.calls.append(call)
        self.world.stats.requests += 1
        now = self.world.clock()
        if self.banned_until is not None and now < self.banned_until:
            call.fault = "banned"
            call.response = "error code: 1015"  # Cloudflare's answer: no JSON, no Via
            response = web.Response(status=429, text=call.response)
        else:
            response = await self._answer(request, call, params, handler)
            self._count_invalid(response, now)
        call.status = response.status
        if call.response is None and isinstance(response.body, bytes) and response.body:
            call.response = json.loads(response.body)
        self.world.stats.by_status[response.status] += 1
        if 200 <= response.status < 300:
            self.world.stats.delivered += 1
        elif response.status == 429:
            self.world.stats.rate_limited += 1
        assert self._waiter is not None
        self._waiter.notify()
        return response

    def _count_invalid(self, response: web.Response, now: float) -> None:
        """Discord's invalid-request budget: 401, 403 and 429 answers (not shared-scope
        429s) in a sliding window; past the limit, the IP is banned."""
        shared = response.headers.get("X-RateLimit-Scope") == "shared"
        if response.status not in (401, 403, 429) or (response.status == 429 and shared):
            return
        self.world.stats.invalid_requests += 1
        self._invalid.append(now)
        while self._invalid and self._invalid[0] <= now - INVALID_REQUEST_WINDOW:
            self._invalid.popleft()
        if len(self._invalid) >= self.invalid_limit:
            self.banned_until = now + INVALID_REQUEST_BAN

    def _match(self, method: str, path: str) -> tuple[str | None, dict[str, str], Handler | None]:
        for route_method, template, regex, handler in self._routes:
            if route_method != method:
                continue
            match = regex.match(path)
            if match:
                return f"{method} {template}", match.groupdict(), handler
        return None, {}, None

    async def _answer(
        self,
        request: web.Request,
        call: Call,
        params: dict[str, str],
        handler: Handler | None,
    ) -> web.Response:
        if handler is None or call.route is None:
            call.response = {"message": "404: Not Found", "code": 0}
            return _json(404, call.response)
        route = call.route
        token_route = "webhook_token" in params or "interaction_token" in params

        lose_response = False
        for scripted in self._scripted:
            if (
                scripted.remaining > 0
                and scripted.method == call.method
                and scripted.pattern.match(call.path)
            ):
                scripted.remaining -= 1
                call.fault = str(scripted.status)
                if scripted.after_processing and scripted.status >= 500:
                    lose_response = True
                    break
                return self._fault_response(scripted.status, scripted.retry_after, scripted)
        self._scripted = [s for s in self._scripted if s.remaining > 0]

        # Interaction and webhook-token routes are outside the bot's global limit on Discord.
        if route not in _LOGIN_ROUTES and not token_route:
            wait = self._take_global_token()
            if wait > 0:
                call.fault = "global-429"
                return self._rate_limited(wait, is_global=True, scope="global")

        if self._faults_apply(route, call.method, call.path):
            faults = self._faults
            assert faults is not None
            draw = self._fault_rng.random()
            if draw < faults.rate_limited:
                call.fault = "429"
                return self._rate_limited(faults.retry_after, is_global=False, scope="shared")
            draw -= faults.rate_limited
            if draw < faults.server_error:
                status = self._fault_rng.choice((500, 502))
                call.fault = str(status)
                self.world.stats.server_errors += 1
                return _json(status, {"message": "Internal Server Error", "code": 0})
            draw -= faults.server_error
            if draw < faults.lost_response:
                call.fault = "lost-500"
                lose_response = True
            draw -= faults.lost_response
            if 0 <= draw < faults.slow:
                call.fault = "delay"
                self.world.stats.delayed += 1
                await asyncio.sleep(self._fault_rng.uniform(*faults.delay))

        if not token_route and route not in ("GET /gateway",) and call.auth != "ok":
            call.response = {"message": "401: Unauthorized", "code": 0}
            return _json(401, call.response)

        major = "+".join(
            params[k]
            # Each interaction token is its own bucket, as on Discord.
            for k in (
                "channel_id",
                "guild_id",
                "webhook_id",
                "webhook_token",
                "interaction_id",
                "interaction_token",
            )
            if k in params
        )
        bucket_headers, allowed = self._bucket_headers(route, major)
        if not allowed:
            call.fault = "route-429"
            retry = float(bucket_headers["X-RateLimit-Reset-After"])
            return self._rate_limited(retry, is_global=False, scope="user", extra=bucket_headers)

        refused = validation.problems(call.method, call.path, call.json)
        try:
            if refused:
                raise DiscordError(400, 50035, "Invalid Form Body: " + "; ".join(refused))
            status, payload = await handler(request, call, params)
        except DiscordError as error:
            status, payload = error.status, {"message": error.message, "code": error.code}
        call.response = payload
        if lose_response and status < 300:
            self.world.stats.server_errors += 1
            self.world.stats.lost_responses += 1
            return _json(500, {"message": "Internal Server Error", "code": 0})
        if status == 204:
            return web.Response(status=204, headers=bucket_headers)
        return _json(status, payload, bucket_headers)

    def _fault_response(
        self, status: int, retry_after: float, scripted: _ScriptedFault
    ) -> web.Response:
        if status == 429:
            scope = "global" if scripted.is_global else "user"
            return self._rate_limited(retry_after, is_global=scripted.is_global, scope=scope)
        if status >= 500:
            self.world.stats.server_errors += 1
        return _json(status, {"message": f"injected {status}", "code": 0})


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    # web.json_response would say "application/json; charset=utf-8", which discord.py
    # does not parse (it then crashes indexing a str).
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": JSON_TYPE, **(headers or {})},
    )


async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
    """(JSON body or None, uploaded file names); multipart bodies carry payload_json."""
    content_type = request.content_type
    if content_type == "multipart/form-data":
        form = await request.post()
        files = [f.filename for f in form.values() if hasattr(f, "filename")]
        raw = form.get("payload_json")
        return (json.loads(raw) if isinstance(raw, str) else None), files
    text = await request.text()
    if not text:
        return None, []
    try:
        return json.loads(text), []
    except json.JSONDecodeError:
        return text, []
