"""When a daily post fires: parsing the schedule's words and turning a local date into an instant.

This module is the one place that decides a slot's fire time. The APScheduler trigger
(`DailyTrigger`), the start-up catch-up and `quizbot schedule preview` all call `slot_time`,
so what the preview prints is what the scheduler does.

DST rules (the same as APScheduler's CronTrigger on the days it gets right):
- a local time that does not exist (the spring gap) fires at the same instant the old offset
  gives, i.e. shifted forward by the gap: 02:30 on 2026-03-29 in Europe/Berlin -> 03:30 CEST;
- a local time that happens twice (the autumn hour) fires once, at its first occurrence.
We use our own trigger rather than CronTrigger because CronTrigger fires twice in the repeated
hour and, in 3.11.3, skips the midnight after the spring change (00:00 Europe/Berlin on
2026-03-30 is never fired when iterating from the previous fire time).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from apscheduler.triggers.base import BaseTrigger

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = frozenset(range(7))
WORKDAYS = frozenset(range(5))
_DAY_ALIASES = {
    **{name: i for i, name in enumerate(WEEKDAY_NAMES)},
    **{
        full: i
        for i, full in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_WEEKDAY_HELP = (
    "Use mon, tue, wed, thu, fri, sat, sun, ranges such as mon-fri, "
    "lists such as mon,wed,fri, or daily."
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")
_DELAY = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$")
MIN_REVEAL_DELAY = timedelta(minutes=1)
MAX_REVEAL_DELAY = timedelta(hours=24)


class SpecError(ValueError):
    """A schedule value that cannot be used; the message names it and says how to fix it."""


# -- parsing ---------------------------------------------------------------------------


def parse_time(text: str, what: str = "time") -> time:
    """`HH:MM` (or `H:MM`) on a 24-hour clock."""
    match = _TIME.match(text.strip())
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise SpecError(f"Bad {what} '{text}'. Use HH:MM on a 24-hour clock, such as 09:00.")


def format_time(value: time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


@functools.cache
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def parse_zone(text: str) -> ZoneInfo:
    """An IANA zone; a wrong case is forgiven (`europe/berlin`), a wrong name is not."""
    name = text.strip()
    if name and ".." not in name and not name.startswith("/"):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
        known = _zone_names().get(name.casefold())
        if known:
            return ZoneInfo(known)
    message = f"Unknown time zone '{text}'. Use an IANA name such as Europe/Berlin."
    close = difflib.get_close_matches(name, list(_zone_names().values()), n=1, cutoff=0.8)
    if close and close[0] != "Europe/Berlin":
        message += f" Did you mean {close[0]}?"
    raise SpecError(message)


def parse_weekdays(text: str) -> frozenset[int]:
    """`mon-fri`, `mon,wed,fri`, `sat-sun`, `daily`/`all`, `weekdays`, `weekends`; 0 is Monday.

    A range may wrap around the week (`fri-mon`)."""
    words = text.strip().casefold()
    if words in ("daily", "all", "every day", "everyday"):
        return ALL_DAYS
    if words in ("weekdays", "workdays"):
        return WORKDAYS
    if words in ("weekend", "weekends"):
        return frozenset((5, 6))
    days: set[int] = set()
    for part in (p.strip() for p in re.split(r"[,\s]+", words)):
        if not part:
            continue
        ends = [e.strip() for e in part.split("-")]
        if len(ends) > 2 or any(e not in _DAY_ALIASES for e in ends):
            raise SpecError(f"Bad weekday '{part}' in '{text}'. {_WEEKDAY_HELP}")
        first, last = _DAY_ALIASES[ends[0]], _DAY_ALIASES[ends[-1]]
        day = first
        days.add(day)
        while day != last:
            day = (day + 1) % 7
            days.add(day)
    if not days:
        raise SpecError(f"No weekdays in '{text}'. Name at least one: {_WEEKDAY_HELP}")
    return frozenset(days)


def format_weekdays(days: frozenset[int]) -> str:
    """The shortest usual spelling: `daily`, `mon-fri`, `sat-sun`, else `mon,wed,fri`."""
    if days == ALL_DAYS:
        return "daily"
    ordered = sorted(days)
    if len(ordered) > 1 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return f"{WEEKDAY_NAMES[ordered[0]]}-{WEEKDAY_NAMES[ordered[-1]]}"
    return ",".join(WEEKDAY_NAMES[d] for d in ordered)


def parse_weekday(text: str | None) -> int | None:
    """One weekday (`fri`), or None for `none`/`off`/empty."""
    if text is None or text.strip().casefold() in ("", "none", "off", "no", "never"):
        return None
    word = text.strip().casefold()
    if word not in _DAY_ALIASES:
        raise SpecError(
            f"Bad prompt day '{text}'. Use one weekday such as fri, or none for no prompt day."
        )
    return _DAY_ALIASES[word]


@dataclass(frozen=True, slots=True)
class Reveal:
    """When a daily round is revealed: a delay after the post, or a local time the same day."""

    delay: timedelta | None = None
    at: time | None = None

    @property
    def text(self) -> str:
        if self.at is not None:
            return format_time(self.at)
        minutes = int((self.delay or timedelta()).total_seconds() // 60)
        hours, minutes = divmod(minutes, 60)
        return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes or not hours else "")


DEFAULT_REVEAL = Reveal(delay=timedelta(hours=8))


def parse_reveal(text: str) -> Reveal:
    """`8h`, `90m`, `1h30m` (a delay after the post) or `17:00` (a local time that day)."""
    word = text.strip().casefold()
    if ":" in word:
        try:
            return Reveal(at=parse_time(word, "reveal time"))
        except SpecError:
            pass
    else:
        match = _DELAY.match(word.replace(" ", ""))
        if word and match and (match[1] or match[2]):
            delay = timedelta(hours=int(match[1] or 0), minutes=int(match[2] or 0))
            if MIN_REVEAL_DELAY <= delay <= MAX_REVEAL_DELAY:
                return Reveal(delay=delay)
            raise SpecError(
                f"Bad reveal '{text}': the delay must be between 1m and 24h, such as 8h."
            )
    raise SpecError(
        f"Bad reveal '{text}'. Use a delay such as 8h, 90m or 1h30m, "
        "or a time of day such as 17:00."
    )


# -- slots -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """One daily post: its local date and the instant it fires."""

    local_date: date
    utc: datetime  # aware, UTC
    zone: ZoneInfo

    @property
    def local(self) -> datetime:
        return self.utc.astimezone(self.zone)

    @property
    def local_time(self) -> str:
        return f"{self.local:%H:%M}"

    def to_json(self) -> dict[str, str]:
        return {
            "local_date": self.local_date.isoformat(),
            "local_time": self.local_time,
            # isoformat, not strftime("%Y"): glibc writes year 1 as "1", not "0001".
            "utc": self.utc.replace(tzinfo=None).isoformat(timespec="seconds") + "Z",
        }


@functools.lru_cache(maxsize=4096)
def slot_time(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of the post at local time `at` on local date `day`.

    `fold=0` is what makes both DST rules hold: Python reads a missing local time with the
    offset in force before the gap (so it lands after the gap, shifted by its length) and a
    repeated one as its first occurrence.

    Cached: thousands of channels share a handful of (date, time, zone) and ask several times
    per post; the answer is an immutable datetime."""
    return datetime.combine(day, at, tzinfo=zone).replace(fold=0).astimezone(UTC)


