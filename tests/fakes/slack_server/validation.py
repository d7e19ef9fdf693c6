"""What Slack refuses, checked the way Slack checks it: a method's arguments against the Web
API's OpenAPI description (tests/fakes/specs/slack), and blocks against the Block Kit limits
(shared/notes/platform-limits.md). Each check returns Slack's error name and what was wrong.

Where Slack's behaviour is not documented, the strictest reading is taken (each such place
says "strictest reading"): an argument the method does not document is refused (Slack
ignores some), an empty button value is refused, and a message whose blocks hold 12,000
characters of text or more is refused with `msg_blocks_too_long`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

from tests.fakes.specs import SLACK_OPENAPI, load

MAX_MESSAGE_BLOCKS = 50
SECTION_TEXT = 3000
SECTION_FIELDS = 10
FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
ACTION_ID = 255
BUTTON_VALUE = 2000
BUTTON_URL = 3000
BLOCK_ID = 255
MESSAGE_TEXT = 40_000  # top-level text: Slack truncates past this
# Not documented; reported in slack-bolt issues. Strictest reading: 12,000 and more fail.
BLOCKS_TEXT_LIMIT = 12_000

# Methods and arguments that are newer than the (older) OpenAPI document but documented on
# Slack's method pages today.
NEWER_METHODS: dict[str, dict[str, str]] = {
    "apps.connections.open": {},
}
NEWER_ARGS: dict[str, frozenset[str]] = {
    "auth.test": frozenset({"team_id"}),  # slack-bolt sends it; Slack accepts it
    "chat.postMessage": frozenset({"metadata"}),
    "chat.update": frozenset({"metadata", "reply_broadcast", "file_ids"}),
    "chat.postEphemeral": frozenset(),
}
JSON_ARGS = frozenset({"blocks", "attachments", "metadata", "view"})


@functools.cache
def method_args() -> dict[str, dict[str, dict[str, Any]]]:
    """Method name -> its documented arguments (name -> the OpenAPI parameter)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for path, operations in load(SLACK_OPENAPI)["paths"].items():
        for operation in operations.values():
            params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] != "header"}
            out.setdefault(path.lstrip("/"), {}).update(params)
    return out


def check_args(method: str, args: dict[str, Any]) -> tuple[str, str] | None:
    """(error, detail) when the arguments break the method's description, else None."""
    documented = method_args()
    if method not in documented and method not in NEWER_METHODS:
        return "unknown_method", f"{method} is not a Slack Web API method"
    params = documented.get(method, {})
    allowed = set(params) | NEWER_ARGS.get(method, frozenset())
    # team_id: every method takes it for org-wide installs (slack_sdk adds it when set).
    unknown = sorted(set(args) - allowed - {"token", "team_id"})
    if unknown:  # strictest reading: Slack ignores some unknown arguments
        return "invalid_arguments", f"{method} takes no argument {', '.join(unknown)}"
    for name, param in params.items():
        value = args.get(name)
        if value is None:
            if param.get("required") and name != "token":
                return "invalid_arguments", f"{method} needs {name}"
            continue
        problem = _type_problem(name, param.get("type"), value)
        if problem:
            return "invalid_arguments", f"{method}: {problem}"
    return None


def _type_problem(name: str, kind: str | None, value: Any) -> str | None:
    if kind == "boolean":
        ok = isinstance(value, bool) or str(value).lower() in ("true", "false", "1", "0")
        return None if ok else f"{name} must be a boolean, got {value!r}"
    if kind == "integer":
        ok = isinstance(value, int) or str(value).lstrip("-").isdigit()
        return None if ok else f"{name} must be an integer, got {value!r}"
    if kind == "string":
        if name in JSON_ARGS and isinstance(value, list | dict):
            return None  # JSON bodies carry them as JSON, form bodies as JSON text
        if isinstance(value, str | int | float | bool):
            return None
        return f"{name} must be a string, got {type(value).__name__}"
    return None


# ---------------------------------------------------------------- Block Kit


