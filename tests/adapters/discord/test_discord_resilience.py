"""Restarts, slow engines and failures: every interaction still gets a timely, plain answer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from discordkit import Quizbot, custom_ids, running_quizbot, shipped

from adapters.discord import replies
from bot.ports import Place
from tests.fakes.discord_server import (
    CALLBACK_DEFERRED_MESSAGE,
    CALLBACK_MESSAGE,
    FakeDiscord,
)


async def test_a_click_on_a_question_posted_before_a_restart_is_recorded(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    db = tmp_path / "quiz.db"
    _library, maker = shipped()
    place = Place("discord", str(fake_discord.guild.id), str(fake_discord.channel.id))
    async with running_quizbot(fake_discord, db) as before:
        question = maker.generate(1, seed=7, fmt="choice")[0]
        closes = before.clock.now() + timedelta(hours=8)
        round_id = await before.engine.open_round(
            place, question, "daily", closes, tz="Europe/Berlin"
        )
        posted = before.question_posts()[-1]
        clock = before.clock
    # Everything in memory is gone: new store, engine, client on the same database file.
    async with running_quizbot(fake_discord, db, clock=clock) as after:
        assert after.adapter.client is not before.adapter.client
        click = await fake_discord.click_button(
            int(posted["id"]), f"answer:{round_id}:2", user=fake_discord.alice
        )
        callback = await click.response()
        assert callback.ephemeral
        assert callback.content.startswith("Locked in: C. Reveal at 17:00 CET")
        row = await after.store.fetchone(
            "SELECT user_id, option_index FROM answers WHERE round_id=?", (round_id,)
        )
    assert dict(row) == {"user_id": str(fake_discord.alice.id), "option_index": 2}
    assert custom_ids(posted)[2] == f"answer:{round_id}:2"


async def test_a_slow_engine_makes_the_click_defer_then_follow_up(
    quizbot: Quizbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replies, "FAST_REPLY_SECONDS", 0.05)
    real_answer = quizbot.engine.answer

    async def slow_answer(*args, **kwargs):
        await asyncio.sleep(0.3)  # a database stuck behind a big write
        return await real_answer(*args, **kwargs)

    monkeypatch.setattr(quizbot.engine, "answer", slow_answer)
    await (
        await quizbot.fake.send_slash_command("quiz", {"format": "choice"}, user=quizbot.fake.bob)
    ).response()
    question = quizbot.question_posts()[-1]

    click = await quizbot.fake.click_button(
        int(question["id"]), custom_ids(question)[1], user=quizbot.fake.alice
    )
    first = await click.response()
    followup = await click.followup()

    assert first.type == CALLBACK_DEFERRED_MESSAGE and first.ephemeral
    assert first.latency < 0.3
    assert followup["content"].startswith("Locked in: B")
    assert followup["flags"] & replies.discord.MessageFlags.ephemeral.flag


async def test_a_failing_command_gets_a_private_plain_apology(
    quizbot: Quizbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(quizbot.engine, "leaderboard", broken)
    handle = await quizbot.fake.send_slash_command("leaderboard", {}, user=quizbot.fake.alice)
    callback = await handle.response()

    assert callback.type == CALLBACK_MESSAGE and callback.ephemeral
    assert callback.content.startswith("Something went wrong on my side with /leaderboard")
    assert "Traceback" not in callback.content and "database is locked" not in callback.content


async def test_a_failing_click_gets_a_private_plain_apology(
    quizbot: Quizbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(quizbot.engine, "answer", broken)
    click = await quizbot.fake.click_button(None, "answer:999:1", user=quizbot.fake.alice)
    callback = await click.response()

    assert callback.ephemeral
    assert callback.content.startswith("Something went wrong on my side with your answer")


async def test_a_click_on_an_unknown_round_says_so(quizbot: Quizbot) -> None:
    click = await quizbot.fake.click_button(None, "answer:424242:0", user=quizbot.fake.alice)
    callback = await click.response()

    assert callback.ephemeral and "no longer open" in callback.content


@pytest.mark.parametrize("custom_id", ["bogus", "answer:1:x", "quiz:v0:legacy", "é" * 90])
async def test_a_click_on_a_button_we_do_not_know_is_answered_privately(
    quizbot: Quizbot, custom_id: str
) -> None:
    click = await quizbot.fake.click_button(None, custom_id, user=quizbot.fake.alice)
    callback = await click.response()

    assert callback.ephemeral and "not one I know" in callback.content


async def test_a_rate_limited_post_still_answers_the_command_in_time(
    quizbot: Quizbot,
) -> None:
    # The question post waits 2 s for a rate limit: /quiz must defer, not miss its 3 s.
    quizbot.fake.fail_next(
        "POST", f"/channels/{quizbot.channel_id}/messages", status=429, retry_after=2.0
    )
    handle = await quizbot.fake.send_slash_command(
        "quiz", {"format": "choice"}, user=quizbot.fake.bob
    )

    first = await handle.response()
    followup = await handle.followup(timeout=5)

    assert first.type == CALLBACK_DEFERRED_MESSAGE and first.latency < 2.0
    assert "Quiz started" in followup["content"]
    assert quizbot.question_posts()


async def test_a_question_whose_reference_was_lost_is_found_not_posted_again(
    quizbot: Quizbot,
) -> None:
    # The process died after Discord accepted the question but before its id was stored:
    # at start-up the engine asks the poster again, and the round's nonce brings back the
    # first message, so the reveal edits it and nobody sees the question twice.
    from datetime import timedelta

    from bot.ports import Place

    place = Place("discord", str(quizbot.fake.guild.id), str(quizbot.channel_id))
    # The first card the generator asks (it skips cards it cannot ask fairly).
    maker = quizbot.engine.maker
    question = next(
        q for c in quizbot.engine.cards.values() if (q := maker.make(c, "choice", 1)) is not None
    )
    round_id, message = await quizbot.engine._open(
        place, question, "daily", quizbot.clock.now() + timedelta(hours=8)
    )
    first = await quizbot.adapter.poster.post(place, message)  # reached Discord; then the crash

    await quizbot.engine.recover()

    assert len(quizbot.question_posts()) == 1
    row = await quizbot.store.fetchone("SELECT message_ref FROM rounds WHERE id=?", (round_id,))
    assert row["message_ref"] == first
    quizbot.clock.advance(hours=9)
    await quizbot.engine.tick()
    edit = await quizbot.fake.wait_for_call("PATCH", "/channels/{c}/messages/{m}")
    assert edit.path.endswith(f"/{first}")
