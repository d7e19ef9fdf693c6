"""Item analysis: how each card performs, from the answers players gave it.

Per card: how many answers, the share right, how strongly getting it right goes with being a
strong player (discrimination), how often each option was picked, the median answer time per
mode, and flags for a card an admin should look at. `quizbot cards quality` prints it; the
admin view in chat shows `worst_cards` with `summary_line`.

**Discrimination** is the corrected point-biserial correlation (the item-rest correlation):
Pearson's r between an answer being right (1/0) and the player's accuracy on every OTHER card
in the same scope. Chosen over the upper-lower index because it uses every answer, not only
the top and bottom groups, which matters when a card has 20-50 answers; and "accuracy" rather
than a total score because players here answer different cards in different numbers (a
total would measure how often someone plays, not how well). The card itself is left out of
the player's accuracy, or an item would correlate with itself and look better than it is.
Answers of players with no other scored card have no accuracy to compare and are left out of
the discrimination (they still count everywhere else).

Per-option counts are keyed by the option's text as it was shown, not its letter: the same
card is asked with its options in a different order, and a generated question may pick other
wrong options, from one round to the next. A round whose question text the retention policy
dropped (after 90 days) still counts as right or wrong; its wrong picks go to one bucket
without a text.
"""

from __future__ import annotations

import math
import sqlite3
import statistics
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from bot.store.quality import AskedRound, PlaceScope, ScoredAnswer, answered

T = TypeVar("T")

# -- thresholds ----------------------------------------------------------------------------

# Below 20 answers a share is too noisy to act on: near 95% one answer moves it by 5 points,
# and the standard error of a correlation is about 1/sqrt(n), 0.22 at 20. Flags wait for it.
MIN_ANSWERS = 20
# Over 95% right: the card teaches almost nothing and cannot tell players apart (classical
# item analysis calls items above .90-.95 too easy; 95% keeps warm-up cards out of the list).
TOO_EASY = 0.95
# Under 20% right is below blind guessing on four options (25%): players are not merely
# unsure, they are drawn to a wrong option, which points at a wrong key or a misleading stem.
TOO_HARD = 0.20
# Negative: weaker players get the card right more often than stronger ones. Any value below
# zero is flagged, as the issue asks; at 20 answers a value near zero is noise, so the note
# gives the number and the admin judges.
DISCRIMINATION_FLOOR = 0.0
# The strongest third (by accuracy on other cards), the classical upper group (27-33%): if
# they prefer one wrong option to the key, that option is probably also right.
STRONGEST_PARTS = 3
# Discrimination needs a few pairs to be a number at all (r of two points is always +-1).
MIN_PAIRS = 3
# Typed answers have no options: the most common wrong ones stand in for distractors.
TYPED_WRONG_SHOWN = 5

TOO_EASY_FLAG = "too_easy"
TOO_HARD_FLAG = "too_hard"
NEGATIVE_FLAG = "negative_discrimination"
DISTRACTOR_FLAG = "distractor_beats_key"
# Worst first: a likely wrong key misleads the strongest players, then a card that rewards
# the weaker ones, then a card almost nobody gets, then one almost everybody gets.
SEVERITY = (DISTRACTOR_FLAG, NEGATIVE_FLAG, TOO_HARD_FLAG, TOO_EASY_FLAG)
PROMPT_SHOWN = 40  # characters of the question in a chat summary line


@dataclass(frozen=True, slots=True)
class OptionPicks:
    """One option of a card, as shown in rounds of one format."""

    format: str
    option: str | None  # the text as shown; None: rounds whose text was dropped
    key: bool
    picks: int
    shown: int  # answers to the rounds that showed this option (typed: every typed answer)
    strongest_picks: int  # picks by the strongest third of the card's players

    @property
    def share(self) -> float:
        return self.picks / self.shown if self.shown else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "option": self.option,
            "key": self.key,
            "picks": self.picks,
            "shown": self.shown,
            "share": round(self.share, 4),
            "strongest_picks": self.strongest_picks,
        }


