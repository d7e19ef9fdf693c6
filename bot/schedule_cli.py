"""`quizbot schedule preview` and `quizbot schedule list`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from typing import TYPE_CHECKING

from bot.paths import Database, db_path
from bot.schedule.timing import (
    SpecError,
    format_weekdays,
    next_slot,
    parse_time,
    parse_weekdays,
    parse_zone,
    preview,
)

if TYPE_CHECKING:
    from bot.schedule.store import Schedule


def run_preview(args: argparse.Namespace) -> int:
    """The posts a schedule would make, as JSON Lines `{"local_date","local_time","utc"}`,
    computed by the trigger the scheduler runs (DST gaps shift forward, repeats post once)."""
    try:
        at = parse_time(args.time)
        zone = parse_zone(args.tz)
        weekdays = parse_weekdays(args.weekdays or "mon-fri")
        start = _parse_date(args.start)
        days = _within_calendar(start, int(args.days))
    except SpecError as problem:
        print(f"quizbot schedule preview: {problem}", file=sys.stderr)
        return 2
    for slot in preview(at, zone, weekdays, start, days):
        sys.stdout.write(json.dumps(slot.to_json()) + "\n")
    return 0


# The trigger looks up to a week past a date for the next weekday it posts on, and a day or
# two before the first (time zones): all of it must stay inside Python's calendar.
_MARGIN_DAYS = 8


def _within_calendar(start: date, days: int) -> int:
    first, last = start.toordinal() - _MARGIN_DAYS, start.toordinal() + days + _MARGIN_DAYS
    if first < date.min.toordinal() or last > date.max.toordinal():
        earliest = date.fromordinal(date.min.toordinal() + _MARGIN_DAYS)
        latest = date.fromordinal(max(date.max.toordinal() - _MARGIN_DAYS - days, 1))
        raise SpecError(
            f"--from {start} with --days {days} runs outside the calendar (years 1 to 9999). "
            f"Start between {earliest} and {max(latest, earliest)}, or ask for fewer days."
        )
    return days


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SpecError(
            f"Bad date '{text}' for --from. Use YYYY-MM-DD, such as 2026-03-29."
        ) from None


def run_list(args: argparse.Namespace) -> int:
    """Every schedule in the database as a table, with its next post in local time."""
    path = db_path(args.db)
    if not path.exists():
        print(f"No schedules: there is no database at {path} yet.")
        return 0
    try:
        rows, pauses = asyncio.run(_load(path))
    except Exception as problem:  # StoreError and friends: say it plainly, no traceback
        print(f"quizbot schedule list: {problem}", file=sys.stderr)
        return 1
    if not rows:
        print(f"No schedules in {path}.")
        return 0
    header = ("PLATFORM", "SERVER", "CHANNEL", "TIME", "ZONE", "DAYS", "REVEAL", "FILTER",
              "STATE", "NEXT POST (LOCAL)")  # fmt: skip
    table = [header, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for r in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    if pauses:
        print()
        print("Paused (the platform refused them; /daily set or /quiz daily turns one back on):")
        for line in pauses:
            print(f"  {line}")
    return 0


async def _load(path: Database) -> tuple[list[tuple[str, ...]], list[str]]:
    from datetime import UTC, datetime

    from bot.schedule.store import DailyStore
    from bot.store import Store

    async with await Store.open(path) as store:
        schedules = await DailyStore(store).schedules()
    now = datetime.now(UTC)
    rows: list[tuple[str, ...]] = []
    pauses: list[str] = []
    for s in schedules:
        if s.paused:
            since = f"{s.paused_at:%Y-%m-%d %H:%M} UTC" if s.paused_at else "?"
            place = f"{s.place.platform} {s.place.server_id} {s.place.channel_id}"
            pauses.append(f"{place}: since {since}: {s.paused_reason}")
        spec = s.spec
        filters = ", ".join(
            f"{name}={value}"
            for name, value in (("deck", spec.deck), ("topic", spec.topic), ("level", spec.level))
            if value
        )
        if s.active:
            nxt = next_slot(now, spec.at, spec.zone, spec.weekdays).local
            next_text = f"{nxt:%a %Y-%m-%d %H:%M %Z}"
        else:
            next_text = "-"
        rows.append(
            (
                s.place.platform,
                s.place.server_id,
                s.place.channel_id,
                f"{spec.at:%H:%M}",
                spec.tz,
                format_weekdays(spec.weekdays),
                spec.reveal.text,
                filters or "-",
                _state(s),
                next_text,
            )
        )
    return rows, pauses


def _state(schedule: Schedule) -> str:
    if schedule.paused:
        return "paused"
    return "on" if schedule.spec.enabled else "off"
