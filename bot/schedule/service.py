"""Admin actions on a channel's daily question, as the adapters expose them.

Discord `/daily set|off|status|now` and Slack `/quiz daily ...` translate to these calls and
render the returned `Notice`. Adapters check admin rights (Discord: Manage Server; Slack:
workspace admins/owners or configured users) and pass the outcome as `is_admin`; the service
refuses again when it is False, so a missed check in an adapter cannot change a schedule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.messages import Notice, command
from bot.ports import Place, Player
from bot.schedule.scheduler import DailyScheduler, SlotResult, no_cards_text
from bot.schedule.spec import DailySpec, parse_spec, parse_words
from bot.schedule.store import SlotRow
from bot.schedule.timing import SpecError, local_date_of, slot_time

NOT_ADMIN = (
    "Only server admins can change the daily question (Discord: Manage Server; "
    "Slack: workspace admins and owners, or people named in the bot's config)."
)
HOW_TO_SET = f"An admin sets one with {command('daily set')}."

SpecInput = DailySpec | Mapping[str, str | None] | str


class DailyService:
    def __init__(self, daily: DailyScheduler) -> None:
        self.daily = daily
        self.db = daily.db
        self.engine = daily.engine
        self.clock = daily.clock

    async def set(
        self, place: Place, spec: SpecInput, by: Player | str, *, is_admin: bool
    ) -> Notice:
        """Create or change the channel's schedule and (re)register its job at once. Settings
        not named keep their current value; `set` also turns a schedule that was off on."""
        if not is_admin:
            return Notice(NOT_ADMIN)
        current = await self.db.schedule(place)
        base = dataclasses.replace(current.spec, enabled=True) if current else None
        try:
            if isinstance(spec, DailySpec):
                new = spec
            elif isinstance(spec, str):
                new = parse_words(spec, base)
            else:
                new = parse_spec(spec, base)
            new = self._checked(new)
        except SpecError as problem:
            return Notice(str(problem))
        now = self.clock.now()
        by_id = by.user_id if isinstance(by, Player) else None
        await self.db.save_schedule(place, new, _name(by), now, by_id=by_id)
        await self.engine.set_place_zone(place, new.tz)
        await self.daily.register(place)
        nxt = self.daily.next_post(new, now)
        return Notice(
            f"Daily question set: {new.describe()}. Next post: {_when(nxt.utc, new, now)}.",
            {"next_post_utc": nxt.utc.isoformat(), "spec": new.describe()},
        )

    async def removed_from(self, platform: str, server_id: str, reason: str) -> int:
        """The bot was removed from a server or workspace: pause every schedule there (the
        adapter calls this on the platform's event). Returns how many were paused."""
        return len(await self.daily.pause_server(platform, server_id, reason))

    async def has_schedule(self, place: Place) -> bool:
        """Whether `place` has a daily schedule (on or off)."""
        return await self.db.schedule(place) is not None

    async def off(self, place: Place, by: Player | str, *, is_admin: bool) -> Notice:
        if not is_admin:
            return Notice(NOT_ADMIN)
        current = await self.db.schedule(place)
        if current is None or not current.spec.enabled:
            return Notice("The daily question is already off in this channel.")
        spec = dataclasses.replace(current.spec, enabled=False)
        await self.db.save_schedule(place, spec, _name(by), self.clock.now())
        await self.daily.register(place)
        return Notice(
            "Daily question turned off for this channel. Its settings are kept: "
            f"{command('daily set')} turns it back on."
        )

    async def status(self, place: Place) -> Notice:
        """The schedule, the next post in local time and what happened to today's."""
        current = await self.db.schedule(place)
        if current is None:
            return Notice(f"No daily question in this channel. {HOW_TO_SET}")
        spec = current.spec
        now = self.clock.now()
        lines = [f"Daily question: {spec.describe()}."]
        if current.paused:
            since = _when(current.paused_at, spec, now) if current.paused_at else "?"
            lines.append(
                f"Paused since {since}: {current.paused_reason}. When that is fixed, "
                f"{command('daily set')} turns it back on."
            )
        elif not spec.enabled:
            lines.append(f"It is off. {command('daily set')} turns it back on.")
        else:
            nxt = self.daily.next_post(spec, now)
            lines.append(f"Next post: {_when(nxt.utc, spec, now)}.")
        today = local_date_of(now, spec.zone)
        row = await self.db.slot(place, today)
        if current.paused and row is None:
            today_text = "nothing is posted while the schedule is paused."
        else:
            today_text = self._today(spec, row, now)
        lines.append(f"Today ({today:%a} {today.day} {today:%b}): {today_text}")
        return Notice("\n".join(lines))

    async def now(self, place: Place, by: Player | str, *, is_admin: bool) -> Notice:
        """Post today's question now unless today's was already posted (never a second one)."""
        if not is_admin:
            return Notice(NOT_ADMIN)
        current = await self.db.schedule(place)
        if current is None:
            return Notice(f"No daily question in this channel. {HOW_TO_SET}")
        now = self.clock.now()
        today = local_date_of(now, current.spec.zone)
        result = await self.daily.run_slot(place, today, force=True, schedule=current)
        return Notice(self._now_text(result, current.spec, now))

    # -- helpers --------------------------------------------------------------------------

    def _checked(self, spec: DailySpec) -> DailySpec:
        """Resolve the topic to its real name and refuse filters that leave no card."""
        maker = self.engine.maker
        if spec.topic and maker is not None:
            try:
                spec = dataclasses.replace(spec, topic=maker.resolve_topic(spec.topic))
            except ValueError as problem:
                raise SpecError(f"Bad topic: {problem}.") from None
        if spec.deck:
            decks = sorted({c.deck for c in self.engine.cards.values()})
            match = [d for d in decks if d.casefold() == spec.deck.casefold()]
            if not match:
                raise SpecError(
                    f"Unknown deck '{spec.deck}'. Known decks: {', '.join(decks) or '(none)'}."
                )
            spec = dataclasses.replace(spec, deck=match[0])
        if not self.daily.eligible(spec):
            raise SpecError(no_cards_text(spec))
        return spec

    def _today(self, spec: DailySpec, row: SlotRow | None, now: datetime) -> str:
        zone = spec.zone
        if row is None:
            today = local_date_of(now, zone)
            if today.weekday() not in spec.weekdays:
                return "not a posting day."
            due = slot_time(today, spec.at, zone)
            if due > now:
                return f"due at {_when(due, spec, now)}."
            return "not posted yet."
        if row.state == "posted":
            at = row.posted_at or row.due_at
            text = f"posted at {_when(at, spec, now)}"
            if row.closes_at is not None:
                verb = "revealed" if row.closes_at <= now else "reveal"
                text += f"; {verb} at {_when(row.closes_at, spec, now)}"
            return text + "."
        if row.state in ("claimed", "posting"):
            if row.failures:
                retry = f" next try {_when(row.lease_until, spec, now)}" if row.lease_until else ""
                return (
                    f"posting failed {row.failures} time(s) ({row.last_error});{retry}, "
                    f"until {_when(row.deadline, spec, now)}."
                )
            return "being posted right now."
        if row.state == "skipped":
            return f"skipped: {row.last_error}."
        if row.state == "failed":
            return f"not posted: {row.last_error}. {command('daily now')} tries again."
        return f"unknown: {row.last_error}."

    def _now_text(self, result: SlotResult, spec: DailySpec, now: datetime) -> str:
        row = result.row
        if result.status == "posted":
            return "Posted today's daily question."
        if result.status == "already_posted" and row is not None:
            at = row.posted_at or row.due_at
            return f"Today's question was already posted at {_when(at, spec, now)}."
        if result.status == "busy" and row is not None and row.failures and row.lease_until:
            return (
                f"Posting today's question failed {row.failures} time(s) ({row.last_error}); "
                f"the next try is at {_when(row.lease_until, spec, now)}."
            )
        if result.status == "busy":
            return "Today's question is being posted right now."
        if result.status == "retry":
            return (
                f"Posting failed ({result.detail}); it is retried automatically, next at "
                f"{_when(result.retry_at, spec, now)}."
            )
        if result.status == "unknown":
            return (
                "Today's question may already be in the channel (an earlier attempt was cut off "
                "mid-post), so it is not posted again."
            )
        if result.status == "no_cards":
            return result.detail
        if result.status == "paused":
            return (
                f"The daily question here is paused: {result.detail}. When that is fixed, "
                f"{command('daily set')} turns it back on."
            )
        return f"Today's question could not be posted: {result.detail or result.status}."


def _name(by: Player | str) -> str:
    if isinstance(by, Player):
        return f"{by.display_name} ({by.platform}:{by.user_id})"
    return str(by)


def _when(when: Any, spec: DailySpec, now: datetime) -> str:
    """`Mon 23 Nov, 09:00 CET`, or `09:00 CET` when it is today."""
    if when is None:
        return "?"
    local = when.astimezone(spec.zone)
    text = f"{local:%H:%M} {local.tzname()}"
    if local.date() != now.astimezone(spec.zone).date():
        text = f"{local:%a} {local.day} {local:%b}, {text}"
    return text
