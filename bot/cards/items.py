"""Authored items: hand-written questions for a deck's cards, kept in a sidecar file.

`deep-learning-qa.items.yaml` beside `deep-learning-qa.md` holds, per card, a reworded stem,
the key, three distractors and one line per option saying why it is right or wrong, and
optionally a cloze sentence, an erratum (where the card itself is wrong) and typed answers.
The deck file itself stays as it was written. The format is in the README ("Writing items").

A broken item is an error naming `file:line` and is left out; the deck's cards still load and
the generator serves them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import yaml

from bot.cards.model import Card, LintMessage, Severity, card_id

ITEM_SUFFIXES = (".items.yaml", ".items.yml")
BLANK_MARK = "___"
OPTION_WARN = 110  # longer options crowd a phone screen; a warning, not an error
CLOZE_OPTION_WARN = 40
WHY_WARN = 240

_ITEM_KEYS = frozenset({"card", "question", "stem", "key", "why", "distractors", "cloze",
                        "erratum", "accepted"})  # fmt: skip
_CLOZE_KEYS = frozenset({"text", "key", "why", "distractors", "accepted"})


@dataclass(frozen=True, slots=True)
class Option:
    text: str
    why: str  # empty when the writer gave no explanation


@dataclass(frozen=True, slots=True)
class AuthoredQuestion:
    """One authored question: a choice stem or a cloze sentence, the key and three others."""

    prompt: str
    key: Option
    distractors: tuple[Option, Option, Option]
    # A cloze whose blank may be typed: every typing that counts, the key first. Empty: the
    # blank is asked with options only (one key term refuses every other fair wording).
    accepted: tuple[str, ...] = ()

    @property
    def options(self) -> tuple[Option, ...]:
        return (self.key, *self.distractors)


@dataclass(frozen=True, slots=True)
class Item:
    card_id: str
    source: str  # "file:line" of the item
    choice: AuthoredQuestion
    cloze: AuthoredQuestion | None = None
    erratum: str | None = None
    accepted: tuple[str, ...] = ()

    @property
    def typed_answers(self) -> tuple[str, ...]:
        """What a typing of this item is read against: its own `accepted` list (for the card's
        question), else its cloze's (for the cloze sentence); empty when it is not typed."""
        if self.accepted:
            return self.accepted
        return self.cloze.accepted if self.cloze is not None else ()


def is_item_file(name: str) -> bool:
    return name.casefold().endswith(ITEM_SUFFIXES)


@dataclass(frozen=True, slots=True)
class ParsedItems:
    """Items keyed by card id, and what lint found."""

    items: dict[str, Item]
    messages: tuple[LintMessage, ...]


def parse_items(text: str, name: str, cards: Sequence[Card]) -> ParsedItems:
    """Items from one sidecar file, matched against `cards` by id or question text."""
    report = _Report(name)
    say = report.say
    try:
        root, data = _load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        say(line, "error", f"not valid YAML ({problem}): quote values that contain ': '")
        return ParsedItems({}, tuple(report.messages))
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        say(1, "error", "an items file is a mapping with an `items:` list: see the README")
        return ParsedItems({}, tuple(report.messages))
    nodes = _item_nodes(root)
    by_id = {card.id: card for card in cards}
    items: dict[str, Item] = {}
    first_line: dict[str, int] = {}
    for position, raw in enumerate(data["items"]):
        line = nodes[position] if position < len(nodes) else 1
        item = _item(raw, line, by_id, report)
        if item is None:
            continue
        if item.card_id in items:
            say(line, "error", f"a second item for card {item.card_id} (the first is at line "
                f"{first_line[item.card_id]}): keep one")  # fmt: skip
            continue
        items[item.card_id] = item
        first_line[item.card_id] = line
    return ParsedItems(items, tuple(report.messages))


def missing_items(items: dict[str, Item], cards: Iterable[Card], deck: str) -> list[LintMessage]:
    """A warning for each answered card of `deck` that its items file does not cover."""
    return [
        LintMessage(card.source, "warning", f"card {card.id} has no authored item: add one "
                    f"to {deck}.items.yaml or the generator will make its questions",
                    "missing-item")
        for card in cards
        if card.deck == deck and card.kind == "qa" and card.id not in items
    ]  # fmt: skip


def _item_nodes(root: yaml.Node | None) -> list[int]:
    """1-based line of each entry of the `items:` list, in order."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if (
            isinstance(key, yaml.ScalarNode)
            and key.value == "items"
            and isinstance(value, yaml.SequenceNode)
        ):
            return [node.start_mark.line + 1 for node in value.value]
    return []


# libyaml parses the shipped items in a tenth of the pure-Python time (0.08 s against 0.7 s):
# that is most of `quizbot cards stats`'s start-up.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Every scalar is text: a card id such as 012345670123 must not become an octal number,
    nor an answer "3" an int, nor "no" False."""


_TextLoader.yaml_implicit_resolvers = {}


