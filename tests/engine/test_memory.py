"""Each scored answer is one FSRS review of the player's card, written at the reveal; practice
follows the player's memory. Time is the fake clock's."""

import itertools
import random
from datetime import timedelta

from enginekit import CHANNEL, START, player, question_for
from fsrs import Card, Rating, State

from bot.engine import memory
from bot.scoring import EASY_WITHIN, recall_rating

THINK = timedelta(seconds=20)  # slower than EASY_WITHIN: a plain right answer is Good
RIGHT, WRONG = 1, 3  # the fake maker's right option is always B


async def practise(engine, clock, option=RIGHT, think=THINK, who=1):
    """One practice question answered after `think`; returns its card id."""
    reply = await engine.practice_next(player(who))
    assert reply.question is not None, reply.notice
    clock.advance(think)
    result = await engine.answer(reply.question.round_id, player(who), option)
    assert result.status == "locked_in"
    return await card_of_round(engine, reply.question.round_id)


async def card_of_round(engine, round_id):
    row = await engine.store.fetchone("SELECT card_id FROM rounds WHERE id=?", (round_id,))
    return row["card_id"]


async def memory_of(engine, who=1):
    return await engine.storage.player_memory("discord", f"u{who}")


def test_the_rating_rule():
    at = START
    fast, slow = at + EASY_WITHIN, at + EASY_WITHIN + timedelta(microseconds=1)

    def rate(correct, mode, answered, hinted=False):
        return recall_rating(
            correct=correct, mode=mode, opened_at=at, answered_at=answered, hinted=hinted
        )

    assert rate(False, "practice", fast) == Rating.Again
    assert rate(True, "practice", fast) == Rating.Easy  # the boundary is still quick
    assert rate(True, "quiz", fast) == Rating.Easy
    assert rate(True, "practice", slow) == Rating.Good
    # A daily question waits hours for most people: its answer time says nothing of recall.
    assert rate(True, "daily", at + timedelta(seconds=1)) == Rating.Good
    assert rate(True, "practice", fast, hinted=True) == Rating.Hard
    assert rate(False, "practice", fast, hinted=True) == Rating.Again


async def test_a_wrong_answer_is_due_again_within_its_learning_step(engine, clock, store):
    card_id = await practise(engine, clock, WRONG)
    answered = clock.now()
    card = (await memory_of(engine))[card_id]
    assert card.state == State.Learning
    assert answered < card.due <= answered + timedelta(minutes=1)
    [review] = await store.fetchall("SELECT rating, reviewed_at, duration_ms FROM reviews")
    assert review["rating"] == Rating.Again and review["duration_ms"] == 20_000
    # Before the step is over another card comes; once it is over, this card comes back first,
    # though it was asked moments ago.
    assert await practise(engine, clock) != card_id
    clock.set(card.due)
    assert await practise(engine, clock) == card_id


async def test_a_card_answered_right_again_and_again_gets_growing_intervals(engine, clock):
    card_id = await practise(engine, clock)
    intervals = []
    for _ in range(6):
        card = (await memory_of(engine))[card_id]
        intervals.append(card.due - card.last_review)
        clock.set(card.due)
        assert await practise(engine, clock) == card_id  # the one due card comes first
    assert intervals[0] == timedelta(minutes=10)  # the second learning step
    assert intervals[1] >= timedelta(days=1)  # then it graduates to days
    assert all(a < b for a, b in itertools.pairwise(intervals)), intervals
    assert intervals[-1] > timedelta(days=60)
    # Every answer was one review; none was rated anything but Good.
    rows = await engine.store.fetchall("SELECT rating FROM reviews")
    assert [r["rating"] for r in rows] == [Rating.Good] * 7


async def test_a_quick_right_answer_is_easy_and_waits_longer(engine, clock):
    easy = await practise(engine, clock, think=timedelta(seconds=3))
    good = await practise(engine, clock)
    known = await memory_of(engine)
    assert known[easy].state == State.Review and known[good].state == State.Learning
    assert known[easy].due - clock.now() > timedelta(days=1)


