"""The neutral message model: what the engine says, with no platform formatting.

Adapters render these (Discord embeds and buttons, Slack blocks, terminal text). Text fields
hold neutral Markdown (`**bold**`, `*italic*`, `` `code` ``, `- ` lists); times are aware UTC
datetimes plus the IANA zone name the place shows times in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.scoring import hint_label

OPTION_LETTERS = "ABCDEFGHIJ"
SHOWN_ACCEPTED = 5  # accepted typings a reveal lists; "(+N other accepted wordings)" after


def command(name: str) -> str:
    """A mention of one of the user's commands ("topics", "daily set", "daily now") inside
    engine text; each adapter spells it its own way with `spell_commands`, so the engine
    never writes Discord's or Slack's syntax."""
    return "{command:" + name + "}"


_COMMAND = re.compile(r"\{command:([a-z -]+)\}")


def spell_commands(text: str, names: Mapping[str, str]) -> str:
    return _COMMAND.sub(lambda m: f"`{names.get(m.group(1), m.group(1))}`", text)


def option_letter(index: int) -> str:
    return OPTION_LETTERS[index] if 0 <= index < len(OPTION_LETTERS) else str(index + 1)


@dataclass(frozen=True, slots=True)
class QuestionMessage:
    round_id: int
    format: str  # "choice" | "cloze" | "prompt"
    prompt: str
    options: tuple[str, ...]  # empty for a discussion prompt
    topic: str | None
    level: str | None
    closes_at: datetime
    mode: str  # "daily" | "quiz" | "practice"
    position: str | None = None  # "2/5" inside a quick quiz
    zone: str = "UTC"  # IANA zone to show closes_at in

    @property
    def hint_label(self) -> str | None:
        """The hint's button, its cost shown up front; None when there is no hint to ask for
        (a discussion prompt)."""
        if self.format == "prompt":
            return None
        return hint_label(self.level)


@dataclass(frozen=True, slots=True)
class RevealMessage:
    round_id: int
    prompt: str
    options: tuple[str, ...]
    correct_index: int | None
    answer: str  # the card's full answer, neutral Markdown
    counts: tuple[int, ...]  # how many chose each option
    right: tuple[tuple[str, int], ...]  # (display name, points), best first
    wrong_count: int
    closes_at: datetime
    revealed_at: datetime
    mode: str
    format: str = "choice"
    topic: str | None = None
    level: str | None = None
    position: str | None = None
    zone: str = "UTC"
    # One line per option saying why it is right or wrong (authored items); may be empty.
    explanations: tuple[str, ...] = ()
    erratum: str | None = None  # where the card itself is wrong: said with the answer
    # A typed question: its accepted answers (canonical first) and the most common typed
    # answers, normalised, with how many typed each (most first).
    accepted: tuple[str, ...] = ()
    typed_answers: tuple[tuple[str, int], ...] = ()
    typed_right: tuple[str, ...] | None = None  # which of those counted; None: not known
    # An admin's regrade of the round, said with the reveal when it is edited afterwards.
    correction: str | None = None

    @property
    def answered(self) -> int:
        return sum(self.counts) if self.counts else len(self.right) + self.wrong_count

    def accepted_listed(self) -> tuple[str, str]:
        """The accepted answers as a reveal lists them, and what follows: the canonical first,
        then the next ones in the deck's order, SHOWN_ACCEPTED in all, then " (+N other
        accepted wordings)" when more count (a list of 17 typings would bury the answer)."""
        more = len(self.accepted) - SHOWN_ACCEPTED
        tail = f" (+{more} other accepted wording{'s' if more != 1 else ''})" if more > 0 else ""
        return ", ".join(self.accepted[:SHOWN_ACCEPTED]), tail


def most_typed(message: RevealMessage, right: str, wrong: str) -> list[tuple[str, int, str]]:
    """The most typed answers as a reveal shows them: text, how many typed it, and " " plus
    the mark `right` or `wrong` saying whether it counted ("" where that is not known)."""
    known = message.typed_right
    return [
        (text, count, "" if known is None else f" {right if text in known else wrong}")
        for text, count in message.typed_answers
    ]


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    rank: int
    name: str
    points: int
    answered: int
    correct: int
    user_id: str = ""


