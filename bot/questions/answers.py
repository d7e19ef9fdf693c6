"""What kind of answer a card has, so a key meets distractors of its own kind.

A year is offered among years, a number among numbers, a name among names, a short phrase
among short phrases and a statement among statements: "1959 / Ben Gordon / Ben Simmons" gives
the year away to anyone who reads the question. Trivia lists accept several spellings of one
answer; only the first is shown, the others only decide what else would count as right.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from bot.cards.model import Card
from bot.questions.matching import normalise
from bot.questions.text import plain

# How Red-DiscordBot trivia answers reach Card.answer (bot/cards/trivia.py joins them so).
ALIAS_SEPARATOR = " / "
_TRIVIA_SUFFIXES = (".yaml", ".yml")

SHORT_WORDS = 5  # a phrase of at most this many words is "short", not a statement

_YEAR = re.compile(r"(?:in\s+)?(?:1[0-9]|20)\d\d(?:s|\s*(?:AD|BC|CE|BCE))?", re.I)
_NUMBER = re.compile(
    r"[-+−]?(?:\d{1,3}(?:[,\s]\d{3})+|\d+)(?:[.,]\d+)?\s*(?:%|[a-zA-Z°$€£]{0,12}\.?)?"
)
_CURRENCY = re.compile(r"^[$€£]\s*")
_ROMAN = re.compile(r"M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_NUMBER_WORDS = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "billion",
        "dozen",
    ]
)
# Words that start a name but are not themselves capitalised ("van Gogh", "da Vinci").
_NAME_PARTICLES = frozenset(
    ["of", "the", "and", "de", "da", "di", "van", "von", "der", "le", "la", "du", "del", "y"]
)

_MATH = set("=+−*/^∇∂∑∏√≈≤≥→←∝×·") | {chr(c) for c in range(0x370, 0x400)}

KINDS = ("year", "number", "numeral", "formula", "name", "short", "statement")


def is_trivia(card: Card) -> bool:
    """A card from a trivia list, whose answer is every accepted spelling joined."""
    source = card.source.rsplit(":", 1)[0]
    return PurePath(source).suffix.casefold() in _TRIVIA_SUFFIXES


def accepted_answers(card: Card) -> tuple[str, ...]:
    """Every answer the card accepts: the alias list of a trivia card, else its one answer."""
    if is_trivia(card):
        return tuple(a.strip() for a in card.answer.split(ALIAS_SEPARATOR) if a.strip())
    return (card.answer,)


def shown_answer(card: Card) -> str:
    """The answer an option shows: the first accepted spelling only."""
    answers = accepted_answers(card)
    return answers[0] if answers else ""


def answer_kind(text: str) -> str:
    """One of KINDS for an option text (already plain and short)."""
    text = plain(text).strip().rstrip(".")
    bare = _CURRENCY.sub("", text)
    if _YEAR.fullmatch(bare):
        return "year"
    if _NUMBER.fullmatch(bare) or _number_words(bare):
        return "number"
    if len(bare) >= 2 and _ROMAN.fullmatch(bare):
        return "numeral"  # "XXVI" among names gives the name away
    words = text.split()
    # "w ← w - η x_i" among sentences is spotted by its symbols alone.
    if sum(ch in _MATH for ch in text) >= 2 or "=" in text:
        return "formula"
    if len(words) > SHORT_WORDS:
        return "statement"
    if _is_name(words):
        return "name"
    return "short"


def number_value(text: str) -> float | None:
    """The numeric value of a year or number option, for "near in size" ranking ("Twenty
    one" is 21: a number written in words is no less a number)."""
    match = re.search(r"[-+−]?\d[\d,]*(?:\.\d+)?", plain(text))
    if match is None and _number_words(plain(text).strip().rstrip(".")):
        match = re.search(r"\d+", normalise(text))
    if match is None:
        return None
    try:
        return float(match.group(0).replace(",", "").replace("−", "-"))
    except ValueError:
        return None


def _number_words(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.casefold())
    return bool(words) and len(words) <= 3 and all(w in _NUMBER_WORDS for w in words)


def _is_name(words: list[str]) -> bool:
    """Proper-noun shaped: every word capitalised (particles aside), or one acronym."""
    cleaned = [w.strip("()[],.;:'\"!?") for w in words]
    cleaned = [w for w in cleaned if w]
    if not cleaned or not cleaned[0][:1].isupper():
        return False
    return all(
        w[:1].isupper() or w[:1].isdigit() or w.casefold() in _NAME_PARTICLES for w in cleaned
    )


def number_form(text: str) -> str:
    """How a number is written: "digits" (21, 1,000) or "words" (Twenty one), with its unit
    ("8 legs": "digits legs"). "21" among "Ten", "One" and "Seven", or among "20 questions"
    and "2300 BCE", stands out by its form alone."""
    if not any(ch.isdigit() for ch in text):
        return "words"
    unit = re.sub(r"[-+−\d.,\s%$€£]+", " ", plain(text)).split()
    return " ".join(["digits", *(w.casefold() for w in unit)])


# What a question asks for, read from its wording, so that "Which studio released Ben Hur?"
# meets studios and "Who played Rick Blaine?" meets people: a name's shape cannot tell
# "Metro-Goldwyn-Mayer" from "Charlton Heston", the question can.
_ASKED_NOUN_TEXT: dict[str, str] = {
    "person": """actor actors actress actresses singer singers rapper musician musicians composer
        artist artists painter sculptor author authors writer writers poet novelist playwright
        director directors producer president presidents king kings queen queens emperor
        prince princess inventor scientist mathematician physicist chemist philosopher
        explorer leader character characters villain hero heroine skateboarder player players
        athlete wrestler boxer golfer footballer quarterback pitcher driver astronaut pilot
        person people man men woman women boy girl son daughter father mother wife husband
        brother sister god goddess pope saint dictator general emperor chancellor minister
        comedian host presenter designer architect founder creator detective boss drummer
        songwriter manager coach chef doctor soldier spy wizard witch magician""",
    "organisation": """studio studios company companies firm firms corporation corporations
        developer developers publisher publishers manufacturer manufacturers label labels
        brand brands airline airlines network networks broadcaster carmaker automaker retailer chain
        organisation organization""",
    "city": "city cities town towns capital capitals village",
    "country": "country countries nation nations state states",
    "place": """continent island islands planet planets place county province region river
        rivers mountain mountains lake lakes ocean oceans sea seas desert""",
    "team": "team teams club clubs band bands group groups franchise",
    "title": """film films movie movies book books novel novels song songs album albums show shows
        series sitcom opera operas play musical poem painting magazine newspaper""",
    "game": "game games sport sports puzzle toy",
    "device": "console consoles computer computers phone phones system",
    "animal": "animal animals bird birds fish creature breed dog insect",
    "year": "year decade century",
}
_ASKED_NOUNS = {kind: frozenset(text.split()) for kind, text in _ASKED_NOUN_TEXT.items()}
_NOT_PEOPLE = frozenset(["playlist", "checklist", "wishlist", "twist", "mist"])
_ASKED_BY_NOUN = {noun: kind for kind, nouns in _ASKED_NOUNS.items() for noun in nouns}
_WH = re.compile(
    r"\b(who|whom|whose|where|when|how (?:many|much|long|old|far|tall|big)"
    r"|which|what|this|these|name (?:the|this|that|a|an)|name of(?: the| a| an)?)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_NAME_OF = re.compile(
    r"\s*(?:is|was|are|were)\s+(?:the\s+)?(?:name|title|term|word)\s+(?:of|for|given to)\b",
    re.IGNORECASE,
)
_LOOK_AHEAD = 4  # "which famous American skateboarder": the class noun comes within a few words


def asked_for(question: str) -> str | None:
    """The class of thing a question asks for ("person", "organisation", "city", "country",
    "place", "team", "title", "game", "device", "animal", "year", "number"), or None when its
    wording does not say. The first question word decides: "Who ..." is a person, "Which
    studio ..." an organisation, "What is the name of Luke's home planet?" a place; a later
    one belongs to a clause ("... in which Russell Crowe plays a mathematician")."""
    written = plain(question)
    found = _WH.search(written)
    if found is None:
        return None
    word = " ".join(found.group(1).casefold().split())
    if word in ("who", "whom", "whose"):
        return "person"
    if word == "where":
        return "place"
    if word == "when":
        return "year"
    if word.startswith("how "):
        return "number"
    start = found.end()
    named = _NAME_OF.match(written, start)  # "What is the name of ...": the class follows "of"
    if named:
        start = named.end()
    following = _WORD.findall(written[start:])[:_LOOK_AHEAD]
    for next_word in following:
        noun = next_word.casefold().removesuffix("'s")
        kind = _ASKED_BY_NOUN.get(noun)
        if kind is None and len(noun) > 5 and noun.endswith("ist") and noun not in _NOT_PEOPLE:
            kind = "person"  # guitarist, novelist, physicist
        if kind is not None or (next_word.endswith("'s") and next_word.islower()):
            # "this instrument's creator" asks for the instrument; "Luke's home planet" reads on
            return kind
    return None


def revealed_answer(card: Card, fmt: str = "choice") -> str:
    """The answer a reveal shows. A trivia card's answer is its accepted spellings joined
    ("1972 / '72"), which reads like two answers: the reveal says the canonical one, then
    "Also accepted:" with the others that tell something new: not ones that differ only by
    case, punctuation, an article or digits against words ("Seven" / "7"), nor a part of the
    canonical one ("Bogart" of "Humphrey Bogart"). A typed reveal lists every accepted
    answer on its own, so it gets the canonical one alone."""
    answers = accepted_answers(card)
    if not is_trivia(card) or len(answers) <= 1:
        return card.answer
    canonical = _singular(normalise(answers[0]))
    seen = {canonical}
    others = []
    for alias in answers[1:]:
        said = _singular(normalise(alias))
        if said and said not in seen and not set(said.split()) <= set(canonical.split()):
            seen.add(said)
            others.append(alias)
    if not others or fmt == "typed":
        return answers[0]
    return f"{answers[0]}\n\nAlso accepted: {', '.join(others)}"


def _singular(normalised: str) -> str:
    """ "apples" -> "apple", word by word: a plural is no other answer worth naming."""
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in normalised.split())
