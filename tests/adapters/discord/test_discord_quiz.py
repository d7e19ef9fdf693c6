"""A quick quiz on the fake Discord: question embed + buttons, private clicks, reveal edit."""

from __future__ import annotations

import asyncio
import json

from discordkit import Quizbot, components, custom_ids, member, summary

from tests.fakes.discord_server import CALLBACK_MESSAGE

SUCCESS = 3  # Discord's green button style


async def start_quiz(bot: Quizbot, count: int = 1, seconds: int = 30) -> dict:
    # Choice questions: "mixed" would ask a short-answer card typed, without option buttons.
    handle = await bot.fake.send_slash_command(
        "quiz", {"count": count, "seconds": seconds, "format": "choice"}, user=bot.fake.bob
    )
    callback = await handle.response()
    assert callback.type == CALLBACK_MESSAGE
    assert "started a quiz" in callback.content and not callback.ephemeral
    return bot.question_posts()[-1]


async def test_four_players_answer_privately_and_the_reveal_edits_the_question(
    quizbot: Quizbot,
) -> None:
    fake = quizbot.fake
    question = await start_quiz(quizbot)
    ids = custom_ids(question)
    # Four options, then the hint with its cost.
    assert [i.rsplit(":", 1)[1] for i in ids[:4]] == ["0", "1", "2", "3"]
    assert ids[4].startswith("hint:")
    labels = [c["label"] for c in components(question)]
    assert labels[:4] == ["A", "B", "C", "D"] and labels[4] in (
        "Hint (-5 points)",
        "Hint (-7 points)",
    )
    embed = question["embeds"][0]
    assert embed["title"] == "Quiz question 1/1"
    assert "**A.**" in embed["description"] and "**D.**" in embed["description"]

    players = [member(fake, n) for n in range(4)]
    clicks = await asyncio.gather(
        *(fake.click_button(int(question["id"]), ids[n], user=players[n]) for n in range(4))
    )
    callbacks = [await c.response() for c in clicks]
    assert all(c.ephemeral for c in callbacks)
    assert [c.content.split(".")[0] for c in callbacks] == [
        "Locked in: A", "Locked in: B", "Locked in: C", "Locked in: D"
    ]  # fmt: skip
    assert "Reveal in" in callbacks[0].content
    # Nobody else saw a choice: the channel message is untouched until the reveal.
    assert not fake.calls_to("PATCH", "/channels/{c}/messages/{m}")

    quizbot.clock.advance(seconds=31)
    await quizbot.engine.tick()
    patch = await fake.wait_for_call(
        "PATCH", f"/channels/{quizbot.channel_id}/messages/{question['id']}"
    )

    body = patch.json
    assert body["allowed_mentions"] == {"parse": []}
    *buttons, report = components(body)
    assert all(b["disabled"] for b in buttons)
    assert report["label"] == "Report question" and not report.get("disabled")
    right = [b for b in buttons if b["style"] == SUCCESS]
    assert len(right) == 1 and right[0]["emoji"]["name"] == "✅"
    correct = buttons.index(right[0])
    revealed = body["embeds"][0]
    assert revealed["description"].count("1 answer") == 4  # one player per option
    assert "✅" in revealed["description"]
    fields = {f["name"]: f["value"] for f in revealed["fields"]}
    assert fields["Answer"].strip()
    winner = players[correct].global_name or players[correct].username
    assert fields["Who was right"].startswith(winner)
    assert "1 of 4 right" in fields["Who was right"]

    # The quiz had one question: its final standings follow, naming without pinging.
    standings = await fake.wait_for_call(
        "POST", f"/channels/{quizbot.channel_id}/messages", count=2
    )
    assert standings.json["allowed_mentions"] == {"parse": []}
    assert winner in standings.json["embeds"][0]["description"]

    handle = await fake.send_slash_command("leaderboard", {"period": "week"}, user=players[0])
    board = await handle.response()
    assert not board.ephemeral
    description = board.data["embeds"][0]["description"]
    assert description.splitlines()[0].startswith("🥇") and winner in description.splitlines()[0]
    assert board.data["allowed_mentions"] == {"parse": []}


async def test_a_second_click_keeps_the_first_answer(quizbot: Quizbot) -> None:
    question = await start_quiz(quizbot)
    ids = custom_ids(question)

    first = await quizbot.fake.click_button(int(question["id"]), ids[1], user=quizbot.fake.alice)
    assert (await first.response()).content.startswith("Locked in: B")
    second = await quizbot.fake.click_button(int(question["id"]), ids[3], user=quizbot.fake.alice)
    again = await second.response()

    assert again.ephemeral
    assert again.content.startswith("You already answered B")


async def test_a_click_on_a_revealed_round_says_it_is_closed(quizbot: Quizbot) -> None:
    question = await start_quiz(quizbot)
    quizbot.clock.advance(seconds=31)
    await quizbot.engine.tick()

    late = await quizbot.fake.click_button(
        int(question["id"]), custom_ids(question)[0], user=quizbot.fake.alice
    )
    callback = await late.response()

    assert callback.ephemeral and callback.content.startswith("This round is closed")


async def test_a_busy_channel_and_bad_topic_are_refused_privately(quizbot: Quizbot) -> None:
    await start_quiz(quizbot, count=3)

    busy = await quizbot.fake.send_slash_command("quiz", {}, user=quizbot.fake.alice)
    refusal = await busy.response()
    assert refusal.ephemeral and "already running" in refusal.content

    stop = await quizbot.fake.send_slash_command("quiz-stop", {}, user=quizbot.fake.alice)
    assert "Only Bob" in (await stop.response()).content
    stop = await quizbot.fake.send_slash_command("quiz-stop", {}, user=quizbot.fake.admin)
    assert (await stop.response()).content.startswith("Quiz stopped after 1 of 3")

    nonsense = await quizbot.fake.send_slash_command(
        "quiz", {"topic": "knitting"}, user=quizbot.fake.alice
    )
    answer = await nonsense.response()
    assert answer.ephemeral and "knitting" in answer.content.lower()
    assert len(answer.content) <= 2000


async def test_clicks_are_acknowledged_fast_under_concurrency(quizbot: Quizbot) -> None:
    fake = quizbot.fake
    players = [member(fake, n) for n in range(8)]
    latencies: list[float] = []
    for _round in range(3):
        question = await start_quiz(quizbot, count=1, seconds=30)
        ids = custom_ids(question)
        clicks = await asyncio.gather(
            *(
                fake.click_button(int(question["id"]), ids[n % 4], user=p)
                for n, p in enumerate(players)
            )
        )
        for click in clicks:
            callback = await click.response()
            assert callback.content.startswith("Locked in")
            latencies.append(callback.latency)
        quizbot.clock.advance(seconds=31)
        await quizbot.engine.tick()
        quizbot.clock.advance(seconds=10)
        await quizbot.engine.tick()

    figures = summary(latencies)
    print("click acknowledgement:", json.dumps({k: round(v, 1) for k, v in figures.items()}))
    assert figures["max_ms"] < 1500
