"""A quiz on Slack end to end: the real bolt app over HTTP against the fake Slack, the real
engine on a SQLite file, the shipped decks, and a fake clock for the reveal."""

from __future__ import annotations

import asyncio

from slackkit import PLAYERS, all_text, buttons, labels, question_post, shipped_library

from bot.messages import option_letter
from bot.ports import Place
from tests.decks import options_only


async def test_four_players_answer_privately_and_the_reveal_edits_the_question(quizbot) -> None:
    fake, engine = quizbot.fake, quizbot.engine
    started = await quizbot.command("1 gradient descent")
    assert started["response_type"] == "ephemeral"
    assert "Quiz started: 1 question," in started["text"]

    post = await question_post(fake)
    ts = post.response["ts"]
    question_buttons = buttons(post.args)
    assert [b["text"]["text"][:2] for b in question_buttons] == ["A.", "B.", "C.", "D.", "Hi"]
    assert question_buttons.pop()["action_id"].startswith("hint:")
    assert all(len(b["text"]["text"]) <= 75 for b in question_buttons)
    assert all(b["action_id"] == b["value"] for b in question_buttons)
    round_id = int(question_buttons[0]["action_id"].split(":")[1])
    row = await engine.store.fetchone(
        "SELECT answer_index, topic FROM rounds WHERE id=?", (round_id,)
    )
    assert row["topic"] == "Gradient Descent and Its Variants"

    replies = await asyncio.gather(
        *(
            quizbot.click(ts, question_buttons[i]["action_id"], user)
            for i, user in enumerate(PLAYERS)
        )
    )
    for i, reply in enumerate(replies):
        assert reply["response_type"] == "ephemeral"
        assert reply["replace_original"] is False
        assert reply["text"].startswith(f"Locked in: {option_letter(i)}. Reveal in ")
    assert fake.calls_to("chat.update") == []  # nobody sees choices before the reveal

    quizbot.clock.advance(seconds=31)
    await engine.tick()
    update = await fake.wait_for_call("chat.update")
    assert update.args["ts"] == ts and update.args["channel"] == "C0QUIZ"
    revealed = fake.message("C0QUIZ", ts)
    assert labels(revealed) == ["Report question"]
    text = all_text(revealed)
    right = row["answer_index"]
    assert f"✅ *{option_letter(right)}." in text
    assert text.count("✅") == 1
    assert text.count("— 1 (25%)") == 4
    assert "*Answer*" in text
    winner = ["alice", "bobby", "Carol &lt;&amp;&gt; @channel", "dave"][right]
    assert f"*Right:* {winner} (+" in text
    assert "3 not quite" in text
    assert "<@" not in text and "<!channel>" not in text

    # One question: the quiz is over, its standings are posted in the channel.
    standings = await fake.wait_for_call(
        "chat.postMessage", lambda c: "standings" in c.args["text"]
    )
    assert winner in all_text(standings.args)

    board = await quizbot.command("leaderboard week", user_id="U0ALICE")
    assert board["response_type"] == "ephemeral"
    board_text = all_text(board)
    assert "This week on this server" in board_text
    assert winner in board_text
    assert "<@" not in board_text


async def test_double_click_is_answered_with_the_first_choice(quizbot) -> None:
    await quizbot.command("1")
    post = await question_post(quizbot.fake)
    b = buttons(post.args)
    first = await quizbot.click(post.response["ts"], b[1]["action_id"], "U0BOB")
    second = await quizbot.click(post.response["ts"], b[2]["action_id"], "U0BOB")
    assert first["text"].startswith("Locked in: B.")
    assert second["text"].startswith("You already answered B")
    answers = await quizbot.engine.store.fetchall("SELECT option_index FROM answers")
    assert [a["option_index"] for a in answers] == [1]


async def test_click_on_a_closed_round_says_it_is_closed(quizbot) -> None:
    await quizbot.command("1")
    post = await question_post(quizbot.fake)
    quizbot.clock.advance(seconds=31)
    await quizbot.engine.tick()
    reply = await quizbot.click(post.response["ts"], buttons(post.args)[0]["action_id"], "U0BOB")
    assert reply["text"].startswith("This round is closed")
    assert reply["response_type"] == "ephemeral"


async def test_a_stale_button_is_answered_not_ignored(quizbot) -> None:
    reply = await quizbot.click("1.000001", "answer:999999:0", "U0BOB")
    assert "no longer open" in reply["text"]


async def test_stop_is_for_the_starter_or_an_admin(quizbot) -> None:
    await quizbot.command("3", user_id="U0ALICE")
    await question_post(quizbot.fake)
    refused = await quizbot.command("stop", user_id="U0BOB")
    assert "Only alice" in refused["text"]
    stopped = await quizbot.command("stop", user_id="U0ADMIN")  # a workspace owner
    assert stopped["text"].startswith("Quiz stopped after 1 of 3")
    busy_free = await quizbot.command("stop", user_id="U0ALICE")
    assert busy_free["text"] == "No quiz is running in this channel."


