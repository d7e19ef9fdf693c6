"""Card text in each platform's markup, and the limits each platform declares."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.discord.markup import BUTTON_LABEL_LIMIT, MESSAGE_LIMIT, to_discord
from adapters.slack.markup import BUTTON_TEXT_LIMIT, SECTION_TEXT_LIMIT, to_slack

MD = "The **VGP** is *bad* for `x < y` & co.\n- **Too High:** bounce\n1. one"


def test_limits_are_the_platform_ones() -> None:
    assert (MESSAGE_LIMIT, BUTTON_LABEL_LIMIT) == (2000, 80)
    assert (SECTION_TEXT_LIMIT, BUTTON_TEXT_LIMIT) == (3000, 75)


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


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_renderers_never_crash(md: str) -> None:
    to_discord(md)
    assert "<" not in to_slack(md).replace("&lt;", "")
