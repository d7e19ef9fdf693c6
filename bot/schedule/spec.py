"""A channel's daily-question schedule (`DailySpec`) and how admins spell it.

`parse_spec({"time": "09:00", "tz": "Europe/Berlin", ...}, base=current)` takes the raw words
an adapter collected (Discord options, Slack words via `parse_words`) and returns a checked
spec; fields not given keep `base`'s value (or the default). Every problem raises `SpecError`
naming the value and how to fix it.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from bot.questions.formats import DAILY_FORMATS, MIXABLE
from bot.schedule.timing import (
    DEFAULT_REVEAL,
    WEEKDAY_NAMES,
    WORKDAYS,
    Reveal,
    SpecError,
    check_reveal_after_post,
    format_time,
    format_weekdays,
    parse_reveal,
    parse_time,
    parse_weekday,
    parse_weekdays,
    parse_zone,
)

FORMAT_CHOICES = DAILY_FORMATS
# What a schedule asks unless told otherwise ("mixed"): typed only when asked for by name.
MIXED_FORMATS = tuple(f for f in DAILY_FORMATS if f in MIXABLE)
_FORMAT_HELP = f"Use {', '.join(FORMAT_CHOICES)} or mixed."
LEVELS = ("core", "advanced")
DEFAULT_TIME = time(9, 0)
DEFAULT_ZONE = "UTC"

# The keys parse_spec understands, with the other spellings adapters and admins use.
_KEYS = {
    "time": "time",
    "at": "time",
    "tz": "tz",
    "zone": "tz",
    "timezone": "tz",
    "weekdays": "weekdays",
    "days": "weekdays",
    "reveal": "reveal",
    "deck": "deck",
    "topic": "topic",
    "level": "level",
    "format": "formats",
    "formats": "formats",
    "prompt": "prompt_day",
    "prompt_day": "prompt_day",
    "weekly": "weekly_leaderboard",
    "weekly_leaderboard": "weekly_leaderboard",
    "leaderboard": "weekly_leaderboard",
    "enabled": "enabled",
    "pick": "pick",
}
# How the day's card is chosen: `rotation` (every eligible card in turn) or `review` (the card
# the channel's active players are most likely forgetting, by their FSRS memory).
PICKS = ("rotation", "review")
_YES = ("on", "yes", "true", "1", "weekly")
_NO = ("off", "no", "false", "0", "none")


@dataclass(frozen=True, slots=True)
class DailySpec:
    at: time = DEFAULT_TIME
    tz: str = DEFAULT_ZONE  # IANA name, canonical spelling
    weekdays: frozenset[int] = WORKDAYS  # 0 = Monday
    reveal: Reveal = DEFAULT_REVEAL
    deck: str | None = None
    topic: str | None = None
    level: str | None = None
    formats: tuple[str, ...] = MIXED_FORMATS  # drawn per day, deterministically
    prompt_day: int | None = None  # that weekday's post is a discussion prompt, not scored
    weekly_leaderboard: bool = False
    enabled: bool = True
    pick: str = "rotation"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def scored_days(self) -> frozenset[int]:
        return self.weekdays - {self.prompt_day} if self.prompt_day is not None else self.weekdays

    def describe(self) -> str:
        """One line for humans: `09:00 Europe/Berlin, mon-fri, reveal after 8h`."""
        reveal = (
            f"reveal at {format_time(self.reveal.at)}"
            if self.reveal.at
            else f"reveal after {self.reveal.text}"
        )
        parts = [f"{format_time(self.at)} {self.tz}", format_weekdays(self.weekdays), reveal]
        filters = [
            f"{name} {value}"
            for name, value in (("deck", self.deck), ("topic", self.topic), ("level", self.level))
            if value
        ]
        if filters:
            parts.append(", ".join(filters))
        if self.formats != MIXED_FORMATS:
            parts.append("format " + ",".join(self.formats))
        if self.prompt_day is not None:
            parts.append(f"discussion prompt on {WEEKDAY_NAMES[self.prompt_day]}")
        if self.weekly_leaderboard:
            parts.append("weekly leaderboard")
        if self.pick == "review":
            parts.append("the card the channel is forgetting (pick review)")
        return ", ".join(parts)

    def to_row(self) -> dict[str, object]:
        return {
            "post_time": format_time(self.at),
            "tz": self.tz,
            "weekdays": format_weekdays(self.weekdays),
            "reveal": self.reveal.text,
            "deck": self.deck,
            "topic": self.topic,
            "level": self.level,
            "formats": ",".join(self.formats),
            "prompt_weekday": WEEKDAY_NAMES[self.prompt_day]
            if self.prompt_day is not None
            else None,
            "weekly_leaderboard": int(self.weekly_leaderboard),
            "enabled": int(self.enabled),
            "pick": self.pick,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> DailySpec:
        """A stored schedule; stored rows were checked on the way in, so errors here are bugs."""
        return parse_spec(
            {
                "time": str(row["post_time"]),
                "tz": str(row["tz"]),
                "weekdays": str(row["weekdays"]),
                "reveal": str(row["reveal"]),
                "deck": _opt(row["deck"]),
                "topic": _opt(row["topic"]),
                "level": _opt(row["level"]),
                "formats": str(row["formats"]),
                "prompt_day": _opt(row["prompt_weekday"]) or "none",
                "weekly_leaderboard": "on" if row["weekly_leaderboard"] else "off",
                "enabled": "on" if row["enabled"] else "off",
                "pick": str(row.get("pick") or "rotation"),
            }
        )


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def parse_formats(text: str) -> tuple[str, ...]:
    word = text.strip().casefold()
    if word in ("mixed", "mix", "both", "all"):
        return MIXED_FORMATS
    found: list[str] = []
    for part in (p.strip() for p in word.replace(" ", ",").split(",")):
        if not part:
            continue
        if part not in FORMAT_CHOICES:
            raise SpecError(f"Bad format '{part}' in '{text}'. {_FORMAT_HELP}")
        if part not in found:
            found.append(part)
    if not found:
        raise SpecError(f"No format in '{text}'. {_FORMAT_HELP}")
    return tuple(found)


def parse_switch(text: str, what: str) -> bool:
    word = text.strip().casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise SpecError(f"Bad {what} '{text}'. Use on or off.")


def parse_spec(values: Mapping[str, str | None], base: DailySpec | None = None) -> DailySpec:
    """A checked spec from raw words; keys missing or None keep `base`'s (or default) value.

    Keys: time, tz, weekdays, reveal, deck, topic, level, formats, prompt_day,
    weekly_leaderboard, enabled, pick (and the aliases in `_KEYS`). `deck`/`topic`/`level` given as
    "any" or "" clear the filter.
    """
    spec = base or DailySpec()
    changes: dict[str, object] = {}
    for raw_key, raw in values.items():
        key = _KEYS.get(raw_key.strip().casefold())
        if key is None:
            known = ", ".join(sorted(set(_KEYS.values())))
            raise SpecError(f"Unknown setting '{raw_key}'. Known settings: {known}.")
        if raw is None:
            continue
        text = str(raw)
        if key == "time":
            changes["at"] = parse_time(text)
        elif key == "tz":
            changes["tz"] = parse_zone(text).key
        elif key == "weekdays":
            changes["weekdays"] = parse_weekdays(text)
        elif key == "reveal":
            changes["reveal"] = parse_reveal(text)
        elif key in ("deck", "topic"):
            changes[key] = None if text.strip().casefold() in ("", "any", "all") else text.strip()
        elif key == "level":
            word = text.strip().casefold()
            if word in ("", "any", "all"):
                changes["level"] = None
            elif word in LEVELS:
                changes["level"] = word
            else:
                raise SpecError(f"Bad level '{text}'. Use core, advanced or any.")
        elif key == "formats":
            changes["formats"] = parse_formats(text)
        elif key == "prompt_day":
            changes["prompt_day"] = parse_weekday(text)
        elif key == "weekly_leaderboard":
            changes["weekly_leaderboard"] = parse_switch(text, "weekly leaderboard setting")
        elif key == "enabled":
            changes["enabled"] = parse_switch(text, "enabled setting")
        elif key == "pick":
            word = text.strip().casefold()
            if word not in PICKS:
                raise SpecError(f"Bad pick '{text}'. Use {' or '.join(PICKS)}.")
            changes["pick"] = word
    spec = dataclasses.replace(spec, **changes)  # type: ignore[arg-type]
    check_reveal_after_post(spec.at, spec.reveal)
    return spec


def parse_words(text: str, base: DailySpec | None = None) -> DailySpec:
    """Slack-style words: `09:00 Europe/Berlin mon-fri reveal=17:00 topic="Loss functions"`.

    Positional words are recognised by shape: a time, a zone (has a `/` or is UTC), weekdays;
    everything else is `key=value`."""
    try:
        words = shlex.split(text)
    except ValueError as problem:
        raise SpecError(f"Cannot read '{text}': {problem}. Close the quotes.") from None
    values: dict[str, str | None] = {}
    for word in words:
        if "=" in word:
            key, _, value = word.partition("=")
            values[key] = value
        elif word[:1].isdigit():
            values["time"] = word
        elif "/" in word or word.upper() in ("UTC", "GMT"):
            values["tz"] = word
        else:
            try:
                parse_weekdays(word)
            except SpecError:
                raise SpecError(
                    f"Cannot read '{word}'. Give HH:MM, a time zone such as Europe/Berlin, "
                    "weekdays such as mon-fri, or key=value (reveal=17:00, topic=..., level=...)."
                ) from None
            values["weekdays"] = word
    return parse_spec(values, base)
