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

from adapters import registry
from adapters.runtime import Adapter, PosterRouter, Services
from bot.cards import load_library
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings
from bot.engine import Engine
from bot.health import BEAT_EVERY, record_beats
from bot.invocation import command_hint
from bot.logs import setup_logging
from bot.questions import QuestionMaker
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
    setup_logging(settings.log_level, settings.log_format, settings.secrets())
    try:
        asyncio.run(serve(settings))
    except StoreError as error:
        log.error("%s", error)
        return 1
    except StartupError as error:
        log.error("could not start: %s", error)
        return 1
    return 0


class StartupError(RuntimeError):
    """An adapter could not connect (bad token, unreachable platform, port in use)."""


def build_adapters(services: Services) -> list[Adapter]:
    """One adapter per enabled platform; each `build` loads its platform's library, so a
    Slack-only bot never loads discord.py, and the other way round."""
    return [platform.build(services) for platform in registry.enabled(services.settings)]


async def serve(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    clock: Clock | None = None,
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set by a test)."""
    stop = stop or asyncio.Event()
    clock = clock or SystemClock()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

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
        daily = DailyScheduler(
            store, engine, clock=clock, grace=timedelta(minutes=settings.grace_minutes)
        )
        services = Services(settings, library, engine, clock, posters, DailyService(daily))
        started: list[Adapter] = []
        timer: asyncio.Task[None] | None = None
        try:
            for adapter in build_adapters(services):
                try:
                    await adapter.start()
                except Exception as error:
                    raise StartupError(f"{adapter.platform}: {error}") from error
                started.append(adapter)
                log.info("%s adapter started", adapter.platform)
            results = await daily.start()
            if results:
                log.info("daily catch-up at start: %s", ", ".join(r.status for r in results))
            timer = asyncio.create_task(engine.run_timer(stop), name="quizbot-timer")
            beats = asyncio.create_task(heartbeat(store, started, clock, stop), name="heartbeat")
            await stop.wait()
            log.info("stopping")
        finally:
            stop.set()
            daily.shutdown()
            if timer is not None:
                await timer
                await beats
            for adapter in reversed(started):
                try:
                    await adapter.stop()
                except Exception:
                    log.exception("%s adapter did not stop cleanly", adapter.platform)
    log.info("stopped; database closed")


async def heartbeat(store: Store, adapters: list[Adapter], clock: Clock, stop: asyncio.Event):
    """Record every BEAT_EVERY that the process and each adapter are alive; on the way out,
    record them as down so `quizbot health` does not report a stopped bot as healthy."""
    while True:
        beats = {"runtime": not stop.is_set()}
        beats.update({a.platform: a.alive() and not stop.is_set() for a in adapters})
        try:
            await record_beats(store, beats, clock.now())
        except Exception:
            log.exception("could not record heartbeats")
        if stop.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), BEAT_EVERY.total_seconds())