@dataclass(frozen=True, slots=True)
class CardQuality:
    card_id: str
    prompt: str | None  # the question as last shown, if its text is still stored
    answers: int
    players: int
    correct_share: float
    discrimination: float | None  # None: too few answers with an accuracy to compare
    option_picks: tuple[OptionPicks, ...]
    median_seconds: dict[str, float]  # per mode: daily answers take hours, quizzes seconds
    flags: tuple[str, ...]
    notes: tuple[str, ...]  # one plain sentence per flag, or why there are no flags yet
    checked: bool  # enough answers for flags
    min_answers: int = MIN_ANSWERS
    formats: tuple[str, ...] = field(default=())

    def as_json(self) -> dict[str, Any]:
        return {
            "card_id": self.card_id,
            "answers": self.answers,
            "correct_share": round(self.correct_share, 4),
            "discrimination": None
            if self.discrimination is None
            else round(self.discrimination, 4),
            "option_picks": [o.as_json() for o in self.option_picks],
            "flags": list(self.flags),
            "notes": list(self.notes),
            "checked": self.checked,
            "players": self.players,
            "median_seconds": {m: round(s, 1) for m, s in sorted(self.median_seconds.items())},
            "formats": list(self.formats),
            "prompt": self.prompt,
        }


# -- the analysis --------------------------------------------------------------------------


def analyse(
    rounds: Iterable[AskedRound],
    answers: Iterable[ScoredAnswer],
    min_answers: int = MIN_ANSWERS,
) -> list[CardQuality]:
    """Every answered card's statistics and flags, worst first."""
    by_round = {r.round_id: r for r in rounds}
    per_card: dict[str, list[tuple[AskedRound, ScoredAnswer]]] = defaultdict(list)
    player_totals: Counter[tuple[str, str]] = Counter()
    player_right: Counter[tuple[str, str]] = Counter()
    for a in answers:
        asked = by_round.get(a.round_id)
        if asked is None:  # its round was read in another snapshot; never in one trip
            continue
        per_card[asked.card_id].append((asked, a))
        who = (a.platform, a.user_id)
        player_totals[who] += 1
        player_right[who] += a.correct
    found = [
        _card(card_id, given, player_totals, player_right, min_answers)
        for card_id, given in per_card.items()
    ]
    return sorted(found, key=_worst_first)


