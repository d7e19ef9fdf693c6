"""One call in five to the platforms fails: 429 with retry-after, a 5xx, or a slow answer.
Every question and reveal still reaches the channel exactly once, and every click is
acknowledged within Discord's and Slack's 3 seconds."""

from __future__ import annotations

import asyncio

from tests.fakes.discord_server import Faults
from tests.reliability.kit import (
    LOCKED_IN,
    BotProcess,
    Readiness,
    bot_env,
    check_delivery,
    discord_custom_ids,
    discord_edits,
    discord_question_posts,
    fakes,
    read_db,
    round_of,
    scaled,
    slack_action_ids,
    slack_edits,
    slack_players,
    slack_question_posts,
)

QUESTIONS = scaled(2, 6)
# Channel posts and edits: Discord's own retry waits (1 s, 3 s after a 5xx) would make a
# faulted interaction callback miss the 3 s deadline whatever the bot did, so callbacks get
# 429s and slowness only (see the second plan).
CHANNEL_ROUTES = (
    "POST /channels/{channel_id}/messages",
    "PATCH /channels/{channel_id}/messages/{message_id}",
)


async def test_faulty_platforms_deliver_everything_once_and_ack_in_time(tmp_path):
    db = tmp_path / "q.db"
    async with fakes() as (discord, slack):
        assert discord is not None and slack is not None
        d_players = [discord.add_user(f"p{n}") for n in range(8)]
        s_players = slack_players(slack, 8)
        bot = await BotProcess(
            bot_env(db, discord=discord, slack=slack), tmp_path / "b.log"
        ).start()
        try:
            await Readiness(discord, slack).wait()
            discord.inject_faults(
                Faults(seed=7, rate_limited=0.07, server_error=0.07, slow=0.06,
                       delay=(0.2, 0.8), routes=CHANNEL_ROUTES)
            )  # fmt: skip
            slack.inject_faults(0.2, kinds=("429", "500", "slow"), seed=7, retry_after=1)
            start = await discord.send_slash_command(
                "quiz", {"count": QUESTIONS, "seconds": 5, "format": "choice"}
            )
            assert (await start.response(timeout=3)).latency < 3
            s_start = await slack.socket_send_slash_command(
                "/quiz", f"{QUESTIONS} choice 5s", user_id="U0ALICE"
            )
            assert s_start.ack is not None and s_start.ack.latency < 3
            d_acks, s_acks = [], []
            seen_d, seen_s = set(), set()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + QUESTIONS * 12 + 20
            while loop.time() < deadline:
                for m in list(discord.messages.values()):
                    rid = round_of(discord_custom_ids(m))
                    if rid is not None and "webhook_id" not in m and rid not in seen_d:
                        seen_d.add(rid)
                        for n, user in enumerate(d_players):
                            h = await discord.click_button(
                                int(m["id"]), f"answer:{rid}:{n % 4}", user=user
                            )
                            d_acks.append(h)
                for channel, messages in list(slack.messages.items()):
                    for ts, m in list(messages.items()):
                        rid = round_of(slack_action_ids(m))
                        if rid is not None and rid not in seen_s:
                            seen_s.add(rid)
                            for n, user in enumerate(s_players):
                                sent = await slack.socket_send_block_action(
                                    f"answer:{rid}:{n % 4}", user_id=user,
                                    channel_id=channel, message_ts=ts,
                                )  # fmt: skip
                                s_acks.append(sent)
                finished = read_db(db, "SELECT count(*) FROM quizzes WHERE state != 'running'")[0][
                    0
                ]
                pending = read_db(
                    db, "SELECT count(*) FROM rounds WHERE state='revealed' AND reveal_delivered=0"
                )[0][0]
                if finished == 2 and not pending:
                    break
                await asyncio.sleep(0.2)
            callbacks = [await h.response(timeout=3) for h in d_acks]
            await asyncio.sleep(2)
        finally:
            assert await bot.stop() == 0, bot.text()[-2000:]
    assert len(seen_d) == QUESTIONS and len(seen_s) == QUESTIONS
    assert max(c.latency for c in callbacks) < 3
    assert all((c.content or "").startswith(LOCKED_IN) for c in callbacks if c.type == 4)
    assert max(s.ack.latency for s in s_acks if s.ack) < 3 and all(s.ack for s in s_acks)
    faulted_d = sum(1 for c in discord.calls if c.fault)
    faulted_s = sum(1 for c in slack.calls if c.fault)
    assert faulted_d and faulted_s
    reports = [
        check_delivery(db, "discord", discord_question_posts(discord), discord_edits(discord)),
        check_delivery(db, "slack", slack_question_posts(slack), slack_edits(slack)),
    ]
    for report in reports:
        assert report.revealed == QUESTIONS, report
        assert not report.problems, report.problems
    answered = read_db(db, "SELECT count(*) FROM answers")[0][0]
    assert answered == QUESTIONS * 16
    print({"discord_faults": faulted_d, "slack_faults": faulted_s, "reports": reports})
