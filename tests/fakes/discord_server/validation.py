"""What Discord refuses in a request body, checked the way Discord checks it: the body against
the operation's schema in Discord's OpenAPI document (tests/fakes/specs/discord), then the limits
its documentation gives and the schema does not carry (shared/notes/platform-limits.md):
content 2,000 characters, embeds 6,000 in all, a custom_id unique within the message.

A refusal is Discord's 400 Invalid Form Body (code 50035) with the problems listed.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.fakes.specs import DISCORD_OPENAPI, load

CONTENT = 2000
EMBEDS = 10
EMBEDS_TOTAL = 6000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
ROWS = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL = 80
CUSTOM_ID = 100
NONCE = 25
_URI = "urn:discord-openapi"


@functools.cache
def _registry() -> Registry:
    resource = Resource(contents=load(DISCORD_OPENAPI), specification=DRAFT202012)
    return Registry().with_resource(_URI, resource)


@functools.cache
def _operations() -> list[tuple[str, re.Pattern[str], str]]:
    """(METHOD, path regex, JSON pointer of its JSON body schema), literal paths first."""
    found = []
    for path, item in load(DISCORD_OPENAPI)["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            content = (operation.get("requestBody") or {}).get("content") or {}
            if "application/json" not in content:
                continue
            regex = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
            pointer = _pointer(path, method)
            found.append((method.upper(), regex, pointer, path.count("{")))
    found.sort(key=lambda row: row[3])  # /messages/@original before /messages/{message_id}
    return [(m, r, p) for m, r, p, _ in found]


def _pointer(path: str, method: str) -> str:
    escaped = path.replace("~", "~0").replace("/", "~1")
    return f"#/paths/{escaped}/{method}/requestBody/content/application~1json/schema"


@functools.cache
def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": _URI + pointer}, registry=_registry())


def _snowflakes_as_text(body: Any, key: str = "") -> Any:
    """Discord takes a snowflake id as a JSON number too (clients such as discord.py send
    them so) although its schema says string: compare ids as text."""
    if isinstance(body, dict):
        return {k: _snowflakes_as_text(v, k) for k, v in body.items()}
    if isinstance(body, list):
        return [_snowflakes_as_text(v, key) for v in body]
    if (
        isinstance(body, int)
        and not isinstance(body, bool)
        and (key == "id" or key.endswith("_id"))
    ):
        return str(body)
    return body


def schema_problems(method: str, path: str, body: Any) -> list[str]:
    """Where `body` breaks the schema of `method path`; [] when it fits or has no schema."""
    body = _snowflakes_as_text(body)
    for want, regex, pointer in _operations():
        if want == method and regex.match(path):
            return [
                f"{'.'.join(str(p) for p in error.absolute_path) or 'body'}: {error.message[:200]}"
                for error in _validator(pointer).iter_errors(body)
            ][:10]
    return []


def message_problems(body: dict[str, Any]) -> list[str]:
    """The documented message limits (a create, an edit, a follow-up, a callback's data)."""
    problems: list[str] = []
    content = body.get("content")
    if isinstance(content, str) and len(content) > CONTENT:
        problems.append(f"content: {len(content)} characters, more than {CONTENT}")
    nonce = body.get("nonce")
    if isinstance(nonce, str) and len(nonce) > NONCE:
        problems.append(f"nonce: more than {NONCE} characters")
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS:
        problems.append(f"embeds: {len(embeds)}, more than {EMBEDS}")
    total = 0
    for i, embed in enumerate(embeds):
        total += _embed_length(embed, f"embeds.{i}", problems)
    if total > EMBEDS_TOTAL:
        problems.append(f"embeds: {total} characters in all, more than {EMBEDS_TOTAL}")
    rows = body.get("components") or []
    if len(rows) > ROWS:
        problems.append(f"components: {len(rows)} rows, more than {ROWS}")
    seen: set[str] = set()
    for r, row in enumerate(rows):
        items = row.get("components") or []
        if row.get("type") == 1 and not 1 <= len(items) <= BUTTONS_PER_ROW:
            problems.append(f"components.{r}: 1-{BUTTONS_PER_ROW} components in a row")
        for c, item in enumerate(items):
            where = f"components.{r}.components.{c}"
            custom_id = item.get("custom_id")
            if custom_id is not None:
                if not 1 <= len(str(custom_id)) <= CUSTOM_ID:
                    problems.append(f"{where}.custom_id: 1-{CUSTOM_ID} characters")
                if custom_id in seen:
                    problems.append(f"{where}.custom_id: {custom_id!r} is already used")
                seen.add(custom_id)
            label = item.get("label")
            if isinstance(label, str) and len(label) > BUTTON_LABEL:
                problems.append(f"{where}.label: more than {BUTTON_LABEL} characters")
    return problems


def _embed_length(embed: dict[str, Any], where: str, problems: list[str]) -> int:
    """The characters Discord counts toward the 6,000 of a message's embeds."""
    title = str(embed.get("title") or "")
    description = str(embed.get("description") or "")
    footer = str((embed.get("footer") or {}).get("text") or "")
    author = str((embed.get("author") or {}).get("name") or "")
    for name, text, limit in (
        ("title", title, EMBED_TITLE),
        ("description", description, EMBED_DESCRIPTION),
        ("footer.text", footer, FOOTER),
        ("author.name", author, AUTHOR),
    ):
        if len(text) > limit:
            problems.append(f"{where}.{name}: {len(text)} characters, more than {limit}")
    fields = embed.get("fields") or []
    if len(fields) > FIELDS:
        problems.append(f"{where}.fields: {len(fields)}, more than {FIELDS}")
    total = len(title) + len(description) + len(footer) + len(author)
    for j, field in enumerate(fields):
        name, value = str(field.get("name") or ""), str(field.get("value") or "")
        if not 1 <= len(name) <= FIELD_NAME:
            problems.append(f"{where}.fields.{j}.name: 1-{FIELD_NAME} characters")
        if not 1 <= len(value) <= FIELD_VALUE:
            problems.append(f"{where}.fields.{j}.value: 1-{FIELD_VALUE} characters")
        total += len(name) + len(value)
    return total


MESSAGE_ROUTES = re.compile(
    r"^/(channels/[^/]+/messages(/[^/]+)?|webhooks/[^/]+/[^/]+(/messages/[^/]+)?)$"
)


def problems(method: str, path: str, body: Any) -> list[str]:
    """Everything Discord would refuse in this request's body."""
    if body is None or method in ("GET", "DELETE"):
        return []
    found = schema_problems(method, path, body)
    if isinstance(body, dict):
        if MESSAGE_ROUTES.match(path):
            found += message_problems(body)
        elif path.endswith("/callback") and isinstance(body.get("data"), dict):
            found += message_problems(body["data"])
    return found
