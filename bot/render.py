"""Neutral Markdown (card text) rendered for each surface, and fitted to its limits.

Neutral Markdown is `**bold**`, `*italic*`, `` `code` ``, "- " / "1. " list lines and plain
newlines (see bot.cards.text). Platforms differ: Slack's mrkdwn bolds with one `*` and must
escape `&`, `<`, `>`; Discord reads `||` as a spoiler and `@everyone` as a ping; a terminal
gets rich styles.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.cards.text import protected_spans

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

    from bot.cards.model import Card

# Platform limits (characters).
DISCORD_MESSAGE_LIMIT = 2000
DISCORD_EMBED_DESCRIPTION_LIMIT = 4096
DISCORD_BUTTON_LABEL_LIMIT = 80
DISCORD_SELECT_OPTION_LIMIT = 100
SLACK_SECTION_TEXT_LIMIT = 3000
SLACK_BUTTON_TEXT_LIMIT = 75

ELLIPSIS = "…"

_BOLD_OR_ITALIC = re.compile(
    r"\*\*(?P<bold>(?:(?!\*\*).)+?)\*\*"
    r"|(?<![*\w])\*(?P<star>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![*\w])"
    r"|(?<![_\w])_(?P<under>[^_\s](?:[^_\n]*?[^_\s])?)_(?![_\w])",
    re.DOTALL,
)
_ITALIC = re.compile(
    r"(?<![*\w])\*(?P<star>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![*\w])"
    r"|(?<![_\w])_(?P<under>[^_\s](?:[^_\n]*?[^_\s])?)_(?![_\w])"
)


def _segments(md: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces, code spans with their backticks."""
    out: list[tuple[bool, str]] = []
    last = 0
    for start, end, _kind in protected_spans(md, math=False):
        if start > last:
            out.append((False, md[last:start]))
        out.append((True, md[start:end]))
        last = end
    if last < len(md):
        out.append((False, md[last:]))
    return out


# ---------------------------------------------------------------- Discord

_DISCORD_LINE_START = re.compile(r"^(\s*)(#{1,3} |-# |>>> |> )", re.MULTILINE)


def _discord_prose(text: str) -> str:
    text = text.replace("||", "\\|\\|").replace("~~", "\\~\\~").replace("__", "\\_\\_")
    text = re.sub(r"@(everyone|here)\b", "@\u200b\\1", text)
    text = re.sub(r"<(?=[@#:a]|/|t:)", "\\<", text)  # mentions, channels, emoji, timestamps
    return _DISCORD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def to_discord(md: str) -> str:
    """Discord Markdown: bold, italic, code and lists pass as is; spoilers, pings,
    headings and quotes that the card never meant are escaped."""
    return "".join(seg if code else _discord_prose(seg) for code, seg in _segments(md))


# ---------------------------------------------------------------- Slack


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_italic(m: re.Match[str]) -> str:
    return f"_{m.group('star') or m.group('under')}_"


def _slack_emphasis(m: re.Match[str]) -> str:
    if m.group("bold") is not None:
        return f"*{_ITALIC.sub(_slack_italic, m.group('bold'))}*"
    return _slack_italic(m)


def _slack_prose(text: str) -> str:
    text = _slack_escape(text)
    text = _BOLD_OR_ITALIC.sub(_slack_emphasis, text)
    return re.sub(r"^(\s*)- ", "\\1• ", text, flags=re.MULTILINE)


def to_slack(md: str) -> str:
    """Slack mrkdwn: `*bold*`, `_italic_`, `` `code` ``, "• " bullets; &, <, > escaped."""
    return "".join(_slack_escape(seg) if code else _slack_prose(seg) for code, seg in _segments(md))


# ---------------------------------------------------------------- terminal


