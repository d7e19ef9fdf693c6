"""Who may do what, what reaches SQL, and what a flood of /quiz does: on both platforms.

Slack runs in process (HTTP mode on 127.0.0.1, signed requests, real SQLite); Discord as a
real `quizbot run` against the fake. Fuzzed slash-command words and button payloads must get
a clear private message, never a traceback."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.cooldown import Cooldown
from bot.ports import Player
from tests.fakes.slack_server import FakeSlack
from tests.reliability.kit import (
    read_db,
    scaled,
    slack_http_bot,
)

INJECTION = "'; DROP TABLE answers; --"
FUZZ = settings(
    max_examples=scaled(25, 300),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
odd_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120
) | st.sampled_from(
    [INJECTION, "daily 25:99 Mars/Olympus", "9" * 5000, "\u202e\u0000ü∑😀", "practice %s %d"]
)


def tables(db) -> list[str]:
    return sorted(r[0] for r in read_db(db, "SELECT name FROM sqlite_master WHERE type='table'"))


def private_and_clear(body: dict) -> str:
    text = str(body.get("text", ""))
    assert body.get("response_type", "ephemeral") == "ephemeral", body
    assert text.strip(), body
    assert "Traceback" not in text and "Error:" not in text, text
    assert "went wrong on our side" not in text, text  # a handled input, not an accident
    return text


@pytest.fixture
async def slack_bot(tmp_path):
    async with FakeSlack() as fake, slack_http_bot(fake, tmp_path / "q.db") as bot:
        yield fake, bot, tmp_path / "q.db"


async def test_slack_rejects_bad_and_stale_signatures(slack_bot):
    fake, bot, db = slack_bot
    good = await fake.send_slash_command(bot.url, "/quiz", "help")
    assert good.status == 200
    stale = int(time.time()) - 6 * 60  # Slack's window is 5 minutes
    refused = [
        await fake.send_slash_command(bot.url, "/quiz", "practice", bad_signature=True),
        await fake.send_slash_command(bot.url, "/quiz", "practice", signing_secret="guess"),
        await fake.send_slash_command(bot.url, "/quiz", "practice", timestamp=stale),
        await fake.send_block_action(bot.url, "answer:1:0", "0", bad_signature=True),
    ]
    assert [d.status for d in refused] == [401, 401, 401, 401]
    await asyncio.sleep(0.2)
    assert read_db(db, "SELECT count(*) FROM rounds")[0][0] == 0


async def test_slack_non_admins_cannot_configure_the_daily_question(slack_bot):
    fake, bot, db = slack_bot
    for words in ("daily 09:00 Europe/Berlin", "daily off", "daily now"):
        sent = await fake.send_slash_command(bot.url, "/quiz", words, user_id="U0ALICE")
        reply = await fake.wait_for_response(url=sent.response_url)
        assert "Only workspace admins" in private_and_clear(reply.body)
    assert read_db(db, "SELECT count(*) FROM daily_schedules")[0][0] == 0


async def test_slack_topic_with_sql_is_only_a_topic(slack_bot):
    fake, bot, db = slack_bot
    before = tables(db)
    for user, words in (
        ("U0ALICE", f"3 {INJECTION}"),
        ("U0ALICE", f"practice {INJECTION}"),
        ("U0ADMIN", f'daily 09:00 UTC topic="{INJECTION}"'),
    ):
        sent = await fake.send_slash_command(bot.url, "/quiz", words, user_id=user)
        reply = await fake.wait_for_response(url=sent.response_url)
        private_and_clear(reply.body)
    assert tables(db) == before
    assert "answers" in before


async def test_slack_quiz_flood_is_slowed_down(slack_bot):
    fake, bot, db = slack_bot
    texts = []
    for words in ("practice", "practice", "practice", "practice", "1 5s"):
        sent = await fake.send_slash_command(bot.url, "/quiz", words, user_id="U0BOB")
        texts.append(private_and_clear((await fake.wait_for_response(url=sent.response_url)).body))
    assert all(not t.startswith("Slow down") for t in texts[:3]), texts
    assert all(t.startswith("Slow down: try again in ") for t in texts[3:]), texts
    assert read_db(db, "SELECT count(*) FROM quizzes")[0][0] == 0
    other = await fake.send_slash_command(bot.url, "/quiz", "practice", user_id="U0ALICE")
    reply = await fake.wait_for_response(url=other.response_url)
    assert not private_and_clear(reply.body).startswith("Slow down")  # per person


def test_cooldown_window_slides_on_the_clock():
    clock = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    cooldown = Cooldown(clock)
    ada, bo = Player("slack", "U1", "Ada"), Player("discord", "U1", "Bo")
    assert [cooldown.wait_for(ada) for _ in range(3)] == [0, 0, 0]
    assert cooldown.wait_for(ada) == 60
    assert cooldown.wait_for(bo) == 0  # the same id on another platform is someone else
    clock.advance(seconds=45)
    assert cooldown.refusal(ada) == (
        "Slow down: try again in 15 s (at most 3 quiz or practice starts per 60 s)."
    )
    clock.advance(timedelta(seconds=15))
    assert cooldown.wait_for(ada) == 0


@FUZZ
@given(words=odd_text)
async def test_fuzzed_quiz_words_get_a_private_answer(tmp_path_factory, words):
    db = tmp_path_factory.mktemp("fuzz") / "q.db"
    async with FakeSlack() as fake, slack_http_bot(fake, db) as bot:
        sent = await fake.send_slash_command(bot.url, "/quiz", words, user_id="U0BOB")
        assert sent.status == 200
        private_and_clear((await fake.wait_for_response(url=sent.response_url)).body)


action_id = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda r, o: f"answer:{r}:{o}",
        st.one_of(st.integers(-(10**30), 10**30), st.text(max_size=20)),
        st.one_of(st.integers(-5, 100), st.text(max_size=5)),
    ),
)


@FUZZ
@given(action=action_id, value=st.text(max_size=200))
@example(action=f"answer:{10**30}:0", value="0")
@example(action=f"answer:{'9' * 5000}:0", value="0")
@example(action="answer:1:-1", value="")
@example(action="answer:٣:٠", value="٠")
@example(action="answer:999999:3", value="3")
async def test_fuzzed_slack_button_payloads_get_a_private_answer(slack_bot, action, value):
    fake, bot, _db = slack_bot
    sent = await fake.send_block_action(bot.url, action, value, user_id="U0BOB")
    assert sent.status in (200, 404), sent.body  # 404: bolt has no listener for that id
    if sent.status == 200:
        reply = await fake.wait_for_response(url=sent.response_url, timeout=5)
        private_and_clear(reply.body)
