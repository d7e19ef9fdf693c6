"""An answer cut to an option: whole clauses only, or not at all.

Every generated option goes through `shorten_answer`, so no option is recognisable by its
length or formatting, and the text it returns is the text every client shows: it fits a
Slack button ("A. " + 72 characters) so nothing cuts it a second time. When the answer's point
does not fit (a list whose items do not fit, one half of a comparison, a formula that would be
cut, a long sentence without a clause boundary) the result carries the reason, and the card is
not asked as a choice question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.questions.text import (
    ASIDE,
    SPACE,
    answer_lines,
    content_words,
    list_lines,
    plain,
    sentence_spans,
    without_symbols,
)

# A Slack button is 75 characters and shows "A. " before the option; Discord shows letters.
OPTION_MAX = 72
CLAUSE_WORDS = 4  # a kept clause has at least this many words
LEAD_IN_WORDS = 5  # a first sentence shorter than this is a lead-in ("A smooth hybrid.")

# Reasons a card's answer cannot stand as an option (also shown by `quizbot questions
# --skipped`).
LIST_TOO_LONG = "its answer is a list that does not fit one option"
COMPARISON_TOO_LONG = "its answer compares two things and both halves do not fit one option"
NO_CLAUSE_CUT = "its answer's first sentence is too long and has no clause to cut at"
FORMULA_CUT = "its answer would be cut inside a formula"

_LIST_LINE = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_LABEL = re.compile(r"^(?P<label>[A-Z(][\w ()/'’-]{0,30}?):\s+(?=\S)")
_TAG = re.compile(r"^\s*\((?:[A-Z][a-z]+)\)\s*")
_POWER = re.compile(r"\*\*(?=[\d(a-zA-Z])")
_SUBJECT = re.compile(
    r"^(?P<subject>[^,;:()]{1,60}?)\s+(?:is|are|means|refers to|represents)\b:?\s+(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_PRONOUN = re.compile(
    r"^(?:(?:it|this|they|that)\s+(?:is|are)|it['’]s)\s+(?P<rest>.+)$", re.I | re.S
)
_DEFINING = re.compile(r"^\W*(?:\(\w[^)]*\)\s*)?(?:what|define|describe|which)\b", re.IGNORECASE)
# A question comparing two things needs both halves in the answer.
COMPARING = re.compile(
    r"\b(?:differ\w*|versus|vs|compare\w*|contrast\w*|between|distinguish\w*)\b", re.I
)
_CONTRAST = re.compile(
    r"\b(?:while|whereas|but|unlike|instead|rather than|than|in contrast|compared|versus|vs|"
    r"not|however|on the other hand)\b",
    re.I,
)
# Where a sentence may be cut: after a comma, semicolon or dash, or before a word that starts
# a subordinate clause or an adverbial phrase; never after a colon, whose tail is the point.
_BOUNDARY = re.compile(
    r"(?:[,;]|\s[–—-])\s|\s(?=(?:which|because|since|so that|so|making|meaning|allowing|"
    r"ensuring|preventing|leading|resulting|thereby|thus|using|where|while|whereas|as it|"
    r"as they|in order to|to avoid|to prevent|to ensure|during|for|in|at|on|over|across|"
    r"after|before|when|if|until|without|through|within|per)\b)"
)
_DANGLING = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "and",
        "or",
        "for",
        "with",
        "by",
        "in",
        "on",
        "at",
        "as",
        "is",
        "are",
        "be",
        "than",
        "between",
        "from",
        "into",
        "its",
        "their",
        "this",
        "that",
        "these",
        "those",
        "which",
        "who",
        "whose",
        "when",
        "where",
        "very",
        "more",
        "most",
        "less",
    ]
)
_DETERMINERS = frozenset(["the", "a", "an", "its", "their", "this", "each", "every", "these"])
_CLAUSE_STARTERS = frozenset(
    ["so", "which", "while", "whereas", "but", "and", "because", "since", "making", "meaning",
     "allowing", "ensuring", "preventing", "leading", "resulting", "thereby", "thus", "not"]
)  # fmt: skip
_OPENS_CLAUSE = frozenset(["so", "because", "which", "that", "when", "while", "whereas", "since"])
_MATH = set("=+−*/^_∇∂∑∏√≈≤≥→←∝×·|<>") | {chr(c) for c in range(0x370, 0x400)}
_OPEN, _CLOSE = "([{", ")]}"


@dataclass(frozen=True, slots=True)
class Shortened:
    text: str  # the option as every client shows it
    problem: str | None = None  # why it cannot be an option; None when it can


def shorten(answer: str, limit: int = OPTION_MAX, question: str = "") -> str:
    """The text of `shorten_answer` (an answer that does not fit still gets a display text)."""
    return shorten_answer(answer, question, limit).text


def shorten_answer(answer: str, question: str = "", limit: int = OPTION_MAX) -> Shortened:
    """An answer cut to its core: plain text, whole clauses, at most `limit` characters.

    With the card's own `question`, a leading subject that only restates it is dropped, and a
    comparison keeps both halves.
    """
    raw_lines = [ln for ln in list_lines(answer) if ln.strip()]
    lines = answer_lines(answer)
    if not lines:
        return Shortened("")
    comparing = bool(question) and bool(COMPARING.search(plain(question)))
    listed = _list_text(raw_lines, lines)
    if listed is not None:
        text = _clean(listed)
        if len(text) > limit:
            return Shortened(_ellipsis(text, limit), LIST_TOO_LONG)
        return Shortened(text)
    # A one-line answer keeps its "1." ("1. SGD → 2. MBGD → 3. BGD" is a ranking).
    first_line = raw_lines[0].strip() if len(raw_lines) == 1 else lines[0]
    text = _first_point(first_line, comparing)
    text = _clean(text)
    if question:
        text = drop_restated_subject(text, question)
    if len(text) <= limit:
        return Shortened(text)
    cut = clause_cut(text, limit, keep_contrast=comparing)
    if cut is not None:
        return Shortened(cut)
    if comparing and _CONTRAST.search(text):
        return Shortened(_ellipsis(text, limit), COMPARISON_TOO_LONG)
    if _in_formula(text, limit):
        return Shortened(_ellipsis(text, limit), FORMULA_CUT)
    return Shortened(_ellipsis(text, limit), NO_CLAUSE_CUT)


def _list_text(raw_lines: list[str], lines: list[str]) -> str | None:
    """A list answer as one line: its header and every item, or None when it is not a list.

    "The gradient serves a dual purpose:" says nothing alone, and its first item alone is half
    the answer; labelled lines ("Loss: …", "Cost: …") are a list too.
    """
    if len(lines) < 2:
        return None
    items = [ln for ln in raw_lines[1:] if _LIST_LINE.match(ln)]
    labelled = sum(bool(_LABEL.match(plain(ln))) for ln in lines)
    if lines[0].rstrip().endswith(":") and len(items) >= 1:
        body = [_strip_period(ln) for ln in lines[1:]]
        return f"{lines[0].rstrip()} " + "; ".join(body)
    if labelled >= 2 and labelled == len(lines):
        return "; ".join(_strip_period(ln) for ln in lines)
    return None


def _strip_period(text: str) -> str:
    return text.strip().rstrip(".").strip()


def _first_point(line: str, comparing: bool) -> str:
    """The first sentence, with the next one when the first is only a lead-in ("No.",
    "A smooth hybrid.") or, in a comparison, only one half."""
    spans = sentence_spans(line)
    if not spans:
        return line
    first = plain(line[spans[0][0] : spans[0][1]])
    lead_in = len(first.split()) < LEAD_IN_WORDS
    one_half = comparing and not _CONTRAST.search(first)
    end = 1 if len(spans) > 1 and (lead_in or one_half) else 0
    return line[spans[0][0] : spans[end][1]]


def _clean(text: str) -> str:
    """Plain text without emoji, asides, "(Concept)" tags and a lone leading label."""
    text = _code_powers(text)
    text = without_symbols(plain(text))
    text = ASIDE.sub("", text)
    text = _TAG.sub("", text)
    label = _LABEL.match(text)
    if label is not None and len(label.group("label").split()) <= 4 and ";" not in text:
        text = text[label.end() :]
    text = SPACE.sub(" ", text).strip()
    return text.rstrip(".,;:").strip()


def _code_powers(text: str) -> str:
    # `(y_pred - y_true)**2` is Python for a square; "**" in a plain option is read as bold
    # markup by chat clients and eaten.
    return re.sub(r"`([^`]*)`", lambda m: "`" + _POWER.sub("^", m.group(1)) + "`", text)


def clause_cut(text: str, limit: int, keep_contrast: bool = False) -> str | None:
    """The longest prefix of `text` ending at a clause boundary that fits `limit` and still
    reads as a statement; None when there is none."""
    best: str | None = None
    contrast = _CONTRAST.search(text) if keep_contrast else None
    for match in _BOUNDARY.finditer(text):
        end = match.start()
        if end > limit:
            break
        if contrast is not None and end <= contrast.end():
            continue  # cutting here would drop the other half of the comparison
        prefix = text[:end].rstrip(" ,;:–—-")
        words = prefix.split()
        following = text[match.end() :].split(maxsplit=1)[:1]
        if (
            match.group(0).startswith(",")
            and len(words) > 1
            and words[-2].casefold() in _DETERMINERS
            and (not following or following[0].casefold() not in _CLAUSE_STARTERS)
        ):
            continue  # "…keep the first, noisy gradients": the noun is after the comma
        if _reads_whole(prefix):
            best = prefix
    return best


def _reads_whole(prefix: str) -> bool:
    words = prefix.split()
    if len(words) < CLAUSE_WORDS:
        return False
    if words[-1].casefold().strip("'\"") in _DANGLING:
        return False
    if any(w.casefold() in _OPENS_CLAUSE for w in words[-3:]):
        return False  # "…, so the early": a clause just begun
    if any(ch in _MATH for ch in words[-1]):
        return False  # would end inside a formula
    return _balanced(prefix)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
    return depth == 0 and text.count('"') % 2 == 0


def _in_formula(text: str, limit: int) -> bool:
    around = text[max(0, limit - 12) : limit + 12]
    return sum(ch in _MATH for ch in around) >= 2 or not _balanced(text[:limit])


def _ellipsis(text: str, limit: int) -> str:
    """A display text for a card that is not used as an option (lists, reports)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:-–—(") + "…"


def drop_restated_subject(text: str, question: str) -> str:
    """ "An epoch is one complete cycle…" -> "One complete cycle…" for "What is an epoch?".

    The subject only repeats the card's own question, so it tells nothing about the answer,
    yet it is the words a naive test-taker matches against the question. Applied to every
    option alike; only for "what is / define" questions, where the subject is the thing asked.
    """
    question = plain(question).strip()
    if not _DEFINING.match(question) or COMPARING.search(question):
        return text
    match = _PRONOUN.match(text)
    if match is None:
        match = _SUBJECT.match(text)
        if match is None:
            return text
        subject = set(content_words(match.group("subject")))
        if not subject or not subject <= set(content_words(question)):
            return text
    rest = match.group("rest").strip()
    if len(rest.split()) < 3:
        return text
    return rest[0].upper() + rest[1:] if rest[0].isalpha() else rest
