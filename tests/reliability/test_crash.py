"""Crash safety: `quizbot run` is SIGKILLed at random moments while players click, and
restarted on the same database, against one fake Discord and one fake Slack per sequence.

After the sequence: every answer a player saw "Locked in" for is in the answers table; every
question was posted once; every revealed round was edited to one reveal (a crash between the
edit and recording it re-sends the same edit, counted, never a different one); the daily slot
due at start-up was posted exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from pathlib import Path

import pytest

from bot.ports import Place
from tests.fakes.discord_server import FakeDiscord, FakeUser
from tests.fakes.slack_server import FakeSlack
from tests.reliability.kit import (
    SLACK_TEAM,
    BotProcess,
    Ledger,
    Readiness,
    answers_in,
    bot_env,
    check_delivery,
    discord_custom_ids,
    discord_edits,
    discord_question_posts,
    fakes,
    prepare_db,
    read_db,
    round_of,
    scaled,
    slack_action_ids,
    slack_edits,
    slack_players,
    slack_question_posts,
)

PLAYERS = 40
CLICK_GAP = 0.01  # seconds between clicks in a burst, per platform


def discord_questions(fake: FakeDiscord) -> list[int]:
    """Message ids of question posts whose buttons are still live."""
    return [
        int(m["id"])
        for m in list(fake.messages.values())
        if "webhook_id" not in m and round_of(discord_custom_ids(m)) is not None
    ]


def slack_questions(fake: FakeSlack) -> list[tuple[str, str, int]]:
    found = []
    for channel, messages in list(fake.messages.items()):
        for ts, message in list(messages.items()):
            round_id = round_of(slack_action_ids(message))
            if round_id is not None:
                found.append((channel, ts, round_id))
    return found


async def discord_burst(
    fake: FakeDiscord, players: list[FakeUser], ledger: Ledger, rng: random.Random, until: float
) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        posts = discord_questions(fake)
        if posts:
            message_id = rng.choice(posts)
            round_id = round_of(discord_custom_ids(fake.messages.get(message_id)))
            option = rng.randrange(4)
            with contextlib.suppress(Exception):
                handle = await fake.click_button(
                    message_id, f"answer:{round_id}:{option}", user=rng.choice(players)
                )
                ledger.discord_handles.append(handle)
                ledger.sent += 1
                if rng.random() < 0.2:  # an impatient double click
                    handle2 = await fake.click_button(
                        message_id, f"answer:{round_id}:{option}", user=handle_user(fake, handle)
                    )
                    ledger.discord_handles.append(handle2)
                    ledger.sent += 1
        await asyncio.sleep(CLICK_GAP)


def handle_user(fake: FakeDiscord, handle) -> FakeUser:
    user = fake._user(int(handle.payload["member"]["user"]["id"]))
    assert user is not None
    return user


async def slack_burst(
    fake: FakeSlack, players: list[str], ledger: Ledger, rng: random.Random, until: float
) -> None:
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        posts = slack_questions(fake)
        if posts:
            channel, ts, round_id = rng.choice(posts)
            option = rng.randrange(4)
            user = rng.choice(players)
            with contextlib.suppress(Exception):
                for _ in range(2 if rng.random() < 0.2 else 1):
                    sent = await fake.socket_send_block_action(
                        f"answer:{round_id}:{option}",
                        str(option),
                        user_id=user,
                        channel_id=channel,
                        message_ts=ts,
                        wait_ack=False,
                        timeout=0.5,
                    )
                    url = sent.envelope["payload"]["response_url"]
                    ledger.slack_clicks.append((url, round_id, user, option))
                    ledger.sent += 1
        await asyncio.sleep(CLICK_GAP)


async def start_quizzes(
    discord: FakeDiscord | None, slack: FakeSlack | None, channels: dict[str, list]
) -> None:
    for channel in channels.get("discord", []):
        handle = await discord.send_slash_command(  # type: ignore[union-attr]
            "quiz", {"count": 20, "seconds": 5, "format": "choice"}, channel_id=channel.id
        )
        await handle.response(timeout=5)
    for channel in channels.get("slack", []):
        await slack.socket_send_slash_command(  # type: ignore[union-attr]
            "/quiz", "20 choice 5s", channel_id=channel, user_id="U0ALICE", timeout=5
        )


async def stop_quizzes(
    discord: FakeDiscord | None, slack: FakeSlack | None, channels: dict[str, list]
) -> None:
    for channel in channels.get("discord", []):
        handle = await discord.send_slash_command(  # type: ignore[union-attr]
            "quiz-stop",
            {},
            channel_id=channel.id,
            user=discord.admin,  # type: ignore[union-attr]
        )
        await handle.response(timeout=5)
    for channel in channels.get("slack", []):
        await slack.socket_send_slash_command(  # type: ignore[union-attr]
            "/quiz", "stop", channel_id=channel, user_id="U0ADMIN", timeout=5
        )


async def settled(db: Path, timeout: float = 30.0) -> None:
    """Until no quiz runs and every revealed round's reveal reached its platform."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        running = read_db(db, "SELECT count(*) FROM quizzes WHERE state='running'")[0][0]
        pending = read_db(
            db,
            "SELECT count(*) FROM rounds WHERE mode='quiz' AND (state='open' OR"
            " (state='revealed' AND reveal_delivered=0))",
        )[0][0]
        if not running and not pending:
            return
        if loop.time() > deadline:
            rounds = read_db(
                db,
                "SELECT r.id, r.quiz_id, r.state, r.reveal_delivered, r.platform, q.state AS quiz"
                " FROM rounds r LEFT JOIN quizzes q ON q.id = r.quiz_id WHERE r.mode='quiz' AND"
                " (r.state='open' OR (r.state='revealed' AND r.reveal_delivered=0))",
            )
            raise AssertionError(
                f"not settled: {running} quizzes running, {pending} rounds:"
                f" {[dict(r) for r in rounds]}"
            )
        await asyncio.sleep(0.2)


