"""Is a typed answer one of a question's accepted answers?

Tolerant where a person's typing differs without changing the answer (case, accents,
punctuation, spacing, a leading article, "three" for "3", "1,000" for "1000", "eta" for "η",
"L²" for "L2", a small typo in a long word) and strict where it would change it: a number is
never "nearly" right unless a tolerance is declared ("9.81 ± 0.05"), a short answer allows no
typo, a quotient of numbers ("1/2") is read as its value, a part of the answer or an answer
hidden inside a longer one is wrong (Red trivia's known bug accepts "air" inside "chair"),
and hedging between candidates ("adam or sgd") is wrong. A fill-in-the-blank typed with the
sentence's own word beside the blank ("skip connections" for "___ connections") is read
without that word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.questions.grammar import BLANK_MARK as BLANK

ARTICLES = frozenset({"the", "a", "an"})
CONTEXT_WORDS = 2  # words of the sentence on either side of a blank a typing may repeat
# Words a hedge puts between candidates; "and" is left out: it joins real answers.
_HEDGE = re.compile(r"\s(?:or|and/or)\s|[/;|,]|\s-\s")
_THOUSANDS = re.compile(r"(?<![\d.])(\d{1,3})((?:[,\u00a0\u202f\u2009' _]\d{3})+)(?![\d])")
_TOLERANCE = re.compile(r"^\s*(.+?)\s*(?:±|\+/-|\+-)\s*([0-9.]+)\s*$")
_NUMBER = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)$")
_FRACTION = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*$")
_DIGITS = re.compile(r"\d+")

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SYMBOL_WORDS = (
    ("\u221a", " sqrt "),  # "1/√B" is not "1/B"
    ("\u221e", " infinity "), ("\u2265", " at least "), (">=", " at least "),
    ("\u2264", " at most "), ("<=", " at most "),
)  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


@dataclass(frozen=True, slots=True)
class Reading:
    """How a typed answer was read: `accepted` is the accepted answer it counts as (None when
    wrong); `exact` is False when it took more than case and spacing to see that."""

    correct: bool
    accepted: str | None = None
    exact: bool = False


WRONG = Reading(False)


def typo_allowance(length: int) -> int:
    """Edits forgiven in an answer of `length` letters: none up to 4, where one edit makes
    another word ("cat"/"car"), then one per six letters or so, at most three."""
    if length <= 4:
        return 0
    if length <= 7:
        return 1
    if length <= 12:
        return 2
    return 3


def normalise(text: str) -> str:
    """The answer as compared: lower case, no accents or punctuation, Greek letters by name,
    superscripts and subscripts as digits, number words as digits, no thousands separators,
    no leading article, single spaces. Idempotent."""
    text = unicodedata.normalize("NFKC", text)  # ² -> 2, ﬁ -> fi, full-width -> ASCII
    text = "".join(_greek_name(ch) for ch in text)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _THOUSANDS.sub(lambda m: m.group(1) + re.sub(r"\D", "", m.group(2)), text)
    text = text.replace("&", " and ").replace("\u2212", "-").replace("\u2013", "-")
    # Symbols a player may type for words, which the punctuation rule would erase.
    for symbol, spoken in _SYMBOL_WORDS:
        text = text.replace(symbol, spoken)
    text = re.sub(r"(?<![\w.])\.(?=\d)", "0.", text)  # ".5" is 0.5, not 5
    # A sign is part of the answer: "−y x" is not "y x" (a hyphen inside a word is spacing).
    text = re.sub(r"(?:(?<=\s)|^)-(?=[^\W\d_])", " minus ", text)
    # ... also where the whole answer is negated: "- y x", "-(y x)".
    text = re.sub(r"^\s*-\s*(?=[^\W\d_]|\()", " minus ", text)
    text = re.sub(r"['’‘`]", "", text)  # o'brien = obrien, don't = dont
    # Keep a decimal point and a leading minus; + and # make different names (C, C++, C#).
    text = re.sub(r"(?<=\d)\.(?=\d)", "\0", text)
    text = re.sub(r"(?:(?<=\s)|^)-(?=\d)", "\1", text)
    text = re.sub(r"[^\w+#\0\1]+|_", " ", text)
    text = text.replace("\0", ".").replace("\1", "-")
    words = _numbers_as_digits(text.split())
    while len(words) > 1 and words[0] in ARTICLES:  # all of them: "A:A:0" is "0" at once
        words = words[1:]
    return " ".join(words)


def split_tolerance(accepted: str) -> tuple[str, float]:
    """ "9.81 ± 0.05" -> ("9.81", 0.05): an accepted number may declare how far off counts."""
    match = _TOLERANCE.match(accepted)
    if match and _NUMBER.match(normalise(match.group(1))):
        return match.group(1), float(match.group(2))
    return accepted, 0.0


def match(
    typed: str, accepted: Sequence[str], refused: Sequence[str] = (), prompt: str = ""
) -> Reading:
    """Read `typed` against `accepted` (the first is canonical). Exact readings win over
    tolerant ones, and of tolerant ones the closest wins. A typing that is one of `refused`
    (known wrong answers), or no farther from one than from the closest accepted answer, is
    wrong: a typo allowance must not turn "decreases" into "increases". `prompt`: the
    question; where it has a blank, the words on either side of it may come with the answer
    ("skip connections" for "___ connections"), read as if left out."""
    reading = _match(typed, accepted, refused)
    if reading.correct or BLANK not in prompt:
        return reading
    for trimmed in _without_blank_context(normalise(typed), prompt):
        again = _match(trimmed, accepted, refused)
        if again.correct:
            return Reading(True, again.accepted, False)
    return reading


def _without_blank_context(said: str, prompt: str) -> list[str]:
    """`said` without the prompt's words that border the blank, where it repeats them:
    "skip connections" -> "skip" for "... ___ connections around ...". Longest cut first."""
    before, _, after = prompt.partition(BLANK)
    left = normalise(before).split()[-CONTEXT_WORDS:]
    right = normalise(after).split()[:CONTEXT_WORDS]
    words = said.split()
    found: list[str] = []
    for n_left in range(len(left), -1, -1):
        for n_right in range(len(right), -1, -1):
            kept = len(words) - n_left - n_right
            if n_left + n_right == 0 or kept < 1:
                continue
            head, rest = words[:n_left], words[n_left:]
            if head == left[len(left) - n_left :] and rest[kept:] == right[:n_right]:
                found.append(" ".join(rest[:kept]))
    return found


def _match(typed: str, accepted: Sequence[str], refused: Sequence[str]) -> Reading:
    said = normalise(typed)
    if not said.replace(" ", ""):
        return WRONG
    answers = [(a, *split_tolerance(a)) for a in accepted if a.strip()]
    for shown, value, _ in answers:
        want = normalise(value)
        spaced_alike = _DIGITS.findall(said) == _DIGITS.findall(want)  # "10 00" is not 1000
        if said == want or (spaced_alike and _compact(said) == _compact(want)):
            plain = " ".join(typed.split()).casefold() == " ".join(value.split()).casefold()
            return Reading(True, shown if not _TOLERANCE.match(shown) else value, plain)
    fraction = _fraction(typed)
    if fraction is not None:  # "199/2" is a number, not two candidates
        for _shown, value, tolerance in answers:
            want = normalise(value)
            if _NUMBER.match(want) and _same_number(fraction, want, tolerance):
                return Reading(True, value, False)
        return WRONG
    if _hedges(typed):
        return WRONG
    wrong = [_compact(normalise(r)) for r in refused if r.strip()]
    if _compact(said) in wrong:
        return WRONG
    best: tuple[int, str] | None = None
    for _shown, value, tolerance in answers:
        want = normalise(value)
        if _NUMBER.match(want):
            if _NUMBER.match(said) and abs(float(said) - float(want)) <= tolerance:
                return Reading(True, value, False)
            continue
        distance = _typo_distance(_compact(said), _compact(want))
        if distance is not None and (best is None or distance < best[0]):
            best = (distance, value)
    if best is None:
        return WRONG
    limit = best[0]
    if any(_edit_distance(_compact(said), w, limit) <= limit for w in wrong):
        return WRONG
    return Reading(True, best[1], False)


def _fraction(typed: str) -> float | None:
    """ "199/2" -> 99.5, "-1 / 4" -> -0.25: a quotient of two plain numbers, else None."""
    found = _FRACTION.match(unicodedata.normalize("NFKC", typed).replace("\u2212", "-"))
    if not found or float(found.group(2)) == 0:
        return None
    return float(found.group(1)) / float(found.group(2))


def _same_number(value: float, want: str, tolerance: float) -> bool:
    """A quotient against an accepted number: within the declared tolerance, or, where the
    accepted number is a rounded decimal ("0.33"), rounded alike (1/3 counts). An integer
    wants the exact value: 21/4 is not 5."""
    decimals = len(want.partition(".")[2])
    margin = max(tolerance, 0.5 * 10**-decimals if decimals >= 2 else 1e-9)
    return abs(value - float(want)) <= margin


def _typo_distance(said: str, want: str) -> int | None:
    """Edits from `said` to `want` when within the allowance, else None. Digits must agree
    exactly (a typo in "covid19" makes another name), and a part of the answer, or the answer
    inside something longer, is never a typo."""
    if _DIGITS.findall(said) != _DIGITS.findall(want):
        return None
    if said in want or want in said:
        return None
    allowance = typo_allowance(len(want))
    if allowance == 0 or abs(len(said) - len(want)) > allowance:
        return None
    distance = _edit_distance(said, want, allowance)
    return distance if distance <= allowance else None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment): a swapped pair is one typo. Stops
    early once every path exceeds `limit`."""
    before: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _hedges(typed: str) -> bool:
    """ "adam or sgd", "adam/sgd", "adam, sgd": more than one candidate named."""
    text = _THOUSANDS.sub(lambda m: m.group(0).replace(",", ""), typed.casefold())
    parts = [p for p in _HEDGE.split(f" {text} ") if normalise(p)]
    return len(parts) > 1


