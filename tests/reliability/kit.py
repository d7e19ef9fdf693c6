"""Shared by the reliability tests: real `quizbot run` processes on real SQLite files, driven
through the fake Discord and fake Slack, and the bookkeeping that proves nothing was lost or
doubled (acknowledged answers, question posts, reveal edits, daily slots).

Counts scale with QUIZBOT_SOAK=1 (`make soak`): `scaled(ci, soak)` picks one of the two.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.paths import is_database_url
from bot.ports import Place
from bot.schedule.spec import DailySpec
from bot.schedule.store import DailyStore
from bot.store import Store
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack, SlackUser

REPO = Path(__file__).resolve().parents[2]
SOAK = os.environ.get("QUIZBOT_SOAK", "") not in ("", "0")
ANSWER = re.compile(r"^answer:(\d+):(\d+)$")
LOCKED_IN = "Locked in"
START_TIMEOUT = 30.0  # a cold start imports discord.py, slack-bolt and loads the decks
SLACK_TEAM = "T0QUIZ"


def scaled(ci: int, soak: int) -> int:
    return soak if SOAK else ci


# -- processes ----------------------------------------------------------------------------


def bot_env(
    db: Path,
    *,
    discord: FakeDiscord | None = None,
    slack: FakeSlack | None = None,
    **extra: str,
) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "QUIZBOT_"))
    }
    env.update(QUIZBOT_DB=str(db), QUIZBOT_LOG_LEVEL="DEBUG", PYTHONPATH=str(REPO))
    if discord is not None:
        env.update(
            DISCORD_TOKEN=discord.token,
            DISCORD_API_BASE=discord.base_url,
            DISCORD_GATEWAY_URL=discord.gateway_url,
            DISCORD_GUILD_ID=str(discord.guild.id),
        )
    if slack is not None:
        env.update(
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_APP_TOKEN=slack.app_token,
            SLACK_API_URL=slack.api_url,
        )
    env.update(extra)
    return env


async def quizbot(
    *args: str,
    env: dict[str, str],
    stdin: bytes | None = None,
    timeout: float = 60.0,
    preexec_fn: Any = None,
) -> tuple[int, str, str]:
    """Run one `quizbot ...` command to the end: (exit code, stdout, stderr)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        env=env,
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=preexec_fn,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(stdin), timeout)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, out.decode(errors="replace"), err.decode(errors="replace")


class BotProcess:
    """One `quizbot run`; its log (stderr) goes to a file so a SIGKILL loses none of it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> BotProcess:
        with self.log.open("ab") as handle:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot.cli",
                "run",
                env=self.env,
                cwd=REPO,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=handle,
                stderr=handle,
            )
        return self

    async def kill(self) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(self.proc.wait(), 10)

    async def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait: the exit code."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.proc.wait(), timeout)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
            raise

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@contextlib.asynccontextmanager
async def fakes(
    *, discord: bool = True, slack: bool = True
) -> AsyncIterator[tuple[FakeDiscord | None, FakeSlack | None]]:
    async with contextlib.AsyncExitStack() as stack:
        d = await stack.enter_async_context(FakeDiscord()) if discord else None
        s = await stack.enter_async_context(FakeSlack()) if slack else None
        yield d, s


class Readiness:
    """Counts each platform's connections so a restarted process is known to be ready."""

    def __init__(self, discord: FakeDiscord | None, slack: FakeSlack | None) -> None:
        self.discord, self.slack = discord, slack
        self.starts = 0

    async def wait(self, timeout: float = START_TIMEOUT) -> None:
        self.starts += 1
        if self.discord is not None:
            # Each start syncs the commands once it is connected: then clicks reach it.
            await self.discord.wait_for_call(
                "PUT", "/applications/{id}/guilds/{id}/commands", timeout, count=self.starts
            )
        if self.slack is not None:
            await self.slack.wait_for_connections(self.starts, timeout)


# -- database helpers ---------------------------------------------------------------------


async def prepare_db(db: Path, daily_places: list[Place], now: datetime | None = None) -> None:
    """Create the schema and a daily schedule, due a minute ago, in every `daily_places`:
    the first start's catch-up must post it, and no later start may post it again."""
    now = now or datetime.now(UTC)
    due = (now - timedelta(minutes=1)).time().replace(second=0, microsecond=0)
    spec = DailySpec(at=time(due.hour, due.minute), tz="UTC", weekdays=frozenset(range(7)))
    async with await Store.open(db) as store:
        daily = DailyStore(store)
        for place in daily_places:
            await daily.save_schedule(place, spec, "test", now)


