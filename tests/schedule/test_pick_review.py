"""`pick: review`: a daily schedule that asks the card its channel's active players are most
likely forgetting (lowest mean FSRS recall among those who have seen it), never one asked there
in the last 30 days, and the rotation while nobody has any memory yet. Fake clock, real SQLite.
"""

from __future__ import annotations

from datetime import timedelta

from dailykit import PLACE, World, at, library, spec
from fsrs import Rating

from bot.engine import memory
from bot.ports import Player
from bot.schedule.spec import parse_spec
from bot.store.memory import save_reviews
from bot.store.records import Review

ZONE = "Europe/Berlin"
TOPIC = "Perceptron Loss Function"


async def daily_cards(w: World) -> list[str]:
    rows = await w.live[0].store.fetchall(
        "SELECT card_id FROM rounds WHERE mode='daily' AND state != 'cancelled' ORDER BY id"
    )
    return [r["card_id"] for r in rows]


async def remember(w: World, user_id: str, card_id: str, ratings: list[Rating], days_ago: int):
    """Give `user_id` a memory of `card_id`: these ratings, a day apart, ending `days_ago`."""
    card = None
    start = w.clock.now() - timedelta(days=days_ago + len(ratings) - 1)
    reviews = []
    for n, rating in enumerate(ratings):
        card, _ = memory.review(card, rating, start + timedelta(days=n))
        reviews.append(Review(user_id, card_id, card, rating, card.last_review, None))
    for n, rv in enumerate(reviews):  # one round per review, as reveals write them
        await w.live[0].store.write(
            lambda c, rv=rv, n=n: save_reviews(c, "discord", 9000 + n, [rv])
        )


def test_pick_is_a_schedule_setting():
    assert parse_spec({"pick": "review"}).pick == "review"
    assert parse_spec({}).pick == "rotation"
    assert "forgetting" in parse_spec({"pick": "Review"}).describe()
    try:
        parse_spec({"pick": "random"})
    except ValueError as problem:
        assert "Use rotation or review" in str(problem)
    else:
        raise AssertionError("a bad pick was accepted")


async def test_review_picks_what_the_active_players_forget_never_a_recent_card(tmp_path):
    cards, maker = library()
    topic_cards = sorted(c.id for c in cards if c.topic == TOPIC and maker.make(c, "choice", 0))
    assert len(topic_cards) >= 5
    monday = at(ZONE, 2026, 11, 16, 8)
    w = World(tmp_path / "q.db", monday)
    await w.spawn()
    try:
        await w.set(spec(time="09:00", tz=ZONE, weekdays="daily", topic=TOPIC,
                         formats="choice", pick="review"))  # fmt: skip
        # Nobody remembers anything yet: the rotation's card.
        await w.run_until(monday + timedelta(hours=1, minutes=1))
        (first,) = await daily_cards(w)
        round_id = (await w.live[0].store.fetchone("SELECT max(id) FROM rounds"))[0]
        for who in ("u1", "u2"):  # the channel's active players
            await w.live[0].engine.answer(round_id, Player("discord", who, who), 0)
        others = [c for c in topic_cards if c != first]
        forgotten, known, outsider_only = others[0], others[1], others[2]
        # The card asked yesterday is the most forgotten of all, but it was asked here lately.
        for who in ("u1", "u2"):
            await remember(w, who, first, [Rating.Again], days_ago=20)
        await remember(w, "u1", forgotten, [Rating.Again], days_ago=9)
        await remember(w, "u2", forgotten, [Rating.Good], days_ago=9)
        await remember(w, "u1", known, [Rating.Good, Rating.Good, Rating.Easy], days_ago=1)
        # Someone who never answered in this channel does not steer it.
        await remember(w, "u9", outsider_only, [Rating.Again], days_ago=30)
        await w.run_until(monday + timedelta(days=1, hours=1, minutes=1))
        assert (await daily_cards(w))[1] == forgotten
        # Asked now, it is not asked again for 30 days: the next most forgotten comes next.
        await w.run_until(monday + timedelta(days=2, hours=1, minutes=1))
        assert (await daily_cards(w))[2] == known
        # Nothing left that anyone here remembers and that was not asked lately: rotation,
        # which never repeats a card before every eligible card has had its turn.
        await w.run_until(monday + timedelta(days=3, hours=1, minutes=1))
        fourth = (await daily_cards(w))[3]
        assert fourth not in (first, forgotten, known)
    finally:
        await w.close()


async def test_a_schedule_without_pick_review_ignores_memory(tmp_path):
    monday = at(ZONE, 2026, 11, 16, 8)
    picks = []
    for name, pick in (("a.db", "rotation"), ("b.db", "review")):
        w = World(tmp_path / name, monday)
        await w.spawn()
        try:
            await w.set(spec(time="09:00", tz=ZONE, weekdays="daily", topic=TOPIC, pick=pick))
            await w.run_until(monday + timedelta(hours=1, minutes=1))
            picks.append(await daily_cards(w))
        finally:
            await w.close()
    # Without memory, review falls back to exactly the rotation's card.
    assert picks[0] == picks[1] and len(picks[0]) == 1
    assert PLACE.platform == "discord"
