"""Card text repair: mojibake, HTML and table-cell markup into neutral Markdown.

Neutral Markdown is what every surface renders from: `**bold**` (key terms, which cloze
questions blank), `*italic*`, `` `code` ``, lines starting "- " or "1. " for lists, and
plain newlines between lines. Nothing else is markup.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

# ---------------------------------------------------------------- mojibake

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")

# Unicode blocks a real Mac Roman mix-up decodes into (punctuation, Greek, maths, arrows,
# sub/superscripts, symbols, emoji). A short run that decodes to anything else (say, one
# Armenian letter from the French "l’été") is more likely correct text, and is kept.
_PLAUSIBLE = (
    (0x00A0, 0x024F),  # Latin-1 supplement, Latin extended
    (0x0370, 0x03FF),  # Greek
    (0x1D00, 0x1DBF),  # phonetic extensions (subscript letters)
    (0x2000, 0x2BFF),  # punctuation, sub/superscripts, letterlike, arrows, maths, symbols
    (0xFE00, 0xFE0F),  # variation selectors (emoji presentation)
    (0x1D400, 0x1D7FF),  # mathematical alphanumerics
    (0x1F000, 0x1FAFF),  # emoji
)

# Leftovers of the other common mix-up (UTF-8 read as Windows-1252 or Latin-1): only cells
# showing these pay for importing ftfy.
_CP1252_MOJIBAKE = re.compile(r"[ÂÃâ][\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|ï»¿")


def _plausible(decoded: str) -> bool:
    odd = [ch for ch in decoded if not any(lo <= ord(ch) <= hi for lo, hi in _PLAUSIBLE)]
    # A whole word in another script (a long run) is a real fix; one odd letter is not.
    return not odd or len(odd) >= 2


def _decode_mac_roman_run(run: str) -> str:
    """One run of non-ASCII characters, repaired if it is UTF-8 once read as Mac Roman."""
    try:
        raw = run.encode("mac_roman")
    except UnicodeEncodeError:
        return run  # holds characters Mac Roman never produces: already correct text
    out: list[str] = []
    i = 0
    while i < len(raw):
        lead = raw[i]
        size = 2 if 0xC2 <= lead <= 0xDF else 3 if 0xE0 <= lead <= 0xEF else 4
        if 0xF0 <= lead <= 0xF4 or size < 4:
            try:
                out.append(raw[i : i + size].decode("utf-8"))
                i += size
                continue
            except UnicodeDecodeError:
                return run
        # An emoji whose first byte (0xF0, the Apple logo in Mac Roman) was lost.
        try:
            out.append((b"\xf0" + raw[i : i + 3]).decode("utf-8"))
            i += 3
        except UnicodeDecodeError:
            return run
    decoded = "".join(out)
    return decoded if _plausible(decoded) else run


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Mac Roman (emoji included); leave correct text such as "café"."""
    if text.isascii():
        return text
    fixed = _NON_ASCII_RUN.sub(lambda m: _decode_mac_roman_run(m.group()), text)
    if _CP1252_MOJIBAKE.search(fixed):
        import ftfy  # ~80 ms to import: only for cells that need it

        fixed = ftfy.fix_text(fixed, uncurl_quotes=False, unescape_html=False)
    return unicodedata.normalize("NFC", fixed)


def has_mojibake(text: str) -> bool:
    """Markers of Mac Roman mojibake left in card text (used by lint and tests)."""
    return bool(_MOJIBAKE_MARKERS.search(text))


_MOJIBAKE_MARKERS = re.compile(r"‚Ä|‚à|‚â|‚Ç|Œ[∑¥∏îª£]|¬[≤±π]|≈∑|üì|\uf8ff")

# ---------------------------------------------------------------- code and math spans

_BACKTICKS = re.compile(r"`+")


def protected_spans(text: str, *, math: bool = True) -> list[tuple[int, int, str]]:
    """(start, end, kind) of code spans and `$`/`$$` math spans, left to right.

    Code spans follow CommonMark (a run of n backticks closes with a run of n). Math
    follows pandoc: `$` must be followed by a non-space and the closing `$` preceded by a
    non-space and not followed by a digit, so "$5 and $10" stays prose.
    """
    spans: list[tuple[int, int, str]] = []
    special = _SPECIAL if math else _SPECIAL_NO_MATH
    i = 0
    while True:
        m = special.search(text, i)
        if m is None:
            return spans
        i = m.start()
        ch = text[i]
        if ch == "\\":
            i += 2
        elif ch == "`":
            run = _BACKTICKS.match(text, i).group()  # type: ignore[union-attr]  # at a backtick
            close = _find_backtick_close(text, i + len(run), len(run))
            if close is not None:
                spans.append((i, close, "code"))
                i = close
            else:
                i += len(run)
        else:
            end = _find_math_close(text, i)
            if end is not None:
                spans.append((i, end, "math"))
                i = end
            else:
                i += 1


