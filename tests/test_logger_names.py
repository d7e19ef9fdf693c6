"""Every logger under bot/ and adapters/ is named after its module (`__name__`), so a log
line says where it came from and `logging.getLogger("adapters.slack")` quiets one package."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def odd_logger_names(source: str) -> list[str]:
    """getLogger calls named otherwise than `__name__` or `f"{__name__}.<part>"` (the root
    logger, without a name, is set up in bot.logs)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "getLogger"
            and node.args
        ):
            continue
        name = node.args[0]
        if isinstance(name, ast.Name) and name.id == "__name__":
            continue
        if (
            isinstance(name, ast.JoinedStr)
            and isinstance(name.values[0], ast.FormattedValue)
            and isinstance(name.values[0].value, ast.Name)
            and name.values[0].value.id == "__name__"
        ):
            continue
        found.append(ast.unparse(name))
    return found


def test_loggers_are_named_after_their_module():
    offenders = {
        str(path.relative_to(ROOT)): names
        for package in ("bot", "adapters")
        for path in sorted((ROOT / package).rglob("*.py"))
        if (names := odd_logger_names(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_the_check_accepts_module_names_only():
    source = (
        "log = logging.getLogger(__name__)\n"
        'bolt = logging.getLogger(f"{__name__}.bolt")\n'
        "root = logging.getLogger()\n"
        'old = logging.getLogger("quizbot.discord")\n'
    )
    assert odd_logger_names(source) == ["'quizbot.discord'"]