def _load(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its data, from one parse."""
    loader = _TextLoader(text)
    try:
        root = loader.get_single_node()
        return root, loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


class _Report:
    def __init__(self, name: str) -> None:
        self.name = name
        self.messages: list[LintMessage] = []

    def say(self, line: int, severity: Severity, what: str, kind: str = "") -> None:
        if severity == "warning":
            kind = kind or "item"
        self.messages.append(LintMessage(f"{self.name}:{line}", severity, what, kind))


Say = Callable[..., None]  # _Report.say


def _item(raw: Any, line: int, by_id: dict[str, Card], report: _Report) -> Item | None:
    say = report.say
    if not isinstance(raw, dict):
        say(line, "error", "an item is a mapping (card:, stem:, key:, why:, distractors:)")
        return None
    for unknown in sorted(set(map(str, raw)) - _ITEM_KEYS):
        say(line, "warning", f"unknown field {unknown!r} ignored; fields are "
            f"{', '.join(sorted(_ITEM_KEYS))}", "item-field")  # fmt: skip
    card = _card_of(raw, by_id)
    if card is None:
        named = raw.get("card") or raw.get("question")
        say(line, "warning", f"item for {str(named)[:60]!r} matches no loaded card: check the "
            "card id (`quizbot cards export`) or the question text", "item-unmatched")  # fmt: skip
        return None
    if card.kind != "qa":
        say(line, "error", f"card {card.id} is a discussion prompt: prompts take no item")
        return None
    choice = _question(raw, "stem", line, say, OPTION_WARN)
    if choice is None:
        return None
    cloze = None
    if raw.get("cloze") is not None:
        cloze = _cloze(raw["cloze"], line, say)
    erratum = raw.get("erratum")
    if erratum is not None and not (isinstance(erratum, str) and erratum.strip()):
        say(line, "error", "`erratum` is a sentence saying what the card gets wrong")
        erratum = None
    accepted = _accepted(raw, line, say)
    return Item(
        card_id=card.id,
        source=f"{report.name}:{line}",
        choice=choice,
        cloze=cloze,
        erratum=erratum.strip() if isinstance(erratum, str) else None,
        accepted=accepted,
    )


def _card_of(raw: dict[str, Any], by_id: dict[str, Card]) -> Card | None:
    named = raw.get("card")
    if named is not None and str(named) in by_id:
        return by_id[str(named)]
    question = raw.get("question")
    if isinstance(question, str) and question.strip():
        return by_id.get(card_id(question))
    return None


def _question(
    raw: dict[str, Any], prompt_field: str, line: int, say: Say, warn_at: int
) -> AuthoredQuestion | None:
    where = "cloze " if prompt_field == "text" else ""
    prompt = raw.get(prompt_field)
    if not isinstance(prompt, str) or not prompt.strip():
        say(line, "error", f"{where}item has no `{prompt_field}`: write the question asked")
        return None
    key = raw.get("key")
    if not isinstance(key, str | int | float) or not str(key).strip():
        say(line, "error", f"{where}item has no `key`: write the right answer")
        return None
    distractors = raw.get("distractors")
    if not isinstance(distractors, list) or len(distractors) != 3:
        count = len(distractors) if isinstance(distractors, list) else 0
        say(line, "error", f"{where}item has {count} distractors: write exactly three")
        return None
    others: list[Option] = []
    for entry in distractors:
        if isinstance(entry, dict):
            text, why = entry.get("text"), entry.get("why")
        else:
            text, why = entry, None
        if not isinstance(text, str | int | float) or not str(text).strip():
            say(line, "error", f"{where}distractor without `text`")
            return None
        others.append(Option(str(text).strip(), _why(why)))
    options = [Option(str(key).strip(), _why(raw.get("why"))), *others]
    texts = [o.text.casefold() for o in options]
    if len(set(texts)) != 4:
        say(line, "error", f"{where}item repeats an option: the four must differ")
        return None
    for option in options:
        if len(option.text) > warn_at:
            say(line, "warning", f"{where}option is {len(option.text)} characters "
                f"({option.text[:40]!r}…); keep options under {warn_at}",
                "item-option")  # fmt: skip
        if option.text.rstrip().endswith(("…", "...")):
            say(
                line,
                "warning",
                f"{where}option {option.text[:40]!r} ends in '…': write it whole",
                "item-option",
            )
        if not option.why:
            say(line, "warning", f"{where}option {option.text[:40]!r} has no `why`: the reveal "
                "explains every option", "item-option")  # fmt: skip
        elif len(option.why) > WHY_WARN:
            say(line, "warning", f"{where}a `why` is {len(option.why)} characters; keep it to "
                "one line", "item-option")  # fmt: skip
    return AuthoredQuestion(prompt.strip(), options[0], (others[0], others[1], others[2]))


def _cloze(raw: Any, line: int, say: Say) -> AuthoredQuestion | None:
    if not isinstance(raw, dict):
        say(line, "error", "`cloze` is a mapping (text:, key:, why:, distractors:)")
        return None
    for unknown in sorted(set(map(str, raw)) - _CLOZE_KEYS):
        say(line, "warning", f"unknown cloze field {unknown!r} ignored", "item-field")
    text = raw.get("text")
    if not isinstance(text, str) or text.count(BLANK_MARK) != 1:
        say(line, "error", f"cloze `text` must hold the blank {BLANK_MARK} exactly once")
        return None
    cloze = _question(raw, "text", line, say, CLOZE_OPTION_WARN)
    accepted = _accepted(raw, line, say)
    if cloze is None or not accepted:
        return cloze
    # The key counts whether listed or not, and first: it is what the reveal shows.
    key = cloze.key.text
    rest = tuple(a for a in accepted if a.casefold() != key.casefold())
    return replace(cloze, accepted=(key, *rest))


def _accepted(raw: dict[str, Any], line: int, say: Say) -> tuple[str, ...]:
    accepted = raw.get("accepted") or ()
    if isinstance(accepted, str | int | float):
        accepted = (accepted,)
    if not isinstance(accepted, list | tuple) or not all(
        isinstance(a, str | int | float) for a in accepted
    ):
        say(line, "error", "`accepted` is a list of typed answers, e.g. [ReLU, rectified linear "
            "unit]")  # fmt: skip
        return ()
    return tuple(str(a).strip() for a in accepted if str(a).strip())


def _why(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""
