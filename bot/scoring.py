"""How answers earn points: every rule and number lives here, as pure functions.

A correct answer earns

    points = base (by level) + speed bonus + streak bonus

- **Base**: `BASE_POINTS` (10) for a correct answer; a wrong answer earns 0, with no penalty,
  so guessing never costs anything.
- **Level weight**: cards from the "Refined / Interview-Ready" tables (level `advanced`) are
  worth `ADVANCED_WEIGHT` (×1.5, so 15 base points); `core` cards ×1.
- **Hint**: any scored question offers one hint per player, before they answer (a choice
  question loses two wrong options; a typed or cloze question shows the first letter of each
  word of its answer and the answer's length). A right answer given after a hint earns half
  the base points (`hint_cost`: 5 of 10, 7 of 15; the cost is on the hint's button), its
  speed and streak bonuses unchanged; a wrong one earns 0 as always. Taking the hint counts
  however the answer comes afterwards, and a hint asked for after answering is refused.
- **Speed bonus**: up to `SPEED_BONUS_MAX` (+5), by the share of the round's open window that
  had passed when the answer was given (30 s in a quick quiz, hours for the daily question):

      at most 1/10 of the window: +5      more than 5/10, at most 7/10: +2
      more than 1/10, at most 3/10: +4    more than 7/10, at most 9/10: +1
      more than 3/10, at most 5/10: +3    more than 9/10:               +0

  A boundary belongs to the higher band (exactly 3 s into a 30 s quiz is +5). The bands are
  computed in whole microseconds, so no rounding error moves an answer across one. A round
  takes answers from the instant it opens up to, but not including, the instant it closes: an
  answer arriving exactly at the closing instant is refused ("this round is closed").
- **Streak day**: the local date on which the answer was *given* (never the moment of its
  reveal), in the player's own time zone where the platform tells it (Slack profiles), else in
  the zone of the round's channel. A practice round takes the zone of the channel the player
  last answered a daily or quiz question in (UTC if none). See `streak_day`.
- **Daily streak**: the number of consecutive streak days on which the player gave at least
  one correct answer to a *daily* question or in *practice*. Quick-quiz answers neither extend
  nor break it; a day without a daily question can be kept alive by practising.
- **Streak bonus**: a correct *daily* answer given on day D earns `STREAK_BONUS_PER_DAY` (+1)
  for each day of the unbroken run of streak days just before D (D−1, D−2, ...), capped at
  `STREAK_BONUS_CAP` (+5): the first day +0, the second +1, ..., the sixth and later +5. An
  earlier day counts when its correct answer was already settled when this answer's round
  closed: a practice answer given before that moment, a daily answer whose round had closed
  by then. So the bonus depends only on what was answered and when rounds close, never on the
  order in which reveals happen to be processed (a round is revealed at or after its close),
  and no reveal gives away how someone did in a round that is still open.
- **Stats**: the current streak is the latest run of streak days among answers already
  revealed, if that run reaches today or yesterday (today in the player's zone, else the zone
  of the channel where stats are asked); the best streak is the longest run ever revealed.
- **What counts where**: daily and quick-quiz answers go to the channel and server
  leaderboards. Practice answers count only for the player's own stats (answered, accuracy,
  topics) and streak, never for a leaderboard.
- **Leaderboard periods**: "this week" (ISO weeks, Monday to Sunday) and "this month" are
  reckoned in the *server's* time zone: the zone of the server's first daily schedule (UTC
  until it has one), the same for every channel of the server and for the whole-server board.
  An answer counts for the week and month in which it was given, however late its round is
  revealed: an evening question revealed after midnight counts for the day it was answered.
- **Ties**: players with equal points share a rank. The top 10 is shown; players tied on
  points with the 10th row but left out are counted under it ("+2 more on 30 points").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fsrs import Rating

BASE_POINTS = 10
ADVANCED_WEIGHT = 1.5
SPEED_BONUS_MAX = 5
STREAK_BONUS_PER_DAY = 1
STREAK_BONUS_CAP = 5
BOARD_TOP = 10

EASY_WITHIN = timedelta(seconds=5)  # a right answer this quick after showing is rated Easy
TIMED_MODES = frozenset({"quiz", "practice"})  # modes where a question opens as it is shown

STREAK_MODES = frozenset({"daily", "practice"})  # modes whose correct answers extend a streak
LEADERBOARD_MODES = frozenset({"daily", "quiz"})  # modes that count on leaderboards


@dataclass(frozen=True, slots=True)
class Score:
    points: int
    base: int = 0
    speed_bonus: int = 0
    streak_bonus: int = 0


def score_answer(
    *,
    correct: bool,
    level: str | None,
    mode: str,
    opened_at: datetime,
    closes_at: datetime,
    answered_at: datetime,
    days_before: int = 0,
    hinted: bool = False,
) -> Score:
    """Points for one answer. `days_before`: the unbroken run of streak days just before the
    answer's own day (`run_before`), which earns the streak bonus on a daily answer.
    `hinted`: the player took the question's hint before answering (`hint_cost`)."""
    if not correct:
        return Score(0)
    base = base_points(level) - (hint_cost(level) if hinted else 0)
    speed = speed_bonus(opened_at, closes_at, answered_at)
    streak = streak_bonus(days_before) if mode == "daily" else 0
    return Score(base + speed + streak, base, speed, streak)