def _compact(normalised: str) -> str:
    # "ice cream" = "icecream", "delta x" = "Δx": spacing is not part of the answer.
    return normalised.replace(" ", "")


def _greek_name(ch: str) -> str:
    if not ("\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff"):
        return ch
    name = unicodedata.name(ch, "")
    words = name.split()
    if "LETTER" not in words:
        return ch
    letter = words[words.index("LETTER") + 1 :]
    if letter[:1] == ["FINAL"]:
        letter = letter[1:]
    return f" {letter[0].lower()} " if letter else ch


def _numbers_as_digits(words: list[str]) -> list[str]:
    """ "twenty one" -> "21", "one hundred and five" -> "105"; other words as they are."""
    out: list[str] = []
    i = 0
    while i < len(words):
        scaled = words[i].isdigit() and i + 1 < len(words) and words[i + 1] in _SCALES
        if words[i] not in _UNITS and not scaled:
            out.append(words[i])
            i += 1
            continue
        total, current, j = 0, 0, i
        if scaled:  # "1 million", "2 thousand"
            current, j = int(words[i]), i + 1
        while j < len(words):
            word = words[j]
            if word in _UNITS:
                low, value = current % 100, _UNITS[word]
                if not (low == 0 or (low >= 20 and low % 10 == 0 and value < 10)):
                    break
                current += value
            elif word in _SCALES and current:
                if _SCALES[word] == 100:
                    current *= 100
                else:
                    total += current * _SCALES[word]
                    current = 0
            elif (
                word == "and"
                and (current or total)
                and j + 1 < len(words)
                and words[j + 1] in _UNITS
            ):
                pass
            else:
                break
            j += 1
        out.append(str(total + current))
        i = j
    return out
