"""Text helpers every question format shares: plain text from Markdown, content words for
similarity, sentences, and the one shortening function every generated option goes through."""

from __future__ import annotations

import functools
import re
import unicodedata

OPTION_MAX = 90  # every generated choice option is cut to this, so lengths are comparable


# fmt: off
STOPWORDS = frozenset([
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down",
    "during", "each", "even", "few", "for", "from", "further", "had", "has", "have",
    "having", "he", "her", "here", "hers", "how", "however", "i", "if", "in", "into", "is",
    "it", "its", "itself", "just", "like", "may", "me", "might", "more", "most", "much",
    "must", "my", "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or",
    "other", "our", "out", "over", "own", "same", "she", "should", "so", "some", "such",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this",
    "those", "through", "thus", "to", "too", "under", "until", "up", "very", "via", "was",
    "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
    "with", "would", "you", "your", "e", "g", "i.e", "eg", "ie", "etc", "vs", "describe",
    "explain", "define", "give", "state", "briefly", "conceptually", "specifically",
    "typically", "often", "usually",
])
# fmt: on

WORD = re.compile(r"[^\W_]+", re.UNICODE)
CODE = re.compile(r"`+([^`]*)`+")
BOLD = re.compile(r"\*\*(.+?)\*\*")
_EMPH = re.compile(r"(?<![\w*])[*_]([^*_\n]+)[*_](?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_LIST_MARK = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_ASIDE = re.compile(r"\s*\((?:e\.g\.|i\.e\.|for example|such as)[^()]*\)", re.IGNORECASE)
SPACE = re.compile(r"\s+")
_ABBREVIATIONS = frozenset({"e.g", "i.e", "vs", "etc", "approx", "cf", "fig", "eq", "dr", "mr"})
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*\s+")


_SUFFIXES = (
    "ibilities",
    "abilities",
    "ibility",
    "ability",
    "ations",
    "ation",
    "ities",
    "ity",
    "ness",
    "ments",
    "ment",
    "ingly",
    "ing",
    "edly",
    "ed",
    "ly",
    "able",
    "ible",
    "ence",
    "ance",
    "ive",
    "ize",
    "ise",
    "al",
    "e",
)


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Crude suffix stripping: enough that "differentiable" meets "differentiability",
    "gradients" meets "gradient" and "optimization" meets "optimize"."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "as")):
        word = word[:-1]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Stemmed words that carry meaning: markup, stopwords and one-letter tokens dropped."""
    words = WORD.findall(plain(text).casefold())
    return [stem(w) for w in words if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]


def plain(text: str) -> str:
    """Markdown to plain text: code, bold, italic and link markup removed, content kept.

    Code spans are kept verbatim: `(y_pred - y_true)**2` is code, not bold.
    """
    pieces = []
    last = 0
    for match in CODE.finditer(text):
        pieces.append(_strip_markup(text[last : match.start()]))
        pieces.append(match.group(1))
        last = match.end()
    pieces.append(_strip_markup(text[last:]))
    return "".join(pieces)


def _strip_markup(text: str) -> str:
    text = text.replace("**", "").replace("__", "")
    text = _EMPH.sub(lambda m: m.group(1), text)
    return _LINK.sub(lambda m: m.group(1), text)


def mask_code(text: str) -> str:
    """Same length, code spans blanked, so `**` inside code is not taken for bold."""
    return CODE.sub(lambda m: "\0" * len(m.group(0)), text)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, not splitting after "e.g." or inside a number."""
    masked = mask_code(text)
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(masked):
        end = match.start() + 1
        before = masked[start:end].rstrip(".!?").rsplit(None, 1)
        last_word = before[-1].casefold().strip("(") if before else ""
        following = masked[match.end() : match.end() + 1]
        # "e.g. the", "1. SGD → 2. MBGD": not the end of a sentence.
        if last_word in _ABBREVIATIONS or last_word.isdigit() or following.islower():
            continue
        spans.append((start, end))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def without_symbols(text: str) -> str:
    # Emoji and pictographs carry no meaning for the question and would make one option stand out.
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("So", "Cs", "Co"))


def answer_lines(answer: str) -> list[str]:
    text = answer.replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n")
    return [_LIST_MARK.sub("", line).strip() for line in text.splitlines() if line.strip()]


_SUBJECT = re.compile(
    r"^(?P<subject>[^,;:()]{1,60}?)\s+(?:is|are|means|refers to|represents)\b:?\s+(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_PRONOUN = re.compile(
    r"^(?:(?:it|this|they|that)\s+(?:is|are)|it['’]s)\s+(?P<rest>.+)$", re.I | re.S
)
_DEFINING = re.compile(r"^\W*(?:\(\w[^)]*\)\s*)?(?:what|define|describe|which)\b", re.IGNORECASE)
# A question comparing two things needs both names in the answer.
_COMPARING = re.compile(r"\b(?:differ\w*|versus|vs|compare\w*|contrast\w*|between)\b", re.I)


def _drop_restated_subject(text: str, question: str) -> str:
    """ "An epoch is one complete cycle…" -> "One complete cycle…" for "What is an epoch?".

    The subject only repeats the card's own question, so it tells nothing about the answer,
    yet it is the words a naive test-taker matches against the question. Applied to every
    option alike; only for "what is / define" questions, where the subject is the thing asked.
    """
    question = plain(question).strip()
    if not _DEFINING.match(question) or _COMPARING.search(question):
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
    return rest[0].upper() + rest[1:]


def shorten(answer: str, limit: int = OPTION_MAX, question: str = "") -> str:
    """An answer cut to its core: first sentence, plain text, at most `limit` characters.

    Every option of a choice question goes through this one function, so no option is
    recognisable by its length or its formatting. With the card's own `question`, a leading
    subject that only restates it is dropped.
    """
    lines = answer_lines(answer)
    if not lines:
        return ""
    text = lines[0]
    # "The gradient serves a dual purpose:" is only a lead-in; the first item is the substance.
    if text.endswith(":") and len(lines) > 1:
        text = f"{text} {lines[1]}"
    spans = sentence_spans(text)
    if spans:
        first = text[spans[0][0] : spans[0][1]]
        # A one-word first "sentence" ("No." / "Yes.") needs the next one to make sense.
        if len(first.split()) < 3 and len(spans) > 1:
            first = text[spans[0][0] : spans[1][1]]
        text = first
    text = without_symbols(plain(text))
    text = _ASIDE.sub("", text)
    text = SPACE.sub(" ", text).strip()
    text = text.rstrip(".").strip()
    if question:
        text = _drop_restated_subject(text, question)
    if len(text) > limit:
        cut = text[: limit - 1]
        if " " in cut:
            cut = cut[: cut.rfind(" ")]
        text = cut.rstrip(" ,;:-–—(") + "…"
    return text


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())
