"""The card library: every deck file under the seed folders, loaded once.

A broken file becomes lint messages; the other decks still load.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.cards.items import ITEM_SUFFIXES, Item, is_item_file, missing_items, parse_items
from bot.cards.lint import KINDS, check_tables, drop_duplicates, drop_placeholders
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
    # Warnings a deck's `quizbot-lint: ignore KIND` line silenced: counted, not shown.
    silenced: tuple[LintMessage, ...] = field(default=(), compare=False)
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
    ignored: dict[str, set[str]] = {}  # file name -> warning kinds its lint line silences
    for path in _deck_files(paths, messages):
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        if is_item_file(path.name):
            item_files.append(path)  # matched once every deck's cards are known
            continue
        parsed = _parse_path(path, messages, ignored)
        cards += parsed.cards
        found = parsed.messages + check_tables(parsed.cards, parsed.groups)
        messages += sorted(found, key=_line_of)  # stable: same-line messages keep order
    kept, placeholders = drop_placeholders(cards)
    kept, duplicates = drop_duplicates(kept)
    items: dict[str, Item] = {}
    for path in item_files:
        text = read_text(path, messages)
        if text is None:
            continue
        text = _lint_directives(text, path.name, ignored, messages)
        parsed_items = parse_items(text, path.name, kept)
        items.update(parsed_items.items)
        deck = path.name.rsplit(".items.", 1)[0]
        messages += [*parsed_items.messages, *missing_items(parsed_items.items, kept, deck)]
    shown: list[LintMessage] = []
    silenced: list[LintMessage] = []
    for message in [*messages, *placeholders, *duplicates]:
        quiet = message.severity == "warning" and message.kind in ignored.get(message.file, ())
        (silenced if quiet else shown).append(message)
    return Library(cards=tuple(kept), messages=tuple(shown), items=items, silenced=tuple(silenced))


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
                            "unknown-file",
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


def _parse_path(path: Path, messages: list[LintMessage], ignored: dict[str, set[str]]) -> Parsed:
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
    text = _lint_directives(text, name, ignored, messages)
    parsed = _parse_text(text, suffix, deck, name)
    if not parsed.cards and not any(m.severity == "error" for m in parsed.messages):
        parsed.messages.append(
            LintMessage(
                f"{name}:1", "warning", f"no cards in this file: {NO_CARDS[suffix]}", "no-cards"
            )
        )
    return parsed


# Per file type, what a deck of that type holds (for a file that yields no card).
NO_CARDS = {
    ".md": "a Markdown deck holds tables with a Question and an Answer column under a "
    "heading (see the README, 'Adding your own decks'); a list of open questions for "
    "discussion goes in a .txt file",
    ".txt": "a question list holds one open question per line",
    ".csv": "each row holds a question, then its answer",
    ".yaml": "a trivia list maps each question to its accepted answers ('Question?:' then "
    "'- answer')",
}
NO_CARDS.update({".markdown": NO_CARDS[".md"], ".tsv": NO_CARDS[".csv"], ".yml": NO_CARDS[".yaml"]})


def _parse_text(text: str, suffix: str, deck: str, name: str) -> Parsed:
    if suffix in (".csv", ".tsv"):
        from bot.cards.tabular import parse_table_file

        return parse_table_file(text, deck, name, default_sep="\t" if suffix == ".tsv" else ",")
    if suffix in (".yaml", ".yml"):
        from bot.cards.trivia import parse_trivia

        return parse_trivia(text, deck, name)
    if suffix == ".txt":
        separator = delimited_shape(text)
        if separator is not None:  # question;answer lines, as Anki exports them
            from bot.cards.tabular import parse_table_file

            parsed = parse_table_file(text, deck, name, default_sep=separator)
            shown = SEPARATOR_NAMES.get(separator, repr(separator))
            better = f"{deck}.tsv" if separator == "\t" else f"{deck}.csv"
            parsed.messages.insert(
                0,
                LintMessage(
                    f"{name}:1",
                    "warning",
                    f"read as questions and answers separated by {shown}, not as open questions: "
                    + (
                        f"rename it {better} to say so"
                        if separator == "\t" or "#separator:" in text[:2000].casefold()
                        else f"rename it {better} with a first line '#separator:{shown}'"
                    ),
                    "read-as-qa",
                ),
            )
            return parsed
    return parse_markdown(text, deck, name, question_list=suffix == ".txt")


SEPARATOR_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma", "|": "pipe"}
# Most lines of a question list hold no tab and no semicolon; most lines of an Anki export do.
_DELIMITED_SHARE = 0.8


def delimited_shape(text: str) -> str | None:
    """The separator of a `.txt` deck that is really question/answer pairs (an Anki export:
    `question;answer` or tab-separated lines, maybe `#separator:` first), else None."""
    from bot.cards.tabular import SEPARATORS

    lines = [ln for ln in text.split("\n") if ln.strip()]
    for line in lines[:10]:
        if line.casefold().startswith("#separator:"):
            declared = line.partition(":")[2].strip()
            return SEPARATORS.get(declared.casefold(), declared[:1] or ",")
    body = [ln for ln in lines if not ln.startswith("#")]
    if not body:
        return None
    for separator in ("\t", ";"):
        split = [
            ln
            for ln in body
            if 2 <= len(ln.split(separator)) <= 3 and ln.split(separator)[1].strip()
        ]
        if len(split) >= _DELIMITED_SHARE * len(body):
            return separator
    return None


# `quizbot-lint: ignore identical-answers, numbering` on a line of its own in a deck file
# (in a comment: `<!-- ... -->` in Markdown, `# ...` elsewhere) silences those warnings for it.
_DIRECTIVE = re.compile(r"quizbot-lint:\s*ignore\s+(?P<kinds>[\w\s,-]+?)\s*(?:-->)?\s*$")


def _lint_directives(
    text: str, name: str, ignored: dict[str, set[str]], messages: list[LintMessage]
) -> str:
    """Record the kinds `name`'s lint lines silence; the text with those lines blanked (line
    numbers kept), so a question list does not read one as a heading."""
    if "quizbot-lint" not in text:
        return text
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        found = _DIRECTIVE.search(line)
        if found is None:
            continue
        for kind in filter(None, re.split(r"[\s,]+", found["kinds"])):
            if kind in KINDS:
                ignored.setdefault(name, set()).add(kind)
            else:
                messages.append(
                    LintMessage(
                        f"{name}:{number}",
                        "error",
                        f"'quizbot-lint: ignore' names an unknown kind {kind!r}; the kinds are "
                        f"{', '.join(KINDS)}",
                    )
                )
        if not line.lstrip().startswith("#") or name.endswith((".md", ".markdown", ".txt")):
            lines[number - 1] = ""
    return "\n".join(lines)


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
    not_text = _error(path, "not a text file (binary data): save the deck as UTF-8 text")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            # Any even run of bytes decodes as UTF-16: random bytes after a byte-order mark
            # read as CJK characters, which must not become cards.
            if _looks_like_binary(text):
                messages.append(not_text)
                return None
            return _lines(text)
    if b"\x00" in data[:8192]:
        messages.append(not_text)
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


# Unassigned, private-use, surrogate and control code points are rare in any language's
# text and about a fifth of random 16-bit units.
_NOT_TEXT = frozenset({"Cn", "Co", "Cs", "Cc"})
_NOT_TEXT_SHARE = 0.05


def _looks_like_binary(text: str) -> bool:
    sample = text[:8192]
    odd = sum(1 for c in sample if c not in "\t\n\r\f\v" and unicodedata.category(c) in _NOT_TEXT)
    return odd > _NOT_TEXT_SHARE * len(sample)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
