"""`quizbot run` stops within 10 s of SIGTERM or SIGINT in every state it can be in, as
`docker stop` and `systemctl stop` expect (they kill after 10 s): still connecting, reconnecting
to Slack or Discord while the fake refuses, posting the daily questions to many channels, and
waiting on a platform to take a reveal. It closes the database each time, and while it cannot
connect it logs one line per attempt (the reason and the next delay), no traceback.

Each test runs the real process against the local fakes and sends both signals in turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.ports import Place
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack, SlackChannel
from tests.reliability.kit import (
    SLACK_TEAM,
    START_TIMEOUT,
    BotProcess,
    bot_env,
    prepare_db,
    read_db,
    slack_question_posts,
)

STOP_WITHIN = 10.0  # docker stop's and systemd's default before SIGKILL
SIGNALS = pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
RETRY_LINE = re.compile(r"could not connect \((?P<why>[^)]*)[^;]*; retrying in (?P<s>\d+) s")


async def stops_in_time(bot: BotProcess, sig: signal.Signals) -> str:
    """Send `sig`; the process must be gone within STOP_WITHIN, with exit code 0, having
    closed the database. Returns its log."""
    assert bot.proc is not None and bot.proc.returncode is None, bot.text()[-3000:]
    bot.proc.send_signal(sig)
    try:
        code = await asyncio.wait_for(bot.proc.wait(), STOP_WITHIN)
    except TimeoutError:
        await bot.kill()
        raise AssertionError(f"still running {STOP_WITHIN:.0f} s after {sig.name}:\n"
                             f"{bot.text()[-3000:]}") from None  # fmt: skip
    log = bot.text()
    assert code == 0, log[-3000:]
    assert f"{sig.name} received: stopping" in log
    last = [line for line in log.splitlines() if " DEBUG " not in line][-1]
    assert last.endswith("stopped; database closed"), log[-3000:]
    return log


async def until_logged(bot: BotProcess, found: Callable[[str], bool], timeout: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not found(bot.text()):
        assert loop.time() < deadline, f"not logged within {timeout} s:\n{bot.text()[-3000:]}"
        assert bot.proc is not None and bot.proc.returncode is None, bot.text()[-3000:]
        await asyncio.sleep(0.1)


def assert_one_line_per_retry(log: str, attempts: int, why: str = "Connect") -> None:
    retries = RETRY_LINE.findall(log)
    assert len(retries) >= attempts, log[-3000:]
    delays = [int(seconds) for _, seconds in retries]
    assert delays == sorted(delays) and delays[0] < delays[-1], delays  # it backs off
    assert all(why in reason for reason, _ in retries), retries  # and says why
    assert "Traceback" not in log, log[-3000:]


@contextlib.asynccontextmanager
async def running(env: dict[str, str], tmp_path: Path, name: str) -> AsyncIterator[BotProcess]:
    bot = await BotProcess(env, tmp_path / f"{name}.log").start()
    try:
        yield bot
    finally:
        if bot.proc is not None and bot.proc.returncode is None:
            await bot.kill()


# -- Slack Socket Mode ------------------------------------------------------------------------


@SIGNALS
async def test_slack_still_connecting(tmp_path, sig):
    """Slack's Web API answers but its websockets are refused from the start: slack_sdk
    retried forever, ignoring SIGTERM, with a 40-line traceback per attempt."""
    async with FakeSlack() as slack:
        slack.socket_mode.refusing = True
        env = bot_env(tmp_path / "q.db", slack=slack, QUIZBOT_LOG_LEVEL="INFO")
        async with running(env, tmp_path, "bot") as bot:
            await until_logged(bot, lambda log: len(RETRY_LINE.findall(log)) >= 2, START_TIMEOUT)
            log = await stops_in_time(bot, sig)
    assert_one_line_per_retry(log, attempts=2, why="503")
    assert "stopping while starting up" in log


async def test_slack_unreachable_at_start_is_one_line_and_exit_1(tmp_path):
    async with FakeSlack() as slack:
        env = bot_env(tmp_path / "q.db", slack=slack, QUIZBOT_LOG_LEVEL="INFO")
    async with running(env, tmp_path, "bot") as bot:  # the fake is gone: connections refused
        assert bot.proc is not None
        assert await asyncio.wait_for(bot.proc.wait(), START_TIMEOUT) == 1
    log = bot.text()
    assert "could not start: slack: Cannot connect to host" in log and "Traceback" not in log


@SIGNALS
async def test_slack_reconnecting_while_the_fake_refuses(tmp_path, sig):
    slack = await FakeSlack().start()
    env = bot_env(tmp_path / "q.db", slack=slack, QUIZBOT_LOG_LEVEL="INFO")
    async with running(env, tmp_path, "bot") as bot:
        try:
            await slack.wait_for_socket(timeout=START_TIMEOUT)
            await until_logged(bot, lambda log: "slack adapter started" in log, START_TIMEOUT)
        finally:
            await slack.close()  # the socket drops, and every reconnect is refused
        await until_logged(bot, lambda log: len(RETRY_LINE.findall(log)) >= 2, START_TIMEOUT)
        log = await stops_in_time(bot, sig)
    assert_one_line_per_retry(log, attempts=2)
    assert "Slack Socket Mode: reconnecting" in log
    assert "will be unused" not in log  # slack_bolt's noise about our own client


async def test_slack_retries_log_their_traceback_at_debug_only(tmp_path):
    async with FakeSlack() as slack:
        slack.socket_mode.refusing = True
        env = bot_env(tmp_path / "q.db", slack=slack, QUIZBOT_LOG_LEVEL="DEBUG")
        async with running(env, tmp_path, "bot") as bot:
            await until_logged(bot, lambda log: len(RETRY_LINE.findall(log)) >= 1, START_TIMEOUT)
            log = await stops_in_time(bot, signal.SIGTERM)
    assert "DEBUG adapters.slack.socket: Slack Socket Mode connection attempt failed" in log
    assert "Traceback" in log


# -- Discord ----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def silent_gateway() -> AsyncIterator[str]:
    """A gateway URL that accepts connections and never answers: discord.py waits on it."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@SIGNALS
