"""Discord's side of text: its Markdown, and how long each kind of text may be.

Card text is neutral Markdown (bot.render); Discord reads most of it as is, but `||` is a
spoiler, `@everyone` a ping and a leading `#` or `>` a heading or quote, none of which a card
means. Every limit Discord enforces on what we send is here, so a text is fitted once to the
right number (bot.render.fit) instead of being rejected by the API.
"""

from __future__ import annotations

import re

from bot.render import segments

MESSAGE_LIMIT = 2000
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_TITLE_LIMIT = 256
EMBED_FIELD_NAME_LIMIT = 256
EMBED_FIELD_VALUE_LIMIT = 1024
EMBED_FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000  # every title, description, field and footer of one embed together
EMBED_MAX_FIELDS = 25
BUTTON_LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
THREAD_NAME_LIMIT = 100
CHOICE_LIMIT = 100  # an autocomplete choice's name and value
MAX_CHOICES = 25  # autocomplete choices shown at once

_LINE_START = re.compile(r"^(\s*)(#{1,3} |-# |>>> |> )", re.MULTILINE)


def _prose(text: str) -> str:
    text = text.replace("||", "\\|\\|").replace("~~", "\\~\\~").replace("__", "\\_\\_")
    text = re.sub(r"@(everyone|here)\b", "@\u200b\\1", text)
    text = re.sub(r"<(?=[@#:a]|/|t:)", "\\<", text)  # mentions, channels, emoji, timestamps
    return _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def to_discord(md: str) -> str:
    """Discord Markdown: bold, italic, code and lists pass as is; spoilers, pings,
    headings and quotes that the card never meant are escaped."""
    return "".join(seg if code else _prose(seg) for code, seg in segments(md))
