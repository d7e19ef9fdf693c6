"""The fake Slack Web API (``/api/<method>``): tokens, the method's arguments checked against
Slack's OpenAPI description and its blocks against Block Kit's limits (validation.py),
scripted and random faults (a 500 may come after the call was carried out, as Slack warns),
Slack's rate limits (chat.postMessage per channel, per-method tiers such as Tier 3 for
chat.update, an optional workspace-wide bucket; 429 with ``Retry-After`` and
``"error": "ratelimited"``), then the method itself, which refuses what Slack refuses: an
unknown, deleted or archived channel, a private channel the bot is not in, a deleted
message, a revoked token."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aiohttp import web

from tests.fakes.slack_server import validation
from tests.fakes.slack_server.model import (
    METHOD_TIERS,
    UNLIMITED_METHODS,
    Call,
    FaultKind,
    FaultPlan,
    SlackChannel,
    TokenBucket,
    _ScriptedFault,
)
from tests.fakes.slack_server.workspace import SlackWorkspace

# Form fields Slack documents as JSON-encoded strings when the body is form-encoded.
JSON_FORM_FIELDS = frozenset({"blocks", "attachments", "metadata", "view", "unfurls"})


class WebApi:
    """The Web API methods the bot uses, behind Slack's limits and the injected faults."""

    def __init__(
        self,
        workspace: SlackWorkspace,
        *,
        channel_rate: float,
        channel_burst: int,
        workspace_rate: float | None,
        workspace_burst: int,
        retry_after: int | None,
        clock: Callable[[], float],
        method_rates: dict[str, tuple[float, int]] | None = None,
    ) -> None:
        self.workspace = workspace
        self.channel_rate = channel_rate
        self.channel_burst = channel_burst
        # None: Retry-After is the bucket's real wait rounded up (Slack sends whole seconds).
        self.retry_after = retry_after
        self.clock = clock
        self._channel_buckets: dict[str, TokenBucket] = {}
        self._workspace_bucket = (
            TokenBucket(workspace_rate, workspace_burst, clock) if workspace_rate else None
        )
        self.fault_plan: FaultPlan | None = None
        self._scripted: list[_ScriptedFault] = []
        self.method_rates = {**METHOD_TIERS, **(method_rates or {})}
        self._method_buckets: dict[str, TokenBucket] = {}

    def inject_faults(
        self,
        rate: float,
        *,
        kinds: Sequence[FaultKind] = ("429", "500", "slow"),
        seed: int = 0,
        methods: Iterable[str] | None = None,
        slow_seconds: float = 0.2,
        retry_after: int = 1,
    ) -> FaultPlan:
        """Give ``rate`` of eligible calls a fault, reproducibly for a given ``seed``."""
        self.fault_plan = FaultPlan(
            rate=rate,
            kinds=tuple(kinds),
            seed=seed,
            methods=frozenset(methods) if methods is not None else None,
            slow_seconds=slow_seconds,
            retry_after=retry_after,
        )
        return self.fault_plan

    def fail_next(
        self,
        method: str,
        kind: FaultKind = "429",
        *,
        times: int = 1,
        retry_after: int = 0,
        slow_seconds: float = 0.2,
        after_processing: bool = False,
    ) -> None:
        """Script the next ``times`` calls of ``method`` to fail (checked before the plan).
        ``after_processing`` (500 only): carry the call out first, then answer 500, the
        partial success Slack warns about."""
        if kind not in ("429", "500", "slow"):
            raise ValueError(f"fault kind must be '429', '500' or 'slow', got {kind!r}")
        self._scripted.append(
            _ScriptedFault(method, kind, times, retry_after, slow_seconds, after_processing)
        )

    async def _read_args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.method != "POST" or not request.can_read_body:
            return args
        if request.content_type == "application/json":
            body = await request.json()
            if not isinstance(body, dict):
                raise ValueError("JSON body must be an object")
            args.update(body)
            return args
        form = await request.post()
        for key, value in form.items():
            text = value if isinstance(value, str) else str(value)
            if key in JSON_FORM_FIELDS and text[:1] in "[{":
                args[key] = json.loads(text)
            else:
                args[key] = text
        return args

    def _token_of(self, request: web.Request, args: dict[str, Any]) -> str | None:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :].strip()
        if auth.startswith("Basic "):  # oauth.v2.access: client id and secret, as Slack takes
            try:
                pair = base64.b64decode(auth[len("Basic ") :]).decode()
            except ValueError:
                pair = ""
            client_id, _, client_secret = pair.partition(":")
            args.setdefault("client_id", client_id)
            args.setdefault("client_secret", client_secret)
        token = args.pop("token", None)
        return str(token) if token is not None else None

    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args = await self._read_args(request)
        except ValueError as exc:
            return web.json_response({"ok": False, "error": "invalid_json", "detail": str(exc)})
        token = self._token_of(request, args)
        call = Call(method=method, args=args, token=token, at=time.monotonic())
        self.workspace.arrived.append(call)
        self.workspace._notify()
        try:
            status, body, headers = await self._serve(call)
        except Exception as exc:  # a bug in the fake must show up as a clear 500, not a hang
            status, body, headers = 500, {"ok": False, "error": "fake_bug", "detail": repr(exc)}, {}
        call.status, call.response = status, body
        self.workspace.calls.append(call)
        self.workspace._notify()
        return web.json_response(body, status=status, headers=headers)

    async def _serve(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        auth_error = self._check_token(call)
        if auth_error:
            return 200, {"ok": False, "error": auth_error}, {}
        invalid = validation.check_args(call.method, call.args)
        if invalid is not None:
            error, detail = invalid
            return 200, {"ok": False, "error": error, "detail": detail}, {}

        fault, retry_after, slow, processed = self._pick_fault(call.method)
        channel = str(call.args.get("channel", ""))
        counts_for_channel = call.method == "chat.postMessage"
        if fault == "429":
            call.fault = "429"
            if counts_for_channel:
                self.workspace.stats._for(channel).rejected += 1
            return self._ratelimited(retry_after)
        if fault == "500":
            call.fault = "500"
            if counts_for_channel:
                self.workspace.stats._for(channel).rejected += 1
            if processed and call.method in self._methods():
                call.fault = "500-after-processing"
                self._methods()[call.method](call.args)
            return 500, {"ok": False, "error": "internal_error"}, {}
        if fault == "slow":
            call.fault = "slow"
            await asyncio.sleep(slow)

        wait = self._take_rate_limit(call.method, channel)
        if wait > 0:
            call.fault = "ratelimited"
            if counts_for_channel:
                self.workspace.stats._for(channel).rejected += 1
            seconds = self.retry_after if self.retry_after is not None else math.ceil(wait)
            return self._ratelimited(seconds)

        handler = self._methods().get(call.method)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        body = (
            self._auth_test(call.args, call.token)
            if call.method == "auth.test"
            else (handler(call.args))
        )
        if counts_for_channel and body.get("ok"):
            self.workspace.stats._for(channel).delivered += 1
        return 200, body, {}

    def _check_token(self, call: Call) -> str | None:
        if call.method == "oauth.v2.access":
            return None  # the app's client id and secret, checked by the method itself
        if call.token is None:
            return "not_authed"
        if call.token in self.workspace.uninstalled:
            return "token_revoked"
        if call.token in self.workspace.installed:
            return None  # a workspace that installed the app through OAuth
        if self.workspace.revoked is not None:
            return self.workspace.revoked
        if call.method == "apps.connections.open":
            if call.token == self.workspace.app_token:
                return None
            return (
                "not_allowed_token_type"
                if call.token == self.workspace.bot_token
                else "invalid_auth"
            )
        return None if call.token == self.workspace.bot_token else "invalid_auth"

    def _pick_fault(self, method: str) -> tuple[FaultKind | None, int, float, bool]:
        """(fault, retry_after, slow seconds, whether a 500 comes after processing)."""
        for scripted in self._scripted:
            if scripted.method == method and scripted.remaining > 0:
                scripted.remaining -= 1
                return (
                    scripted.kind,
                    scripted.retry_after,
                    scripted.slow_seconds,
                    scripted.after_processing,
                )
        plan = self.fault_plan
        if plan is not None and plan.applies_to(method):
            kind = plan.draw()
            processed = kind == "500" and plan.after_processing()
            return kind, plan.retry_after, plan.slow_seconds, processed
        return None, 0, 0.0, False

    def _take_rate_limit(self, method: str, channel: str) -> float:
        if method in UNLIMITED_METHODS:
            return 0.0
        tier = self.method_rates.get(method)
        tier_bucket = None
        if tier is not None:
            tier_bucket = self._method_buckets.get(method)
            if tier_bucket is None:
                tier_bucket = self._method_buckets[method] = TokenBucket(*tier, self.clock)
            wait = tier_bucket.try_take()
            if wait > 0:
                return wait
        channel_bucket = None
        if method == "chat.postMessage" and channel:
            channel_bucket = self._channel_buckets.get(channel)
            if channel_bucket is None:
                channel_bucket = TokenBucket(self.channel_rate, self.channel_burst, self.clock)
                self._channel_buckets[channel] = channel_bucket
            wait = channel_bucket.try_take()
            if wait > 0:
                return wait
        if self._workspace_bucket is not None:
            wait = self._workspace_bucket.try_take()
            if wait > 0:
                for bucket in (channel_bucket, tier_bucket):
                    if bucket is not None:
                        bucket.refund()
                return wait
        return 0.0

    @staticmethod
    def _ratelimited(retry_after: int) -> tuple[int, dict[str, Any], dict[str, str]]:
        return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "api.test": lambda args: {"ok": True, "args": args},
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "oauth.v2.access": self._oauth_v2_access,
        }

    def _oauth_v2_access(self, args: dict[str, Any]) -> dict[str, Any]:
        w = self.workspace
        if args.get("client_id") != w.client_id or args.get("client_secret") != w.client_secret:
            return {"ok": False, "error": "invalid_client_id"}
        installed = w.exchange(str(args.get("code") or ""))
        return installed if isinstance(installed, dict) else {"ok": False, "error": installed}

    def _auth_test(self, args: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        if token in self.workspace.installed:
            team = self.workspace.installed[token]
            return {
                "ok": True,
                "url": f"https://{team.lower()}.slack.com/",
                "team": team.lower(),
                "user": "quizbot",
                "team_id": team,
                "user_id": f"U0BOT{team[-4:]}",
                "bot_id": f"B0BOT{team[-4:]}",
                "is_enterprise_install": False,
            }
        return {
            "ok": True,
            "url": f"https://{self.workspace.team_domain}.slack.com/",
            "team": self.workspace.team_domain,
            "user": "quizbot",
            "team_id": self.workspace.team_id,
            "user_id": self.workspace.bot_user_id,
            "bot_id": self.workspace.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"{self.workspace.ws_url}?ticket={next(self.workspace._ids)}"}

    def _channel_or_error(self, args: dict[str, Any]) -> str | dict[str, Any]:
        """The channel a post goes to, or Slack's refusal: an unknown or deleted channel, a
        private one the bot is not in (both channel_not_found), an archived one, a public
        one the bot is not in without chat:write.public. A user id posts to the app's
        direct messages with that user."""
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found", "detail": "missing 'channel'"}
        if channel in self.workspace.users:
            self.workspace.channels.setdefault(
                channel, SlackChannel(channel, channel.lower(), is_im=True)
            )
            return channel
        found = self.workspace.channels.get(channel)
        if found is None or (found.is_private and not found.is_member):
            return {"ok": False, "error": "channel_not_found"}
        if found.is_archived:
            return {"ok": False, "error": "is_archived"}
        if not found.is_member and "chat:write.public" not in self.workspace.scopes:
            return {"ok": False, "error": "not_in_channel"}
        return channel

    def _bot_message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.workspace.bot_user_id,
            "bot_id": self.workspace.bot_id,
            "team": self.workspace.team_id,
            "ts": ts,
            # Slack truncates the top-level text past 40,000 characters.
            "text": str(args.get("text") or "")[: validation.MESSAGE_TEXT],
        }
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key) is not None:
                message[key] = validation.decoded(args[key])
        if args.get("thread_ts") is not None:
            message["thread_ts"] = str(args["thread_ts"])
        return message

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_or_error(args)
        if isinstance(channel, dict):
            return channel
        refused = validation.check_message(args)
        if refused is not None:
            return {"ok": False, "error": refused[0], "detail": refused[1]}
        ts = self.workspace._next_ts()
        message = self._bot_message(args, ts)
        self.workspace.messages.setdefault(channel, {})[ts] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        found = self.workspace.channels.get(channel)
        if found is None or (found.is_private and not found.is_member):
            return {"ok": False, "error": "channel_not_found"}
        if found.is_archived:
            # chat.update's own name for it: "a frozen, archived or deleted channel".
            return {"ok": False, "error": "is_inactive"}
        current = self.workspace.message(channel, ts)
        if current is None:
            return {"ok": False, "error": "message_not_found"}
        if current.get("bot_id") != self.workspace.bot_id:
            return {"ok": False, "error": "cant_update_message"}
        refused = validation.check_message(args)
        if refused is not None:
            return {"ok": False, "error": refused[0], "detail": refused[1]}
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                current[key] = validation.decoded(args[key])
        current["edited"] = {"user": self.workspace.bot_user_id, "ts": self.workspace._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": current.get("text", ""),
            "message": current,
        }

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel_or_error(args)
        if isinstance(channel, dict):
            return channel
        user = args.get("user")
        if not user or str(user) not in self.workspace.users:
            return {"ok": False, "error": "user_not_found"}
        ts = self.workspace._next_ts()
        self.workspace.ephemerals.append({**args, "channel": channel, "message_ts": ts})
        return {"ok": True, "message_ts": ts}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if self.workspace.messages.get(channel, {}).pop(ts, None) is None:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel, "ts": ts}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.workspace.users.get(str(args.get("user") or ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user.to_api(self.workspace.team_id)}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self.workspace.channels.get(str(args.get("channel") or ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel.to_api()}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        parent = self.workspace.message(channel, ts)
        if parent is None:
            return {"ok": False, "error": "thread_not_found"}
        replies = [m for m in self.workspace.channel_messages(channel) if m.get("thread_ts") == ts]
        return {"ok": True, "messages": [parent, *replies], "has_more": False}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = str(args.get("trigger_id") or "")
        if not trigger:
            return {"ok": False, "error": "missing_trigger"}
        view = args.get("view")
        if isinstance(view, str):  # slack_sdk sends it JSON-encoded in a form
            try:
                view = json.loads(view)
            except ValueError:
                view = None
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments", "detail": "'view' must be an object"}
        problem = modal_problem(view)
        if problem:
            return {"ok": False, "error": "invalid_arguments", "response_metadata": {
                "messages": [f"[ERROR] {problem}"]}}  # fmt: skip
        refused = self.workspace.exchange_trigger(trigger)
        if refused:
            return {"ok": False, "error": refused}
        opened = {
            **view,
            "id": f"V{next(self.workspace._ids):06d}",
            "team_id": self.workspace.team_id,
            "app_id": self.workspace.api_app_id,
            "bot_id": self.workspace.bot_id,
            "hash": f"{next(self.workspace._ids)}.fakehash",
            "state": {"values": {}},
            "previous_view_id": None,
            "root_view_id": None,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
        }
        opened["root_view_id"] = opened["id"]
        self.workspace.views.append(opened)
        return {"ok": True, "view": opened}


# Slack's documented limits for a modal view (Block Kit "Modal view" reference).
MODAL_TEXT_LIMIT = 24  # title, submit, close
MODAL_BLOCKS_LIMIT = 100
PRIVATE_METADATA_LIMIT = 3000
CALLBACK_ID_LIMIT = 255
TEXT_INPUT_LIMIT = 3000  # plain_text_input min_length/max_length
LABEL_LIMIT = 2000


def modal_problem(view: dict[str, Any]) -> str | None:
    """Why Slack would refuse this modal view, or None."""
    if view.get("type") != "modal":
        return "view.type must be 'modal'"
    for key in ("title", "submit", "close"):
        text = view.get(key)
        if text is None:
            if key == "title":
                return "view.title is required"
            continue
        if not isinstance(text, dict) or text.get("type") != "plain_text":
            return f"view.{key} must be a plain_text object"
        if not 0 < len(str(text.get("text", ""))) <= MODAL_TEXT_LIMIT:
            return f"view.{key}.text must be 1-{MODAL_TEXT_LIMIT} characters"
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not 0 < len(blocks) <= MODAL_BLOCKS_LIMIT:
        return f"view.blocks must hold 1-{MODAL_BLOCKS_LIMIT} blocks"
    if len(str(view.get("private_metadata", ""))) > PRIVATE_METADATA_LIMIT:
        return f"view.private_metadata is longer than {PRIVATE_METADATA_LIMIT} characters"
    if len(str(view.get("callback_id", ""))) > CALLBACK_ID_LIMIT:
        return f"view.callback_id is longer than {CALLBACK_ID_LIMIT} characters"
    block_ids = [b.get("block_id") for b in blocks if isinstance(b, dict) and b.get("block_id")]
    if len(block_ids) != len(set(block_ids)):
        return "view.blocks: block_id must be unique"
    inputs = [b for b in blocks if isinstance(b, dict) and b.get("type") == "input"]
    if inputs and view.get("submit") is None:
        return "view.submit is required when the view has input blocks"
    for block in inputs:
        label = block.get("label")
        if not isinstance(label, dict) or label.get("type") != "plain_text":
            return "an input block needs a plain_text label"
        if not 0 < len(str(label.get("text", ""))) <= LABEL_LIMIT:
            return f"an input block's label must be 1-{LABEL_LIMIT} characters"
        element = block.get("element")
        if not isinstance(element, dict) or not element.get("type"):
            return "an input block needs an element"
        if element.get("type") == "plain_text_input":
            for bound in ("min_length", "max_length"):
                n = element.get(bound)
                if n is not None and not (isinstance(n, int) and 0 <= n <= TEXT_INPUT_LIMIT):
                    return f"plain_text_input.{bound} must be 0-{TEXT_INPUT_LIMIT}"
    return None
