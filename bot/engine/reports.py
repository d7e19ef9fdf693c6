"""Players report bad questions; admins keep, hold or regrade the card.

A report is made from a round's reveal and counted in the server or workspace it was made in
(practice too: the report belongs to the place the player clicked in). A card reported by
`hold_after` distinct players there (default 2, an admin may change it) is held out of that
place's daily rotation and quick quizzes until an admin decides:

- keep: the reports so far are dismissed and the card comes back;
- hold: the card is never asked there again (until a keep);
- accept LETTER: the option shown as LETTER in the reported round also counts as right in
  every revealed round of the card there that showed that option's text;
- void: the card's revealed rounds there count for nothing.

A regrade is one storage transaction (`bot.store.regrades`): answers rescored, boards of
every channel and period, topic stats, streak runs and FSRS memory moved with them, exactly
once. Afterwards the reveals of the changed rounds are edited to say so, where the post is
known. Practice rounds are private and belong to no server: a server's regrade leaves them
as they were.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from fsrs import Card, Rating

from bot.clock import Clock
from bot.engine import memory
from bot.engine.periods import local_date, period_keys
from bot.engine.reveal import AnswerOf, stored_reveal
from bot.messages import Notice, RevealMessage, command, option_letter
from bot.ports import Place, Player, Poster
from bot.quality import HoldsStore, summary_line, worst_cards
from bot.scoring import (
    LEADERBOARD_MODES,
    STREAK_BONUS_CAP,
    STREAK_MODES,
    recall_rating,
    run_before,
    score_answer,
)
from bot.store.quality import PlaceScope
from bot.store.records import (
    CardReport,
    RegradeResult,
    ReportedCard,
    RescoredAnswer,
    StoredRound,
)
from bot.store.records import StreakDaysLookup as StreakDays
from bot.store.storage import QuizStorage

log = logging.getLogger(__name__)

# The reasons a player picks from, in the order shown: key -> label.
REASONS: dict[str, str] = {
    "wrong_key": "Wrong answer key",
    "two_right": "Two answers are right",
    "unclear": "Unclear question",
    "display": "Display problem",
    "other": "Other",
}
NOTE_MAX = 500  # characters of a report's free text
HOLD_AFTER_RANGE = (1, 50)
DECISIONS = ("keep", "hold", "accept", "void")
ADMIN_ONLY = "Only server admins can decide on reported questions. Nothing was changed."


def reason_key(text: str) -> str | None:
    """The reason a player gave, read leniently: its number (1-5), key or label."""
    said = text.strip().casefold().rstrip(".")
    for number, (key, label) in enumerate(REASONS.items(), start=1):
        if said in (str(number), key, label.casefold()):
            return key
    return None


def reasons_text(separator: str = ", ") -> str:
    """The reasons as a player picks them: "1: wrong answer key, 2: two answers are right, ..."
    (a number alone beside a label that starts with a word, "2 two answers", reads as one)."""
    return separator.join(
        f"{n}: {label.lower()}" for n, label in enumerate(REASONS.values(), start=1)
    )


class ScoringRules:
    """`bot.scoring`'s rules, as a regrade applies them inside its transaction."""

    streak_reach = STREAK_BONUS_CAP

    def points(self, answer: RescoredAnswer, streak_days: StreakDays) -> int:
        days_before = 0
        if answer.correct and answer.mode == "daily":
            earlier = streak_days(
                answer.user_id,
                answer.day.fromordinal(answer.day.toordinal() - STREAK_BONUS_CAP),
                answer.day.fromordinal(answer.day.toordinal() - 1),
                answer.closes_at,
            )
            days_before = run_before(answer.day, earlier)
        return score_answer(
            correct=answer.correct,
            level=answer.level,
            mode=answer.mode,
            opened_at=answer.opened_at,
            closes_at=answer.closes_at,
            answered_at=answer.answered_at,
            days_before=days_before,
            hinted=answer.hints > 0,
        ).points

    def board_keys(self, answered_at: datetime, zone: str) -> list[tuple[str, str]]:
        return period_keys(local_date(answered_at, zone))

    def counts_on_boards(self, mode: str) -> bool:
        return mode in LEADERBOARD_MODES

    def extends_streak(self, mode: str) -> bool:
        return mode in STREAK_MODES

    def rating(self, answer: RescoredAnswer) -> Rating:
        return recall_rating(
            correct=answer.correct,
            mode=answer.mode,
            opened_at=answer.opened_at,
            answered_at=answer.answered_at,
            hinted=answer.hints > 0,
        )

    def replay(
        self, before: Card | None, rating: Rating, at: datetime, duration_ms: int | None
    ) -> Card:
        card, _log = memory.review(before, rating, at, duration_ms)
        return card


