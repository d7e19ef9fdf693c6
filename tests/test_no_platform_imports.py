"""The engine stays platform-neutral: nothing under bot/ imports discord or slack, or names
them in code; what is Discord's or Slack's lives in its adapter package."""

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


PLATFORM_WORDS = ("discord", "slack")


def platform_names(source: str) -> list[str]:
    """Identifiers naming a platform (`discord_token`, `to_slack`, `SLACK_LIMIT`) and string
    constants that are a platform's name (`place.platform == "slack"`): code that knows a
    platform. Docstrings, comments and longer strings are prose for people and may name
    platforms as examples ("Discord: Manage Server; Slack: workspace admins")."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        elif isinstance(node, ast.arg) or (isinstance(node, ast.keyword) and node.arg):
            names = [node.arg]
        elif isinstance(node, ast.alias):
            names = [node.asname or node.name]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value] if node.value.strip().casefold() in PLATFORM_WORDS else []
        else:
            continue
        found += [n for n in names if any(w in n.casefold() for w in PLATFORM_WORDS)]
    return found


def test_no_module_under_bot_names_a_platform_in_code():
    offenders = {
        str(path.relative_to(BOT.parent)): names
        for path in sorted(BOT.rglob("*.py"))
        if (names := platform_names(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, f"platform names in code under bot/: {offenders}"


def test_the_name_check_reads_code_not_prose():
    source = (
        '"""Works on Discord and Slack."""\n'
        "SLACK_LIMIT = 3\n"
        "def to_discord(md, slack_token=None): return md.discord_escape\n"
        'if place.platform == "slack": pass\n'
        'NOTE = "Discord: Manage Server"  # a Slack admin\n'
    )
    assert sorted(platform_names(source)) == sorted(
        ["SLACK_LIMIT", "to_discord", "slack_token", "discord_escape", "slack"]
    )