def base_points(level: str | None) -> int:
    """What a correct answer earns before any bonus: 10, or 15 for an advanced card."""
    return round(BASE_POINTS * (ADVANCED_WEIGHT if level == "advanced" else 1.0))


def hint_cost(level: str | None) -> int:
    """The base points a hint takes off a right answer: half, rounded down (5 of 10, 7 of 15)."""
    return base_points(level) // 2


def hint_label(level: str | None) -> str:
    """The hint's button, saying its cost up front: "Hint (-5 points)"."""
    return f"Hint (-{hint_cost(level)} points)"


def speed_bonus(opened_at: datetime, closes_at: datetime, answered_at: datetime) -> int:
    """The band of the module docstring: SPEED_BONUS_MAX × (share of the window left), rounded
    half up, in integer microseconds."""
    window = _micros(closes_at - opened_at)
    if window <= 0:
        return 0
    left = min(window, max(0, _micros(closes_at - answered_at)))
    return (2 * SPEED_BONUS_MAX * left + window) // (2 * window)


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def streak_bonus(days_before: int) -> int:
    return min(max(days_before, 0) * STREAK_BONUS_PER_DAY, STREAK_BONUS_CAP)


def run_before(day: date, streak_days: Iterable[date]) -> int:
    """How many consecutive days just before `day` are in `streak_days` (at most the cap: no
    more can count)."""
    found = set(streak_days)
    run = 0
    while run < STREAK_BONUS_CAP and day - timedelta(days=run + 1) in found:
        run += 1
    return run


def streak_zone(player_tz: str | None, round_tz: str | None) -> str:
    """Whose calendar dates a streak day: the player's own zone where known, else the round's."""
    return player_tz or round_tz or "UTC"


def streak_day(answered_at: datetime, player_tz: str | None, round_tz: str | None) -> date:
    return answered_at.astimezone(zone_info(streak_zone(player_tz, round_tz))).date()


def zone_info(name: str | None) -> ZoneInfo:
    """The IANA zone by name; UTC for None or a name this system does not know."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Streak:
    """A player's streak as revealed so far: the latest run of streak days and the longest."""

    current: int = 0  # length of the latest run
    best: int = 0
    last_day: date | None = None  # the latest streak day

    @classmethod
    def of_runs(cls, runs: Iterable[tuple[date, date]]) -> Streak:
        """From runs of consecutive days, (first day, last day) each."""
        latest: tuple[date, date] | None = None
        best = 0
        for first, last in runs:
            best = max(best, (last - first).days + 1)
            if latest is None or last > latest[1]:
                latest = (first, last)
        if latest is None:
            return cls()
        return cls((latest[1] - latest[0]).days + 1, best, latest[1])

    def current_on(self, today: date) -> int:
        """The streak as it stands on `today`: alive while the latest streak day is today or
        yesterday (or later: a player's days may be dated in a zone already past midnight)."""
        if self.last_day is None or today - self.last_day > timedelta(days=1):
            return 0
        return self.current


def recall_rating(
    *, correct: bool, mode: str, opened_at: datetime, answered_at: datetime, hinted: bool = False
) -> Rating:
    """The FSRS rating of one scored answer (the memory rule in this module's docstring)."""
    if not correct:
        return Rating.Again
    if hinted:
        return Rating.Hard
    if mode in TIMED_MODES and answered_at - opened_at <= EASY_WITHIN:
        return Rating.Easy
    return Rating.Good