def to_terminal(md: str) -> Text:
    """A rich Text with bold, italic and code styled; newlines and list lines kept."""
    from rich.text import Text

    text = Text()
    for code, seg in _segments(md):
        if code:
            ticks = len(seg) - len(seg.lstrip("`"))
            text.append(seg[ticks:-ticks].strip() or seg, style="bold cyan")
            continue
        last = 0
        for m in _BOLD_OR_ITALIC.finditer(seg):
            text.append(seg[last : m.start()])
            if m.group("bold") is not None:
                inner = m.group("bold")
                pos = 0
                for im in _ITALIC.finditer(inner):
                    text.append(inner[pos : im.start()], style="bold")
                    text.append(im.group("star") or im.group("under"), style="bold italic")
                    pos = im.end()
                text.append(inner[pos:], style="bold")
            else:
                text.append(m.group("star") or m.group("under"), style="italic")
            last = m.end()
        text.append(seg[last:])
    return text


def card_panel(card: Card) -> RenderableType:
    """One card for `quizbot cards show`: question, answer, and where it comes from."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    body: list[RenderableType] = [to_terminal(card.question)]
    if card.answer:
        body += [Text(""), Text("Answer", style="bold green"), to_terminal(card.answer)]
    meta = Text(
        f"{card.deck} · {card.topic} · {card.level} · {card.kind} · #{card.number} · "
        f"{card.source} · id {card.id}",
        style="dim",
    )
    body += [Text(""), meta]
    return Panel(Group(*body), title=f"card {card.id}", title_align="left", expand=False)


# ---------------------------------------------------------------- fitting to limits

_SENTENCE_END = re.compile(r"[.!?…:;](?:\*\*|\*|_|`|\)|\"|”|’)*(?=\s)|\n")


def _open_markers(text: str) -> str:
    """Closing markers for `**` / `` ` `` left open in a cut, so no stray stars show."""
    closers = ""
    if text.count("`") % 2:
        closers += "`"
        text = text[: text.rfind("`")]
    if text.count("**") % 2:
        closers = "**" + closers
    return closers


def fit(text: str, limit: int) -> str:
    """`text` if it fits, else cut at a sentence end (or a word end, never mid-word) and
    marked with "…" so the reader knows something is missing. Never longer than `limit`."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(text) <= limit:
        return text
    budget = limit - len(ELLIPSIS)
    while budget > 0:
        cut = _cut_point(text, budget)
        head = text[:cut].rstrip()
        closers = _open_markers(head)
        if len(head) + len(closers) <= budget:
            return f"{head}{closers}{ELLIPSIS}" if head else ELLIPSIS
        budget -= len(closers)
    return ELLIPSIS


def _cut_point(text: str, budget: int) -> int:
    window = text[: budget + 1]  # one char more: a space right after the budget is a word end
    sentence_ends = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() <= budget]
    if sentence_ends and sentence_ends[-1] >= budget // 2:
        return sentence_ends[-1]
    spaces = [m.start() for m in re.finditer(r"\s", window)]
    if spaces and spaces[-1] > 0:
        return spaces[-1]
    return budget  # one unbroken word longer than the limit: nothing better exists


def split(text: str, limit: int) -> list[str]:
    """Chunks of at most `limit` characters, cut at paragraph, line, sentence or word
    boundaries (in that preference); `"".join(chunks) == text`, nothing is lost."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = _split_point(rest, limit)
        chunks.append(rest[:cut])
        rest = rest[cut:]
    if rest:
        chunks.append(rest)
    return chunks


_SPLIT_PATTERNS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"[.!?…](?:\*\*|\*|`|\)|\"|”)*\s+"),
    re.compile(r"\s+"),
)


def _split_point(text: str, limit: int) -> int:
    window = text[:limit]
    for pattern in _SPLIT_PATTERNS:
        ends = [m.end() for m in pattern.finditer(window) if 0 < m.end() <= limit]
        if not ends:
            continue
        # Prefer a cut outside code spans, so a chunk does not end inside `code`.
        balanced = [e for e in ends if window[:e].count("`") % 2 == 0]
        best = (balanced or ends)[-1]
        if best >= limit // 4 or pattern is _SPLIT_PATTERNS[-1]:
            return best
    return limit
