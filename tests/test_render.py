"""Card text for each surface, and fitting it into each platform's limits."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.render import (
    DISCORD_BUTTON_LABEL_LIMIT,
    DISCORD_MESSAGE_LIMIT,
    ELLIPSIS,
    SLACK_BUTTON_TEXT_LIMIT,
    SLACK_SECTION_TEXT_LIMIT,
    fit,
    split,
    to_discord,
    to_slack,
    to_terminal,
)

MD = "The **VGP** is *bad* for `x < y` & co.\n- **Too High:** bounce\n1. one"


def test_limits_are_the_platform_ones() -> None:
    assert (DISCORD_MESSAGE_LIMIT, DISCORD_BUTTON_LABEL_LIMIT) == (2000, 80)
    assert (SLACK_SECTION_TEXT_LIMIT, SLACK_BUTTON_TEXT_LIMIT) == (3000, 75)


def test_discord_keeps_markdown_and_escapes_what_the_card_never_meant() -> None:
    assert to_discord(MD) == MD
    assert to_discord("norm ||w|| and `λ||w||` @everyone") == (
        "norm \\|\\|w\\|\\| and `λ||w||` @\u200beveryone"
    )
    assert to_discord("# not a heading") == "\\# not a heading"


def test_slack_uses_mrkdwn_and_escapes_angle_brackets_and_ampersands() -> None:
    assert to_slack(MD) == (
        "The *VGP* is _bad_ for `x &lt; y` &amp; co.\n• *Too High:* bounce\n1. one"
    )
    assert to_slack("**bold with *italic* inside**") == "*bold with _italic_ inside*"
    assert to_slack("`(y_pred - y_true)**2` and W_new") == "`(y_pred - y_true)**2` and W_new"


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
def test_renderers_never_crash(md: str) -> None:
    to_discord(md)
    assert "<" not in to_slack(md).replace("&lt;", "")
    to_terminal(md)
