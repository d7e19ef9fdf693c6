"""`quizbot run`: one process, every adapter the environment configures, one database.

Start order matters: adapters connect first, so that what the daily scheduler catches up
on at start-up (missed posts, overdue reveals) can actually be delivered; shutdown runs in
reverse and closes the store last, so every acknowledged answer is committed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import signal
import sys
from datetime import timedelta
from typing import Any

from adapters import pacing, registry
from adapters.runtime import Adapter, PosterRouter, Services
from bot.cards import load_library
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.engine import Engine, memory
from bot.health import BEAT_EVERY, record_beats
from bot.invocation import command_hint
from bot.logs import setup_logging
from bot.questions import QuestionMaker
from bot.schedule.reminders import PracticeReminders
from bot.schedule.scheduler import DailyScheduler
from bot.schedule.service import DailyService
from bot.store import Store, StoreError

log = logging.getLogger(__name__)


def nothing_to_run() -> str:
    ways = " and/or ".join(p.enable_with for p in registry.PLATFORMS)
    return (
        f"quizbot run: no platform is configured. Set {ways}; "
        f"see deploy/.env.example. To play alone, use `{command_hint('play')}`."
    )


def run(args: argparse.Namespace) -> int:
    try:
        settings = registry.load_settings(db=args.db, seeds=args.seeds)
    except ConfigError as error:
        print(f"quizbot run: {error}", file=sys.stderr)
        return 2
    if not registry.enabled(settings):
        print(nothing_to_run(), file=sys.stderr)
        return 2
    noise = [rule for platform in registry.PLATFORMS for rule in platform.log_noise]
    shapes = [shape for platform in registry.PLATFORMS for shape in platform.secret_shapes]
    setup_logging(
        settings.log_level, settings.log_format, settings.secrets(), noise=noise, shapes=shapes
    )
    memory.use_parameters(settings.fsrs_parameters)
    if settings.fsrs_parameters is not None:
        log.info("FSRS: scheduling with the parameters from QUIZBOT_FSRS_PARAMETERS")
    try:
        asyncio.run(serve(settings))
    except StoreError as error:
        log.error("%s", error)
        return 1
    except StartupError as error:
        log.error("could not start: %s", error)
        return 1
    except AdapterDied:
        return 1  # its reason was logged, once, when it happened
    return 0


class StartupError(RuntimeError):
    """An adapter could not connect (bad token, unreachable platform, port in use)."""


class AdapterDied(RuntimeError):
    """An adapter stopped working for good while running (its token was revoked)."""


def build_adapters(services: Services) -> list[Adapter]:
    """One adapter per enabled platform; each `build` loads its platform's library, so a
    Slack-only bot never loads discord.py, and the other way round."""
    return [platform.build(services) for platform in registry.enabled(services.settings)]


# From SIGTERM/SIGINT to exit, each step waits at most this long (docker stop and systemd
# kill after 10 s): the reveal in progress, the adapters closing (together), the rest.
TIMER_GRACE = 2.0
ADAPTERS_GRACE = 4.5
LEFTOVER_GRACE = 1.0


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    clock: Clock | None = None,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set by a test), in any state: still connecting,
    reconnecting, posting the daily questions or revealing; the database is closed last."""
    stop = stop or asyncio.Event()
    clock = clock or SystemClock()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, _on_signal, sig, stop)

    library = load_library(settings.seeds)
    for message in library.errors:
        log.warning("deck problem: %s", message)
    log.info("loaded %d cards from %d deck(s)", len(library.cards), len(library.decks()))
    # Cards, indexes and modules live as long as the process: keep the garbage collector
    # from re-scanning them in every collection during a burst of clicks or daily posts.
    gc.freeze()

    posters = PosterRouter()
    async with await Store.open(settings.db) as store:
        engine = Engine(store, library, clock, posters, QuestionMaker(library.cards, library.items))
        # watch: other processes may share this database (README "Running several
        # instances"); each paces at its share of the per-bot limits.
        daily = DailyScheduler(
            store,
            engine,
            clock=clock,
            grace=timedelta(minutes=settings.grace_minutes),
            watch=True,
            on_peers=pacing.share_between,
        )
        reminders = PracticeReminders(store, engine, clock)
        services = Services(
            settings, library, engine, clock, posters, DailyService(daily), reminders=reminders
        )
        started: list[Adapter] = []
        timer: asyncio.Task[None] | None = None
        beats: asyncio.Task[None] | None = None
        # This task and the store's own (its writer and reader): never cancelled at the end.
        ours: set[asyncio.Task[Any] | None] = set(asyncio.all_tasks())
        try:
            # Connecting and the start-up catch-up (a fan-out to every channel due) can take
            # minutes against a platform that refuses: a stop signal ends them at once.
            starting = asyncio.create_task(
                _start(build_adapters(services), started, daily, reminders), name="quizbot-start"
            )
            ours.add(starting)
            if await _unless_stopped(starting, stop):
                timer = asyncio.create_task(engine.run_timer(stop), name="quizbot-timer")
                beats = asyncio.create_task(
                    heartbeat(store, started, clock, stop, daily.owner), name="heartbeat"
                )
                ours.update((timer, beats))
                # Until SIGTERM, or an adapter that can no longer work asks all to stop.
                waits = {
                    asyncio.create_task(stop.wait(), name="stop"),
                    asyncio.create_task(services.shutdown.requested.wait(), name="fatal"),
                }
                ours.update(waits)
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                for waiting in waits:
                    waiting.cancel()
        finally:
            stop.set()
            log.info("stopping")
            daily.shutdown()
            if timer is not None:
                await _within(TIMER_GRACE, [timer], "the reveal in progress")
            await _within(ADAPTERS_GRACE, [_stop(a) for a in reversed(started)], "the adapters")
            await _within(LEFTOVER_GRACE, [_leave(daily)], "leaving the other processes")
            if beats is not None:
                await _within(LEFTOVER_GRACE, [beats], "the heartbeat")
            # Daily jobs still posting, clicks still being answered: their state is in the
            # database (a restart finishes them), so they end here, before it closes.
            leftovers = [t for t in asyncio.all_tasks() if t not in ours and not t.done()]
            for task in leftovers:
                task.cancel()
            await _within(LEFTOVER_GRACE, leftovers, "unfinished work")
    log.info("stopped; database closed")
    if services.shutdown.reason is not None:
        raise AdapterDied(services.shutdown.reason)


