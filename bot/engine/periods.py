"""Leaderboard periods: which week and month an answer belongs to, in the place's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PERIODS = ("week", "month", "all")


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone by name; UTC for None or a name this system does not know."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(when: datetime, tz: str | None) -> date:
    return when.astimezone(zone(tz)).date()


def period_key(kind: str, day: date) -> str:
    """`week` -> ISO week `2026-W47` (weeks start on Monday); `month` -> `2026-11`; else `all`."""
    if kind == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "all":
        return "all"
    raise ValueError(f"unknown period {kind!r}: use one of {', '.join(PERIODS)}")


def period_keys(day: date) -> list[tuple[str, str]]:
    return [(kind, period_key(kind, day)) for kind in PERIODS]


def period_label(kind: str, day: date) -> str:
    if kind == "week":
        return f"week {period_key('week', day)}"
    if kind == "month":
        return day.strftime("%B %Y")
    return "all time"


def local_time_text(when: datetime, tz: str | None, now: datetime | None = None) -> str:
    """`17:00 CET`, with the weekday and date when it is not on `now`'s local day."""
    local = when.astimezone(zone(tz))
    name = local.tzname() or "UTC"
    text = f"{local:%H:%M} {name}"
    if now is not None and now.astimezone(zone(tz)).date() != local.date():
        text = f"{local:%a} {local.day} {local:%b}, {text}"
    return text


def utc_now_date() -> date:
    return datetime.now(UTC).date()
