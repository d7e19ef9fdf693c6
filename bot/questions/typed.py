"""Generated typed questions: the player types the answer, so no distractors are needed.

A card is asked typed when its answer is short (a Red trivia list's answers, a name, a number,
a term), or, failing that, as a cloze whose blank's term is typed in.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from bot.cards.model import Card
from bot.questions.cloze import ClozeMaker
from bot.questions.model import Question
from bot.questions.text import WORD, plain

TYPED_WORDS = 4  # an answer of more words is a sentence to discuss, not one to type
TYPED_CHARS = 40
RED_SEPARATOR = " / "  # how bot.cards.trivia joins a trivia list's accepted answers

NOT_QA = "not a question-and-answer card"
TOO_LONG = (
    f"its answer is longer than {TYPED_WORDS} words and has no bold key term short enough to "
    "type into a blank"
)
# A blank's term is typed only when a player can type it as written: a phrase of a few words
# ("margin of the data") is rejected when they type its head ("margin"), and "−log(1 − ŷ)"
# has no spelling on a keyboard.
BLANK_WORDS = 2
_TYPEABLE = re.compile(r"[^\W_]|[-−–'’.,%() ]")
_OPERATOR = re.compile(r"\s[-−+*/=]\s")


def typeable(term: str) -> bool:
    """Whether a blank's term can be typed as the answer: at most BLANK_WORDS words of
    letters (Greek too: η is read as "eta"), digits, dashes, apostrophes, "%" and an interval's
    brackets; no operator between terms ("ŷ − y") and no subscript ("ŷ_true")."""
    text = " ".join(plain(term).split())
    return (
        bool(text)
        and len(text.split()) <= BLANK_WORDS
        and all(_TYPEABLE.fullmatch(ch) for ch in text)
        and not _OPERATOR.search(text)
    )


_PARENTHESES = re.compile(r"\s*\([^()]*\)")


def short_answer(text: str) -> str | None:
    """`text` as an answer short enough to type, or None: one line of at most four words."""
    answer = " ".join(plain(text).split())
    if not answer or "\n" in plain(text).strip() or len(answer) > TYPED_CHARS:
        return None
    if len(WORD.findall(answer)) > TYPED_WORDS or answer.endswith((".", "!", "?", ":")):
        return None
    return answer


def accepted_answers(card: Card) -> tuple[str, ...]:
    """The typed answers a card accepts from its own text, canonical first; empty when the
    answer is too long to type. A Red trivia list's card accepts every listed answer."""
    if _is_trivia_list(card):
        listed = [short_answer(a) for a in card.answer.split(RED_SEPARATOR)]
        return _distinct([a for a in listed if a])
    answer = short_answer(card.answer)
    if answer is None:
        return ()
    # "ReLU (rectified linear unit)": the name alone is the answer too.
    bare = _PARENTHESES.sub("", answer).strip()
    return _distinct([answer, bare] if bare else [answer])


class TypedMaker:
    def __init__(self, cards: Sequence[Card], cloze: ClozeMaker) -> None:
        self.cards = cards
        self.cloze = cloze

    def skipped(self, index: int) -> str | None:
        card = self.cards[index]
        if card.kind != "qa" or not card.answer.strip():
            return NOT_QA
        if accepted_answers(card) or self._blanks(index):
            return None
        return TOO_LONG

    def make(self, index: int, rng: random.Random) -> Question | None:
        card = self.cards[index]
        accepted = accepted_answers(card)
        if accepted:
            return Question(card.id, "typed", card.question, (), None, accepted=accepted)
        blanks = self._blanks(index)
        if not blanks:
            return None
        prompt, term = blanks[rng.randrange(len(blanks))]
        return Question(card.id, "typed", prompt, (), None, accepted=(term,))

    def _blanks(self, index: int) -> tuple[tuple[str, str], ...]:
        return tuple(b for b in self.cloze.blanks(index) if typeable(b[1]))


def typed_from_item(
    card: Card,
    accepted: Sequence[str],
    cloze: tuple[str, str] | None,
    erratum: str | None = None,
) -> Question | None:
    """An authored card asked typed: its item's `accepted` list, else its cloze sentence with
    the key as the answer when the key can be typed (`typeable`). The item's erratum goes
    along: the reveal shows the card's answer."""
    if accepted:
        return Question(
            card.id, "typed", card.question, (), None, "authored",
            erratum=erratum, accepted=tuple(accepted),
        )  # fmt: skip
    if cloze is not None and typeable(cloze[1]):
        prompt, key = cloze
        return Question(
            card.id, "typed", prompt, (), None, "authored", erratum=erratum, accepted=(key,)
        )
    return None


def _is_trivia_list(card: Card) -> bool:
    name = card.source.rpartition(":")[0].casefold()
    return name.endswith((".yaml", ".yml")) and not name.endswith((".items.yaml", ".items.yml"))


def _distinct(answers: list[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    kept = []
    for answer in answers:
        if answer.casefold() not in seen:
            seen.add(answer.casefold())
            kept.append(answer)
    return tuple(kept)