def local_date_of(instant: datetime, zone: ZoneInfo) -> date:
    return instant.astimezone(zone).date()


def next_slot(
    after: datetime, at: time, zone: ZoneInfo, weekdays: frozenset[int], *, inclusive: bool = False
) -> Slot:
    """The first slot strictly after `after` (or at it, with `inclusive`)."""
    if not weekdays:
        raise SpecError("No weekdays in the schedule. Name at least one, such as mon-fri.")
    day = local_date_of(after, zone) - timedelta(days=1)
    while True:
        if day.weekday() in weekdays:
            fire = slot_time(day, at, zone)
            if fire > after or (inclusive and fire == after):
                return Slot(day, fire, zone)
        day += timedelta(days=1)


def latest_slot(now: datetime, at: time, zone: ZoneInfo, weekdays: frozenset[int]) -> Slot | None:
    """The last slot due at or before `now` (within the past 8 days)."""
    day = local_date_of(now, zone) + timedelta(days=1)
    for _ in range(9):
        if day.weekday() in weekdays:
            fire = slot_time(day, at, zone)
            if fire <= now:
                return Slot(day, fire, zone)
        day -= timedelta(days=1)
    return None


def reveal_time(slot: Slot, at: time, reveal: Reveal) -> datetime:
    """When the round of `slot` is revealed, as planned (UTC)."""
    if reveal.at is not None:
        return slot_time(slot.local_date, reveal.at, slot.zone)
    return slot.utc + (reveal.delay or DEFAULT_REVEAL.delay or timedelta(hours=8))


def check_reveal_after_post(at: time, reveal: Reveal) -> None:
    if reveal.at is not None and reveal.at <= at:
        raise SpecError(
            f"Bad reveal '{reveal.text}': the reveal time must be later than the post time "
            f"{format_time(at)} on the same day (or give a delay such as 8h)."
        )


class DailyTrigger(BaseTrigger):
    """APScheduler trigger: one fire per scheduled local date, at `slot_time`."""

    __slots__ = ("at", "weekdays", "zone")

    def __init__(self, at: time, zone: ZoneInfo, weekdays: frozenset[int]) -> None:
        if not weekdays:
            raise SpecError("No weekdays in the schedule. Name at least one, such as mon-fri.")
        self.at = at
        self.zone = zone
        self.weekdays = frozenset(weekdays)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if previous_fire_time is not None:
            return next_slot(previous_fire_time, self.at, self.zone, self.weekdays).utc
        return next_slot(now, self.at, self.zone, self.weekdays, inclusive=True).utc

    def __str__(self) -> str:
        return f"daily[{format_time(self.at)} {self.zone.key} {format_weekdays(self.weekdays)}]"

    def __repr__(self) -> str:
        return f"<DailyTrigger {self}>"


def preview(
    at: time, zone: ZoneInfo, weekdays: frozenset[int], start: date, days: int
) -> Iterator[Slot]:
    """The slots on local dates `start` .. `start + days - 1`, walking the scheduler's trigger."""
    trigger = DailyTrigger(at, zone, weekdays)
    end = start + timedelta(days=days)
    # Any instant before the first possible fire on `start` works as the starting point.
    fire = trigger.get_next_fire_time(None, slot_time(start, time(0), zone) - timedelta(hours=1))
    while fire is not None:
        day = local_date_of(fire, zone)
        if day >= end:
            return
        if day >= start:
            yield Slot(day, fire, zone)
        fire = trigger.get_next_fire_time(fire, fire)