def _card(
    card_id: str,
    given: list[tuple[AskedRound, ScoredAnswer]],
    player_totals: Counter[tuple[str, str]],
    player_right: Counter[tuple[str, str]],
    min_answers: int,
) -> CardQuality:
    # The player's accuracy on OTHER cards: their own answers to this card taken out.
    here_totals: Counter[tuple[str, str]] = Counter()
    here_right: Counter[tuple[str, str]] = Counter()
    for _, a in given:
        here_totals[(a.platform, a.user_id)] += 1
        here_right[(a.platform, a.user_id)] += a.correct
    rest: dict[tuple[str, str], float] = {}
    for who, total in here_totals.items():
        others = player_totals[who] - total
        if others > 0:
            rest[who] = (player_right[who] - here_right[who]) / others

    paired = [
        (a, rest[(a.platform, a.user_id)]) for _, a in given if (a.platform, a.user_id) in rest
    ]
    discrimination = _pearson([float(a.correct) for a, _ in paired], [r for _, r in paired])
    strongest = _strongest(paired)

    right = sum(a.correct for _, a in given)
    share = right / len(given)
    picks = _option_picks(given, strongest)
    flags, notes = _flags(len(given), share, discrimination, picks, min_answers)
    # The question as last shown (older rounds may have lost their text to retention).
    prompt = next(
        (r.prompt for r, _ in sorted(given, key=lambda g: -g[0].round_id) if r.prompt), None
    )
    return CardQuality(
        card_id=card_id,
        prompt=prompt,
        answers=len(given),
        players=len(here_totals),
        correct_share=share,
        discrimination=discrimination,
        option_picks=picks,
        median_seconds=_median_seconds(given),
        flags=flags,
        notes=notes,
        checked=len(given) >= min_answers,
        min_answers=min_answers,
        formats=tuple(sorted({r.format for r, _ in given})),
    )


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r; with x right/wrong (1/0) it is the point-biserial correlation. None when
    either side does not vary (everyone right, or every player equally strong)."""
    n = len(xs)
    if n < MIN_PAIRS:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


def _strongest(paired: list[tuple[ScoredAnswer, float]]) -> set[tuple[int, str]]:
    """The answers (round, user) of the strongest third: ranked by accuracy on other cards,
    ties by user id so the same data always gives the same group."""
    if not paired:
        return set()
    ranked = sorted(paired, key=lambda p: (-p[1], p[0].user_id, p[0].round_id))
    size = math.ceil(len(ranked) / STRONGEST_PARTS)  # a third, rounded up: 30 -> 10, 4 -> 2
    return {(a.round_id, a.user_id) for a, _ in ranked[:size]}


def _option_picks(
    given: list[tuple[AskedRound, ScoredAnswer]], strongest: set[tuple[int, str]]
) -> tuple[OptionPicks, ...]:
    answers_in: Counter[int] = Counter(a.round_id for _, a in given)
    rounds = {r.round_id: r for r, _ in given}
    shown: Counter[tuple[str, str | None, bool]] = Counter()
    for round_id, count in answers_in.items():
        r = rounds[round_id]
        if r.format == "typed":
            continue
        if not r.options:
            shown[(r.format, None, True)] += count
            shown[(r.format, None, False)] += count
            continue
        for i, option in enumerate(r.options):
            shown[(r.format, option, i == r.answer_index)] += count

    picks: Counter[tuple[str, str | None, bool]] = Counter()
    top: Counter[tuple[str, str | None, bool]] = Counter()
    typed_total: Counter[str] = Counter()
    for r, a in given:
        if r.format == "typed":
            slot = (r.format, _typed_label(a), a.correct)
            typed_total[r.format] += 1
        elif r.options and 0 <= a.option_index < len(r.options):
            slot = (r.format, r.options[a.option_index], a.option_index == r.answer_index)
        else:
            slot = (r.format, None, a.correct)
        picks[slot] += 1
        if (a.round_id, a.user_id) in strongest:
            top[slot] += 1

    found = [
        OptionPicks(
            fmt, text, key, picks[(fmt, text, key)], shown[(fmt, text, key)], top[(fmt, text, key)]
        )
        for fmt, text, key in shown
        if shown[(fmt, text, key)] and (text is not None or picks[(fmt, text, key)])
    ]
    typed = [s for s in picks if s[0] == "typed"]
    typed_wrong = sorted((s for s in typed if not s[2]), key=lambda s: (-picks[s], s[1] or ""))
    for slot in [*(s for s in typed if s[2]), *typed_wrong[:TYPED_WRONG_SHOWN]]:
        found.append(OptionPicks(*slot, picks[slot], typed_total[slot[0]], top[slot]))
    return tuple(
        sorted(
            found, key=lambda o: (o.format, not o.key, -o.picks, o.option is None, o.option or "")
        )
    )


def _typed_label(a: ScoredAnswer) -> str | None:
    """A right typed answer by the accepted answer it was read as; a wrong one as typed,
    folded so that "Adam " and "adam" are one answer."""
    if a.correct:
        return a.read_as or (a.typed or "").strip() or None
    text = " ".join((a.typed or "").casefold().split())
    return text or None


def _flags(
    answers: int,
    share: float,
    discrimination: float | None,
    picks: tuple[OptionPicks, ...],
    min_answers: int,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if answers < min_answers:
        return (), (f"needs {min_answers} answers for flags, has {answers}",)
    found: list[tuple[str, str]] = []
    beaten = _key_beaten(picks)
    if beaten is not None:
        key, best = beaten
        found.append(
            (
                DISTRACTOR_FLAG,
                f"the strongest third of players chose {_quote(best.option or '')} "
                f"{_times(best.strongest_picks)} and the key {_times(key)} "
                f"({best.format}): two right answers?",
            )
        )
    if discrimination is not None and discrimination < DISCRIMINATION_FLOOR:
        found.append(
            (
                NEGATIVE_FLAG,
                f"discrimination {discrimination:+.2f}: weaker players get it right more often "
                "than stronger ones",
            )
        )
    if share < TOO_HARD:
        found.append((TOO_HARD_FLAG, f"{_percent(share)} right, under {TOO_HARD:.0%}"))
    if share > TOO_EASY:
        found.append((TOO_EASY_FLAG, f"{_percent(share)} right, over {TOO_EASY:.0%}"))
    found.sort(key=lambda f: SEVERITY.index(f[0]))
    return tuple(f for f, _ in found), tuple(n for _, n in found)


def _key_beaten(picks: tuple[OptionPicks, ...]) -> tuple[int, OptionPicks] | None:
    """The wrong option the strongest third chose more often than the key, with the key's
    count, compared within one format (a cloze and a choice show different options)."""
    for fmt in sorted({o.format for o in picks if o.format != "typed"}):
        key = sum(o.strongest_picks for o in picks if o.format == fmt and o.key)
        beating = [
            o for o in picks
            if o.format == fmt and not o.key and o.option is not None and o.strongest_picks > key
        ]  # fmt: skip
        if beating:
            return key, max(beating, key=lambda o: (o.strongest_picks, o.picks))
    return None


def _median_seconds(given: list[tuple[AskedRound, ScoredAnswer]]) -> dict[str, float]:
    """Answer time: from the round's opening (stored when it is posted) to the answer."""
    times: dict[str, list[float]] = defaultdict(list)
    for r, a in given:
        waited = _parse(a.answered_at) - _parse(r.opened_at)
        times[r.mode].append(max(0.0, waited.total_seconds()))
    return {mode: statistics.median(found) for mode, found in times.items()}


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _worst_first(card: CardQuality) -> tuple[Any, ...]:
    group = 0 if card.flags else 1 if card.checked else 2
    severity = min((SEVERITY.index(f) for f in card.flags), default=len(SEVERITY))
    discrimination = card.discrimination if card.discrimination is not None else 1.0
    return (group, severity, -len(card.flags), discrimination, -card.answers, card.card_id)