async def test_practice_serves_due_cards_by_due_date_then_new_ones(engine, clock):
    first = await practise(engine, clock)  # Good: due in 10 min
    second = await practise(engine, clock, WRONG)  # Again: due in 1 min, sooner
    clock.advance(timedelta(minutes=15))
    assert await practise(engine, clock) == second
    assert await practise(engine, clock) == first
    assert await practise(engine, clock) not in {first, second}  # nothing due: a new card


async def test_a_daily_and_a_quiz_answer_are_reviews_too(engine, cards, clock, store):
    round_id = await engine.open_round(
        CHANNEL, question_for(cards[0]), "daily", START + timedelta(hours=8)
    )
    await engine.answer(round_id, player(1), RIGHT)  # at once, but daily: Good
    await engine.answer(round_id, player(2), WRONG)
    assert await memory_of(engine) == {}  # nothing is decided before the reveal
    clock.set(START + timedelta(hours=8))
    await engine.reveal(round_id)
    rows = await store.fetchall(
        "SELECT m.user_id, m.card_id, r.rating, r.round_id, r.duration_ms"
        " FROM reviews r JOIN memory m ON m.id = r.memory_id ORDER BY m.user_id"
    )
    assert [tuple(r) for r in rows] == [
        ("u1", "card00", Rating.Good, round_id, None),
        ("u2", "card00", Rating.Again, round_id, None),
    ]
    # Revealing again (a restart) writes nothing twice.
    assert await engine.reveal(round_id) is None
    assert len(await store.fetchall("SELECT * FROM reviews")) == 2


async def test_practice_weak_asks_only_the_weakest_topics(engine, cards, clock, monkeypatch):
    assert (
        "answer a few questions first"
        in (await engine.practice_next(player(1), "weak")).notice.text
    )
    topic_of = {c.id: c.topic for c in cards}
    answered = {}
    # Activations answered wrong, Optimisers right, until both have been seen.
    while len(set(answered.values())) < 2:
        reply = await engine.practice_next(player(1))
        card_id = await card_of_round(engine, reply.question.round_id)
        clock.advance(THINK)
        option = WRONG if topic_of[card_id] == "Activations" else RIGHT
        await engine.answer(reply.question.round_id, player(1), option)
        answered[card_id] = topic_of[card_id]
    clock.advance(timedelta(days=2))  # recall has had time to differ
    known = await memory_of(engine)
    assert memory.weakest_topics(known, topic_of, clock.now(), n=1) == ["Activations"]
    # With one weak topic named (three in the bot), only its cards come.
    monkeypatch.setattr(memory, "WEAK_TOPICS", 1)
    for _ in range(4):
        reply = await engine.practice_next(player(1), "weak")
        assert reply.question.topic == "Activations"  # left unanswered: memory stays put


def test_practice_order_due_first_then_new_cards_from_the_weakest_topic():
    now = START + timedelta(days=3)
    topic_of = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C", "c2": "C"}
    weak = Card(1, State.Review, None, 0.5, 8.0, now + timedelta(days=1), START)
    strong = Card(2, State.Review, None, 30.0, 3.0, now + timedelta(days=20), START)
    due_late = Card(3, State.Review, None, 10.0, 3.0, now - timedelta(hours=1), START)
    due_early = Card(4, State.Review, None, 10.0, 3.0, now - timedelta(days=1), START)
    known = {"a1": weak, "b1": strong, "c1": due_late, "c2": due_early}
    order = memory.practice_order(known, topic_of, now, random.Random(1))
    # Due: most overdue first. New: A (weak recall) before B (strong); C has no new card.
    assert order == ["c2", "c1", "a2", "b2"]
    assert memory.weakest_topics(known, topic_of, now, n=2) == ["A", "C"]
    # A topic never touched counts as weakest of all; a card shown lately waits.
    topic_of["d1"] = "D"
    order = memory.practice_order(known, topic_of, now, random.Random(1), shown_lately={"a2"})
    assert order == ["c2", "c1", "d1", "b2"]


