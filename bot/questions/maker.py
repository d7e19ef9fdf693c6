"""Cards -> questions: the authored item where a deck has one, else a generated question.

Every method is deterministic for a seed, so every process and every retry asks the same.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Mapping, Sequence

from bot.cards.items import Item
from bot.cards.model import Card
from bot.questions.choice import ChoiceMaker
from bot.questions.cloze import BLANK, ClozeMaker
from bot.questions.formats import FORMATS, MIXABLE, MIXED, check_format
from bot.questions.index import SimilarityIndex
from bot.questions.model import Generator, Question, assemble
from bot.questions.picker import CardFilter, Picker
from bot.questions.text import SPACE
from bot.questions.typed import TypedMaker, typed_fits, typed_from_item

# How many of the cards asked just before a card are checked for being its twin: a quiz
# (20 at most) in full, and a list of thousands (`quizbot questions`) stays linear.
TWINS_SEEN = 40


class QuestionMaker:
    """Turns cards into questions. Build once per library."""

    def __init__(self, cards: Sequence[Card], items: Mapping[str, Item] | None = None) -> None:
        self.cards: tuple[Card, ...] = tuple(cards)
        self.items: Mapping[str, Item] = items or {}
        self.picker = Picker(self.cards)
        self._position = {card.id: i for i, card in enumerate(self.cards)}
        index = SimilarityIndex(self.cards)
        self._index = index
        # Generated formats, by name: adding one is an entry in formats.FORMATS and a maker.
        cloze = ClozeMaker(self.cards, index)
        self._generators: dict[str, Generator] = {
            "choice": ChoiceMaker(self.cards, index),
            "cloze": cloze,
            "typed": TypedMaker(self.cards),
        }

    @property
    def topics(self) -> list[str]:
        return self.picker.topics

    def resolve_topic(self, topic: str) -> str:
        """The one topic `topic` names (see `picker.resolve_topic`); a `TopicError` (a
        ValueError) saying what matched otherwise."""
        return self.picker.resolve_topic(SPACE.sub(" ", topic))

    def prompt(self, card: Card) -> Question:
        """An open question for discussion: not scored, so no options and no answer."""
        return Question(card.id, "prompt", card.question, (), None)

    def make(self, card: Card, fmt: str, seed: int | str) -> Question | None:
        """One question from `card` in format `fmt`, the same for the same seed.

        None when the card cannot give that format: a prompt card asked for choice or cloze,
        no authored cloze and no bold key term that makes a fair blank, or fewer than three
        fair distractors.
        """
        check_format(fmt, tuple(FORMATS))
        if fmt == "prompt":
            return self.prompt(card)
        if card.kind != "qa" or not card.answer.strip():
            return None
        index = self._position.get(card.id)
        if index is None:
            raise ValueError(f"card {card.id} ({card.source}) is not in this question maker")
        rng = random.Random(f"{seed}:{card.id}:{fmt}")
        item = self.items.get(card.id)
        if item is not None:
            # An authored card is never served a generated question: an item without a
            # cloze sentence means its writer found no fair blank.
            return _authored(card, item, fmt, rng)
        self._index.build()
        return self._generators[fmt].make(index, rng)

    def typed_fits(self, card: Card) -> bool:
        """`mixed` asks this card typed: a short answer with accepted answers (`typed_fits`)."""
        item = self.items.get(card.id)
        return typed_fits(card, item.typed_answers if item is not None else None)

    def skipped(self, card: Card, fmt: str) -> str | None:
        """Why `card` makes no `fmt` question (the operator's view), or None when it makes one."""
        check_format(fmt, tuple(FORMATS))
        if fmt == "prompt":
            return None
        if card.kind != "qa" or not card.answer.strip():
            return "a discussion prompt has no answer to ask for"
        item = self.items.get(card.id)
        if item is not None:
            if fmt == "cloze" and item.cloze is None:
                return "its authored item has no cloze sentence"
            if fmt == "typed" and not item.typed_answers:
                return (
                    "its authored item lists no accepted answers (for its question or its "
                    "cloze) to read a typing against"
                )
            return None
        self._index.build()
        return self._generators[fmt].skipped(self._position[card.id])

    def generate(
        self,
        count: int,
        seed: int | str,
        fmt: str = MIXED,
        topic: str | None = None,
        level: str | None = None,
        exclude: Iterable[str] = (),
        avoid: Iterable[str] = (),
        prefer: Sequence[str] = (),
    ) -> list[Question]:
        """Up to `count` questions from distinct cards, the same list for the same seed.

        "mixed" asks a card typed when its answer is short with accepted answers to read a
        typing against (`typed_fits`), else draws one of the mixable formats (choice when the
        card cannot make the one drawn); "prompt" draws from prompt cards only. Cards in
        `exclude` are never asked; cards in `avoid` (asked lately) only when the others run
        out. Fewer than `count` come
        back when the filter leaves fewer cards that can make the format. Cards in `prefer` (a
        player's due and weakest cards) are tried first, in that order, even if asked lately.
        A card that asks or answers what an earlier one of the list does (`duplicates`: the
        core and advanced tables' twins, one card's answer in another's question) waits until
        the others run out: the second would be answered by the first.
        """
        check_format(fmt)
        topic_name = self.resolve_topic(topic) if topic else None
        kind = "prompt" if fmt == "prompt" else "qa"
        eligible = _in_load_order(
            self.picker.eligible(CardFilter(kind, None, topic_name, level)), self._position
        )
        skip = set(exclude)
        rng = random.Random(seed)
        questions: list[Question] = []
        # Bounded: in a library where most cards cannot make the format, stop looking
        # rather than touch every card.
        attempts = 4 * count + 200
        by_id = {card.id: card for card in eligible} if prefer else {}
        first = (by_id[card_id] for card_id in prefer if card_id in by_id)
        tried: set[str] = set()
        asked: list[int] = []  # positions of the cards asked so far
        twins: list[Question] = []
        fresh = self.picker.fresh_order(eligible, rng, count + len(skip), avoid)
        for card in itertools.chain(first, fresh):
            if len(questions) >= count or attempts == 0:
                break
            if card.id in skip or card.id in tried:
                continue
            tried.add(card.id)
            attempts -= 1
            card_seed = rng.getrandbits(64)
            wanted = rng.choice(MIXABLE) if fmt == MIXED else fmt
            if fmt == MIXED and self.typed_fits(card):
                # Drawn after the draw above, so every other card gets what it got before.
                wanted = "typed"
            question = self.make(card, wanted, card_seed)
            if question is None and fmt == MIXED:
                question = self.make(card, "choice", card_seed)
            if question is None:
                continue
            position = self._position[card.id]
            if any(self._index.duplicates(position, other) for other in asked[-TWINS_SEEN:]):
                twins.append(question)
                continue
            asked.append(position)
            questions.append(question)
        return questions + twins[: max(0, count - len(questions))]


def _in_load_order(cards: Sequence[Card], position: Mapping[str, int]) -> list[Card]:
    # Generation draws by position in the library, so a seed gives the same questions as
    # before the picker sorted by id; the daily rotation uses the id order.
    return sorted(cards, key=lambda card: position[card.id])


def _authored(card: Card, item: Item, fmt: str, rng: random.Random) -> Question | None:
    if fmt == "typed":
        return typed_from_item(card, item)
    authored = item.choice if fmt == "choice" else item.cloze
    if authored is None:
        return None
    prompt = authored.prompt
    if fmt == "cloze":
        prompt = prompt.replace("___", BLANK, 1)
    return assemble(
        card.id,
        "choice" if fmt == "choice" else "cloze",
        prompt,
        authored.key.text,
        [d.text for d in authored.distractors],
        rng,
        origin="authored",
        explanations=tuple(o.why for o in authored.options),
        erratum=item.erratum,
    )
