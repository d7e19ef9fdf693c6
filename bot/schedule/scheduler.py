"""The daily question: APScheduler wiring and the exactly-once post per channel per local date.

APScheduler (3.11, AsyncIOScheduler, in-memory job store) is only the alarm clock. One job per
channel (`daily:<platform>:<server>:<channel>`, a `DailyTrigger`) is registered from the
`daily_schedules` table at start-up and again whenever a schedule changes. Whether a post
happens is decided by the `daily_slots` row of (channel, local date): the first caller to
claim it posts; every other caller (a repeated fire, a second process, a restart, a double
registration) finds the row and does nothing. See `bot/schedule/store.py` for the states.

Reveals are the engine's: `engine.reveal(round_id)` happens once whoever calls it. This module
also registers a one-off job at each daily round's close (so reveals happen even when nobody
runs `engine.run_timer`) and, after the week's last scored reveal, posts the weekly board.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.cards.model import Card
from bot.clock import Clock
from bot.engine import Engine, memory
from bot.engine.periods import local_date, period_key
from bot.messages import Notice, command
from bot.ports import Place, PostError
from bot.questions import CardFilter, Picker, Question, QuestionMaker
from bot.schedule.spec import DailySpec
from bot.schedule.store import DailyStore, Schedule, SlotRow, key
from bot.schedule.timing import (
    DailyTrigger,
    Slot,
    latest_slot,
    next_slot,
    reveal_time,
    slot_time,
)
from bot.store import Store
from bot.store.processes import BEAT_EVERY, DEAD_AFTER, new_owner

log = logging.getLogger(__name__)

DEFAULT_GRACE = timedelta(hours=2)
# A `pick: review` schedule asks the players who answered in the channel within this window,
# and never a card asked there within it.
REVIEW_WINDOW = timedelta(days=30)
CLAIM_LEASE = timedelta(minutes=2)  # time to pick a card between claiming and posting
POSTING_LEASE = timedelta(minutes=10)  # an attempt older than this died with its process
MIN_OPEN = timedelta(hours=1)  # a late post stays open at least this long
# Several processes (`watch`): slots a dead process held, taken over per watch; schedules
# changed by another process are picked up this often.
ORPHANS_PER_WATCH = 2000
REFRESH_EVERY = timedelta(seconds=30)
# A reveal claimed but not delivered this long after is its dead process's: deliver it. Longer
# than a reveal can wait in a paced queue (adapters/pacing.py MAX_WAIT), so a live process
# still delivering it is not doubled.
REVEAL_ORPHANED_AFTER = timedelta(minutes=10)  # also: what a starting process leaves alone
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
    timedelta(minutes=15),
)


@dataclass(frozen=True, slots=True)
class SlotResult:
    """What one attempt at a slot did.

    status: posted | already_posted | busy | retry | failed | skipped | unknown | not_due | off
    | no_cards | paused. `retry_at`: when this slot should be looked at again (a retry job is
    registered for it)."""

    status: str
    place: Place
    local_date: date | None
    row: SlotRow | None = None
    round_id: int | None = None
    retry_at: datetime | None = None
    detail: str = ""


class DailyScheduler:
    def __init__(
        self,
        store: Store,
        engine: Engine,
        *,
        clock: Clock | None = None,
        scheduler: AsyncIOScheduler | None = None,
        grace: timedelta = DEFAULT_GRACE,
        owner: str | None = None,
        watch: bool = False,
        on_peers: Callable[[int], None] | None = None,
    ) -> None:
        """`watch`: this is one of several processes on the database (`quizbot run`): beat,
        take over what dead processes held, pick up schedules others changed (see `watch`).
        `on_peers(n)` hears how many processes are alive, after each beat."""
        self.db = DailyStore(store)
        self.engine = engine
        self.clock = clock or engine.clock
        self.scheduler = scheduler
        self.grace = grace
        self.owner = owner or new_owner()
        self._own_scheduler = False
        self.watching = watch
        self.on_peers = on_peers
        self._owns: dict[str, Callable[[Place], bool]] = {}
        self._known: dict[Place, tuple[Any, ...]] = {}
        self._refreshed_at: datetime | None = None
        self._looked_for: set[int] = set()

    # -- which places are this process's ----------------------------------------------------

    def only_places(self, platform: str, owns: Callable[[Place], bool]) -> None:
        """This process handles the daily schedules of `platform` only where `owns(place)`
        (an adapter that splits its platform between processes, as Discord's shards do)."""
        self._owns[platform] = owns

    def owns(self, place: Place) -> bool:
        owns = self._owns.get(place.platform)
        return owns is None or owns(place)

    # -- life cycle -----------------------------------------------------------------------

    async def start(
        self, *, recover: bool = True, catch_up: bool = True, began: datetime | None = None
    ) -> list[SlotResult]:
        """Reveal overdue rounds once, register every schedule's job, post what was missed by
        less than the grace window (older misses are recorded as skipped). Needs a running
        loop; starts its own AsyncIOScheduler when none was given. `began`: when this
        process's adapters started taking commands (see `Engine.recover`)."""
        if self.scheduler is None:
            self.scheduler = AsyncIOScheduler(timezone=UTC)
            self._own_scheduler = True
        others = False
        if self.watching:  # beat first: our claims must never look like a dead process's
            others = await self._beat() > 1
        if recover:
            await self.engine.recover(
                leave_recent=REVEAL_ORPHANED_AFTER if others else None, began=began
            )
        for schedule in await self.db.schedules():
            self._register(schedule)
            self._known[schedule.place] = _version(schedule)
        self._refreshed_at = self.clock.now()
        results = await self.catch_up() if catch_up else []
        await self._register_pending_reveals()
        if self.watching:
            # Two jobs: the beat must never wait behind a long takeover, or this process
            # would itself look dead to the others.
            for job, func in (("daily-beat", self._beat_safely), ("daily-watch", self.watch)):
                self.scheduler.add_job(
                    func,
                    trigger=IntervalTrigger(
                        seconds=BEAT_EVERY.total_seconds(),
                        start_date=self.clock.now() + BEAT_EVERY,  # our clock, as every job's
                        timezone=UTC,
                    ),
                    args=[],
                    id=job,
                    replace_existing=True,
                    coalesce=True,
                    max_instances=1,
                )
        if not self.scheduler.running:
            self.scheduler.start()
        return results

    async def leave(self) -> None:
        """Stopping cleanly: the other processes stop counting this one (see `on_peers`)."""
        if self.watching:
            await self.db.leave(self.owner)

    # -- several processes on one database ----------------------------------------------

    async def _beat(self) -> int:
        """How many processes are alive, this one included."""
        live = max(await self.db.beat(self.owner, self.clock.now()), 1)
        if self.on_peers is not None:
            self.on_peers(live)
        return live

    async def _beat_safely(self) -> None:
        try:
            await self._beat()
        except asyncio.CancelledError:
            return  # stopping (APScheduler would log the cancellation as a failed job)
        except Exception:
            log.exception("daily: could not record this process's heartbeat; trying again")

    async def watch(self) -> list[SlotResult]:
        """Every few seconds in each of several processes: post the slots a dead process had
        claimed or was posting (the claim takes them over at once, `DailyStore.claim`);
        recover the posts it may have made (`Engine.find_lost_posts`); deliver its reveals;
        follow schedule changes made through another process."""
        results: list[SlotResult] = []
        try:
            now = self.clock.now()
            orphans = [
                row
                for row in await self.db.orphans(now - DEAD_AFTER, ORPHANS_PER_WATCH)
                if self.owns(row.place)
            ]
            results = await self._one_by_one([(r.place, r.local_date, None) for r in orphans])
            await self._recover_lost_posts(now)
            if self._refreshed_at is None or now - self._refreshed_at >= REFRESH_EVERY:
                self._refreshed_at = now
                await self.refresh()
                await self.engine.deliver_late_reveals(now - REVEAL_ORPHANED_AFTER)
                await self.db.forget_dead(now)
        except asyncio.CancelledError:
            return results  # stopping (APScheduler would log the cancellation as a failure)
        except Exception:
            log.exception("daily: watching the other processes failed; trying again")
        return results

    async def _recover_lost_posts(self, now: datetime) -> None:
        lost = [
            row
            for row in await self.db.unknown_since(now - timedelta(days=1))
            if row.round_id is not None
            and row.round_id not in self._looked_for
            and self.owns(row.place)
        ]
        if not lost:
            return
        # One process looks for each (two would each send the post again with its nonce).
        # What another live process took stays in view: if it dies too, this one takes over.
        lost = await self.db.take_unknown(lost, self.owner, now - DEAD_AFTER)
        if not lost:
            return
        self._looked_for.update(r.round_id for r in lost if r.round_id is not None)
        refs = await self.engine.find_lost_posts({r.round_id for r in lost if r.round_id})
        for row in lost:
            ref = refs.get(row.round_id or 0)
            if ref is None:
                continue
            after = await self.db.found_post(row, ref, now)
            log.info("daily %s %s: found the post a stopped process made", row.place,
                     row.local_date)  # fmt: skip
            if after is not None and after.closes_at is not None and after.round_id:
                self._at(reveal_job_id(after.round_id), max(after.closes_at, now),
                         self.run_reveal, [row.place, row.local_date, after.round_id])  # fmt: skip

    async def refresh(self) -> int:
        """Register, change or drop the jobs of schedules changed since we last looked (by
        another process, or by hand): how many changed."""
        changed = 0
        seen: set[Place] = set()
        for schedule in await self.db.schedules():
            seen.add(schedule.place)
            version = _version(schedule)
            if self._known.get(schedule.place) != version:
                self._known[schedule.place] = version
                self._register(schedule)
                changed += 1
        for place in [p for p in self._known if p not in seen]:
            del self._known[place]
            self._remove(job_id(place))
            changed += 1
        return changed

    def shutdown(self) -> None:
        if self.scheduler is not None and self._own_scheduler and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def register(self, place: Place) -> None:
        """(Re-)register one channel's job from the database, after its schedule changed."""
        schedule = await self.db.schedule(place)
        if schedule is None or not schedule.active:
            self._remove(job_id(place))
        else:
            self._register(schedule)

    def _register(self, schedule: Schedule) -> None:
        if self.scheduler is None:
            return
        spec = schedule.spec
        if not schedule.active or not self.owns(schedule.place):
            self._remove(job_id(schedule.place))
            return
        self.scheduler.add_job(
            self.run_due,
            trigger=DailyTrigger(spec.at, spec.zone, spec.weekdays),
            args=[schedule.place],
            id=job_id(schedule.place),
            name=f"daily question {schedule.place.channel_id}",
            replace_existing=True,
            # Late wake-ups (a blocked loop, a suspended host) still post within the window;
            # run_due itself applies the same window, so the two agree.
            misfire_grace_time=max(1, int(self.grace.total_seconds())),
            coalesce=True,  # several missed fires are one slot at most: run once
            max_instances=1,
        )

    def _remove(self, job: str) -> None:
        if self.scheduler is not None and self.scheduler.get_job(job) is not None:
            self.scheduler.remove_job(job)

    def _at(self, job: str, when: datetime, func: Any, args: list[Any]) -> None:
        if self.scheduler is None:
            return
        self.scheduler.add_job(
            func,
            trigger=DateTrigger(run_date=when, timezone=UTC),
            args=args,
            id=job,
            replace_existing=True,
            misfire_grace_time=None,  # one-off catch-up work: always run, however late
            coalesce=True,
        )

    # -- the slot -------------------------------------------------------------------------

    async def run_due(self, place: Place) -> SlotResult:
        """The job APScheduler fires: the channel's latest slot due at or before now."""
        try:
            schedule = await self.db.schedule(place)
            if schedule is None or not schedule.spec.enabled:
                return SlotResult("off", place, None)
            if schedule.paused:
                return SlotResult("paused", place, None, detail=schedule.paused_reason or "")
            spec = schedule.spec
            slot = latest_slot(self.clock.now(), spec.at, spec.zone, spec.weekdays)
            if slot is None:
                return SlotResult("not_due", place, None)
            return await self.run_slot(place, slot.local_date, schedule=schedule, slot=slot)
        except Exception as exc:  # APScheduler would only log it; say which channel
            log.exception("daily question for %s failed", place)
            return SlotResult("failed", place, None, detail=f"{type(exc).__name__}: {exc}")

    async def run_slot(
        self,
        place: Place,
        day: date,
        *,
        force: bool = False,
        retry: bool = False,
        schedule: Schedule | None = None,
        slot: Slot | None = None,
    ) -> SlotResult:
        """Post the daily question of `day` in `place` unless that local date already has one.

        `force` is the admin's "post now": any weekday, any time, and it may take a slot that
        was skipped or failed; it still never posts a second time. `retry` continues a slot
        that already has a row (a failed attempt, someone else's lapsed claim): no weekday or
        grace check here, the row's own deadline applies. `slot`: `day`'s slot of `schedule`
        when the caller has it already."""
        schedule = schedule or await self.db.schedule(place)
        if schedule is None or (not schedule.spec.enabled and not force):
            return SlotResult("off", place, day)
        if schedule.paused:  # even "post now": the platform said this place is unusable
            return SlotResult("paused", place, day, detail=schedule.paused_reason or "")
        spec = schedule.spec
        zone = spec.zone
        now = self.clock.now()
        if slot is None or slot.local_date != day:
            slot = Slot(day, slot_time(day, spec.at, zone), zone)
        relaxed = force or retry
        if not relaxed and (day.weekday() not in spec.weekdays or now < slot.utc):
            return SlotResult("not_due", place, day)
        deadline = (max(now, slot.utc) if force else slot.utc) + self.grace
        if not relaxed and now > deadline:
            row = await self.db.skip(
                place,
                day,
                due_at=slot.utc,
                now=now,
                why=f"missed: not posted by {_hm(deadline, zone)} (grace window "
                f"{_span(self.grace)} after {slot.local_time})",
            )
            if row is not None and row.state not in ("claimed", "posting"):
                if row.state == "skipped":
                    log.warning("daily %s %s: %s", place, day, row.last_error)
                return _result(row)
        claim = await self.db.claim(
            place,
            day,
            due_at=slot.utc,
            deadline=deadline,
            owner=self.owner,
            now=now,
            lease_until=now + CLAIM_LEASE,
            posting_lease_over=now,
            reopen=force,
            dead_before=now - DEAD_AFTER,
        )
        row = claim.row
        if not claim.mine:
            result = _result(row)
            if row.state in ("claimed", "posting") and row.lease_until is not None:
                # Someone else holds it: look again when their claim or attempt runs out.
                again = max(row.lease_until, now) + timedelta(seconds=1)
                if again <= row.deadline or row.state == "posting":
                    self._at(retry_job_id(place, day), again, self.run_retry, [place, day])
                    result = _replace(result, retry_at=again)
            return result
        if now > row.deadline and not force:
            row = await self.db.release(
                place, day, owner=self.owner, state="failed", why=_gave_up(row)
            )
            log.error("daily %s %s: %s", place, day, row.last_error if row else "gave up")
            return SlotResult("failed", place, day, row)
        return await self._post(place, day, slot, spec, row, force=force)

    async def run_retry(self, place: Place, day: date) -> SlotResult:
        """A retry job: the same slot again (a failed attempt, or someone else's lapsed claim)."""
        return await self.run_slot(place, day, retry=True)

    async def _post(
        self, place: Place, day: date, slot: Slot, spec: DailySpec, row: SlotRow, *, force: bool
    ) -> SlotResult:
        prompt_day = spec.prompt_day is not None and day.weekday() == spec.prompt_day
        held = await self.engine.reports.held(place)  # reported cards wait for an admin
        forgotten: list[str] = []
        if spec.pick == "review" and not prompt_day:
            # Recall as of the slot's own time, so a retry later that day picks the same card.
            by_card, asked = await self.db.channel_memory(place, slot.utc - REVIEW_WINDOW)
            forgotten = memory.most_forgotten(by_card, slot.utc, leave_out=asked)
        picked = self.pick(
            place, day, spec, prompt=prompt_day, uses=await self.db.card_uses(place), held=held,
            first=forgotten,
        )  # fmt: skip
        if picked is None and prompt_day:
            picked = self.pick(
                place, day, spec, prompt=False, uses=await self.db.card_uses(place), held=held
            )
        if picked is None:
            row = await self.db.release(
                place, day, owner=self.owner, state="skipped", why=no_cards_text(spec)
            )
            log.error("daily %s %s: %s", place, day, no_cards_text(spec))
            return SlotResult("no_cards", place, day, row, detail=no_cards_text(spec))
        question = picked
        is_prompt = question.format == "prompt"
        now = self.clock.now()
        closes_at = self._closes_at(slot, spec, now, force=force)
        started = await self.db.begin_posting(
            place,
            day,
            owner=self.owner,
            now=now,
            lease_until=now + POSTING_LEASE,
            kind="prompt" if is_prompt else "question",
            card_id=question.card_id,
            fmt=question.format,
        )
        if not started:  # our claim lapsed and another caller took it over
            return _result(await self.db.slot(place, day) or row)
        try:
            round_id = await self.engine.open_round(
                place, question, mode="daily", closes_at=closes_at, tz=spec.tz
            )
        except Exception as exc:
            return await self._failed(place, day, row, exc)
        row_after = await self.db.posted(
            place, day, owner=self.owner, round_id=round_id, now=self.clock.now()
        )
        log.info("daily %s %s: posted round %s (card %s)", place, day, round_id, question.card_id)
        if not is_prompt:
            self._at(reveal_job_id(round_id), closes_at, self.run_reveal, [place, day, round_id])
        return SlotResult("posted", place, day, row_after, round_id=round_id)

    async def _failed(self, place: Place, day: date, row: SlotRow, exc: Exception) -> SlotResult:
        if isinstance(exc, PostError):
            return await self._refused(place, day, exc)
        now = self.clock.now()
        failures = row.failures + 1
        retry_at: datetime | None = now + BACKOFF[min(failures, len(BACKOFF)) - 1]
        if retry_at is not None and retry_at > row.deadline:
            retry_at = None
        error = f"{type(exc).__name__}: {exc}"
        after = await self.db.failed_attempt(
            place, day, owner=self.owner, error=error, retry_at=retry_at
        )
        if retry_at is None:
            log.error("daily %s %s: posting failed %d times, giving up: %s", place, day,
                      failures, error)  # fmt: skip
            return SlotResult("failed", place, day, after, detail=error)
        log.warning("daily %s %s: posting failed (%s); retry at %s", place, day, error, retry_at)
        self._at(retry_job_id(place, day), retry_at, self.run_retry, [place, day])
        return SlotResult("retry", place, day, after, retry_at=retry_at, detail=error)

    async def _refused(self, place: Place, day: date, exc: PostError) -> SlotResult:
        """A refusal that a retry would meet again: never retried. A place that is gone or
        closed to the bot has its schedule paused (its admin told once); a dead token fails
        the slot only (the operator fixes the token, every schedule goes on); a post that may
        have gone out is `unknown`, so it is never doubled."""
        error = f"{exc.reason}"
        if exc.kind == "maybe_posted":
            after = await self.db.failed_attempt(
                place, day, owner=self.owner, error=error, retry_at=None, unknown=True
            )
            log.error("daily %s %s: %s; not retried (a second post could be a duplicate)",
                      place, day, error)  # fmt: skip
            return SlotResult("unknown", place, day, after, detail=error)
        after = await self.db.failed_attempt(
            place, day, owner=self.owner, error=error, retry_at=None
        )
        self._remove(retry_job_id(place, day))
        if exc.kind in ("gone", "no_access"):
            await self.pause(place, error)
        else:
            log.error("daily %s %s: %s (%s); not retried", place, day, error, exc.kind)
        return SlotResult("failed", place, day, after, detail=error)

    # -- pausing --------------------------------------------------------------------------

    async def pause(self, place: Place, reason: str, *, tell: bool = True) -> bool:
        """Pause one channel's schedule (it stays stored; `/daily set` resumes it) and tell
        the admin who set it, once. False when it was paused already or has no schedule."""
        paused = await self.db.pause(place, reason, self.clock.now())
        self._remove(job_id(place))
        if not paused:
            return False
        log.error("daily %s: paused: %s", place, reason)
        schedule = await self.db.schedule(place)
        if tell and schedule is not None and schedule.set_by_id:
            note = Notice(
                f"Your daily question is paused: {reason}. When that is fixed, "
                f"{command('daily set')} in that channel turns it back on."
            )
            try:
                told = await self.engine.poster.tell(place, schedule.set_by_id, note)
            except Exception:  # a note that cannot be delivered must not undo the pause
                log.exception("daily %s: could not tell the admin about the pause", place)
                told = False
            if not told:
                log.warning("daily %s: the admin could not be told about the pause", place)
        return True

    async def pause_server(self, platform: str, server_id: str, reason: str) -> list[Place]:
        """Every schedule of a server or workspace the bot was removed from: paused with the
        reason and their jobs (posts, retries) dropped. Nobody is told: the platform no longer
        lets the bot reach that server's people."""
        places = await self.db.pause_server(platform, server_id, reason, self.clock.now())
        for place in places:
            self._remove(job_id(place))
            prefix = f"daily-retry:{':'.join(key(place))}:"
            if self.scheduler is not None:
                for job in self.scheduler.get_jobs():
                    if job.id.startswith(prefix):
                        self._remove(job.id)
        if places:
            log.error(
                "daily: %d schedule(s) of %s %s paused: %s", len(places), platform, server_id,
                reason,
            )  # fmt: skip
        return places

    def _closes_at(self, slot: Slot, spec: DailySpec, now: datetime, *, force: bool) -> datetime:
        if force and spec.reveal.delay is not None and now > slot.utc:
            return now + spec.reveal.delay
        return max(reveal_time(slot, spec.at, spec.reveal), now + MIN_OPEN)

    # -- rotation -------------------------------------------------------------------------

    def eligible(self, spec: DailySpec, *, prompt: bool = False) -> list[Card]:
        """Cards the schedule may ask, sorted by id. Prompt days draw from discussion prompts
        (the open-questions deck), whatever the filters."""
        return list(self._eligible(spec, prompt))

    def _eligible(self, spec: DailySpec, prompt: bool) -> tuple[Card, ...]:
        wanted = (
            CardFilter(kind="prompt")
            if prompt
            else CardFilter("qa", spec.deck, spec.topic, spec.level)
        )
        return self._maker().picker.eligible(wanted)

    def pick(
        self,
        place: Place,
        day: date,
        spec: DailySpec,
        *,
        prompt: bool,
        uses: dict[str, int],
        held: set[str] | frozenset[str] = frozenset(),
        first: list[str] | None = None,
    ) -> Question | None:
        """The day's question: a card from the least-used ones (a card comes back only when
        every eligible card has had its turn: a new cycle), drawn with a seed made of the
        channel and the date, so every process and every retry picks the same. `held`: cards
        reported here and waiting for an admin, never picked. Cards named in `first` (a
        `pick: review` schedule: the ones the channel is forgetting, most forgotten first) are
        tried before the rotation, when the schedule allows them."""
        cards = tuple(c for c in self._eligible(spec, prompt) if c.id not in held)
        if not cards:
            return None
        seed = f"{'|'.join(key(place))}|{day.isoformat()}"
        rng = random.Random(seed)
        maker = self._maker()
        allowed = {card.id: card for card in cards}
        preferred = [allowed[card_id] for card_id in first or () if card_id in allowed]
        for card in (*preferred, *Picker.rotation_order(cards, uses, rng)):
            if prompt:
                return maker.prompt(card)
            formats = list(spec.formats)
            rng.shuffle(formats)
            for fmt in formats:
                question = maker.make(card, fmt, seed)
                if question is not None:
                    return question
        return None

    def _maker(self) -> QuestionMaker:
        if self.engine.maker is None:
            raise RuntimeError("no decks are loaded: the daily question has no cards to ask")
        return self.engine.maker

    # -- reveal and weekly board ----------------------------------------------------------

    async def run_reveal(self, place: Place, day: date, round_id: int) -> None:
        """At a daily round's close: reveal it (the engine does that once, whoever asks) and,
        after the week's last scored day, post the weekly leaderboard once."""
        try:
            await self.engine.reveal(round_id)
        except Exception:
            log.exception("daily %s %s: reveal of round %s failed", place, day, round_id)
            return
        await self.weekly(place, day, round_id)

    async def weekly(self, place: Place, day: date, round_id: int) -> bool:
        """After the reveal of the week's last scored question: the channel's board of the week
        that question was asked in, once. It comes whenever that reveal comes, after local
        midnight or in the next week too: the answers count for the week they were given in
        (`bot.scoring`), so that week's board is complete only now."""
        schedule = await self.db.schedule(place)
        if schedule is None or not schedule.spec.weekly_leaderboard:
            return False
        spec = schedule.spec
        if not spec.scored_days or day.weekday() != max(spec.scored_days):
            return False
        if await self.db.round_state(round_id) != "revealed":
            return False
        now = self.clock.now()
        asked_at = slot_time(day, spec.at, spec.zone)
        week = period_key("week", local_date(asked_at, await self.engine.board_zone(place)))
        if not await self.db.claim_week(place, week, now):
            return False
        try:
            board = await self.engine.leaderboard(
                place, period="week", scope="channel", at=asked_at
            )
            ref = await self.engine.poster.post(place, board)
        except Exception as exc:
            await self.db.week_done(place, week, ref=None, error=f"{exc}", now=now)
            if isinstance(exc, PostError) and exc.kind in ("gone", "no_access"):
                await self.pause(place, exc.reason)
            else:
                log.exception("daily %s: weekly leaderboard for %s failed", place, week)
            return False
        await self.db.week_done(place, week, ref=ref, error=None, now=self.clock.now())
        return True

    # -- start-up -------------------------------------------------------------------------

    async def catch_up(self) -> list[SlotResult]:
        """Each enabled channel's latest slot (posted now if missed by less than the grace
        window, else recorded as skipped), then any slot left claimed or mid-post."""
        now = self.clock.now()
        done: set[tuple[Place, date]] = set()
        work: list[tuple[Place, date, Schedule | None]] = []
        for schedule in await self.db.schedules():
            spec = schedule.spec
            if not schedule.active or not self.owns(schedule.place):
                continue
            slot = latest_slot(now, spec.at, spec.zone, spec.weekdays)
            if slot is None:
                continue
            work.append((schedule.place, slot.local_date, schedule))
            done.add((schedule.place, slot.local_date))
        for row in await self.db.slots(states=("claimed", "posting")):
            if (row.place, row.local_date) not in done and self.owns(row.place):
                work.append((row.place, row.local_date, None))
        return await self._one_by_one(work)

    async def _one_by_one(
        self, work: list[tuple[Place, date, Schedule | None]]
    ) -> list[SlotResult]:
        """Slots one after the other: a stop in the middle leaves at most one post in flight
        (on Slack, a post cut in flight is never retried). Several processes going through
        the same slots split them, each claiming the next one free."""
        return [await self._safely(place, day, schedule) for place, day, schedule in work]

    async def _safely(self, place: Place, day: date, schedule: Schedule | None) -> SlotResult:
        try:
            row = await self.db.slot(place, day)
            retry = row is not None and row.state in ("claimed", "posting")
            return await self.run_slot(place, day, schedule=schedule, retry=retry)
        except Exception as exc:
            log.exception("daily %s %s: catch-up failed", place, day)
            return SlotResult("failed", place, day, detail=str(exc))

    async def _register_pending_reveals(self) -> None:
        now = self.clock.now()
        for row in await self.db.slots(states=("posted",)):
            if row.round_id is None or row.kind == "prompt" or row.closes_at is None:
                continue
            if row.closes_at < now - timedelta(days=8):
                continue
            state = await self.db.round_state(row.round_id)
            if state == "open":
                self._at(
                    reveal_job_id(row.round_id),
                    max(row.closes_at, now),
                    self.run_reveal,
                    [row.place, row.local_date, row.round_id],
                )
            elif state == "revealed":
                await self.weekly(row.place, row.local_date, row.round_id)

    # -- views ----------------------------------------------------------------------------

    def next_post(self, spec: DailySpec, after: datetime | None = None) -> Slot:
        return next_slot(after or self.clock.now(), spec.at, spec.zone, spec.weekdays)


def _version(schedule: Schedule) -> tuple[Any, ...]:
    """What changes when a schedule is set, turned off, paused or resumed."""
    return (schedule.updated_at, schedule.paused_reason, schedule.spec.enabled)


def job_id(place: Place) -> str:
    return "daily:" + ":".join(key(place))


def retry_job_id(place: Place, day: date) -> str:
    return f"daily-retry:{':'.join(key(place))}:{day.isoformat()}"


def reveal_job_id(round_id: int) -> str:
    return f"daily-reveal:{round_id}"


def no_cards_text(spec: DailySpec) -> str:
    filters = [
        f"{name} '{value}'"
        for name, value in (("deck", spec.deck), ("topic", spec.topic), ("level", spec.level))
        if value
    ]
    what = ", ".join(filters) if filters else "the loaded decks"
    return f"No card can be asked for {what}: change the filter with {command('daily set')}."


_STATUS = {
    "posted": "already_posted",
    "claimed": "busy",
    "posting": "busy",
    "failed": "failed",
    "skipped": "skipped",
    "unknown": "unknown",
}


def _result(row: SlotRow) -> SlotResult:
    return SlotResult(
        _STATUS[row.state], row.place, row.local_date, row, round_id=row.round_id,
        detail=row.last_error or "",
    )  # fmt: skip


def _replace(result: SlotResult, **changes: Any) -> SlotResult:
    return dataclasses.replace(result, **changes)


def _gave_up(row: SlotRow) -> str:
    if row.failures:
        return f"gave up after {row.failures} failed attempts: {row.last_error}"
    return "gave up: the grace window ended before it could be posted"


def _hm(when: datetime, zone: Any) -> str:
    local = when.astimezone(zone)
    return f"{local:%H:%M} {local.tzname()}"


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} min")
    return " ".join(parts)