def read_db(db: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
    """A read on its own connection (WAL: safe while a bot writes); `db` may also be a
    PostgreSQL URL (rows indexed by position and by name there too)."""
    if is_database_url(db):
        return write_db(db, sql, params, rows=True)
    assert isinstance(db, Path)
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def write_db(db: Path | str, sql: str, params: tuple[Any, ...] = (), *, rows: bool = False):
    """One statement on its own connection, committed: the rows (`rows`) or the row count."""
    if is_database_url(db):
        import psycopg

        from bot.store.postgres import _row_class, translate

        with psycopg.connect(str(db)) as conn:
            cursor = conn.execute(translate(sql), params)
            if not rows:
                return cursor.rowcount
            names = tuple(c.name for c in cursor.description or ())
            return [_row_class(names)(r) for r in cursor.fetchall()]
    conn = sqlite3.connect(db, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        with conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if rows else cursor.rowcount
    finally:
        conn.close()


def answers_in(db: Path) -> dict[tuple[int, str, str], int]:
    rows = read_db(
        db,
        "SELECT a.round_id, r.platform, a.user_id, a.option_index FROM answers a"
        " JOIN rounds r ON r.id = a.round_id",
    )
    return {(r["round_id"], r["platform"], r["user_id"]): r["option_index"] for r in rows}


# -- what the fakes saw -------------------------------------------------------------------


def discord_custom_ids(message: dict[str, Any] | None) -> list[str]:
    """The custom ids of the message's live buttons (a reveal's are all disabled)."""
    return [
        c.get("custom_id", "")
        for row in (message or {}).get("components", []) or []
        for c in row.get("components", []) or []
        if not c.get("disabled")
    ]


def slack_action_ids(message: dict[str, Any] | None) -> list[str]:
    return [
        e.get("action_id", "")
        for b in (message or {}).get("blocks", []) or []
        if isinstance(b, dict) and b.get("type") == "actions"
        for e in b.get("elements", [])
    ]


def round_of(ids: list[str]) -> int | None:
    for custom_id in ids:
        match = ANSWER.match(custom_id)
        if match:
            return int(match[1])
    return None


@dataclass
class Ledger:
    """Every click sent and what came back, per platform."""

    sent: int = 0
    acked: list[tuple[int, str, str, int]] = field(default_factory=list)  # round, plat, user, opt
    discord_handles: list[Any] = field(default_factory=list)
    slack_clicks: list[tuple[str, int, str, int]] = field(default_factory=list)  # url, rnd, u, o

    def collect(self, slack: FakeSlack | None) -> None:
        """Acknowledged answers: a private "Locked in" that reached the player."""
        self.acked.clear()
        for handle in self.discord_handles:
            texts = [str((c.data or {}).get("content") or "") for c in handle.callbacks]
            texts += [str(f.get("content") or "") for f in handle.followups]
            if any(t.startswith(LOCKED_IN) for t in texts):
                match = ANSWER.match(handle.payload["data"]["custom_id"])
                assert match is not None
                user = handle.payload["member"]["user"]["id"]
                self.acked.append((int(match[1]), "discord", user, int(match[2])))
        if slack is not None:
            for url, round_id, user, option in self.slack_clicks:
                if any(str(p.body.get("text", "")).startswith(LOCKED_IN) for p in
                       slack.responses_to(url)):  # fmt: skip
                    self.acked.append((round_id, "slack", user, option))


def discord_question_posts(fake: FakeDiscord) -> Counter[int]:
    """Question messages in the channels per round id (a question post carries its answer
    buttons). Counted by the message ids Discord answered: a post repeated with its nonce
    after a crash (`Engine.find_lost_posts`) is handed the first message back, and players
    see one."""
    messages: dict[int, set[str]] = {}
    for call in fake.calls_to("POST", "/channels/{c}/messages"):
        if 200 <= call.status < 300:  # a slow answer (fault "delay") still delivered
            round_id = round_of(discord_custom_ids(call.json))
            if round_id is not None:
                messages.setdefault(round_id, set()).add(str(call.response["id"]))
    return Counter({round_id: len(ids) for round_id, ids in messages.items()})


def discord_edits(fake: FakeDiscord) -> dict[str, list[str]]:
    """Successful edits of channel messages: message id -> the bodies sent (as JSON text)."""
    edits: dict[str, list[str]] = {}
    for call in fake.calls_to("PATCH", "/channels/{c}/messages/{m}"):
        if 200 <= call.status < 300:  # a slow answer (fault "delay") still delivered
            edits.setdefault(call.path.rsplit("/", 1)[1], []).append(
                json.dumps(call.json, sort_keys=True)
            )
    return edits


def slack_question_posts(fake: FakeSlack) -> Counter[int]:
    posts: Counter[int] = Counter()
    for call in fake.calls_to("chat.postMessage"):
        if call.ok:
            round_id = round_of(slack_action_ids(call.args))
            if round_id is not None:
                posts[round_id] += 1
    return posts


def slack_edits(fake: FakeSlack) -> dict[str, list[str]]:
    edits: dict[str, list[str]] = {}
    for call in fake.calls_to("chat.update"):
        if call.ok:
            body = {k: call.args.get(k) for k in ("text", "blocks")}
            edits.setdefault(str(call.args.get("ts")), []).append(json.dumps(body, sort_keys=True))
    return edits


def slack_players(fake: FakeSlack, count: int) -> list[str]:
    ids = []
    for n in range(count):
        user = SlackUser(f"U0P{n:03d}", f"player{n}", f"Player {n}", f"player{n}")
        fake.add_user(user)
        ids.append(user.id)
    return ids


@dataclass
class Delivery:
    """Per platform: how rounds reached the channel, compared with the database."""

    platform: str
    rounds: int = 0
    revealed: int = 0
    question_posts_doubled: list[int] = field(default_factory=list)
    questions_missing: list[int] = field(default_factory=list)
    reveals_missing: list[int] = field(default_factory=list)
    reveals_conflicting: list[int] = field(default_factory=list)
    reveal_redeliveries: int = 0  # the same reveal edit sent again after a crash (idempotent)
    # Killed between posting a question and recording its reference, on a platform that
    # cannot hand the post back (Slack): the reveal is delivered once, as a new message.
    reveals_as_new_post: list[int] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        out = []
        for name in (
            "question_posts_doubled",
            "questions_missing",
            "reveals_missing",
            "reveals_conflicting",
        ):
            if getattr(self, name):
                out.append(f"{self.platform} {name}: {getattr(self, name)}")
        return out


def check_delivery(
    db: Path, platform: str, posts: Counter[int], edits: dict[str, list[str]]
) -> Delivery:
    """Every round's question posted once; every revealed round's post edited to its reveal,
    never two different reveals for one round."""
    report = Delivery(platform)
    rows = read_db(
        db,
        "SELECT id, state, message_ref, reveal_delivered, format FROM rounds"
        " WHERE platform=? AND mode != 'practice'",
        (platform,),
    )
    for r in rows:
        if r["format"] == "prompt":
            continue
        report.rounds += 1
        if posts[r["id"]] > 1:
            report.question_posts_doubled.append(r["id"])
        if r["message_ref"] and posts[r["id"]] == 0:
            report.questions_missing.append(r["id"])
        if r["state"] != "revealed":
            continue
        report.revealed += 1
        if not r["message_ref"] and r["reveal_delivered"] and posts[r["id"]] <= 1:
            report.reveals_as_new_post.append(r["id"])
            continue
        bodies = edits.get(str(r["message_ref"]), []) if r["message_ref"] else []
        if not r["reveal_delivered"] or not bodies:
            report.reveals_missing.append(r["id"])
            continue
        if len(set(bodies)) > 1:
            report.reveals_conflicting.append(r["id"])
        report.reveal_redeliveries += len(bodies) - 1
    return report


# -- an in-process Slack adapter in HTTP mode, on 127.0.0.1 -------------------------------


@contextlib.asynccontextmanager
async def slack_http_bot(fake: FakeSlack, db: Path, clock: Any = None) -> AsyncIterator[Any]:
    """The real SlackAdapter (HTTP mode, signed requests) on real SQLite; yields the adapter
    (its `.url` takes the fake's signed requests)."""
    from adapters.runtime import PosterRouter, Services
    from adapters.slack import SlackSettings, build
    from adapters.slack.poster import ChannelPacer
    from bot.cards import load_library
    from bot.clock import SystemClock
    from bot.config import Secret, Settings
    from bot.engine import Engine
    from bot.paths import seed_dirs
    from bot.questions import QuestionMaker

    library = load_library(seed_dirs(None))
    clock = clock or SystemClock()
    async with await Store.open(db) as store:
        router = PosterRouter()
        engine = Engine(store, library, clock, router, QuestionMaker(library.cards, library.items))
        slack = SlackSettings(
            bot_token=Secret(fake.bot_token),
            signing_secret=Secret(fake.signing_secret),
            api_url=fake.api_url,
        )
        settings = Settings(db=db, seeds=[], sections=(slack,))
        services = Services(settings, library, engine, clock, router, None)
        adapter = build(services, host="127.0.0.1", port=0, pacer=ChannelPacer(rate=50.0, burst=20))
        await adapter.start()
        stop = asyncio.Event()
        timer = asyncio.create_task(engine.run_timer(stop, max_sleep=0.2))
        try:
            yield adapter
        finally:
            stop.set()
            await timer
            await adapter.stop()
