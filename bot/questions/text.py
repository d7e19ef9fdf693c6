"""Text helpers every question format shares: plain text from Markdown, content words for
similarity, sentences and answer lines."""

from __future__ import annotations

import functools
import re
import unicodedata

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
ASIDE = re.compile(r"\s*\((?:e\.g\.|i\.e\.|for example|such as)[^()]*\)", re.IGNORECASE)
SPACE = re.compile(r"\s+")
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_HTML_LIST = re.compile(r"\s*<(?:/?[uo]l|/li)\b[^<>]*>\s*", re.IGNORECASE)
_HTML_ITEM = re.compile(r"\s*<li\b[^<>]*>\s*", re.IGNORECASE)
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
    if "<" in text:
        text = _HTML_TAG.sub("", text)  # inline HTML a Markdown deck kept (<b>, <a href>)
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
        # The sentence keeps a closing quote or bracket after its full stop ("kink.").
        end = match.start() + len(match.group(0).rstrip())
        before = masked[start:end].rstrip(".!?\"”’'").rsplit(None, 1)
        last_word = before[-1].casefold().strip("(\"“‘'") if before else ""
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
    # U+FE0F/U+FE0E (emoji presentation) and U+200D (joiner) are left behind by a stripped
    # emoji and show as a stray box on some clients.
    return "".join(
        ch
        for ch in text
        if unicodedata.category(ch) not in ("So", "Cs", "Co") and ch not in _EMOJI_LEFTOVERS
    )


_EMOJI_LEFTOVERS = frozenset("\ufe0e\ufe0f\u200d\u20e3")


def list_lines(answer: str) -> list[str]:
    """The answer's lines, list marks kept; <br> and an HTML list left in a Markdown cell
    become lines too."""
    text = answer.replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n")
    if "<" in text:
        text = _HTML_LIST.sub("\n", _HTML_ITEM.sub("\n- ", text))
    return [line for line in text.splitlines() if line.strip()]


def answer_lines(answer: str) -> list[str]:
    """The answer's lines without their list marks."""
    return [_LIST_MARK.sub("", line).strip() for line in list_lines(answer)]


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())
