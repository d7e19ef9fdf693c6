"""How answers earn points: every rule and number lives here, in one pure function.

A correct answer earns

    points = round(BASE_POINTS × level weight) + speed bonus + streak bonus

- **Base**: `BASE_POINTS` (10) for a correct answer; a wrong answer earns 0, with no penalty,
  so guessing never costs anything.
- **Level weight**: cards from the "Refined / Interview-Ready" tables (level `advanced`) are
  worth `ADVANCED_WEIGHT` (×1.5, so 15 base points); `core` cards ×1.
- **Speed bonus**: up to `SPEED_BONUS_MAX` (+5), decaying linearly from the moment the round
  opens to the moment it closes, rounded to a whole point: answering in the first tenth of the
  window earns +5, halfway earns +2 or +3, the last moment +0. The window is the round's own
  (30 s in a quick quiz, hours for the daily question), so speed is fair in both.
- **Daily streak**: a streak is the number of consecutive local days (in the place's time
  zone) on which the player gave at least one correct answer to a *daily* question or in
  *practice*. Quick-quiz answers neither extend nor break it. Missing a day resets it to 0
  (practising on a day without a daily question keeps it alive). On a correct *daily*
  answer the streak bonus is `STREAK_BONUS_PER_DAY` (+1) for every day of the streak
  before today, capped at `STREAK_BONUS_CAP` (+5): day 1 +0, day 2 +1, ..., day 6 and on +5.
- **What counts where**: daily and quick-quiz answers go to the channel and server
  leaderboards. Practice answers count only for the player's own stats (answered, accuracy,
  topics) and streak, never for a leaderboard.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

BASE_POINTS = 10
ADVANCED_WEIGHT = 1.5
SPEED_BONUS_MAX = 5
STREAK_BONUS_PER_DAY = 1
STREAK_BONUS_CAP = 5

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
    streak_days: int = 0,
) -> Score:
    """Points for one answer. `streak_days` is the player's streak including today's answer."""
    if not correct:
        return Score(0)
    base = base_points(level)
    speed = speed_bonus(opened_at, closes_at, answered_at)
    streak = streak_bonus(streak_days) if mode == "daily" else 0
    return Score(base + speed + streak, base, speed, streak)


def base_points(level: str | None) -> int:
    """What a correct answer earns before any bonus: 10, or 15 for an advanced card."""
    return round(BASE_POINTS * (ADVANCED_WEIGHT if level == "advanced" else 1.0))


def speed_bonus(opened_at: datetime, closes_at: datetime, answered_at: datetime) -> int:
    window = (closes_at - opened_at).total_seconds()
    if window <= 0:
        return 0
    left = (closes_at - answered_at).total_seconds() / window
    return round(SPEED_BONUS_MAX * min(1.0, max(0.0, left)))


def streak_bonus(streak_days: int) -> int:
    return min(max(streak_days - 1, 0) * STREAK_BONUS_PER_DAY, STREAK_BONUS_CAP)


@dataclass(frozen=True, slots=True)
class Streak:
    current: int = 0
    best: int = 0
    last_day: date | None = None  # the local day of the latest correct streak answer

    def after_correct(self, day: date) -> Streak:
        """The streak after a correct daily/practice answer on local `day`."""
        if self.last_day is not None and day <= self.last_day:
            return self  # same day again, or a late reveal of an older day: no change
        if self.last_day is not None and day == self.last_day + timedelta(days=1):
            current = self.current + 1
        else:
            current = 1
        return Streak(current, max(self.best, current), day)

    def current_on(self, today: date) -> int:
        """The streak as it stands on `today`: still alive if the last correct day was today
        or yesterday, else broken (0)."""
        if self.last_day is None or today - self.last_day > timedelta(days=1):
            return 0
        return self.current
