"""Daily schedules for thousands of channels, as the fan-out benchmarks set them up.

Saving them is set-up, not what is measured: the daily, delivery and memory benchmarks all
store one schedule per channel through the real `DailyScheduler`'s store before the clock
starts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime

from bot.ports import Place
from bot.schedule.scheduler import DailyScheduler
from bot.schedule.spec import DailySpec, parse_spec

BATCH = 500  # saves in flight at once: enough to keep the writer busy, few enough tasks


def weekdays_at_nine(tz: str) -> DailySpec:
    """The benchmarks' schedule: 09:00 on weekdays in ``tz``."""
    return parse_spec({"time": "09:00", "tz": tz, "weekdays": "mon-fri"})


async def save_schedules(
    daily: DailyScheduler, schedules: Iterable[tuple[Place, DailySpec]], now: datetime
) -> None:
    """Store each (channel, schedule) as set by "bench" at ``now``."""
    pending = list(schedules)
    for start in range(0, len(pending), BATCH):
        await asyncio.gather(
            *(
                daily.db.save_schedule(place, spec, "bench", now)
                for place, spec in pending[start : start + BATCH]
            )
        )