async def test_discord_still_connecting(tmp_path, sig):
    async with FakeDiscord() as discord, silent_gateway() as gateway:
        env = bot_env(tmp_path / "q.db", discord=discord, DISCORD_GATEWAY_URL=gateway,
                      QUIZBOT_LOG_LEVEL="INFO")  # fmt: skip
        async with running(env, tmp_path, "bot") as bot:
            await until_logged(bot, lambda log: "logging in using static token" in log, 30)
            await asyncio.sleep(0.5)  # on its way to the gateway, which never answers
            log = await stops_in_time(bot, sig)
    assert "stopping while starting up" in log and "Traceback" not in log


@SIGNALS
async def test_discord_reconnecting_while_the_fake_refuses(tmp_path, sig):
    discord = await FakeDiscord().start()
    env = bot_env(tmp_path / "q.db", discord=discord, QUIZBOT_LOG_LEVEL="INFO")
    async with running(env, tmp_path, "bot") as bot:
        try:
            await until_logged(bot, lambda log: "discord adapter started" in log, START_TIMEOUT)
        finally:
            await discord.stop()
        reconnects = re.compile(r"Discord gateway: connection failed \(.+\); reconnecting in \d+ s")
        await until_logged(bot, lambda log: len(reconnects.findall(log)) >= 2, START_TIMEOUT)
        log = await stops_in_time(bot, sig)
    assert "Traceback" not in log, log[-3000:]  # discord.py logs one per attempt
    assert "PyNaCl" not in log and "davey" not in log  # voice libraries quizbot never needs


# -- Mid fan-out and mid reveal ---------------------------------------------------------------

CHANNELS = 12


@SIGNALS
async def test_mid_fan_out_then_a_restart_posts_the_rest_once(tmp_path, sig):
    db = tmp_path / "q.db"
    places = [Place("slack", SLACK_TEAM, f"C0FAN{n:02d}") for n in range(CHANNELS)]
    await prepare_db(db, places)  # every channel's daily question is due at start
    async with FakeSlack(workspace_rate=2.0, workspace_burst=1) as slack:  # ~6 s for all
        for place in places:
            slack.add_channel(SlackChannel(place.channel_id, place.channel_id.lower()))
        env = bot_env(db, slack=slack, QUIZBOT_LOG_LEVEL="INFO")
        async with running(env, tmp_path, "first") as bot:
            await slack.wait_for_call(
                "chat.postMessage", lambda call: call.ok, count=2, timeout=START_TIMEOUT
            )
            await stops_in_time(bot, sig)
        posted = len(slack_question_posts(slack))
        assert 2 <= posted < CHANNELS  # it was stopped half-way
        slack.web_api._workspace_bucket = None  # the second start may post at full speed
        async with running(env, tmp_path, "second") as bot:
            await slack.wait_for_call(
                "chat.postMessage", lambda call: call.ok, count=CHANNELS, timeout=START_TIMEOUT
            )
            await until_logged(bot, lambda log: "daily catch-up at start" in log, START_TIMEOUT)
            await stops_in_time(bot, signal.SIGTERM)
    posts = slack_question_posts(slack)
    assert len(posts) == CHANNELS and set(posts.values()) == {1}  # each channel once
    rows = read_db(db, "SELECT state, count(*) AS n FROM daily_slots GROUP BY state")
    states = {r["state"]: r["n"] for r in rows}
    # A post the stop cut between sending and recording stays "posting" until its lease runs
    # out, as after a crash: never posted twice (above), at most the one that was in flight.
    assert states.get("posted", 0) >= CHANNELS - 1 and set(states) <= {"posted", "posting"}
    assert states.get("posting", 0) <= 1


@SIGNALS
async def test_mid_reveal_while_the_platform_does_not_answer(tmp_path, sig):
    async with FakeSlack() as slack:
        env = bot_env(tmp_path / "q.db", slack=slack, QUIZBOT_LOG_LEVEL="INFO")
        async with running(env, tmp_path, "bot") as bot:
            await slack.wait_for_socket(timeout=START_TIMEOUT)
            slack.fail_next("chat.update", "slow", slow_seconds=60)  # the reveal's edit hangs
            started = await slack.socket_send_slash_command(
                "/quiz", "1 choice 5s", user_id="U0ALICE"
            )
            assert started.ack is not None
            await slack.wait_for_arrival("chat.update", timeout=30)
            log = await stops_in_time(bot, sig)
    assert "Traceback" not in log, log[-3000:]
    (round_,) = read_db(tmp_path / "q.db", "SELECT state, reveal_delivered FROM rounds")
    # Revealed in the database, the edit not confirmed: the next start delivers it.
    assert round_["state"] == "revealed" and round_["reveal_delivered"] == 0
