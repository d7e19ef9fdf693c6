"""Markdown decks: Q&A tables under section headings, or a plain list of open questions.

Every table row ends as a card or a lint message: nothing is dropped or merged silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.cards.latex import convert_math
from bot.cards.model import Card, LintMessage, card_id
from bot.cards.text import (
    bold_balanced,
    cell_to_markdown,
    clean_heading,
    fix_mojibake,
    split_outside_spans,
    strip_markup,
    strip_whole_bold,
)

_DELIMITER_CELL = re.compile(r"^\s*:?-+:?\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_NUMBER_CELL = re.compile(
    r"^\s*(?:\*\*|__)?\s*\\?#?\s*([A-Za-z]{0,3}\d{1,4}[a-z]?)\.?\s*(?:\*\*|__)?\s*$"
)
_ANSWER_IN_QUESTION = re.compile(
    r"(?:<br\s*/?>|\n)\s*(?:\*\*|__)?\s*(?:A|Answer)\s*:\s*(?:\*\*|__)?\s*", re.IGNORECASE
)
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")

_NUMBER_WORDS = {"#", "no", "no.", "nr", "n", "num", "number", "id", "#.", "q#", ""}
_QUESTION_WORDS = ("question", "prompt", "front", "term", "q")
_ANSWER_WORDS = ("answer", "back", "definition", "explanation", "response", "a")
_ADVANCED_WORDS = ("refined", "interview")


@dataclass
class Parsed:
    """What one deck file yields: cards in row order and the messages about it."""

    cards: list[Card] = field(default_factory=list)
    messages: list[LintMessage] = field(default_factory=list)
    # per card, the "file:line" of the table (or list) it came from: numbering and
    # identical-answer checks compare cards within one table
    groups: list[str] = field(default_factory=list)


def repair(text: str) -> str:
    """Raw cell text -> neutral Markdown: mojibake, `<br>` and lists, math, whitespace."""
    return convert_math(cell_to_markdown(fix_mojibake(text)))


def _header_word(cell: str) -> str:
    return strip_markup(cell.replace("\\#", "#")).casefold().strip()


@dataclass
class _Table:
    line: int  # 1-based line of the header row
    topic: str
    level: str
    ncols: int
    number_col: int | None
    question_col: int
    answer_col: int | None


def _columns(header: list[str]) -> tuple[int | None, int | None, int | None]:
    """(number, question, answer) column indexes from a header row, by words or position."""
    words = [_header_word(c) for c in header]
    number = next((i for i, w in enumerate(words) if w in _NUMBER_WORDS), None)
    rest = [i for i in range(len(words)) if i != number]

    def find(keys: tuple[str, ...], exclude: int | None = None) -> int | None:
        for i in rest:
            if i == exclude:
                continue
            tokens = re.findall(r"[a-z]+", words[i])
            if any(k in tokens for k in keys):
                return i
        return None

    question = find(_QUESTION_WORDS)
    answer = find(_ANSWER_WORDS, exclude=question)
    if question is None and answer is None and len(rest) == 2:
        question, answer = rest  # "whatever their header words": two text columns
    elif question is None and answer is not None:
        before = [i for i in rest if i < answer]
        question = before[-1] if len(before) == 1 else None
    elif question is not None and answer is None:
        after = [i for i in rest if i > question]
        answer = after[0] if after else None
    return number, question, answer


def _row_cells(line: str) -> list[str]:
    cells = split_outside_spans(line.strip())
    if cells and not cells[0].strip():
        cells = cells[1:]
    if cells and not cells[-1].strip():
        cells = cells[:-1]
    return [c.replace("\\|", "|").strip() for c in cells]


def _is_number_cell(cell: str) -> bool:
    return bool(_NUMBER_CELL.match(cell))


def _number(cell: str) -> str:
    m = _NUMBER_CELL.match(cell)
    return m.group(1) if m else strip_markup(cell)


def _split_merged_rows(cells: list[str], table: _Table) -> list[list[str]]:
    """`... answer $$ || **9** | question | answer` (two rows on one line) -> two rows.

    An empty cell followed by a row number is where a lost line break was.
    """
    if table.number_col != 0 or len(cells) <= table.ncols:
        return [cells]
    rows: list[list[str]] = []
    start = 0
    for i in range(table.ncols, len(cells) - 1):
        if i - start >= table.ncols and not cells[i] and _is_number_cell(cells[i + 1]):
            rows.append(cells[start:i])
            start = i + 1
    rows.append(cells[start:])
    return rows


def looks_like_title(question: str) -> bool:
    """A heading-like question ("Vanishing Gradient Problem (VGP)") asks nothing."""
    return _plain_looks_like_title(strip_markup(question))


_SENTENCE_END = re.compile(r"[.:!]\s*$")


def _plain_looks_like_title(plain: str) -> bool:
    if "?" in plain or len(plain.split()) > 8:
        return False
    return not _SENTENCE_END.search(plain)


def parse_markdown(text: str, deck: str, filename: str, *, question_list: bool = True) -> Parsed:
    """Q&A tables; without any table, one open question per line when `question_list` (a
    `.txt` deck), else nothing: a README dropped among the decks must not become prompts."""
    lines = text.split("\n")
    result = Parsed()
    start = _skip_front_matter(lines)
    has_table = any(
        _looks_like_row(lines[i]) and i + 1 < len(lines) and _is_delimiter(lines[i + 1])
        for i in range(start, len(lines))
    )
    if not has_table:
        if question_list:
            _parse_question_list(lines, start, deck, filename, result)
        return result

    topic = deck
    table: _Table | None = None
    row_index = 0
    i = start
    while i < len(lines):
        line = lines[i]
        lineno = i + 1
        if table is None:
            if _HEADING.match(line):
                topic = clean_heading(fix_mojibake(line)) or deck
            elif _looks_like_row(line) and i + 1 < len(lines) and _is_delimiter(lines[i + 1]):
                table = _start_table(line, lines[i + 1], lineno, topic, filename, result)
                row_index = 0
                i += 2
                continue
            i += 1
            continue
        if not line.strip() or not _looks_like_row(line):
            table = None
            continue  # re-read this line outside the table (it may be a heading)
        if table.question_col < 0:
            result.messages.append(
                LintMessage(
                    f"{filename}:{lineno}",
                    "error",
                    "row skipped: its table has no question column; name one column "
                    "'Question' and one 'Answer'",
                )
            )
            i += 1
            continue
        rows = _split_merged_rows(_row_cells(line), table)
        if len(rows) > 1:
            result.messages.append(
                LintMessage(
                    f"{filename}:{lineno}",
                    "warning",
                    f"{len(rows)} table rows on one line (a line break is missing before "
                    f"'| {rows[1][0]} |'); read as separate cards: put each row on its own line",
                    "merged-rows",
                )
            )
        for cells in rows:
            row_index += 1
            _add_row(cells, table, row_index, lineno, deck, filename, result)
        i += 1
    return result


def _skip_front_matter(lines: list[str]) -> int:
    if lines and lines[0].strip() == "---":
        for j in range(1, min(len(lines), 200)):
            if lines[j].strip() in ("---", "..."):
                return j + 1
    return 0


def _looks_like_row(line: str) -> bool:
    return line.lstrip().startswith("|")


def _is_delimiter(line: str) -> bool:
    cells = _row_cells(line)
    return bool(cells) and all(_DELIMITER_CELL.match(c) for c in cells)


def _start_table(
    header_line: str, delim_line: str, lineno: int, topic: str, filename: str, result: Parsed
) -> _Table:
    header = _row_cells(header_line)
    number, question, answer = _columns(header)
    words = " ".join(_header_word(c) for c in header)
    level = "advanced" if any(w in words for w in _ADVANCED_WORDS) else "core"
    if question is None:
        result.messages.append(
            LintMessage(
                f"{filename}:{lineno}",
                "error",
                f"table has no question column (header: {' | '.join(header)}); its rows are "
                "skipped: name one column 'Question' and one 'Answer'",
            )
        )
    return _Table(
        line=lineno,
        topic=topic,
        level=level,
        ncols=len(header),
        number_col=number,
        question_col=-1 if question is None else question,
        answer_col=answer,
    )


def _add_row(
    cells: list[str],
    table: _Table,
    row_index: int,
    lineno: int,
    deck: str,
    filename: str,
    result: Parsed,
) -> None:
    source = f"{filename}:{lineno}"
    number = (
        _number(cells[table.number_col])
        if table.number_col is not None and table.number_col < len(cells)
        else str(row_index)
    )
    raw_q = cells[table.question_col] if table.question_col < len(cells) else ""
    raw_a = (
        cells[table.answer_col]
        if table.answer_col is not None and table.answer_col < len(cells)
        else ""
    )
    if len(cells) > table.ncols and table.answer_col == table.ncols - 1:
        # An unescaped `|` in prose: keep the text, in the answer, and say so.
        raw_a = " | ".join(cells[table.answer_col :])
        result.messages.append(
            LintMessage(
                source,
                "warning",
                f"row has {len(cells)} cells but the table has {table.ncols}; the extra "
                "cells were joined into the answer: write a literal | as \\|",
                "extra-cells",
            )
        )
    if not raw_a.strip():
        split = _ANSWER_IN_QUESTION.split(raw_q, maxsplit=1)
        if len(split) == 2 and split[1].strip():
            raw_q, raw_a = split
            result.messages.append(
                LintMessage(
                    source,
                    "warning",
                    "the answer is inside the question cell after 'Answer:'; read as "
                    "question and answer: move it to the answer column",
                    "answer-in-question",
                )
            )
    question = strip_whole_bold(repair(raw_q))
    answer = repair(raw_a)
    plain_question = strip_markup(question)
    plain_answer = strip_markup(answer)
    if not plain_question:
        if not plain_answer and all(not c.strip() for c in cells):
            return  # an empty row is layout, not content
        result.messages.append(
            LintMessage(source, "error", "row has no question: write the question in its cell")
        )
        return
    if not plain_answer:
        result.messages.append(
            LintMessage(
                source,
                "error",
                f"row {number} has a question and no answer: fill in the answer cell "
                "(or move open questions to a plain list of questions)",
            )
        )
        return
    for label, text in (("question", question), ("answer", answer)):
        if not bold_balanced(text):
            result.messages.append(
                LintMessage(
                    source,
                    "warning",
                    f"unpaired ** in the {label}: close the bold or remove the stray **",
                    "unpaired-bold",
                )
            )
    card = Card(
        id=card_id(question),
        deck=deck,
        topic=table.topic,
        level=table.level,  # type: ignore[arg-type]
        kind="qa",
        number=number,
        question=question,
        answer=answer,
        source=source,
    )
    if _plain_looks_like_title(plain_question):
        result.messages.append(
            LintMessage(
                source,
                "warning",
                f"question is only a title ({plain_question!r}); rewrite it as a question",
                "title-question",
            )
        )
    result.cards.append(card)
    result.groups.append(f"{filename}:{table.line}")


def _parse_question_list(
    lines: list[str], start: int, deck: str, filename: str, result: Parsed
) -> None:
    """One open question per line (list markers allowed): discussion prompts."""
    topic = deck
    in_fence = False
    for i in range(start, len(lines)):
        line = lines[i]
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence or not line.strip() or _RULE.match(line):
            continue
        if _HEADING.match(line):
            topic = clean_heading(fix_mojibake(line)) or deck
            continue
        if line.lstrip().startswith(("<!--", ">")):
            continue
        question = repair(_LIST_MARKER.sub("", line))
        if not strip_markup(question):
            continue
        result.cards.append(
            Card(
                id=card_id(question),
                deck=deck,
                topic=topic,
                level="core",
                kind="prompt",
                number=str(len(result.cards) + 1),
                question=question,
                answer="",
                source=f"{filename}:{i + 1}",
            )
        )
        result.groups.append(filename)
