"""`quizbot cards export|lint|stats|show`: the card library from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bot.cards.library import Library, load_library
from bot.cards.model import LintMessage
from bot.invocation import command_hint
from bot.paths import seed_dirs

EXPORT_KEYS = ("id", "deck", "topic", "level", "kind", "number", "question", "answer", "source")


def _library(args: argparse.Namespace) -> Library:
    return load_library(seed_dirs(getattr(args, "seeds", None)))


def _summary(library: Library) -> str:
    errors, warnings = len(library.errors), len(library.warnings)
    decks = len(library.decks())
    return (
        f"{len(library.cards)} cards in {decks} deck{'s' if decks != 1 else ''}; "
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )


def run_export(args: argparse.Namespace) -> int:
    library = _library(args)
    out = sys.stdout
    for card in library.cards:
        data = card.to_dict()
        out.write(json.dumps({k: data[k] for k in EXPORT_KEYS}, ensure_ascii=False) + "\n")
    if library.errors:
        print(
            f"quizbot cards export: {_summary(library)}; see `{command_hint('cards lint')}`",
            file=sys.stderr,
        )
    return 0


def run_lint(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in getattr(args, "paths", None) or []]
    missing = [p for p in paths if not p.exists()]
    if missing:  # a typo, not a deck with problems: nothing was checked
        print(
            f"quizbot cards lint: no such file or folder: {', '.join(map(str, missing))}",
            file=sys.stderr,
        )
        return 2
    library = load_library(paths) if paths else _library(args)
    for line in lint_report(library.messages, every=getattr(args, "all", False)):
        print(line)
    for (file, kind), count in Counter((m.file, m.kind) for m in library.silenced).items():
        print(f"{file}: note: {count:,} {kind} warning{'s' if count != 1 else ''} silenced by "
              "its quizbot-lint line")  # fmt: skip
    # Errata are not problems with the files but corrections the reveal shows: listed so
    # whoever maintains a deck sees which cards need fixing at the source.
    errata = [item for item in library.items.values() if item.erratum]
    for item in errata:
        card = library.by_id(item.card_id)
        where = card.source if card is not None else item.card_id
        print(f"{item.source}: note: erratum for the card at {where}: {item.erratum}")
    noted = f"; {len(errata)} errat{'a' if len(errata) != 1 else 'um'}" if errata else ""
    print(f"quizbot cards lint: {_summary(library)}{noted}", file=sys.stderr)
    return 1 if library.errors else 0


# Per file and kind of warning, how many `cards lint` lists before it summarises the rest.
EXAMPLES_SHOWN = 3


def lint_report(messages: Sequence[LintMessage], *, every: bool = False) -> list[str]:
    """Every error; per file and kind, the first EXAMPLES_SHOWN warnings, then one note with
    the count and how to list or silence them (`every`: each warning, no notes). A trivia list
    with 2,000 "identical answers" (two questions answered "Canada") stays readable."""
    counts = Counter((m.file, m.kind) for m in messages if m.severity == "warning")
    shown: Counter[tuple[str, str]] = Counter()
    lines: list[str] = []
    for message in messages:
        group = (message.file, message.kind)
        if message.severity == "warning" and not every and counts[group] > EXAMPLES_SHOWN:
            shown[group] += 1
            if shown[group] > EXAMPLES_SHOWN:
                continue
        lines.append(str(message))
    for (file, kind), count in counts.items():
        if every or count <= EXAMPLES_SHOWN:
            continue
        lines.append(
            f"{file}: note: {count:,} {kind} warnings in all, the first {EXAMPLES_SHOWN} above; "
            f"`{command_hint('cards lint --all')}` lists every one, and a line "
            f"{silencing_line(file, kind)!r} in {file} silences them"
        )
    return lines


def silencing_line(file: str, kind: str) -> str:
    """The comment line that silences `kind` in `file`, in that file type's comment form."""
    if file.endswith((".md", ".markdown")):
        return f"<!-- quizbot-lint: ignore {kind} -->"
    return f"# quizbot-lint: ignore {kind}"


def run_stats(args: argparse.Namespace) -> int:
    library = _library(args)
    counts = Counter((c.deck, c.topic, c.level, c.kind) for c in library.cards)
    rows = [("deck", "topic", "level", "kind", "cards")]
    rows += [(d, t, lv, k, str(n)) for (d, t, lv, k), n in counts.items()]
    per_deck = Counter(c.deck for c in library.cards)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]

    def line(row: tuple[str, ...]) -> str:
        cells = [row[i].ljust(widths[i]) for i in range(4)] + [row[4].rjust(widths[4])]
        return "  ".join(cells).rstrip()

    print(line(rows[0]))
    print("  ".join("-" * w for w in widths))
    for row in rows[1:]:
        print(line(row))
    print()
    for deck, n in per_deck.items():
        levels = Counter(c.level for c in library.cards if c.deck == deck)
        detail = ", ".join(f"{lv} {levels[lv]}" for lv in ("core", "advanced") if levels[lv])
        print(f"{deck}: {n} cards ({detail})")
    print(f"total: {_summary(library)}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    library = _library(args)
    wanted = args.id.strip()
    matches = library.by_prefix(wanted)
    if not matches:
        print(
            f"quizbot cards show: no card with id {wanted!r}; "
            f"list card ids with `{command_hint('cards export')}`",
            file=sys.stderr,
        )
        return 1
    if len(matches) > 1:
        print(
            f"quizbot cards show: {len(matches)} cards have ids starting with {wanted!r} "
            f"({', '.join(c.id for c in matches[:5])}{', ...' if len(matches) > 5 else ''}); "
            "give more of the id",
            file=sys.stderr,
        )
        return 1
    from rich.console import Console

    from bot.render import card_panel

    Console().print(card_panel(matches[0]))
    return 0