@dataclass(frozen=True, slots=True)
class LeaderboardMessage:
    title: str
    period: str  # "week" | "month" | "all" | "quiz"
    scope: str  # "server" | "channel" | "quiz" | "everywhere"
    rows: tuple[LeaderboardRow, ...]  # the top 10
    caller: LeaderboardRow | None = None  # the caller's own row, also when outside the top 10
    period_label: str = ""  # "week 2026-W47", "November 2026", "all time"
    more_tied: int = 0  # players left out of the top 10 with as many points as its last row

    @property
    def caller_outside_top(self) -> bool:
        return self.caller is not None and all(r.user_id != self.caller.user_id for r in self.rows)

    @property
    def more_tied_text(self) -> str:
        """The line under the last row, `+2 more on 30 points`; empty when nobody tied is out."""
        if not self.more_tied or not self.rows:
            return ""
        points = self.rows[-1].points
        return f"+{self.more_tied} more on {points} point{'s' if points != 1 else ''}"


@dataclass(frozen=True, slots=True)
class TopicStat:
    topic: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class TopicMemory:
    """What a player remembers of one topic now (spaced repetition, `bot.engine.memory`)."""

    topic: str
    seen: int  # cards of the topic the player has answered at least once
    recall: float  # mean probability of recalling those cards now (FSRS retrievability)
    due_now: int
    due_this_week: int  # due within the next 7 days, those due now included


def memory_line(t: TopicMemory) -> str:
    """One topic of a player's memory as every platform shows it."""
    return (
        f"{t.seen} seen · recall {t.recall:.0%} · due now {t.due_now} · this week {t.due_this_week}"
    )


@dataclass(frozen=True, slots=True)
class TeamTopic:
    """What the team's active players remember of one topic now."""

    topic: str
    players: int  # active players who have seen a card of it
    recall: float  # mean recall now over every (player, card) seen


@dataclass(frozen=True, slots=True)
class TeamMemoryMessage:
    """`/stats team`: the topics the team is forgetting and the cards nobody has seen."""

    players: int  # active players: answered within `days`
    days: int
    topics: tuple[TeamTopic, ...]  # lowest recall first
    cards: int  # cards that can be asked
    unseen: int  # of those, cards no active player has answered
    unseen_sample: tuple[tuple[str, str], ...]  # (topic, question) of a few unseen cards

    def lines(self) -> list[str]:
        """The message as plain lines, the same on every platform (each adds its markup)."""
        if not self.players:
            return [f"Nobody has answered here in the last {self.days} days yet."]
        who = "1 player" if self.players == 1 else f"{self.players} players"
        out = [f"Team memory: {who} active in the last {self.days} days."]
        if self.topics:
            out.append("Topics the team is forgetting (lowest recall first):")
            out += [
                f"  {t.topic}: recall {t.recall:.0%} ({t.players} seen)"
                for t in self.topics[:TEAM_TOPICS_SHOWN]
            ]
        out.append(f"Cards nobody has seen yet: {self.unseen} of {self.cards}.")
        out += [f"  {topic}: {question}" for topic, question in self.unseen_sample]
        return out


TEAM_TOPICS_SHOWN = 5
PRACTISE_WEAK = "/practice weak"  # the command that practises the weakest topics


@dataclass(frozen=True, slots=True)
class StatsMessage:
    name: str
    answered: int
    correct: int
    current_streak: int
    best_streak: int
    topics: tuple[TopicStat, ...] = ()  # most answered first
    weakest: tuple[str, ...] = ()  # lowest accuracy first, topics with enough answers only
    points: int | None = None  # all-time points on the asking server, if asked from one
    memory: tuple[TopicMemory, ...] = ()  # per topic seen, weakest recall first

    @property
    def accuracy(self) -> float:
        return self.correct / self.answered if self.answered else 0.0


@dataclass(frozen=True, slots=True)
class Notice:
    """A private reply to one person: an acknowledgement, a refusal, an explanation."""

    text: str
    extra: dict[str, str] = field(default_factory=dict)


# Everything the engine hands a Poster (post, edit, thread); each adapter renders every kind.
@dataclass(frozen=True, slots=True)
class PracticeReminder:
    """A private message to a player who asked for one: cards are due; its button starts
    practice (the adapters add it)."""

    due: int  # cards due now
    minutes: int  # about how long practising them takes

    @property
    def text(self) -> str:
        cards = "1 card" if self.due == 1 else f"{self.due} cards"
        return (
            f"{cards} due, about {self.minutes} min. Practise now, or any time with "
            f"{command('practice')}."
        )


OutgoingMessage = (
    QuestionMessage | RevealMessage | LeaderboardMessage | StatsMessage | Notice | PracticeReminder
)
