"""Deck files with arbitrary bytes or mangled Markdown tables: loading never raises, every
problem names its file and line, and the other decks still load."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cards import load_library
from tests.reliability.kit import scaled

EXAMPLES = scaled(60, 600)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
GOOD = "## Attention\n\n| # | Question | Answer |\n| :-: | :-- | :-- |\n| 1 | What does **softmax** do? | It turns scores into **weights** that sum to 1. |\n"  # noqa: E501
WHERE = re.compile(r":\d+")

cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40).map(
    lambda s: s.replace("\n", " ")
)
row = st.lists(cell, min_size=0, max_size=5).map(lambda cells: "| " + " | ".join(cells) + " |")
table = st.tuples(
    st.sampled_from(["## Topic", "## Refined / Interview-Ready", "#", "", "### ü ∑ \x00"]),
    st.sampled_from(["| # | Question | Answer |", "| Q | A |", "|", "| # | Question |"]),
    st.sampled_from(["| :-: | :-- | :-- |", "|---|", "", "| - |"]),
    st.lists(row, max_size=8),
).map(lambda parts: "\n".join([parts[0], "", parts[1], parts[2], *parts[3]]) + "\n")
suffix = st.sampled_from([".md", ".txt", ".csv", ".tsv", ".yaml", ".yml"])


def check(content: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "good.md").write_text(GOOD, encoding="utf-8")
        (folder / name).write_bytes(content)
        library = load_library([folder])
        assert any("softmax" in c.question for c in library.cards), "the good deck must load"
        for message in library.messages:
            assert WHERE.search(message.source), f"no file:line in {message}"
            assert name in message.source or "good.md" in message.source, message


@FUZZ
@given(content=st.binary(max_size=2000), ext=suffix)
def test_random_bytes_in_any_deck_format(content: bytes, ext: str) -> None:
    check(content, f"fuzzed{ext}")


@FUZZ
@given(text=table, encoding=st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]))
def test_mangled_markdown_tables(text: str, encoding: str) -> None:
    check(text.encode(encoding, errors="replace"), "fuzzed.md")
