"""Does an option fit the blank's neighbours, and does the sentence explain its own blank?

A cloze option that breaks the sentence's grammar ("grows ___" -> "Laplace distribution") is
ruled out by grammar alone, and a blank followed by its own gloss ("the ___ or importance",
"the ___ (uphill)") is filled in by the sentence: only the key would be a fair question there.
"""

from __future__ import annotations

import re

from bot.questions.terms import Term
from bot.questions.text import plain

BLANK_MARK = "_____"  # cloze.BLANK; kept here so grammar does not import the maker

_VOWEL_SOUND = re.compile(r"^(?:[aeio]|u(?![nr]i|s[eu]|ti)|h(?:our|onest|eir))", re.I)
# Letters said with a vowel sound when an acronym is spelt out ("an MSE", "an RNN").
_VOWEL_LETTERS = frozenset("aefhilmnorsx")
_SINGULAR_VERBS = frozenset(["is", "was", "has", "does"])
_PLURAL_VERBS = frozenset(["are", "were", "have", "do"])
_PLURAL_DETERMINERS = frozenset(["these", "those", "many", "several", "few", "both", "two"])
_SINGULAR_DETERMINERS = frozenset(["a", "an", "this", "that", "each", "every", "one"])


def fits_blank(sentence: str, key: Term, option: Term) -> bool:
    """True when `option` reads as well in the blank of `sentence` as `key` does: the same
    article sound after "a"/"an", the same number next to "is/are" or "these/this", and the
    same word form (an adverb for an adverb)."""
    before, _, after = _around(sentence)
    previous = before.split()[-1].casefold() if before.split() else ""
    following = after.split()[0].casefold().strip(",.;:") if after.split() else ""
    if previous in ("a", "an") and _article(option.text) != previous:
        return False
    if (
        previous in _PLURAL_DETERMINERS | _SINGULAR_DETERMINERS
        or following in (_SINGULAR_VERBS | _PLURAL_VERBS)
    ) and _plural(option.text) != _plural(key.text):
        return False
    verb_slot = previous in _BEFORE_VERB or (previous.endswith("ly") and len(previous) > 4)
    if verb_slot and _nounish(option.text) != _nounish(key.text):
        return False  # "allows us to ___", "heavily ___" want a verb
    if following in _OBJECTS and _form(key.text.split()[0]) != _form(option.text.split()[0]):
        return False  # "___ them" wants a verb
    return _form(key.text) == _form(option.text)


def glossed(sentence: str, term: Term) -> bool:
    """The sentence explains its own blank: a bracket or an "or …" gloss right after it, or
    the term's initials spelt out in it (the blank is "VGP" and the sentence says "vanishing
    gradient problem", or the other way round)."""
    before, found, after = _around(sentence)
    text = before + found + after
    after = after.lstrip()
    if after.startswith(("(", "[")) or re.match(r"or\b|i\.e\.|,\s*or\b", after):
        return True
    if found and before.rstrip().endswith(("(", " or", "i.e.")):
        return True
    words = re.findall(r"[A-Za-z][\w-]*", text)
    # The term's initials as a word of the sentence: "gradient descent" and "GD".
    if len(term.initials) >= 2 and any(w.casefold() == term.initials for w in words if w.isupper()):
        return True
    if term.kind == "acronym":
        letters = re.sub(r"[^a-z]", "", term.text.casefold())
        initials = "".join(w[0] for w in words).casefold()
        if len(letters) >= 2 and letters in initials:
            return True
    return False


def _around(sentence: str) -> tuple[str, str, str]:
    """Plain text before and after the blank (plain() alone would read "__" as markup)."""
    before, found, after = sentence.partition(BLANK_MARK)
    return plain(before), found, plain(after)


def _article(text: str) -> str:
    word = text.split()[0] if text.split() else ""
    if word.isupper() and len(word) > 1:
        return "an" if word[0].casefold() in _VOWEL_LETTERS else "a"
    return "an" if _VOWEL_SOUND.match(word) else "a"


def _plural(text: str) -> bool:
    last = text.split()[-1].casefold() if text.split() else ""
    return last.endswith("s") and not last.endswith(("ss", "us", "is", "ous"))


def _form(text: str) -> str:
    """A guess at the part of speech of a term's last word, from its ending."""
    words = text.split()
    if not words:
        return ""
    word = words[-1].casefold().strip("().,")
    for ending in ("ly", "ing", "ed"):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            return ending
    if word.endswith(_ADJECTIVE_ENDINGS) and len(word) > 5:
        return "adjective"
    if len(words) == 1 and word.endswith(("es", "izes", "ates")) and not word.endswith("ies"):
        return "verb"
    return ""


_BEFORE_VERB = frozenset(["to", "can", "cannot", "will", "must", "should", "may", "might"])
_NOUN_ENDINGS = ("tion", "ness", "ity", "ment", "ance", "ence", "ism", "ure", "ion")


def _nounish(text: str) -> bool:
    words = [w.casefold() for w in text.split()] or [""]
    return words[0] in ("a", "an", "the") or any(w.endswith(_NOUN_ENDINGS) for w in words)


_ADJECTIVE_ENDINGS = ("al", "ive", "ous", "ic", "able", "ible", "ful", "less", "ary")
_OBJECTS = frozenset(["them", "it", "him", "her", "us", "the", "a", "an", "each", "every"])
