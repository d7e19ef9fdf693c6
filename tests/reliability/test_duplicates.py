"""The same click delivered twice (Slack's HTTP retries, Socket Mode retry_attempt, double
clicks on Discord, one click reaching two processes on one database): one answer stored, one
"Locked in", and the reveal scores it once."""

from __future__ import annotations

import asyncio
import json
import urllib.parse

from tests.fakes.slack_server import FakeSlack
from tests.reliability.kit import (
    LOCKED_IN,
    BotProcess,
    Readiness,
    bot_env,
    fakes,
    read_db,
    round_of,
    slack_action_ids,
    slack_http_bot,
)


def texts(fake: FakeSlack, url: str) -> list[str]:
    return [str(p.body.get("text", "")) for p in fake.responses_to(url)]


async def first_question(fake: FakeSlack, channel: str, timeout: float = 10.0) -> tuple[str, int]:
    call = await fake.wait_for_call(
        "chat.postMessage",
        lambda c: c.ok and c.args.get("channel") == channel and bool(slack_action_ids(c.args)),
        timeout=timeout,
    )
    round_id = round_of(slack_action_ids(call.args))
    assert round_id is not None
    return str(call.response["ts"]), round_id


async def test_slack_http_retries_and_concurrent_repeats_count_once(tmp_path):
    async with FakeSlack() as fake, slack_http_bot(fake, tmp_path / "q.db") as bot:
        start = await fake.send_slash_command(bot.url, "/quiz", "1 choice 5s", user_id="U0ALICE")
        assert start.status == 200
        ts, round_id = await first_question(fake, "C0QUIZ")
        payload = fake.block_action_payload(
            f"answer:{round_id}:1", "1", user_id="U0BOB", message_ts=ts
        )
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        # The original and two retries at once, then a late retry: Slack sends the same body.
        first = await asyncio.gather(
            fake.send_signed(bot.url, body),
            fake.send_signed(bot.url, body, retry_num=1),
            fake.send_signed(bot.url, body, retry_num=2, retry_reason="http_error"),
        )
        assert [d.status for d in first] == [200, 200, 200]
        await fake.wait_for_response(url=payload["response_url"])
        late = await fake.send_signed(bot.url, body, retry_num=3)
        assert late.status == 200
        # A real double click: two deliveries with their own trigger ids.
        again = await fake.send_block_action(
            bot.url, f"answer:{round_id}:2", "2", user_id="U0BOB", message_ts=ts
        )
        reply = await fake.wait_for_response(url=again.response_url)
        await asyncio.sleep(0.3)  # any reply a repeat would (wrongly) send
        assert texts(fake, payload["response_url"]) == [texts(fake, payload["response_url"])[0]]
        assert texts(fake, payload["response_url"])[0].startswith(LOCKED_IN)
        assert "already answered B" in reply.body["text"]
        rows = read_db(tmp_path / "q.db", "SELECT user_id, option_index FROM answers")
        assert [tuple(r) for r in rows] == [("U0BOB", 1)]
        await wait_revealed(tmp_path / "q.db", round_id)
        scores = read_db(
            tmp_path / "q.db",
            "SELECT answered FROM scores WHERE user_id='U0BOB' AND channel_id='*'"
            " AND period_kind='all'",
        )
        assert [r["answered"] for r in scores] == [1]


async def wait_revealed(db, round_id: int, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        rows = read_db(db, "SELECT state FROM rounds WHERE id=?", (round_id,))
        if rows and rows[0]["state"] == "revealed":
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"round {round_id} was not revealed within {timeout}s")


