"""Generated tables: the Markdown parser never crashes and never loses a row."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cards import load_file
from bot.cards.markdown import parse_markdown

PIECES = st.sampled_from(
    [
        "|",
        "$",
        "$x$",
        "`",
        "`a|b`",
        "<br>",
        "- ",
        "1. ",
        "**",
        "*",
        "\\|",
        "η",
        "Œ∑",
        "üìâ",
        "é",
        " ",
    ]
)
WORDS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\n\r"),
    max_size=8,
)
CELL = st.lists(st.one_of(PIECES, WORDS), max_size=8).map("".join)


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, int]:
    rows = draw(st.lists(st.tuples(CELL, CELL), min_size=1, max_size=6))
    lines = ["## Topic", "", "| # | Question | Answer |", "| :-: | :-- | :-- |"]
    for i, (question, answer) in enumerate(rows, 1):
        lines.append(f"| **{i}** | {question} | {answer} |")
    return "\n".join(lines) + "\n", len(rows)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_every_generated_row_is_a_card_or_an_error(table: tuple[str, int]) -> None:
    text, rows_in = table
    parsed = parse_markdown(text, "deck", "deck.md")
    errors = [m for m in parsed.messages if m.severity == "error"]
    # Unescaped pipes in a cell are joined back into the answer; only an empty cell before
    # something that looks like a row number splits a line into rows, and says so.
    split_extra = sum(
        int(m.message.split()[0]) - 1 for m in parsed.messages if "rows on one line" in m.message
    )
    assert len(parsed.cards) + len(errors) == rows_in + split_extra
    assert len({c.source for c in parsed.cards} | {m.source for m in errors}) == rows_in
    for card in parsed.cards:
        assert card.question.strip() and card.answer.strip()


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_loading(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name in ("deck.md", "deck.csv", "deck.yaml", "deck.txt"):
            path = Path(folder) / name
            path.write_bytes(data)
            library = load_file(path)
            for message in library.messages:
                assert message.source.startswith(name + ":")


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_crashes_the_markdown_parser(text: str) -> None:
    parsed = parse_markdown(text, "deck", "deck.md")
    assert len(parsed.cards) == len(parsed.groups)