_SPECIAL = re.compile(r"[\\`$]")
_SPECIAL_NO_MATH = re.compile(r"[\\`]")


def _find_backtick_close(text: str, start: int, size: int) -> int | None:
    for m in _BACKTICKS.finditer(text, start):
        if len(m.group()) == size:
            return m.end()
    return None


def _find_math_close(text: str, i: int) -> int | None:
    if text.startswith("$$", i):
        close = text.find("$$", i + 2)
        if close > i + 2:
            return close + 2
        return None
    if i + 1 >= len(text) or text[i + 1].isspace() or text[i + 1] == "$":
        return None
    j = i + 1
    while True:
        j = text.find("$", j)
        if j < 0:
            return None
        if text[j - 1] == "\\":
            j += 1
            continue
        if not text[j - 1].isspace() and not (j + 1 < len(text) and text[j + 1].isdigit()):
            return j + 1
        j += 1


def split_outside_spans(text: str, sep: str = "|") -> list[str]:
    """Split on `sep` except inside code or math spans, or escaped as `\\|`."""
    if sep not in text:
        return [text]
    if "\\" + sep not in text and sep not in _span_range(text):
        return text.split(sep)  # no sep escaped or where a span could be: every one splits
    spans = protected_spans(text) if ("`" in text or "$" in text) else []
    if "\\" + sep not in text and not any(sep in text[s:e] for s, e, _ in spans):
        return text.split(sep)  # no sep escaped or inside a span: every one splits
    cells: list[str] = []
    start = 0
    span_i = 0
    pos = text.find(sep)
    while pos >= 0:
        after = pos + len(sep)
        while span_i < len(spans) and spans[span_i][1] <= pos:
            span_i += 1
        if span_i < len(spans) and spans[span_i][0] <= pos:
            pos = text.find(sep, after)
            continue  # inside a code or math span
        first = pos
        while first and text[first - 1] == "\\":
            first -= 1
        if (pos - first) % 2:
            pos = text.find(sep, after)
            continue  # escaped
        cells.append(text[start:pos])
        start = after
        pos = text.find(sep, after)
    cells.append(text[start:])
    return cells


def _span_range(text: str) -> str:
    """The stretch from the first `$` or backtick to the last: every span lies inside it."""
    firsts = [i for i in (text.find("$"), text.find("`")) if i >= 0]
    if not firsts:
        return ""
    return text[min(firsts) : max(text.rfind("$"), text.rfind("`")) + 1]


def map_outside_code(text: str, fn: Callable[[str], str]) -> str:
    """Apply `fn` to the stretches of `text` outside code spans."""
    if "`" not in text:
        return fn(text)  # a code span needs a backtick: one stretch, the whole text
    out: list[str] = []
    last = 0
    for start, end, kind in protected_spans(text, math=False):
        if kind != "code":
            continue
        out.append(fn(text[last:start]))
        out.append(text[start:end])
        last = end
    out.append(fn(text[last:]))
    return "".join(out)


# ---------------------------------------------------------------- cell -> neutral Markdown

_BR = re.compile(r"\s*<br\s*/?>\s*", re.IGNORECASE)
_BULLET = re.compile(r"^\s*[*•+]\s+")
_INLINE_ITEM = re.compile(r"(?:(?<=\s)|^)(\d{1,2})\.\s+(?=\*\*|[A-Z])")
_GLUED_LABEL = re.compile(r"(?<=[a-z0-9)]\.)(?=\*\*[A-Z][^*\n]{0,60}:\*\*)")
_SPACES = re.compile(r"[ \t\u00a0]+")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+\d*);")


