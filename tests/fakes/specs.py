"""The platforms' official API descriptions, copied byte for byte from shared/specs/ into
tests/fakes/specs/ with their MIT licences (see the README there). Both fakes validate
requests against them, so the suite needs nothing outside the repository."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

DISCORD_OPENAPI = "discord/openapi.json"
SLACK_OPENAPI = "slack/web-api-openapi-v2.json"
SPECS = Path(__file__).resolve().parent / "specs"


def specs_dir() -> Path:
    return SPECS


@functools.cache
def load(name: str) -> dict[str, Any]:
    with (specs_dir() / name).open(encoding="utf-8") as file:
        document: dict[str, Any] = json.load(file)
    return document