RULES = ScoringRules()


class ReportDesk:
    """The report and regrade use cases; `Engine.reports` is the one adapters call."""

    def __init__(
        self,
        storage: QuizStorage,
        clock: Clock,
        poster: Poster,
        answer_of: AnswerOf,
        card_known: Callable[[str], bool],
    ) -> None:
        """`answer_of`: a card's full answer for rebuilt reveals; `card_known`: whether a card
        id is in the loaded decks (a decision on any other card is refused)."""
        self.storage = storage
        self.clock = clock
        self.poster = poster
        self.answer_of = answer_of
        self.card_known = card_known

    async def report(
        self, round_id: int, player: Player, place: Place, reason: str, note: str = ""
    ) -> Notice:
        """Store one player's report of the question of a revealed round; the reply is for
        them alone. `place`: where they clicked (its server counts the report)."""
        key = reason_key(reason)
        if key is None:
            return Notice(
                f"{reason.strip()[:40]!r} is not one of the reasons. Give its number or its "
                f"words ({reasons_text()}). Nothing was reported."
            )
        note = note.strip()
        if len(note) > NOTE_MAX:
            return Notice(
                f"Your note is {len(note)} characters; the limit is {NOTE_MAX}. Shorten it and "
                "report again. Nothing was reported."
            )
        found = await self.storage.revealed_round(round_id)
        if found is None:
            return Notice(
                "That question cannot be reported: it has not been revealed yet, or it is no "
                "longer stored. Report a question with the button under its answer. Nothing "
                "was reported."
            )
        server = place.server_id if not place.is_practice else found.place.server_id
        added = await self.storage.add_report(
            CardReport(
                platform=player.platform,
                server_id=server,
                channel_id=place.channel_id,
                card_id=found.card_id,
                round_id=round_id,
                user_id=player.user_id,
                display_name=player.display_name,
                reason=key,
                note=note,
                reported_at=self.clock.now(),
            )
        )
        if not added:
            return Notice("You have already reported this question here; thank you.")
        return Notice(
            f"Thank you, your report is in ({REASONS[key].lower()}). An admin will look at "
            "it; once enough players report a question, it is not asked here until an admin "
            "decides."
        )

    async def held(self, place: Place) -> set[str]:
        """Cards not to ask in the place's server now."""
        return await self.storage.held_cards(place.platform, place.server_id)

    async def reported(self, place: Place) -> list[ReportedCard]:
        return await self.storage.reported_cards(place.platform, place.server_id)

    async def admin_view(self, place: Place, is_admin: bool) -> Notice:
        """The server's open reports, worst first, with how to decide; admins only."""
        if not is_admin:
            return Notice("Only server admins can see reported questions.")
        cards = await self.reported(place)
        hold_after = await self.storage.hold_after(place.platform, place.server_id)
        lines = [
            f"Reported questions here: {len(cards)} with open reports. A card reported by "
            f"{_plural(hold_after, 'player')} is held: not asked here until you decide."
        ]
        for card in cards[:REPORTED_SHOWN]:
            lines.append(await self._card_lines(card))
        if len(cards) > REPORTED_SHOWN:
            lines.append(f"... and {len(cards) - REPORTED_SHOWN} more.")
        if not cards:
            lines = ["No open reports here."]
        lines += await quality_summary(self.storage, place)
        lines.append(
            "To decide on a card (CARD is its id above): "
            f"{command('reports keep')} dismisses the reports and asks the card again; "
            f"{command('reports hold')} stops asking it here; "
            f"{command('reports accept')} also counts that option of the reported question as "
            f"right; {command('reports void')} makes its questions here count for nothing. "
            f"{command('reports hold-after')} sets how many reports hold a card."
        )
        return Notice("\n".join(lines))

    async def _card_lines(self, card: ReportedCard) -> str:
        reasons: dict[str, int] = {}
        for r in card.reports:
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
        said = ", ".join(f"{REASONS.get(k, k).lower()} ×{n}" for k, n in reasons.items())
        state = "held" if card.held else "still asked"
        head = f"• `{card.card_id}`: {_plural(card.reporters, 'report')} ({said}); {state}"
        if card.decisions:
            head += f"; decided before: {', '.join(card.decisions)}"
        lines = [head]
        found = await self._shown_round(card)
        if found is not None and found.question is not None:
            lines.append(f"  {found.question.prompt[:200]}")
            for i, option in enumerate(found.question.options):
                mark = "✓" if i == found.answer_index else " "
                lines.append(f"  {mark} {option_letter(i)} {option[:100]}")
        for r in card.reports[:3]:
            if r.note:
                lines.append(f"  “{r.note[:200]}” ({r.display_name})")
        return "\n".join(lines)

    async def set_hold_after(
        self, place: Place, admin: Player, is_admin: bool, count: int
    ) -> Notice:
        if not is_admin:
            return Notice(ADMIN_ONLY)
        low, high = HOLD_AFTER_RANGE
        if not low <= count <= high:
            return Notice(
                f"The number of reports that hold a card is {low} to {high}; you gave {count}. "
                "Nothing was changed."
            )
        await self.storage.set_hold_after(
            place.platform, place.server_id, count, admin.user_id, self.clock.now()
        )
        verb = "reports" if count == 1 else "report"
        return Notice(f"A card is now held here once {_plural(count, 'player')} {verb} it.")

    async def decide(
        self,
        place: Place,
        admin: Player,
        is_admin: bool,
        card_id: str,
        decision: str,
        letter: str = "",
    ) -> Notice:
        """An admin's decision on a reported card in the place's server."""
        if not is_admin:
            return Notice(ADMIN_ONLY)
        decision = decision.strip().casefold()
        if decision not in DECISIONS:
            return Notice(
                f"{decision!r} is not a decision: use keep, hold, accept or void. "
                "Nothing was changed."
            )
        reported = await self.storage.reported_cards(place.platform, place.server_id)
        card = next((c for c in reported if c.card_id == card_id), None)
        now = self.clock.now()
        if card is None and not self.card_known(card_id):
            return Notice(
                f"There is no card {card_id!r} here: use an id the list of reports shows. "
                "Nothing was changed."
            )
        if decision in ("keep", "hold"):
            if card is None and decision == "keep":
                held = await self.storage.held_cards(place.platform, place.server_id)
                if card_id not in held:
                    return Notice(
                        f"Card {card_id} has no open reports and is not held here. Nothing "
                        "was changed."
                    )
            await self.storage.decide_card(
                place.platform, place.server_id, card_id, decision, admin.user_id, now
            )
            if decision == "keep":
                return Notice(f"Kept {card_id}: its reports are dismissed and it is asked again.")
            return Notice(f"Held {card_id}: it is not asked here again unless an admin keeps it.")
        if card is None:
            return Notice(
                f"Card {card_id} has no open reports here, and only a reported card can be "
                "accepted or voided. Nothing was changed."
            )
        option_text = ""
        if decision == "accept":
            found = await self._shown_round(card)
            options = found.question.options if found and found.question else ()
            index = _letter_index(letter)
            if found is None or found.format == "typed" or not options:
                return Notice(
                    f"No reported question of {card_id} has its options stored (it was typed, "
                    "or its text has been deleted), so there is no option to accept; void it "
                    "instead. Nothing was changed."
                )
            if index is None or index >= len(options) or index == found.answer_index:
                letters = ", ".join(
                    option_letter(i) for i in range(len(options)) if i != found.answer_index
                )
                return Notice(
                    f"Name the option to accept as well: one of {letters}. Nothing was changed."
                )
            option_text = options[index]
        result = await self.storage.regrade_card(
            place.platform, place.server_id, card_id, decision, option_text, admin.user_id,
            now, RULES,
        )  # fmt: skip
        if not result.first:
            return Notice(f"That regrade of {card_id} was already done. Nothing was changed.")
        correction = _correction(decision, option_text)
        edited = await self._edit_reveals(result, correction)
        what = (
            f"“{option_text[:80]}” now counts as right too"
            if decision == "accept"
            else "it no longer counts for anyone"
        )
        asked = "once" if len(result.rounds) == 1 else f"{len(result.rounds)} times"
        return Notice(
            f"Regraded {card_id} (asked here {asked}): {what}. "
            f"{_plural(result.answers, 'answer')} from {_plural(result.players, 'player')} "
            f"rescored, leaderboards and streaks updated, {_plural(edited, 'post')} edited to "
            "say so. The card stays held until an admin keeps it."
        )

    async def _edit_reveals(self, result: RegradeResult, correction: str) -> int:
        """Show the correction on each changed round's reveal, where its post is known; a
        failed edit is logged and left (the scores are already right)."""
        edited = 0
        for round_id in result.rounds:
            found = await self.storage.revealed_round(round_id)
            if found is None or not found.message_ref or found.mode == "practice":
                continue
            message = stored_reveal(found, self.answer_of)
            if message is None:
                continue
            try:
                await self.poster.edit(
                    found.place, found.message_ref, _with_correction(message, correction)
                )
            except Exception:
                log.warning("round %s: could not edit its reveal after a regrade", round_id)
                continue
            edited += 1
        return edited

    async def _shown_round(self, card: ReportedCard) -> StoredRound | None:
        """The latest reported round of the card that still shows its options (a practice
        round keeps no text once answered; old rounds lose theirs to the retention policy):
        the options an admin's letter names."""
        first = None
        for report in card.reports:
            found = await self.storage.revealed_round(report.round_id)
            first = first or found
            if found is not None and found.question is not None and found.question.options:
                return found
        return first

    async def every_report(self) -> list[CardReport]:
        return await self.storage.every_report()