# -- what the admin view calls -------------------------------------------------------------


class Reader(Protocol):
    def read(self, fn: Callable[[sqlite3.Connection], T]) -> Awaitable[T]: ...


@runtime_checkable
class HoldsStore(Protocol):
    """`SqliteStorage` (or another storage with a store that reads)."""

    @property
    def store(self) -> Reader: ...


async def worst_cards(
    storage_or_store: Reader | HoldsStore,
    place_scope: PlaceScope,
    limit: int,
    min_answers: int = MIN_ANSWERS,
) -> list[CardQuality]:
    """The `limit` worst cards in `place_scope`: flagged ones first (the most severe flag
    first), then cards with enough answers by discrimination, then cards still short of
    `min_answers`. Accuracy is reckoned within the scope, so a server's admins see how their
    own players did; practice rounds belong to no server (their server id is "practice"), so
    a server's view leaves them out."""
    reader = (
        storage_or_store.store if isinstance(storage_or_store, HoldsStore) else storage_or_store
    )
    rounds, answers = await reader.read(lambda conn: answered(conn, place_scope))
    return analyse(rounds, answers, min_answers)[: max(0, limit)]


def summary_line(card: CardQuality) -> str:
    """One plain line for the chat view: "card 3f9a0c2e1b7d 'What does dropout do…' —
    31 answers, 97% right: too easy". Each flag says what to check, in words an admin who
    has not read about item analysis follows."""
    head = f"card {card.card_id}"
    if card.prompt:
        head += f" {_quote(_shorten(card.prompt, PROMPT_SHOWN))}"
    plural = "s" if card.answers != 1 else ""
    counts = f"{card.answers} answer{plural}, {_percent(card.correct_share)} right"
    if not card.checked:
        verdict = f"too few answers to judge yet ({card.answers} of {card.min_answers})"
    elif card.flags:
        verdict = "; ".join(_FLAG_WORDS[f](card) for f in card.flags)
    else:
        verdict = "nothing to check"
    return f"{head} — {counts}: {verdict}"


def _distractor_words(card: CardQuality) -> str:
    beaten = _key_beaten(card.option_picks)
    option = beaten[1].option if beaten else None
    if option is None:  # the flag is never raised without one
        return "strong players pick a wrong option over the key, so it may be right too"
    shown = _quote(_shorten(option, PROMPT_SHOWN))
    return f"strong players pick {shown} over the key, so it may be right too"


_FLAG_WORDS: dict[str, Callable[[CardQuality], str]] = {
    TOO_EASY_FLAG: lambda c: "too easy",
    TOO_HARD_FLAG: lambda c: "too hard (check the key and the wording)",
    NEGATIVE_FLAG: lambda c: (
        "weaker players get it right more often than strong ones (correlation "
        f"{c.discrimination:+.2f}; check the key)"
    ),
    DISTRACTOR_FLAG: _distractor_words,
}


def _shorten(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[: limit - 1].rstrip() + "…"


def _quote(text: str) -> str:
    return f"'{text}'"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _percent(share: float) -> str:
    """A whole percentage, with a decimal where rounding would land on a threshold and
    contradict the flag ("95% right: too easy" when 95.4% is meant)."""
    whole = round(share * 100)
    if whole in (round(TOO_EASY * 100), round(TOO_HARD * 100)) and share * 100 != whole:
        return f"{share * 100:.1f}%"
    return f"{whole}%"
