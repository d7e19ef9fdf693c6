"""Generated typed questions: the player types the answer, so no distractors are needed.

A card is asked typed only when its answer is short (a Red trivia list's answers, a name, a
number, a term) and so comes with a list of accepted answers. A generated cloze blank is not
asked typed: its one key term, with no synonyms declared, would refuse every other fair way of
saying it; an authored cloze is, when its item lists the typings that count (`accepted`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from bot.cards.items import BLANK_MARK, Item
from bot.cards.model import Card
from bot.questions.cloze import BLANK
from bot.questions.model import Question
from bot.questions.text import WORD, plain

TYPED_WORDS = 4  # an answer of more words is a sentence to discuss, not one to type
TYPED_CHARS = 40
RED_SEPARATOR = " / "  # how bot.cards.trivia joins a trivia list's accepted answers

NOT_QA = "not a question-and-answer card"
TOO_LONG = (
    f"its answer is longer than {TYPED_WORDS} words: no short answer with accepted answers to "
    "read a typing against"
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


def typed_fits(card: Card, authored_accepted: Sequence[str] | None = None) -> bool:
    """Is `card` best asked typed: is its answer short (a name, a number, a term) with a list
    of accepted answers to read a typing against? An authored card: its item's typed answers
    (`Item.typed_answers`; None: the card has no item); any other card: the answers its own
    text gives."""
    if card.kind != "qa":
        return False
    if authored_accepted is not None:
        return bool(authored_accepted)
    return bool(accepted_answers(card))


class TypedMaker:
    def __init__(self, cards: Sequence[Card]) -> None:
        self.cards = cards

    def skipped(self, index: int) -> str | None:
        card = self.cards[index]
        if card.kind != "qa" or not card.answer.strip():
            return NOT_QA
        return None if accepted_answers(card) else TOO_LONG

    def make(self, index: int, rng: random.Random) -> Question | None:
        card = self.cards[index]
        accepted = accepted_answers(card)
        if not accepted:
            return None
        return Question(card.id, "typed", card.question, (), None, accepted=accepted)


def typed_from_item(card: Card, item: Item) -> Question | None:
    """An authored card asked typed: its item's stem read against the item's `accepted`
    list, else its cloze sentence read against the cloze's `accepted` list; None when the item
    lists neither. The stem, not the card's question: it was written to be answerable before
    any option is seen, and names what the answer refers to ("on N training examples" for
    the answer "N"). The item's erratum goes along: the reveal shows the card's answer."""
    refused: tuple[str, ...] = ()
    if item.accepted:
        prompt, accepted = item.choice.prompt, item.accepted
    elif item.cloze is not None and item.cloze.accepted:
        prompt = item.cloze.prompt.replace(BLANK_MARK, BLANK, 1)
        accepted = item.cloze.accepted
        # The wrong options the writer chose are the likeliest wrong typings: never read one
        # of them as a typo of the key.
        refused = tuple(d.text for d in item.cloze.distractors)
    else:
        return None
    return Question(
        card.id, "typed", prompt, (), None, "authored",
        erratum=item.erratum, accepted=tuple(accepted), refused=refused,
    )  # fmt: skip


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
