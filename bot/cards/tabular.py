"""CSV/TSV decks as Anki exports them: question, answer[, topic]; `#key:value` header lines.

Anki writes lines such as `#separator:tab`, `#html:true`, `#tags column:3`; fields may hold
HTML (`<br>`, `<b>`), converted here to neutral Markdown.
"""

from __future__ import annotations

import csv
import io

from bot.cards.markdown import Parsed, repair
from bot.cards.model import Card, LintMessage, card_id
from bot.cards.text import html_to_markdown, strip_markup

SEPARATORS = {
    "tab": "\t",
    "comma": ",",
    "semicolon": ";",
    "pipe": "|",
    "space": " ",
    "colon": ":",
}
_QUESTION = {"question", "front", "q", "prompt", "term"}
_ANSWER = {"answer", "back", "a", "definition", "explanation"}
_TOPIC = {"topic", "deck", "category", "section"}
_LEVEL = {"level", "difficulty"}


def parse_table_file(text: str, deck: str, filename: str, *, default_sep: str) -> Parsed:
    result = Parsed()
    lines = text.split("\n")
    options: dict[str, str] = {}
    body_start = 0
    for body_start, line in enumerate(lines):  # noqa: B007 - used after the loop
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        options[key.strip().casefold()] = value.strip()
    else:
        body_start = len(lines)
    sep = _separator(options.get("separator"), lines[body_start:], default_sep)
    html = options.get("html", "").casefold() == "true"
    skip_columns = {
        int(value) - 1
        for key, value in options.items()
        if key.endswith(" column") and value.isdigit()
    }
    deck_value = options.get("deck column", "")
    deck_column = int(deck_value) - 1 if deck_value.isdigit() else None

    reader = csv.reader(io.StringIO("\n".join(lines[body_start:])), delimiter=sep)
    columns = {"question": 0, "answer": 1, "topic": 2, "level": None}
    if "columns" in options:
        columns = _columns(options["columns"].split(sep)) or columns
    row_start = 1
    first = True
    while True:
        row_line = body_start + row_start
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.messages.append(
                LintMessage(
                    f"{filename}:{body_start + reader.line_num}",
                    "error",
                    f"cannot read this row ({exc}); check its quotes",
                )
            )
            break
        row_start = reader.line_num + 1
        cells = [c for i, c in enumerate(row) if i not in skip_columns]
        if first:
            first = False
            header = _columns(cells)
            if header:
                columns = header
                continue
        if not any(c.strip() for c in cells):
            continue
        _add_row(row, cells, columns, deck_column, html, row_line, deck, filename, result)
    return result


def _separator(declared: str | None, body: list[str], default: str) -> str:
    if declared:
        return SEPARATORS.get(declared.casefold(), declared[:1] or default)
    if default == "\t":
        return default
    sample = "\n".join(body[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return default


def _columns(cells: list[str]) -> dict[str, int | None] | None:
    """Column indexes from a header row, or None if the row is not a header."""
    words = [c.strip().casefold() for c in cells]
    found: dict[str, int | None] = {"question": None, "answer": None, "topic": None, "level": None}
    for i, word in enumerate(words):
        for name, names in (
            ("question", _QUESTION),
            ("answer", _ANSWER),
            ("topic", _TOPIC),
            ("level", _LEVEL),
        ):
            if word in names and found[name] is None:
                found[name] = i
    if found["question"] is None or found["answer"] is None:
        return None
    return found


def _add_row(
    row: list[str],
    cells: list[str],
    columns: dict[str, int | None],
    deck_column: int | None,
    html: bool,
    lineno: int,
    deck: str,
    filename: str,
    result: Parsed,
) -> None:
    source = f"{filename}:{lineno}"

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    def text(raw: str) -> str:
        if html or "<" in raw:
            raw = html_to_markdown(raw)
        return repair(raw)

    question, answer = text(cell("question")), text(cell("answer"))
    if not strip_markup(question):
        result.messages.append(
            LintMessage(source, "error", "row has no question: put it in the first column")
        )
        return
    if not strip_markup(answer):
        result.messages.append(
            LintMessage(
                source,
                "error",
                "row has a question and no answer: put the answer in the second column",
            )
        )
        return
    topic = strip_markup(html_to_markdown(cell("topic")))
    if not topic and deck_column is not None and deck_column < len(row):
        topic = row[deck_column].replace("::", " / ").strip()
    level = cell("level").strip().casefold()
    result.cards.append(
        Card(
            id=card_id(question),
            deck=deck,
            topic=topic or deck,
            level="advanced" if level == "advanced" else "core",
            kind="qa",
            number=str(len(result.cards) + 1),
            question=question,
            answer=answer,
            source=source,
        )
    )
    result.groups.append(filename)