def _split_inline_numbered(line: str) -> str:
    """ "1. **A** ... 2. **B** ..." on one line becomes one line per item.

    Only a run numbered 1, 2, 3, ... counts, so "an error of 1." stays prose.
    """
    if "1." not in line or "2." not in line:
        return line  # items 1 and 2 ("1."/"01.", "2."/"02.") are both needed for a list
    items = list(_INLINE_ITEM.finditer(line))
    expected = 1
    cuts: list[int] = []
    for m in items:
        if int(m.group(1)) == expected:
            cuts.append(m.start())
            expected += 1
    if expected <= 2:  # fewer than two items in sequence: not a list
        return line
    bounds = [*cuts[1:], len(line)]
    if sum(len(line[a:b].split()) for a, b in zip(cuts, bounds, strict=True)) < 4 * len(cuts):
        return line  # "1. **SGD** → 2. **MBGD** → 3. **BGD**" is a ranking, not a list
    parts = [line[: cuts[0]]] if cuts[0] else []
    parts += [line[a:b] for a, b in zip(cuts, [*cuts[1:], len(line)], strict=True)]
    return "\n".join(p.strip() for p in parts if p.strip())


def cell_to_markdown(cell: str) -> str:
    """A table cell (after mojibake repair) as neutral Markdown lines."""
    # Each rewrite runs only when the text holds what its pattern needs (`<br`, `&`, a
    # space run, a bullet, `.**`, `](`): most cells need none, and a 100k-card deck pays
    # per cell.
    text = cell
    if "<" in text:
        text = _BR.sub("\n", text)
        if _CELL_TAG.search(text):  # HTML lists, bold, links ... written in a Markdown cell
            text = map_outside_code(text, _cell_html)
    if "](" in text or "<http" in text:
        text = map_outside_code(text, _links)
    if "&" in text:
        text = map_outside_code(text, _unescape_entities)
    lines: list[str] = []
    for raw_line in text.split("\n"):
        if "  " in raw_line or "\t" in raw_line or "\u00a0" in raw_line:
            line = _SPACES.sub(" ", raw_line).strip()
        else:
            line = raw_line.strip()
        if not line:
            continue
        if line[0] in "*•+":
            line = _BULLET.sub("- ", line)
        if ".**" in line:
            line = map_outside_code(line, _cut_glued_labels)
        for part in line.split("\n"):
            lines.extend(_split_inline_numbered(part).split("\n"))
    return "\n".join(ln.strip() for ln in lines if ln.strip())


def _cut_glued_labels(text: str) -> str:
    return _GLUED_LABEL.sub("\n", text)


def _unescape_entities(text: str) -> str:
    return _ENTITY.sub(lambda m: html.unescape(m.group()), text) if "&" in text else text


_WHOLE_BOLD = re.compile(r"^\*\*(?P<inner>.+)\*\*$", re.DOTALL)
_TAG_BOLD = re.compile(r"^\*\*(\([^()*]{1,40}\))\*\*\s*")


def strip_whole_bold(text: str) -> str:
    """`**What is X?**` -> `What is X?`; partial bold (key terms) stays.

    A leading bold tag such as `**(Math/Logic)**` is a label, not a key term: unbolded.
    """
    if not text.startswith("**"):
        return text  # both patterns start with `**`
    text = _TAG_BOLD.sub(r"\1 ", text)
    m = _WHOLE_BOLD.match(text)
    if m and "**" not in map_outside_code(m.group("inner"), lambda s: s.replace("`", "")):
        return m.group("inner").strip()
    return text


def bold_balanced(text: str) -> bool:
    """Whether `**` markers outside code pair up (a stray one would show as literal stars)."""
    if "`" not in text:
        return text.count("**") % 2 == 0  # no code spans: all of it is outside code
    outside: list[str] = []

    def keep(part: str) -> str:
        outside.append(part)
        return part

    map_outside_code(text, keep)
    return "".join(outside).count("**") % 2 == 0


def strip_markup(text: str) -> str:
    """Plain words: for comparing texts and deciding what a question looks like."""
    # Deleting each of `*_` and backticks is deleting their runs; str.replace is quicker
    # than a regex on the short cells this runs on (several times per card).
    text = text.replace("*", "").replace("_", "").replace("`", "").replace("\n", " ")
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _SPACES.sub(" ", text)
    return text.strip()


# ---------------------------------------------------------------- headings

_HEADING_MARK = re.compile(r"^\s{0,3}#{1,6}\s+|\s+#+\s*$")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(.+?)\1")
_NUMBERING = re.compile(
    r"^(?:(?:part|section|chapter)\s+)?"
    r"(?:[IVXLC]+[.):]|\d+(?:\.\d+)+[.):]?|\d+[.):]|[A-Z][.):])\s+",
    re.IGNORECASE,
)


