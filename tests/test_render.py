"""Neutral card text in the terminal, and fitting text into a limit (the platforms' own
markup is tested in tests/adapters/test_markup.py)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import ELLIPSIS, fit, segments, split, to_terminal

MD = "The **VGP** is *bad* for `x < y` & co.\n- **Too High:** bounce\n1. one"


def test_terminal_styles_instead_of_showing_stars() -> None:
    text = to_terminal(MD)
    assert "**" not in text.plain and "`" not in text.plain
    assert text.plain.startswith("The VGP is bad for x < y & co.\n- Too High:")
    styles = {str(span.style) for span in text.spans}
    assert {"bold", "italic", "bold cyan"} <= styles


def test_fit_cuts_at_a_sentence_end_and_marks_the_cut() -> None:
    text = "First sentence here. Second one is longer than the limit allows."
    assert fit(text, 40) == "First sentence here.…"
    assert fit(text, 100) == text


def test_fit_cuts_at_a_word_end_without_a_sentence_end() -> None:
    assert fit("alpha beta gamma delta", 13) == "alpha beta…"
    assert fit("supercalifragilistic", 6) == "super…"  # one word: nothing better exists


def test_fit_closes_bold_left_open_by_the_cut() -> None:
    out = fit("Uses **vectorization on the batch** for speed", 25)
    assert out.count("**") % 2 == 0 and out.endswith(ELLIPSIS) and len(out) <= 25


def test_split_prefers_paragraphs_then_sentences() -> None:
    text = "Para one.\n\nPara two is here. And more."
    assert split(text, 15) == ["Para one.\n\n", "Para two is ", "here. And more."]
    assert split("", 10) == []


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=1, max_value=120))
def test_fit_never_exceeds_the_limit_and_keeps_a_prefix(text: str, limit: int) -> None:
    out = fit(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
    else:
        assert out.endswith(ELLIPSIS)
        kept = out[: -len(ELLIPSIS)]
        kept = re.sub(r"(\*\*|`)+$", "", kept) if not text.startswith(kept) else kept
        assert text.startswith(kept)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab c.\n`*é📉"), max_size=400),
    st.integers(min_value=1, max_value=60),
)
def test_split_loses_nothing_and_respects_the_limit(text: str, limit: int) -> None:
    chunks = split(text, limit)
    assert "".join(chunks) == text
    assert all(0 < len(c) <= limit for c in chunks)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_segments_keep_every_character_and_the_terminal_never_crashes(md: str) -> None:
    assert "".join(seg for _, seg in segments(md)) == md
    to_terminal(md)
