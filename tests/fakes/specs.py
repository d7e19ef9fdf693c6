"""Where the platforms' official API descriptions are: `shared/specs/` beside the repository
(a copy sits beside every clone, CI's included). Both fakes validate requests against them."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

DISCORD_OPENAPI = "discord/openapi.json"
SLACK_OPENAPI = "slack/web-api-openapi-v2.json"


def specs_dir() -> Path:
    """The first `shared/specs` folder above this file (the repository's parent folders)."""
    here = Path(__file__).resolve()
    for folder in here.parents:
        candidate = folder / "shared" / "specs"
        if (candidate / DISCORD_OPENAPI).is_file():
            return candidate
    raise FileNotFoundError(
        f"no shared/specs/{DISCORD_OPENAPI} in any folder above {here}: the fakes validate "
        "requests against the platforms' OpenAPI documents, which live in shared/specs/ beside "
        "the repository; put a copy there"
    )


@functools.cache
def load(name: str) -> dict[str, Any]:
    with (specs_dir() / name).open(encoding="utf-8") as file:
        document: dict[str, Any] = json.load(file)
    return document