async def test_discord_double_clicks_and_socket_mode_retries_in_a_real_process(tmp_path):
    db = tmp_path / "q.db"
    async with fakes() as (discord, slack):
        assert discord is not None and slack is not None
        bot = await BotProcess(
            bot_env(db, discord=discord, slack=slack), tmp_path / "b.log"
        ).start()
        try:
            await Readiness(discord, slack).wait()
            handle = await discord.send_slash_command(
                # 15 s: the clicks must land while the round is open on a loaded machine.
                "quiz",
                {"count": 1, "seconds": 15, "format": "choice"},
            )
            await handle.response(timeout=5)
            post = await discord.wait_for_call("POST", "/channels/{c}/messages", timeout=10)
            message_id = int(post.response["id"])
            custom_id = next(
                c["custom_id"]
                for row in post.json["components"]
                for c in row["components"]
                if c["custom_id"].startswith("answer:")
            )
            d_round = round_of([custom_id])
            clicks = await asyncio.gather(
                *[discord.click_button(message_id, custom_id, user=discord.bob) for _ in range(5)]
            )
            replies = [(await h.response(timeout=3)).content or "" for h in clicks]
            assert sum(r.startswith(LOCKED_IN) for r in replies) == 1, replies
            assert all("already answered" in r for r in replies if not r.startswith(LOCKED_IN))

            await slack.socket_send_slash_command("/quiz", "1 choice 15s", user_id="U0ALICE")
            ts, s_round = await first_question(slack, "C0QUIZ")
            payload = slack.block_action_payload(
                f"answer:{s_round}:0", "0", user_id="U0BOB", message_ts=ts
            )
            for attempt in (None, 1, 2):  # Socket Mode resends an envelope it saw no ack for
                await slack.socket_send(
                    "interactive", payload, retry_attempt=attempt, retry_reason="timeout"
                )
            await slack.wait_for_response(url=payload["response_url"], timeout=5)
            await asyncio.sleep(0.3)
            assert len(texts(slack, payload["response_url"])) == 1
            assert texts(slack, payload["response_url"])[0].startswith(LOCKED_IN)
            await wait_revealed(db, d_round)
            await wait_revealed(db, s_round)
        finally:
            assert await bot.stop() == 0, bot.text()[-2000:]
    rows = read_db(db, "SELECT round_id, user_id FROM answers ORDER BY round_id")
    assert [(r["round_id"], r["user_id"]) for r in rows] == [
        (d_round, str(discord.bob.id)),
        (s_round, "U0BOB"),
    ]
    answered = read_db(
        db, "SELECT sum(answered) FROM scores WHERE channel_id='*' AND period_kind='all'"
    )[0][0]
    assert answered == 2


async def test_one_click_reaching_two_processes_on_one_database_counts_once(tmp_path):
    """Two Slack-only processes share the database file; each has its own fake workspace
    connection, and the same person's click for the same round reaches both at once."""
    db = tmp_path / "q.db"
    async with FakeSlack() as one, FakeSlack() as two:
        bots = [
            await BotProcess(bot_env(db, slack=fake), tmp_path / f"b{n}.log").start()
            for n, fake in enumerate((one, two))
        ]
        try:
            await asyncio.gather(Readiness(None, one).wait(), Readiness(None, two).wait())
            await one.socket_send_slash_command("/quiz", "1 choice 30s", user_id="U0ALICE")
            ts, round_id = await first_question(one, "C0QUIZ")
            for n in range(10):
                user = f"U0P{n:03d}"
                sends = [
                    fake.socket_send_block_action(
                        f"answer:{round_id}:{n % 4}", user_id=user, message_ts=ts
                    )
                    for fake in (one, two)
                ]
                deliveries = await asyncio.gather(*sends)
                replies = [
                    await fake.wait_for_response(
                        url=d.envelope["payload"]["response_url"], timeout=5
                    )
                    for fake, d in zip((one, two), deliveries, strict=True)
                ]
                texts_ = [str(r.body.get("text")) for r in replies]
                assert sum(t.startswith(LOCKED_IN) for t in texts_) == 1, texts_
                assert sum("already answered" in t for t in texts_) == 1, texts_
        finally:
            for bot in bots:
                assert await bot.stop() == 0, bot.text()[-2000:]
    rows = read_db(db, "SELECT count(*), count(DISTINCT user_id) FROM answers")
    assert tuple(rows[0]) == (10, 10)


async def test_slack_http_retry_reaching_another_process_is_dropped(tmp_path):
    """Behind a load balancer: the original delivery reaches one process and Slack's retry of
    it another, on the same database. One answer, one reply, and the retry acked at once."""
    db = tmp_path / "q.db"
    async with (
        FakeSlack() as fake,
        slack_http_bot(fake, db) as one,
        slack_http_bot(fake, db) as two,
    ):
        start = await fake.send_slash_command(one.url, "/quiz", "1 choice 30s", user_id="U0ALICE")
        assert start.status == 200
        ts, round_id = await first_question(fake, "C0QUIZ")
        payload = fake.block_action_payload(
            f"answer:{round_id}:2", "2", user_id="U0BOB", message_ts=ts
        )
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        first = await fake.send_signed(one.url, body)
        assert first.status == 200
        await fake.wait_for_response(url=payload["response_url"])
        retry = await fake.send_signed(two.url, body, retry_num=1, retry_reason="http_timeout")
        assert retry.status == 200
        assert two.dropped_repeats == 1 and one.dropped_repeats == 0
        # A real second click (its own trigger id) on the other process is answered.
        again = await fake.send_block_action(
            two.url, f"answer:{round_id}:0", "0", user_id="U0BOB", message_ts=ts
        )
        reply = await fake.wait_for_response(url=again.response_url)
        assert "already answered C" in reply.body["text"]
        replies = texts(fake, payload["response_url"])
        assert len(replies) == 1 and replies[0].startswith(LOCKED_IN)
    rows = read_db(db, "SELECT user_id, option_index FROM answers")
    assert [tuple(r) for r in rows] == [("U0BOB", 2)]