async def test_stats_show_memory_by_topic_weakest_first(engine, clock, cards):
    assert (await engine.stats(player(1))).memory == ()
    await practise(engine, clock, WRONG)  # card06, Activations: due within a minute
    await practise(engine, clock)  # Optimisers: Good, due in ten minutes
    clock.advance(timedelta(days=1))
    stats = await engine.stats(player(1))
    assert [t.topic for t in stats.memory] == ["Activations", "Optimisers"]  # weakest first
    act, opt = stats.memory
    assert (act.seen, act.due_now, act.due_this_week) == (1, 1, 1)
    assert (opt.seen, opt.due_now, opt.due_this_week) == (1, 1, 1)
    assert 0 < act.recall < opt.recall < 1


def test_a_review_is_exactly_what_fsrs_itself_decides():
    """`memory.review` works each card state out once and reuses it; the card it gives must be
    the library's own, field for field, over random histories of ratings and gaps."""
    rng = random.Random(19)
    for _ in range(200):
        ours: Card | None = None
        theirs = Card(card_id=0, due=START)
        at = START
        for _ in range(rng.randint(1, 12)):
            gap = rng.choice([5, 70, 3_600, 86_399, 86_400, 400_000]) * rng.random()
            at += timedelta(seconds=gap)
            rating = rng.choice(list(Rating))
            ours, log = memory.review(ours, rating, at, 1234)
            theirs, _ = memory.SCHEDULER.review_card(theirs, rating, at)
            assert (ours.state, ours.step, ours.due, ours.last_review) == (
                theirs.state, theirs.step, theirs.due, theirs.last_review
            )  # fmt: skip
            assert (ours.stability, ours.difficulty) == (theirs.stability, theirs.difficulty)
            assert (log.rating, log.review_datetime, log.review_duration) == (rating, at, 1234)


async def test_team_memory_names_the_topics_forgotten_most_and_the_cards_nobody_saw(
    engine, cards, clock
):
    from bot.ports import Place

    async def daily(card, answers, at):
        clock.set(at)
        round_id = await engine.open_round(
            CHANNEL, question_for(card), "daily", at + timedelta(hours=8)
        )
        for who, option in answers:
            await engine.answer(round_id, player(who), option)
        clock.set(at + timedelta(hours=8))
        await engine.reveal(round_id)

    activations = [c for c in cards if c.topic == "Activations"]
    optimisers = [c for c in cards if c.topic == "Optimisers"]
    # Two players: both miss an Activations card; one knows an Optimisers card well.
    await daily(activations[0], [(1, WRONG), (2, WRONG)], START)
    await daily(optimisers[0], [(1, RIGHT)], START + timedelta(days=1))
    # Someone who answered only in another server is not on this team.
    elsewhere = Place("discord", "guild2", "chan9")
    clock.set(START + timedelta(days=2))
    round_id = await engine.open_round(
        elsewhere, question_for(optimisers[1]), "daily", START + timedelta(days=2, hours=8)
    )
    await engine.answer(round_id, player(9), WRONG)
    clock.set(START + timedelta(days=2, hours=8))
    await engine.reveal(round_id)

    team = await engine.team_memory(CHANNEL)
    assert team.players == 2 and team.days == 30
    assert [(t.topic, t.players) for t in team.topics] == [("Activations", 2), ("Optimisers", 1)]
    assert team.topics[0].recall < team.topics[1].recall
    assert (team.cards, team.unseen) == (12, 10)
    assert len(team.unseen_sample) == 5
    seen = {activations[0].question, optimisers[0].question}
    assert not seen & {question for _, question in team.unseen_sample}
    assert "Activations: recall" in "\n".join(team.lines())

    # Forty days on, nobody has answered in the last 30 days: no active players.
    clock.set(START + timedelta(days=40))
    quiet = await engine.team_memory(CHANNEL)
    assert quiet.players == 0 and quiet.lines() == [
        "Nobody has answered here in the last 30 days yet."
    ]
