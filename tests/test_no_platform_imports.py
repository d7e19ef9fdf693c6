"""The engine stays platform-neutral: nothing under bot/ may import discord or slack."""

import ast
from pathlib import Path

BOT = Path(__file__).resolve().parent.parent / "bot"
FORBIDDEN = ("discord", "slack", "slack_bolt", "slack_sdk")


def platform_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [n for n in names if n.split(".")[0] in FORBIDDEN]
    return found


def test_no_module_under_bot_imports_a_platform_library():
    modules = sorted(BOT.rglob("*.py"))
    assert len(modules) > 5
    offenders = {
        str(path.relative_to(BOT.parent)): names
        for path in modules
        if (names := platform_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, f"platform imports under bot/: {offenders}"


def test_the_check_catches_every_import_form():
    source = "import discord\nfrom slack_bolt.app import App\nimport os, slack_sdk.web\n"
    assert platform_imports(source) == ["discord", "slack_bolt.app", "slack_sdk.web"]
    assert platform_imports("from . import discord_like\nimport discordant\n") == []