def log_lines_about_rounds(tmp_path: Path, db: Path) -> str:
    """The bot logs' lines about the quiz rounds still pending: why a test is stuck."""
    ids = [
        r[0]
        for r in read_db(
            db,
            "SELECT id FROM rounds WHERE mode='quiz' AND"
            " (state='open' OR (state='revealed' AND reveal_delivered=0))",
        )
    ]
    lines = []
    for log in sorted(tmp_path.glob("run-*.log")):
        for line in log.read_text(errors="replace").splitlines():
            if any(f"round {i}" in line or f"round_id={i}" in line for i in ids):
                lines.append(f"{log.name}: {line[:300]}")
    return "\n".join(lines[-40:])


async def crash_sequence(
    tmp_path: Path, *, kills: int, discord_on: bool, slack_on: bool, seed: int
) -> dict[str, object]:
    rng = random.Random(seed)
    db = tmp_path / "crash.db"
    ledger = Ledger()
    async with fakes(discord=discord_on, slack=slack_on) as (discord, slack):
        channels: dict[str, list] = {}
        places: list[Place] = []
        d_players: list[FakeUser] = []
        s_players: list[str] = []
        if discord is not None:
            quiz_channels = [discord.add_channel(f"quiz-{n}") for n in range(2)]
            daily_channel = discord.guild.channels[1]
            channels["discord"] = quiz_channels
            places.append(Place("discord", str(discord.guild.id), str(daily_channel.id)))
            d_players = [discord.add_user(f"player{n}") for n in range(PLAYERS)]
        if slack is not None:
            channels["slack"] = ["C0QUIZ", "C0RANDOM"]
            slack.add_channels("C0DAILY")
            places.append(Place("slack", SLACK_TEAM, "C0DAILY"))
            s_players = slack_players(slack, PLAYERS)
        await prepare_db(db, places)
        env = bot_env(db, discord=discord, slack=slack)
        ready = Readiness(discord, slack)
        loop = asyncio.get_running_loop()
        for n in range(kills + 1):
            bot = await BotProcess(env, tmp_path / f"run-{n}.log").start()
            await ready.wait()
            if n == 0:
                await start_quizzes(discord, slack, channels)
            last = n == kills
            until = loop.time() + (2.0 if last else rng.uniform(0.05, 1.5))
            bursts = []
            if discord is not None:
                bursts.append(discord_burst(discord, d_players, ledger, rng, until))
            if slack is not None:
                bursts.append(slack_burst(slack, s_players, ledger, rng, until))
            await asyncio.gather(*bursts)
            if not last:
                await bot.kill()
        # The last process stays up: it finishes what the crashes left, then stops cleanly.
        await stop_quizzes(discord, slack, channels)
        try:
            await settled(db)
        except AssertionError as stuck:
            raise AssertionError(f"{stuck}\n{log_lines_about_rounds(tmp_path, db)}") from None
        await asyncio.sleep(0.5)  # the last "Locked in" replies of the final burst
        code = await bot.stop()
        assert code == 0, bot.text()[-3000:]
        secrets = [t for t in (
            discord and discord.token, slack and slack.bot_token, slack and slack.app_token
        ) if t]  # fmt: skip
        for log in sorted(tmp_path.glob("run-*.log")):
            text = log.read_text(errors="replace")
            assert "DEBUG" in text
            leaked = [s for s in secrets if s in text]
            assert not leaked, f"{log.name} shows a token"
        ledger.collect(slack)

        stored = answers_in(db)
        lost = [a for a in ledger.acked if stored.get(a[:3]) != a[3]]
        problems: list[str] = []
        reports = []
        if discord is not None:
            reports.append(
                check_delivery(
                    db, "discord", discord_question_posts(discord), discord_edits(discord)
                )
            )
        if slack is not None:
            reports.append(
                check_delivery(db, "slack", slack_question_posts(slack), slack_edits(slack))
            )
        for report in reports:
            problems += report.problems
        slots = read_db(db, "SELECT platform, channel_id, state, round_id FROM daily_slots")
        daily_rounds = read_db(db, "SELECT id, platform FROM rounds WHERE mode='daily'")
        for place in places:
            mine = [s for s in slots if s["channel_id"] == place.channel_id]
            if len(mine) != 1 or mine[0]["state"] != "posted":
                problems.append(f"daily slot in {place}: {[dict(s) for s in mine]}")
        posted_daily = {
            "discord": discord_question_posts(discord) if discord else {},
            "slack": slack_question_posts(slack) if slack else {},
        }
        for r in daily_rounds:
            if posted_daily[r["platform"]].get(r["id"], 0) != 1:
                problems.append(f"daily round {r['id']} posted {posted_daily[r['platform']]}")
        if len(daily_rounds) != len(places):
            problems.append(f"{len(daily_rounds)} daily rounds for {len(places)} schedules")
        assert not lost, f"acknowledged answers not stored: {lost[:10]}"
        assert not problems, problems
        assert len(ledger.acked) > kills, "the bursts must actually lock answers in"
        return {
            "kills": kills,
            "clicks": ledger.sent,
            "acked": len(ledger.acked),
            "stored": len(stored),
            "reports": reports,
        }


async def test_sigkill_during_bursts_loses_and_doubles_nothing(tmp_path):
    """Both adapters in one process: each kill interrupts Discord and Slack at once."""
    result = await crash_sequence(
        tmp_path, kills=scaled(6, 40), discord_on=True, slack_on=True, seed=8
    )
    print(result)


async def test_sigkill_slack_only_process(tmp_path):
    """A Slack-only process starts in about a second: many cheap kills."""
    result = await crash_sequence(
        tmp_path, kills=scaled(8, 30), discord_on=False, slack_on=True, seed=9
    )
    print(result)


@pytest.mark.soak
async def test_soak_sigkill_many_seeds(tmp_path):
    for seed in range(3):
        path = tmp_path / f"seed-{seed}"
        path.mkdir()
        await crash_sequence(path, kills=10, discord_on=True, slack_on=True, seed=100 + seed)
