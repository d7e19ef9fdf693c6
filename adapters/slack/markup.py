"""Slack's side of text: mrkdwn, and how long each kind of text may be.

Slack's mrkdwn bolds with one `*`, italicises with `_` and must have `&`, `<`, `>` escaped
(they start links, mentions and broadcasts). The limits are the Block Kit ones that apply to
what we send; text is fitted to them with bot.render.fit / split.
"""

from __future__ import annotations

import re

from bot.render import BOLD_OR_ITALIC, ITALIC, segments

SECTION_TEXT_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
MAX_BLOCKS = 50  # blocks in one message


def escape(text: str) -> str:
    """Plain text (a display name) safe in mrkdwn: no mentions, links or broadcasts."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _italic(m: re.Match[str]) -> str:
    return f"_{m.group('star') or m.group('under')}_"


def _emphasis(m: re.Match[str]) -> str:
    if m.group("bold") is not None:
        return f"*{ITALIC.sub(_italic, m.group('bold'))}*"
    return _italic(m)


def _prose(text: str) -> str:
    text = escape(text)
    text = BOLD_OR_ITALIC.sub(_emphasis, text)
    return re.sub(r"^(\s*)- ", "\\1• ", text, flags=re.MULTILINE)


def to_slack(md: str) -> str:
    """Slack mrkdwn: `*bold*`, `_italic_`, `` `code` ``, "• " bullets; &, <, > escaped."""
    return "".join(escape(seg) if code else _prose(seg) for code, seg in segments(md))
