"""Neutral Markdown (card text): its pieces, the terminal's rendering, and fitting to a limit.

Neutral Markdown is `**bold**`, `*italic*`, `` `code` ``, "- " / "1. " list lines and plain
newlines (see bot.cards.text). Each chat adapter turns it into its platform's markup with the
pieces here (`segments`, `BOLD_OR_ITALIC`, `ITALIC`) and fits it to its platform's limits with
`fit` and `split`; the terminal, which `quizbot cards show` uses too, gets rich styles here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.cards.text import protected_spans

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.text import Text

    from bot.cards.model import Card

ELLIPSIS = "…"

BOLD_OR_ITALIC = re.compile(
    r"\*\*(?P<bold>(?:(?!\*\*).)+?)\*\*"
    r"|(?<![*\w])\*(?P<star>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![*\w])"
    r"|(?<![_\w])_(?P<under>[^_\s](?:[^_\n]*?[^_\s])?)_(?![_\w])",
    re.DOTALL,
)
ITALIC = re.compile(
    r"(?<![*\w])\*(?P<star>[^*\s](?:[^*\n]*?[^*\s])?)\*(?![*\w])"
    r"|(?<![_\w])_(?P<under>[^_\s](?:[^_\n]*?[^_\s])?)_(?![_\w])"
)


def segments(md: str) -> list[tuple[bool, str]]:
    """(is_code, text) pieces, code spans with their backticks: a renderer escapes and
    restyles the prose and leaves code as it is."""
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


# ---------------------------------------------------------------- terminal


def to_terminal(md: str) -> Text:
    """A rich Text with bold, italic and code styled; newlines and list lines kept."""
    from rich.text import Text

    text = Text()
    for code, seg in segments(md):
        if code:
            ticks = len(seg) - len(seg.lstrip("`"))
            text.append(seg[ticks:-ticks].strip() or seg, style="bold cyan")
            continue
        last = 0
        for m in BOLD_OR_ITALIC.finditer(seg):
            text.append(seg[last : m.start()])
            if m.group("bold") is not None:
                inner = m.group("bold")
                pos = 0
                for im in ITALIC.finditer(inner):
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
