"""Reports and regrades on the fake Discord: "Report question" under every reveal opens a
modal; `/reports` lists and decides (Manage Server); a regrade edits the reveal."""

from __future__ import annotations

from datetime import timedelta

from discordkit import Quizbot, components

from bot.ports import Place
from bot.questions.model import Question
from tests.fakes.discord_server import CALLBACK_MODAL

OPTIONS = ("Backpropagation", "Gradient descent", "Dropout", "Batch norm")


async def revealed_question(quizbot: Quizbot) -> tuple[dict, int]:
    """A daily question alice answers wrongly (C) and bob rightly (B), then its reveal."""
    fake = quizbot.fake
    place = Place("discord", str(fake.guild.id), str(quizbot.channel_id))
    question = Question("card00", "choice", "Which one updates the weights?", OPTIONS, 1)
    closes = quizbot.clock.now() + timedelta(minutes=5)
    round_id = await quizbot.engine.open_round(place, question, "daily", closes)
    posted = fake.messages_in(quizbot.channel_id, interaction_responses=False)[-1]
    for user, option in ((fake.alice, 2), (fake.bob, 1)):
        click = await fake.click_button(int(posted["id"]), f"answer:{round_id}:{option}", user=user)
        await click.response()
    quizbot.clock.advance(minutes=6)
    await quizbot.engine.tick()
    patch = await fake.wait_for_call(
        "PATCH", f"/channels/{quizbot.channel_id}/messages/{posted['id']}"
    )
    return patch.json | {"id": posted["id"]}, round_id


async def report(quizbot: Quizbot, message: dict, round_id: int, user, values: dict[str, str]):
    click = await quizbot.fake.click_button(int(message["id"]), f"report:{round_id}", user=user)
    opened = await click.response()
    assert opened.type == CALLBACK_MODAL
    sent = await quizbot.fake.submit_modal(click, values, user=user)
    return opened, await sent.response()


async def reports_command(quizbot: Quizbot, options: dict, user):
    handle = await quizbot.fake.send_slash_command("reports", options, user=user)
    return await handle.response()


async def points(quizbot: Quizbot, user) -> int | None:
    row = await quizbot.store.fetchone(
        "SELECT points FROM scores WHERE channel_id='*' AND period_kind='all' AND user_id=?",
        (str(user.id),),
    )
    return row[0] if row else None


async def test_a_reveal_carries_report_question_and_the_modal_stores_one_report(
    quizbot: Quizbot,
) -> None:
    fake = quizbot.fake
    reveal, round_id = await revealed_question(quizbot)
    assert ("Report question", f"report:{round_id}") in [
        (b.get("label"), b["custom_id"]) for b in components(reveal)
    ]
    opened, reply = await report(
        quizbot, reveal, round_id, fake.alice, {"reason": "2", "note": "Dropout fits too"}
    )
    boxes = [c for row in opened.data["components"] for c in row.get("components", [row])]
    assert [(b["custom_id"], b["max_length"]) for b in boxes] == [("reason", 40), ("note", 500)]
    assert reply.ephemeral
    assert reply.content.startswith("Thank you, your report is in (two answers are right)")
    rows = await quizbot.store.fetchall("SELECT user_id, reason, note, round_id FROM card_reports")
    assert [tuple(r) for r in rows] == [
        (str(fake.alice.id), "two_right", "Dropout fits too", round_id)
    ]

    _, again = await report(quizbot, reveal, round_id, fake.alice, {"reason": "3", "note": ""})
    assert again.ephemeral and "already reported" in again.content


async def test_an_overlong_note_or_unknown_reason_is_refused_privately_and_nothing_stored(
    quizbot: Quizbot,
) -> None:
    fake = quizbot.fake
    reveal, round_id = await revealed_question(quizbot)
    _, long = await report(
        quizbot, reveal, round_id, fake.bob, {"reason": "1", "note": "x" * 10_000}
    )
    assert long.ephemeral and "10000 characters; the limit is 500" in long.content
    _, odd = await report(quizbot, reveal, round_id, fake.bob, {"reason": "because", "note": ""})
    assert odd.ephemeral and "not one of the reasons" in odd.content
    assert (await quizbot.store.fetchone("SELECT count(*) FROM card_reports"))[0] == 0


async def test_only_a_server_manager_regrades_and_the_reveal_is_edited(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    reveal, round_id = await revealed_question(quizbot)
    await report(quizbot, reveal, round_id, fake.alice, {"reason": "two_right", "note": ""})
    assert await points(quizbot, fake.alice) == 0

    refused = await reports_command(
        quizbot, {"decide": "accept", "card": "card00", "option": "C"}, fake.bob
    )
    assert refused.ephemeral and "Only server admins" in refused.content
    assert await points(quizbot, fake.alice) == 0
    assert (await quizbot.store.fetchone("SELECT count(*) FROM card_decisions"))[0] == 0
    listing = await reports_command(quizbot, {}, fake.bob)
    assert listing.ephemeral and "Only server admins" in listing.content

    listing = await reports_command(quizbot, {}, fake.admin)
    assert listing.ephemeral and "card00" in listing.content and "C Dropout" in listing.content
    # How to decide is spelt as this platform's command, with its option names.
    assert "`/reports decide:accept card:CARD option:LETTER`" in listing.content
    assert "{command:" not in listing.content
    done = await reports_command(
        quizbot, {"decide": "accept", "card": "card00", "option": "C"}, fake.admin
    )
    assert done.ephemeral and "Regraded card00" in done.content, done.content
    assert "1 post edited" in done.content
    gained = await points(quizbot, fake.alice)
    assert gained is not None and gained > 0
    edit = await fake.wait_for_call(
        "PATCH", f"/channels/{quizbot.channel_id}/messages/{reveal['id']}", count=2
    )
    fields = {f["name"]: f["value"] for f in edit.json["embeds"][0].get("fields", [])}
    assert "Dropout" in fields["Regraded"]

    again = await reports_command(
        quizbot, {"decide": "accept", "card": "card00", "option": "C"}, fake.admin
    )
    assert "Regraded" not in again.content
    assert await points(quizbot, fake.alice) == gained