REPORTED_SHOWN = 10  # cards the admin view lists; the rest are counted
QUALITY_SHOWN = 5  # flagged cards under the reports: the worst, enough to act on in one sitting


async def quality_summary(storage: QuizStorage, place: Place) -> list[str]:
    """The answer statistics under the reports: the server's flagged cards, worst first
    (`bot.quality`), so an admin sees the cards players miss in silence as well as those
    they reported. Cards short of the minimum of answers are not shown here: with too few
    answers a share says nothing, and `quizbot cards quality` lists them with a note."""
    if not isinstance(storage, HoldsStore):
        return []
    scope = PlaceScope(platform=place.platform, server_id=place.server_id)
    worst = await worst_cards(storage, scope, limit=QUALITY_SHOWN)
    flagged = [card for card in worst if card.checked and card.flags]
    if not flagged:
        return []
    return [
        "Cards players' answers say to check, worst first:",
        *(f"• {summary_line(c)}" for c in flagged),
    ]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _letter_index(letter: str) -> int | None:
    said = letter.strip().upper()
    if len(said) != 1 or not "A" <= said <= "Z":
        return None
    return ord(said) - ord("A")


def _correction(decision: str, option_text: str) -> str:
    if decision == "accept":
        return (
            f"Regraded by an admin: “{option_text}” is also counted as right; "
            "points and streaks were updated."
        )
    return "Voided by an admin: this question no longer counts; points and streaks were updated."


def _with_correction(message: RevealMessage, correction: str) -> RevealMessage:
    return replace(message, correction=correction)