def decoded(value: Any) -> Any:
    """A blocks argument as a list (form bodies send it as JSON text)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def blocks_text_length(blocks: Iterable[Any]) -> int:
    """Characters of text in the blocks: every text object's text (the "block text" Slack
    counts for msg_blocks_too_long)."""
    total = 0

    def walk(node: Any) -> None:
        nonlocal total
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                total += len(node["text"])
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(list(blocks))
    return total


def check_blocks(blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> tuple[str, str] | None:
    """(error, detail) for blocks Slack refuses, else None."""
    blocks = decoded(blocks)
    if not isinstance(blocks, list):
        return "invalid_blocks_format", "blocks must be a JSON array"
    problems: list[str] = []
    if len(blocks) > max_blocks:
        problems.append(f"{len(blocks)} blocks, more than {max_blocks}")
    block_ids: set[str] = set()
    action_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        if not isinstance(block, dict):
            problems.append(f"{where} is not an object")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if not isinstance(block_id, str) or not 1 <= len(block_id) <= BLOCK_ID:
                problems.append(f"{where}.block_id must be 1-{BLOCK_ID} characters")
            elif block_id in block_ids:
                problems.append(f"{where}.block_id {block_id!r} is used twice")
            block_ids.add(str(block_id))
        problems += _block_problems(where, block, action_ids)
    if problems:
        return "invalid_blocks", "; ".join(problems[:10])
    length = blocks_text_length(blocks)
    if length >= BLOCKS_TEXT_LIMIT:
        return "msg_blocks_too_long", f"{length} characters of block text"
    return None


def _text_problems(where: str, obj: Any, limit: int, *, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where} must be a plain_text or mrkdwn text object"]
    if plain_only and obj["type"] != "plain_text":
        return [f"{where} must be plain_text"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}.text must be a non-empty string"]
    if len(text) > limit:
        return [f"{where}.text is {len(text)} characters, more than {limit}"]
    if obj["type"] == "mrkdwn" and "emoji" in obj:
        return [f"{where}: emoji is only allowed on plain_text"]
    return []


def _block_problems(where: str, block: dict[str, Any], action_ids: set[str]) -> list[str]:
    kind = block.get("type")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            return [f"{where}: a section needs text or fields"]
        problems = []
        if "text" in block:
            problems += _text_problems(f"{where}.text", block["text"], SECTION_TEXT)
        fields = block.get("fields", [])
        if len(fields) > SECTION_FIELDS:
            problems.append(f"{where}: {len(fields)} fields, more than {SECTION_FIELDS}")
        for j, field in enumerate(fields):
            problems += _text_problems(f"{where}.fields[{j}]", field, FIELD_TEXT)
        return problems
    if kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= CONTEXT_ELEMENTS:
            return [f"{where}: a context needs 1-{CONTEXT_ELEMENTS} elements"]
        problems = []
        for j, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") == "image":
                continue
            problems += _text_problems(f"{where}.elements[{j}]", element, SECTION_TEXT)
        return problems
    if kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= ACTIONS_ELEMENTS:
            return [f"{where}: an actions block needs 1-{ACTIONS_ELEMENTS} elements"]
        problems = []
        for j, element in enumerate(elements):
            problems += _button_problems(f"{where}.elements[{j}]", element, action_ids)
        return problems
    if kind == "divider":
        extra = set(block) - {"type", "block_id"}
        return [f"{where}: a divider takes no {', '.join(sorted(extra))}"] if extra else []
    if kind == "header":
        return _text_problems(f"{where}.text", block.get("text"), HEADER_TEXT, plain_only=True)
    return [f"{where}: unknown or unsupported block type {kind!r}"]


def _button_problems(where: str, element: Any, action_ids: set[str]) -> list[str]:
    if not isinstance(element, dict) or element.get("type") != "button":
        return [f"{where}: only buttons are checked here, got {element!r:.60}"]
    problems = _text_problems(f"{where}.text", element.get("text"), BUTTON_TEXT, plain_only=True)
    action_id = element.get("action_id")
    if action_id is not None:
        if not isinstance(action_id, str) or not 1 <= len(action_id) <= ACTION_ID:
            problems.append(f"{where}.action_id must be 1-{ACTION_ID} characters")
        elif action_id in action_ids:
            problems.append(f"{where}.action_id {action_id!r} is used twice in the message")
        action_ids.add(str(action_id))
    if "value" in element:
        value = element["value"]
        # Strictest reading: Block Kit refuses empty strings where text is expected.
        if not isinstance(value, str) or not 1 <= len(value) <= BUTTON_VALUE:
            problems.append(f"{where}.value must be 1-{BUTTON_VALUE} characters")
    url = element.get("url")
    if url is not None and (not isinstance(url, str) or len(url) > BUTTON_URL):
        problems.append(f"{where}.url must be at most {BUTTON_URL} characters")
    style = element.get("style")
    if style is not None and style not in ("primary", "danger"):
        problems.append(f"{where}.style must be primary or danger")
    return problems


def check_message(args: dict[str, Any]) -> tuple[str, str] | None:
    """What Slack checks in a message body (chat.postMessage, chat.update, a response_url
    post): something to show, and valid blocks."""
    blocks = args.get("blocks")
    text = args.get("text")
    if text is not None and not isinstance(text, str):
        return "invalid_arguments", "text must be a string"
    if blocks is not None:
        problem = check_blocks(blocks)
        if problem:
            return problem
    if not text and not blocks and not args.get("attachments"):
        return "no_text", "no text, blocks or attachments"
    return None
