"""Practice reminders: a player opts in to a private message at a local time on working days
(Monday to Friday in the reminder's zone) saying how many cards are due, with a button that
starts practice. Sent only when cards are due, at most once per local date: the first process
to claim the date's row sends it (`bot.store.reminders`), so a restart or a second process never
sends it twice. Timing is the daily question's (`bot.schedule.timing`): a time that does not
exist on a spring-forward day fires at the shifted time, a repeated autumn hour fires once.

The zone is the one the player names (`/practice remind 09:00 Europe/Berlin`), else the
server's (the zone its weeks are counted in: its first daily schedule's), else UTC.
"""

from __future__ import annotations

import functools
import logging
import math
from datetime import datetime, timedelta
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import Clock
from bot.engine import Engine
from bot.messages import Notice, PracticeReminder, command
from bot.ports import Place, Player
from bot.schedule.timing import (
    WORKDAYS,
    SpecError,
    format_time,
    latest_slot,
    parse_time,
    parse_zone,
)
from bot.store import Store, places
from bot.store import reminders as rows

log = logging.getLogger(__name__)

REMINDER_DAYS = WORKDAYS
# A reminder still goes out this late (the bot was down or busy at the time); later, that day
# has none: a reminder hours late is noise.
LATE_BY = timedelta(minutes=30)
SECONDS_PER_CARD = 20  # how long one practice question takes, for "about N min"
TICK = timedelta(minutes=1)
JOB_ID = "practice-reminders"


def minutes_for(cards: int) -> int:
    return max(1, math.ceil(cards * SECONDS_PER_CARD / 60))


class PracticeReminders:
    def __init__(self, store: Store, engine: Engine, clock: Clock | None = None) -> None:
        self.store = store
        self.engine = engine
        self.clock = clock or engine.clock

    # -- opting in and out ------------------------------------------------------------------

    async def set(self, place: Place, player: Player, words: str) -> Notice:
        """`HH:MM [Zone]` turns the player's reminder on (or moves it); `off` turns it off."""
        parts = words.split()
        if not parts:
            return await self.status(player)
        if parts[0].casefold() in ("off", "stop", "none"):
            return await self.off(player)
        if len(parts) > 2:
            return Notice(f"Cannot read '{words}'. {USAGE}")
        try:
            at = parse_time(parts[0])
            zone = parse_zone(parts[1]).key if len(parts) == 2 else await self._zone_of(place)
        except SpecError as problem:
            return Notice(f"{problem} {USAGE}")
        now = self.clock.now()
        at_text = format_time(at)
        await self.store.write(
            functools.partial(
                rows.save, place=place, user_id=player.user_id, at=at_text, tz=zone, now=now
            )
        )
        return Notice(
            f"Practice reminder on: Monday to Friday at {at_text} ({zone}), a private message "
            f"when cards are due for you, at most once a day. Turn it off with "
            f"{command('practice remind off')}."
        )

    async def off(self, player: Player) -> Notice:
        removed = await self.store.write(
            functools.partial(rows.remove, platform=player.platform, user_id=player.user_id)
        )
        if not removed:
            return Notice("You had no practice reminder.")
        return Notice("Practice reminder off: no more private messages about due cards.")

    async def status(self, player: Player) -> Notice:
        found = await self.store.read(
            functools.partial(rows.of, platform=player.platform, user_id=player.user_id)
        )
        if found is None:
            return Notice(f"No practice reminder. {USAGE}")
        return Notice(
            f"Practice reminder: Monday to Friday at {found.at} ({found.tz}), when cards are "
            f"due. {command('practice remind off')} turns it off."
        )

    async def _zone_of(self, place: Place) -> str:
        zone = await self.store.read(
            functools.partial(
                places.server_zone, platform=place.platform, server_id=place.server_id
            )
        )
        return zone or "UTC"

    # -- sending ----------------------------------------------------------------------------

    def start(self, scheduler: Any) -> None:
        """Look for due reminders every minute on the bot's scheduler (the daily question's)."""
        scheduler.add_job(
            self.tick,
            trigger=IntervalTrigger(seconds=int(TICK.total_seconds())),
            id=JOB_ID,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(TICK.total_seconds()),
        )

    async def tick(self) -> list[tuple[str, str, str]]:
        """Send every reminder whose local time has come today (within `LATE_BY`) and was not
        claimed yet; (platform, user id, what happened) for each one looked at."""
        now = self.clock.now()
        done: list[tuple[str, str, str]] = []
        for reminder in await self.store.read(rows.every):
            try:
                outcome = await self._one(reminder, now)
            except Exception:  # one player's failure never stops the others'
                log.exception("practice reminder for %s failed", reminder.user_id)
                outcome = "failed"
            if outcome:
                done.append((reminder.platform, reminder.user_id, outcome))
        return done

    async def _one(self, reminder: rows.Reminder, now: datetime) -> str | None:
        zone = parse_zone(reminder.tz)
        slot = latest_slot(now, parse_time(reminder.at), zone, REMINDER_DAYS)
        if slot is None or now - slot.utc > LATE_BY:
            return None
        claim = functools.partial(
            rows.claim_day,
            platform=reminder.platform,
            user_id=reminder.user_id,
            day=slot.local_date,
            now=now,
        )
        if not await self.store.write(claim):
            return None  # already sent, or found nothing due, today
        due = await self.due_cards(reminder.platform, reminder.user_id, now)
        if due == 0:
            state = "nothing_due"
        else:
            message = PracticeReminder(due, minutes_for(due))
            told = await self.engine.poster.tell(reminder.place, reminder.user_id, message)
            state = "sent" if told else "failed"
        await self.store.write(
            functools.partial(
                rows.finish_day,
                platform=reminder.platform,
                user_id=reminder.user_id,
                day=slot.local_date,
                state=state,
                due_cards=due,
                now=self.clock.now(),
            )
        )
        return state

    async def due_cards(self, platform: str, user_id: str, now: datetime) -> int:
        """Cards due now for the player, among the cards still loaded."""
        known = await self.engine.storage.player_memory(platform, user_id)
        return sum(
            1 for card_id, card in known.items() if card.due <= now and card_id in self.engine.cards
        )


USAGE = (
    f"Write it as {command('practice remind')} 09:00, optionally with your time zone "
    "(09:00 Europe/Berlin), or off."
)