def _on_signal(sig: signal.Signals, stop: asyncio.Event) -> None:
    if not stop.is_set():
        log.info("%s received: stopping", sig.name)
    stop.set()


async def _start(
    adapters: list[Adapter],
    started: list[Adapter],
    daily: DailyScheduler,
    reminders: PracticeReminders | None = None,
) -> None:
    began = daily.clock.now()  # from here on, clicks and commands may open rounds
    for adapter in adapters:
        try:
            await adapter.start()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            raise StartupError(f"{adapter.platform}: {error}") from error
        started.append(adapter)
        log.info("%s adapter started", adapter.platform)
    results = await daily.start(began=began)
    if reminders is not None and daily.scheduler is not None:
        reminders.start(daily.scheduler)  # on the daily question's scheduler and clock
    if results:
        log.info("daily catch-up at start: %s", ", ".join(r.status for r in results))


async def _unless_stopped(starting: asyncio.Task[None], stop: asyncio.Event) -> bool:
    """Wait for `starting`; True when it finished, False when a stop came first (it is
    cancelled then, and cleans up after itself). Its errors are raised."""
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if starting.done():
        starting.result()
        return True
    log.info("stopping while starting up")
    starting.cancel()
    await _within(ADAPTERS_GRACE, [starting], "the start-up")
    return False


async def _leave(daily: DailyScheduler) -> None:
    try:
        await daily.leave()
    except Exception:
        log.debug("could not record this process as stopped", exc_info=True)


async def _stop(adapter: Adapter) -> None:
    try:
        await adapter.stop()
    except Exception:
        log.exception("%s adapter did not stop cleanly", adapter.platform)


async def _within(seconds: float, work: list[Any], what: str) -> None:
    """Await `work` (coroutines or tasks) for at most `seconds`, then cancel what is left."""
    if not work:
        return
    tasks = [w if isinstance(w, asyncio.Future) else asyncio.ensure_future(w) for w in work]
    _, late = await asyncio.wait(tasks, timeout=seconds)
    for task in late:
        task.cancel()
    if late:
        log.warning("stopping: %s did not finish within %.0f s; cancelled", what, seconds)
        await asyncio.wait(late, timeout=0.5)
    for task in tasks:
        if task.done() and not task.cancelled() and task.exception() is not None:
            error = task.exception()
            if not isinstance(error, StartupError):
                log.debug("stopping: %s ended with %r", what, error)


async def heartbeat(
    store: Store,
    adapters: list[Adapter],
    clock: Clock,
    stop: asyncio.Event,
    process: str | None = None,
):
    """Record every BEAT_EVERY that the process and each adapter are alive; on the way out,
    record them as down so `quizbot health` does not report a stopped bot as healthy.
    `process`: this process's name among several on the database (bot.health)."""
    while True:
        beats = {"runtime": not stop.is_set()}
        beats.update({a.platform: a.alive() and not stop.is_set() for a in adapters})
        try:
            await record_beats(store, beats, clock.now(), process)
        except Exception:
            log.exception("could not record heartbeats")
        if stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), BEAT_EVERY.total_seconds())
