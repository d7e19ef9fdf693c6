"""Hints on the fake Discord: a "Hint" button priced up front, the hint told privately with
only the options still in play, an answer from there scored as hinted; refusals private."""

from __future__ import annotations

import copy
from datetime import timedelta

from discordkit import Quizbot, components, custom_ids

from bot.ports import Place
from bot.questions.hints import removed_options
from bot.questions.model import Question
from tests.fakes.discord_server import CALLBACK_MESSAGE, CALLBACK_MODAL

OPTIONS = ("Sigmoid", "ReLU", "Tanh", "Softplus")


async def post(quizbot: Quizbot, question: Question, minutes: int = 5) -> tuple[int, dict]:
    place = Place("discord", str(quizbot.fake.guild.id), str(quizbot.channel_id))
    closes = quizbot.clock.now() + timedelta(minutes=minutes)
    round_id = await quizbot.engine.open_round(place, question, "daily", closes)
    posts = quizbot.fake.messages_in(quizbot.channel_id, interaction_responses=False)
    return round_id, copy.deepcopy(posts[-1])  # as posted: a reveal edits the stored one


def stored_reply(quizbot: Quizbot, start: str) -> dict:
    """The private reply the fake stored (the message a later click is made on)."""
    found = [
        m
        for m in quizbot.fake.messages_in(quizbot.channel_id)
        if "webhook_id" in m and (m.get("content") or "").startswith(start)
    ]
    return found[-1]


def choice() -> Question:
    return Question("card00", "choice", "Which activation is zero for negatives?", OPTIONS, 1)


async def test_a_hint_is_private_and_leaves_only_two_options_to_click(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    round_id, question = await post(quizbot, choice())
    hint = components(question)[-1]
    assert (hint["label"], hint["custom_id"]) == ("Hint (-5 points)", f"hint:{round_id}")

    click = await fake.click_button(int(question["id"]), f"hint:{round_id}", user=fake.alice)
    reply = await click.response()
    assert reply.type == CALLBACK_MESSAGE and reply.ephemeral
    removed = removed_options(round_id, 4, 1)
    gone = " or ".join("ABCD"[i] for i in removed)
    assert reply.content.startswith("Hint (a right answer now earns 5 points less):")
    assert f"It is not {gone}." in reply.content
    left = [i for i in range(4) if i not in removed]
    assert custom_ids(reply.data) == [f"answer:{round_id}:{i}" for i in left]

    # The answer clicked on the private hint counts, and counts as hinted.
    private = stored_reply(quizbot, "Hint")
    assert private["flags"] & 64  # ephemeral
    answered = await fake.click_button(private, f"answer:{round_id}:1", user=fake.alice)
    locked = await answered.response()
    assert locked.ephemeral and locked.content.startswith("Locked in: B.")
    plain = await fake.click_button(int(question["id"]), f"answer:{round_id}:1", user=fake.bob)
    assert (await plain.response()).content.startswith("Locked in: B.")

    # A second hint after answering is refused privately and costs nothing more.
    late = await (
        await fake.click_button(int(question["id"]), f"hint:{round_id}", user=fake.bob)
    ).response()
    assert late.ephemeral and "already answered" in late.content

    quizbot.clock.advance(minutes=6)
    await quizbot.engine.tick()
    rows = await quizbot.store.fetchall("SELECT user_id, hints, points FROM answers")
    got = {r["user_id"]: (r["hints"], r["points"]) for r in rows}
    assert got[str(fake.alice.id)][0] == 1 and got[str(fake.bob.id)][0] == 0
    assert got[str(fake.bob.id)][1] - got[str(fake.alice.id)][1] == 5


async def test_a_hint_on_a_revealed_question_is_refused_privately(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    round_id, question = await post(quizbot, choice())
    quizbot.clock.advance(minutes=6)
    await quizbot.engine.tick()
    # Clicked on the question as the player's screen still showed it, before the reveal.
    reply = await (
        await fake.click_button(question, f"hint:{round_id}", user=fake.alice)
    ).response()
    assert reply.ephemeral and reply.content.startswith("This round is closed")
    assert (await quizbot.store.fetchone("SELECT count(*) FROM round_hints"))[0] == 0


async def test_a_typed_hint_spells_the_start_and_offers_the_answer_box(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    typed = Question("card00", "typed", "How do networks learn their weights?", (), None,
                     accepted=("backpropagation", "backprop"))  # fmt: skip
    round_id, question = await post(quizbot, typed)
    assert [b["label"] for b in components(question)] == ["Answer", "Hint (-5 points)"]
    reply = await (
        await fake.click_button(int(question["id"]), f"hint:{round_id}", user=fake.alice)
    ).response()
    # Escaped, so Discord shows the underscores rather than underlining.
    assert reply.ephemeral and reply.content.endswith(": b" + "\\_" * 14 + " (15 letters)")
    assert custom_ids(reply.data) == [f"typed:{round_id}"]
    private = stored_reply(quizbot, "Hint")
    opened = await fake.click_button(private, f"typed:{round_id}", user=fake.alice)
    assert (await opened.response()).type == CALLBACK_MODAL
    sent = await fake.submit_modal(opened, {"answer": "backpropagation"}, user=fake.alice)
    assert (await sent.response()).content.startswith("Locked in: 'backpropagation'")
    assert (await quizbot.store.fetchone("SELECT hints FROM answers"))[0] == 1