def clean_heading(line: str) -> str:
    """`## **III. Categorical Cross-Entropy (CCE) & Sparse CCE**` -> the bare topic name."""
    text = _HEADING_MARK.sub("", line).strip()
    for _ in range(3):
        text = _EMPHASIS.sub(r"\2", text).strip()
    text = re.sub(r"\\([#*_`])", r"\1", text)
    if _NUMBERING.match(text) and not re.match(r"^[A-Z]\.\s*[A-Z]\.", text):
        text = _NUMBERING.sub("", text, count=1)
    return _SPACES.sub(" ", text).strip()


# ---------------------------------------------------------------- HTML fields (Anki)

_HTML_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
# The tags people write in Markdown cells; any other `<word>` there is text ("List<T>").
_CELL_TAGS = (
    "ul", "ol", "li", "b", "strong", "i", "em", "code", "p", "div", "span", "a", "sup", "sub",
    "u", "font", "small",
)  # fmt: skip
_CELL_TAG = re.compile(rf"</?(?:{'|'.join(_CELL_TAGS)})\b[^>]*>", re.IGNORECASE)
_ANCHOR = re.compile(
    r"<a\b[^>]*?\bhref\s*=\s*[\"']?([^\"'\s>]+)[\"']?[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL
)
# [text](https://...) and <https://...>: links need a scheme, so `[a](b)` in prose stays.
_MD_LINK = re.compile(r"\[([^\[\]\n]+)\]\(\s*((?:https?|ftp|mailto):[^()\s]+)\s*\)")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]+)>")
_SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SCRIPT = re.compile(r"<(sup|sub)>([^<>]{1,12})</\1\s*>", re.IGNORECASE)


def _cell_html(part: str) -> str:
    """HTML in a stretch of a cell, the spaces around the stretch kept (they separate it
    from the code spans beside it)."""
    lead = part[: len(part) - len(part.lstrip())]
    trail = part[len(part.rstrip()) :] if part.strip() else ""
    return lead + html_to_markdown(part, known_only=True) + trail


def _link_text(text: str, url: str) -> str:
    """A link as the text readers see everywhere: "text (url)", or the url alone."""
    plain = url.removeprefix("mailto:")
    return plain if text.strip() in ("", url, plain) else f"{text.strip()} ({plain})"


def _links(text: str) -> str:
    text = _MD_LINK.sub(lambda m: _link_text(m.group(1), m.group(2)), text)
    return _AUTOLINK.sub(lambda m: m.group(1), text)


def _script(m: re.Match[str]) -> str:
    inner = m.group(2)
    table = _SUPERSCRIPT if m.group(1).lower() == "sup" else _SUBSCRIPT
    converted = inner.translate(table)
    if all(c != o or c in " " for c, o in zip(converted, inner, strict=True)):
        return converted  # every character has a Unicode super/subscript form
    return ("^" if table is _SUPERSCRIPT else "_") + f"({inner})"


def html_to_markdown(text: str, *, known_only: bool = False) -> str:
    """Anki-style HTML fields (`<br>`, `<b>`, `<i>`, `<code>`, lists, `<div>`, links) as
    Markdown. `known_only`: leave tags other than the usual formatting ones as text (in a
    Markdown cell `List<T>` is not HTML)."""
    if "<" not in text and "&" not in text:
        return text
    list_stack: list[list[int]] = []  # per open list: [is_ordered, next_number]
    text = _ANCHOR.sub(lambda m: _link_text(_HTML_TAG.sub("", m.group(2)), m.group(1)), text)
    text = _SCRIPT.sub(_script, text)

    def tag(m: re.Match[str]) -> str:
        closing, name = m.group(1) == "/", m.group(2).lower()
        if known_only and name not in _CELL_TAGS and name != "br":
            return m.group()
        if name in ("b", "strong"):
            return "**"
        if name in ("i", "em"):
            return "*"
        if name == "code":
            return "`"
        if name == "br":
            return "\n"
        if name in ("div", "p"):
            return "\n"
        if name in ("ul", "ol"):
            if closing:
                if list_stack:
                    list_stack.pop()
            else:
                list_stack.append([name == "ol", 1])
            return "\n"
        if name == "li":
            if closing:
                return "\n"
            if list_stack and list_stack[-1][0]:
                number = list_stack[-1][1]
                list_stack[-1][1] += 1
                return f"\n{number}. "
            return "\n- "
        return ""  # span, font, a, img ... keep their text only

    text = _HTML_TAG.sub(tag, text)
    text = html.unescape(text)
    text = re.sub(r"\*\*\s*\*\*", "", text)
    return "\n".join(_SPACES.sub(" ", ln).strip() for ln in text.split("\n") if ln.strip()).strip()
