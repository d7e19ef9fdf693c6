"""A question's one hint: what it shows, decided from the question alone.

A choice question loses two wrong options; a typed or cloze question shows the first letter of
each word of its answer and how long it is ("b______________ (15 letters)"). The hint depends
only on the round and its question as stored, so asking again, from another process or after
a restart, shows the same hint.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from bot.messages import option_letter

REMOVED = 2  # wrong options a choice hint takes away
LETTER_FORMATS = frozenset({"typed", "cloze"})  # formats whose hint spells the answer's start


@dataclass(frozen=True, slots=True)
class Hint:
    text: str  # what the player reads, without the cost
    removed: tuple[int, ...] = ()  # a choice hint: the option indexes taken away, in order
    left: tuple[int, ...] = ()  # ... and the ones still in play, in order


def removed_options(round_id: int, option_count: int, answer_index: int) -> tuple[int, ...]:
    """The two wrong options a choice hint removes: drawn from the round's id, so the same
    round always loses the same two, and they say nothing about where the key is."""
    wrong = [i for i in range(option_count) if i != answer_index]
    if len(wrong) <= REMOVED:
        # Three options or fewer: removing two would leave only the key.
        wrong = wrong[: max(0, len(wrong) - 1)]
        return tuple(sorted(wrong[:1]))
    return tuple(sorted(random.Random(f"hint:{round_id}").sample(wrong, REMOVED)))


def letters(answer: str) -> str:
    """The first letter of each word of `answer`, every other letter or digit as "_", spaces
    and punctuation kept, then the length: "b______________ (15 letters)". A word of one
    letter is not given away. An answer with underscores of its own ("x_i") is masked with
    "·" instead, so its underscores still read as what they are."""
    mask = "·" if "_" in answer else "_"
    shown: list[str] = []
    for word in answer.split():
        out = []
        first = True
        length = sum(1 for ch in word if ch.isalnum())
        for ch in word:
            if not ch.isalnum():
                out.append(ch)
            elif first and length > 1:
                out.append(ch)
                first = False
            else:
                out.append(mask)
                first = False
        shown.append("".join(out))
    counts = [sum(1 for ch in word if ch.isalnum()) for word in answer.split()]
    total = sum(counts)
    alnum = [ch for ch in answer if ch.isalnum()]
    if all(ch.isalpha() for ch in alnum):
        kind = "letters"
    elif all(ch.isdigit() for ch in alnum):
        kind = "digits"
    else:
        kind = "characters"
    if total == 1:
        kind = kind[:-1]
    size = f"{total} {kind}" if len(counts) < 2 else f"{'+'.join(map(str, counts))} {kind}"
    return f"{' '.join(shown)} ({size})"


def hint_for(
    round_id: int,
    fmt: str,
    options: tuple[str, ...],
    answer_index: int | None,
    accepted: tuple[str, ...],
) -> Hint | None:
    """The round's hint, or None when it has none to give (a discussion prompt)."""
    if fmt == "typed":
        return Hint(letters(accepted[0])) if accepted else None
    if answer_index is None or not 0 <= answer_index < len(options):
        return None
    if fmt in LETTER_FORMATS:
        return Hint(letters(options[answer_index]))
    removed = removed_options(round_id, len(options), answer_index)
    left = tuple(i for i in range(len(options)) if i not in removed)
    gone = " or ".join(option_letter(i) for i in removed)
    still = ", ".join(option_letter(i) for i in left)
    return Hint(f"It is not {gone}. Still in: {still}.", removed, left)
