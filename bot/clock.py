"""Time, injected: the engine asks a clock, not `datetime.now()`, so tests jump hours ahead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time as an aware UTC datetime."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when a test says so."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _aware_utc(start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = _aware_utc(when)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """`advance(seconds=30)` or `advance(timedelta(hours=8))`; returns the new time."""
        self._now += (delta or timedelta()) + timedelta(**kwargs)
        return self._now


def _aware_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("FakeClock needs an aware datetime (e.g. tzinfo=UTC), got a naive one")
    return when.astimezone(UTC)