async def test_unknown_words_get_help_privately_with_what_was_wrong(quizbot) -> None:
    too_many = await quizbot.command("50")
    assert too_many["response_type"] == "ephemeral"
    assert "at most 20 questions" in too_many["text"]
    assert "/quiz practice [topic]" in too_many["text"]

    no_topic = await quizbot.command("3 vanishing gradiants")
    assert "No topic matches 'vanishing gradiants'" in no_topic["text"]
    assert "closest: Vanishing Gradient Problem (VGP)" in no_topic["text"]
    assert quizbot.fake.calls_to("chat.postMessage") == []

    board = await quizbot.command("leaderboard yesterday")
    assert "'yesterday' is not a period" in board["text"]


async def test_topics_and_stats_are_private(quizbot) -> None:
    topics = await quizbot.command("topics")
    assert "Gradient Descent and Its Variants (" in topics["text"]
    assert "open-questions" not in topics["text"]  # prompts cannot make a quiz
    stats = await quizbot.command("stats", user_id="U0BOB")
    assert stats["response_type"] == "ephemeral"
    assert "bobby" in all_text(stats)


async def test_practice_is_private_and_offers_the_next_question(quizbot) -> None:
    fake = quizbot.fake
    # This is the flow with options to click: which cards the deck asks typed is not its
    # business (a typed question's Answer button and modal are tested in test_slack_typed.py).
    quizbot.engine.maker = options_only(quizbot.engine.maker)
    first = await quizbot.command("practice vanishing", user_id="U0BOB")
    assert first["response_type"] == "ephemeral"
    practice_buttons = buttons(first)
    assert len(practice_buttons) == 5  # four options and the hint
    assert "Only you see this question" in all_text(first)
    assert fake.calls_to("chat.postMessage") == []  # nothing in the channel

    round_id = int(practice_buttons[0]["action_id"].split(":")[1])
    row = await quizbot.engine.store.fetchone(
        "SELECT answer_index FROM rounds WHERE id=?", (round_id,)
    )
    right = row["answer_index"]
    reveal = await quizbot.click("1.000001", practice_buttons[right]["action_id"], "U0BOB")
    assert reveal["response_type"] == "ephemeral"
    assert reveal["text"] == f"Correct: {option_letter(right)}."
    assert "*Answer*" in all_text(reveal)
    assert "*Right:*" not in all_text(reveal)  # a practice reveal names nobody
    report_button, next_button = buttons(reveal)
    assert report_button["text"]["text"] == "Report question"
    assert next_button["action_id"] == "practice:next"
    # The topic rides in the button (never an empty value, which Slack refuses).
    assert next_button["value"] == "topic:Vanishing Gradient Problem (VGP)"

    delivery = await fake.send_block_action(
        quizbot.url, "practice:next", next_button["value"], user_id="U0BOB"
    )
    following = (await fake.wait_for_response(url=delivery.response_url)).body
    assert len(buttons(following)) == 5  # four options and the hint
    assert buttons(following)[0]["action_id"] != practice_buttons[0]["action_id"]


async def test_a_discussion_prompt_opens_a_thread(quizbot) -> None:
    library, maker = shipped_library()
    card = next(c for c in library.cards if c.kind == "prompt")
    place = Place("slack", "T0QUIZ", "C0QUIZ")
    closes = quizbot.clock.now()
    await quizbot.engine.open_round(place, maker.prompt(card), "daily", closes)
    note = await quizbot.fake.wait_for_call("chat.postMessage", lambda c: "thread_ts" in c.args)
    prompt = quizbot.fake.calls_to("chat.postMessage")[0]
    assert note.args["thread_ts"] == prompt.response["ts"]
    assert "Discuss here" in note.args["text"]
    assert buttons(prompt.args) == []


async def test_a_failure_gets_a_private_plain_answer_not_a_traceback(quizbot, caplog) -> None:
    async def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    quizbot.engine.stats = broken
    reply = await quizbot.command("stats")
    assert reply["response_type"] == "ephemeral"
    assert reply["text"].startswith("Sorry, that did not work")
    assert "disk on fire" not in reply["text"] and "Traceback" not in reply["text"]
    assert any("disk on fire" in (r.exc_text or "") for r in caplog.records)


async def test_when_slack_refuses_the_post_the_starter_is_told_why(quizbot) -> None:
    quizbot.fake.fail_next("chat.postMessage", "500", after_processing=True)
    reply = await quizbot.command("1")
    # Slack stored the post and answered 500: retrying blindly would post it twice.
    assert len(quizbot.fake.calls_to("chat.postMessage")) == 1
    assert len(quizbot.fake.channel_messages("C0QUIZ")) == 1
    assert reply["text"] == (
        "Could not post the question here: Slack failed part-way through a post "
        "(500 internal_error): it may be in the channel"
    )
    quizbot.fake.fail_next("chat.postMessage", "500")  # nothing stored: still never retried
    reply = await quizbot.command("1")
    assert len(quizbot.fake.calls_to("chat.postMessage")) == 2
    assert "may be in the channel" in reply["text"]
    again = await quizbot.command("1")  # the failed quiz does not block the channel
    assert again["text"].startswith("Quiz started")
