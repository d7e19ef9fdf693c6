"""The card library: every deck file under the seed folders, loaded once.

A broken file becomes lint messages; the other decks still load.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.cards.items import ITEM_SUFFIXES, Item, is_item_file, missing_items, parse_items
from bot.cards.lint import check_tables, drop_duplicates
from bot.cards.markdown import Parsed, parse_markdown
from bot.cards.model import Card, LintMessage

MARKDOWN_SUFFIXES = (".md", ".markdown")
DECK_SUFFIXES = (*MARKDOWN_SUFFIXES, ".txt", ".csv", ".tsv", ".yaml", ".yml")
MAX_DECK_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Library:
    """Cards in stable order (deck file order, then row order), the authored items that go
    with them (by card id) and what lint found."""

    cards: tuple[Card, ...] = ()
    messages: tuple[LintMessage, ...] = ()
    items: dict[str, Item] = field(default_factory=dict, compare=False)
    _index: dict[str, Card] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c.id: c for c in self.cards})

    def by_id(self, id: str) -> Card | None:
        return self._index.get(id)

    def by_prefix(self, prefix: str) -> list[Card]:
        """Cards whose id starts with `prefix` (an exact id first)."""
        exact = self._index.get(prefix)
        if exact is not None:
            return [exact]
        return [c for c in self.cards if c.id.startswith(prefix)] if prefix else []

    def topics(self) -> list[str]:
        """Every topic once, in deck order."""
        return list(dict.fromkeys(c.topic for c in self.cards))

    def decks(self) -> list[str]:
        return list(dict.fromkeys(c.deck for c in self.cards))

    @property
    def errors(self) -> tuple[LintMessage, ...]:
        return tuple(m for m in self.messages if m.severity == "error")

    @property
    def warnings(self) -> tuple[LintMessage, ...]:
        return tuple(m for m in self.messages if m.severity == "warning")


def load_library(paths: Sequence[Path]) -> Library:
    """Load every deck in `paths` (folders are scanned, files loaded as named)."""
    cards: list[Card] = []
    messages: list[LintMessage] = []
    seen: set[Path] = set()
    item_files: list[Path] = []
    for path in _deck_files(paths, messages):
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        if is_item_file(path.name):
            item_files.append(path)  # matched once every deck's cards are known
            continue
        parsed = _parse_path(path, messages)
        cards += parsed.cards
        found = parsed.messages + check_tables(parsed.cards, parsed.groups)
        messages += sorted(found, key=_line_of)  # stable: same-line messages keep order
    kept, duplicates = drop_duplicates(cards)
    items: dict[str, Item] = {}
    for path in item_files:
        text = read_text(path, messages)
        if text is None:
            continue
        parsed_items = parse_items(text, path.name, kept)
        items.update(parsed_items.items)
        deck = path.name.rsplit(".items.", 1)[0]
        messages += [*parsed_items.messages, *missing_items(parsed_items.items, kept, deck)]
    return Library(cards=tuple(kept), messages=tuple(messages + duplicates), items=items)


def load_file(path: Path) -> Library:
    """One deck file (any supported type)."""
    return load_library([path])


def _deck_files(paths: Sequence[Path], messages: list[LintMessage]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            try:
                entries = sorted(path.iterdir())
            except OSError as exc:
                messages.append(_error(path, f"cannot read this folder ({exc.strerror})"))
                continue
            for entry in entries:
                if entry.name.startswith(".") or entry.is_dir():
                    continue  # .gitkeep, editor files and sub-folders are not decks
                if entry.suffix.casefold() in DECK_SUFFIXES:
                    files.append(entry)
                else:
                    messages.append(
                        LintMessage(
                            f"{entry.name}:1",
                            "warning",
                            f"unknown file type {entry.suffix or '(none)'!r} in {path}: "
                            f"skipped; decks end in {', '.join(DECK_SUFFIXES)}",
                        )
                    )
        elif path.is_file():
            files.append(path)
            # A deck named on its own brings its items file along.
            files += [s for s in _sidecars(path) if s.is_file()]
        else:
            messages.append(
                _error(path, "no such file or folder: check the path (--seeds / QUIZBOT_SEEDS)")
            )
    return files


def _sidecars(deck: Path) -> list[Path]:
    if is_item_file(deck.name):
        return []
    return [deck.with_name(deck.stem + suffix) for suffix in ITEM_SUFFIXES]


def _line_of(message: LintMessage) -> int:
    line = message.source.rpartition(":")[2]
    return int(line) if line.isdigit() else 0


def _error(path: Path, message: str, line: int = 1) -> LintMessage:
    return LintMessage(f"{path.name or path}:{line}", "error", message)


def _parse_path(path: Path, messages: list[LintMessage]) -> Parsed:
    suffix = path.suffix.casefold()
    if suffix not in DECK_SUFFIXES:
        messages.append(
            _error(
                path,
                f"unknown file type {suffix or '(none)'!r}: decks end in "
                f"{', '.join(DECK_SUFFIXES)}",
            )
        )
        return Parsed()
    text = read_text(path, messages)
    if text is None:
        return Parsed()
    deck, name = path.stem, path.name
    if suffix in (".csv", ".tsv"):
        from bot.cards.tabular import parse_table_file

        return parse_table_file(text, deck, name, default_sep="\t" if suffix == ".tsv" else ",")
    if suffix in (".yaml", ".yml"):
        from bot.cards.trivia import parse_trivia

        return parse_trivia(text, deck, name)
    return parse_markdown(text, deck, name)


def read_text(path: Path, messages: list[LintMessage]) -> str | None:
    """The file as text with `\\n` line ends, or None and an error naming where it broke."""
    try:
        size = path.stat().st_size
        if size > MAX_DECK_BYTES:
            messages.append(
                _error(path, f"file is {size // 1_000_000} MB; a deck is at most 20 MB: split it")
            )
            return None
        data = path.read_bytes()
    except OSError as exc:
        messages.append(_error(path, f"cannot read this file ({exc.strerror}): check permissions"))
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _lines(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:8192]:
        messages.append(_error(path, "not a text file (binary data): save the deck as UTF-8 text"))
        return None
    try:
        return _lines(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        messages.append(
            _error(
                path,
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}): "
                "save the deck as UTF-8 text",
                line,
            )
        )
        return None


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
