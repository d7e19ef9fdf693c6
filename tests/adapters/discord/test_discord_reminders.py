"""Practice reminders and "Practise these" on the strict fake Discord: `/practice remind:` opts
in privately, the reminder is a DM (POST /users/@me/channels) with a button that starts
practice, and `/stats` carries a button that practises the three weakest topics."""

from __future__ import annotations

from datetime import timedelta

from discordkit import START, custom_ids, running_quizbot
from fsrs import Rating

from bot.engine import memory
from bot.ports import Place, Player
from bot.schedule.reminders import PracticeReminders
from bot.store.memory import save_reviews
from bot.store.records import Review
from tests.fakes.discord_server import FakeDiscord


async def make_due(bot, user_id: str, cards: int = 6) -> None:
    ids = sorted(bot.engine.cards)[:cards]
    for n, card_id in enumerate(ids):
        card, _ = memory.review(None, Rating.Again, bot.clock.now() - timedelta(days=1))
        rv = Review(user_id, card_id, card, Rating.Again, card.last_review, None)
        await bot.store.write(lambda c, rv=rv, n=n: save_reviews(c, "discord", 700 + n, [rv]))


def dms_to(fake: FakeDiscord, user_id: int) -> list[dict]:
    dm_ids = {c.id for c in fake.channels.values() if c.type == 1 and c.owner_id == user_id}
    return [m for m in fake.messages.values() if int(m["channel_id"]) in dm_ids]


async def test_remind_opts_in_and_the_dm_button_starts_practice(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        reminders = PracticeReminders(bot.store, bot.engine, bot.clock)
        bot.services.reminders = reminders
        bot.clock.set(START - timedelta(hours=1))  # Monday 08:00 in Berlin
        handle = await fake_discord.send_slash_command(
            "practice", {"remind": "09:00 Europe/Berlin"}, user=fake_discord.alice
        )
        reply = await handle.response()
        assert reply.ephemeral and "Monday to Friday at 09:00 (Europe/Berlin)" in reply.content
        assert "/practice remind:off" in reply.content
        await make_due(bot, str(fake_discord.alice.id))
        assert await reminders.tick() == []  # 08:00: not yet
        bot.clock.set(START)
        assert await reminders.tick() == [("discord", str(fake_discord.alice.id), "sent")]
        assert await reminders.tick() == []  # once a day
        [dm] = dms_to(fake_discord, fake_discord.alice.id)
        assert dm["content"].startswith("6 cards due, about 2 min.")
        assert custom_ids(dm) == ["practice:next"]
        click = await fake_discord.click_button(dm, "practice:next", user=fake_discord.alice)
        answer = await click.response()
        shown = answer.data or {}
        assert shown.get("embeds") or shown.get("content"), shown
        assert any(cid.startswith(("answer:", "typed:")) for cid in custom_ids(shown))

        off = await fake_discord.send_slash_command(
            "practice", {"remind": "off"}, user=fake_discord.alice
        )
        assert "off" in (await off.response()).content


async def test_stats_offers_to_practise_the_weakest_topics(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        await make_due(bot, str(fake_discord.alice.id), cards=3)
        handle = await fake_discord.send_slash_command("stats", {}, user=fake_discord.alice)
        stats = (await handle.response()).data or {}
        assert custom_ids(stats) == ["practice:next:weak"]
        click = await fake_discord.click_button(
            None, "practice:next:weak", user=fake_discord.alice, channel_id=fake_discord.channel.id
        )
        shown = (await click.response()).data or {}
        assert any(cid.startswith(("answer:", "typed:")) for cid in custom_ids(shown))


async def test_stats_team_lists_what_the_team_forgets(fake_discord: FakeDiscord, tmp_path) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        card = bot.engine.cards[sorted(bot.engine.cards)[0]]
        question = bot.engine.maker.make(card, "choice", "t")
        place = Place("discord", str(fake_discord.guild.id), str(fake_discord.channel.id))
        round_id = await bot.engine.open_round(
            place, question, "daily", bot.clock.now() + timedelta(hours=8)
        )
        for user in (fake_discord.alice, fake_discord.bob):
            who = Player("discord", str(user.id), str(user.id))
            await bot.engine.answer(round_id, who, (question.answer_index + 1) % 4)
        bot.clock.advance(timedelta(hours=8))
        await bot.engine.reveal(round_id)
        handle = await fake_discord.send_slash_command(
            "stats", {"team": True}, user=fake_discord.alice
        )
        reply = await handle.response()
        [embed] = (reply.data or {})["embeds"]
        assert reply.ephemeral
        assert embed["title"] == "Team memory: 2 players active in the last 30 days."
        assert f"{card.topic}: recall" in embed["description"]
        assert "(2 seen)" in embed["description"]
        assert "Cards nobody has seen yet:" in embed["description"]
