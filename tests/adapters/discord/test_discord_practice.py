"""Practice: a private question whose click turns into its reveal, with a Next button."""

from __future__ import annotations

from discordkit import Quizbot, components, custom_ids

from tests.decks import options_only
from tests.fakes.discord_server import CALLBACK_MESSAGE, CALLBACK_MODAL, CALLBACK_UPDATE_MESSAGE

SUCCESS = 3


async def test_practice_question_is_private_and_its_click_reveals_at_once(
    quizbot: Quizbot,
) -> None:
    fake = quizbot.fake
    # The flow with options to click; a typed practice question's box is tested below and in
    # test_discord_typed.py.
    quizbot.engine.maker = options_only(quizbot.engine.maker)
    handle = await fake.send_slash_command(
        "practice", {"topic": "Gradient Descent and Its Variants"}, user=fake.alice
    )
    question = await handle.response()
    assert question.type == CALLBACK_MESSAGE and question.ephemeral
    ids = custom_ids(question.data)
    assert ids[-1] == "practice:next:Gradient Descent and Its Variants"  # "Skip"
    assert quizbot.question_posts() == []  # nothing in the channel

    message_id = handle.original_message_id
    click = await fake.click_button(message_id, ids[0], user=fake.alice)
    reveal = await click.response()

    assert reveal.type == CALLBACK_UPDATE_MESSAGE  # the private question becomes its reveal
    buttons = components(reveal.data)
    # The options disabled; then "Next question" and "Report question".
    assert all(b.get("disabled") for b in buttons[:-2])
    assert [b["label"] for b in buttons[-2:]] == ["Next question", "Report question"], buttons
    assert sum(b["style"] == SUCCESS for b in buttons) == 1
    assert reveal.data["content"].startswith(("Correct: A", "Not quite: you chose A"))
    names = [f["name"] for f in reveal.data["embeds"][0]["fields"]]
    assert names[0] in ("Answer", "Correction to the card") and "Answer" in names
    next_button = buttons[-2]
    assert next_button["label"] == "Next question"
    assert next_button["custom_id"] == "practice:next:Gradient Descent and Its Variants"

    following = await fake.click_button(message_id, next_button["custom_id"], user=fake.alice)
    another = await following.response()
    assert another.type == CALLBACK_UPDATE_MESSAGE
    assert another.data["embeds"][0]["title"] == "Practice question"
    assert custom_ids(another.data)[0] != ids[0]  # a new round


async def test_someone_elses_practice_button_is_refused(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    handle = await fake.send_slash_command("practice", {}, user=fake.alice)
    question = await handle.response()

    click = await fake.click_button(
        handle.original_message_id, custom_ids(question.data)[0], user=fake.bob
    )
    refusal = await click.response()
    if refusal.type == CALLBACK_MODAL:
        # A typed practice question: the box must open at once (a modal is the click's only
        # response), so the refusal comes when Bob sends it.
        sent = await fake.submit_modal(click, {"answer": "anything"}, user=fake.bob)
        refusal = await sent.response()

    assert refusal.ephemeral and "no longer open" in refusal.content
