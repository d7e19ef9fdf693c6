"""/daily: Manage Server is enforced in code, answers are private."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from discordkit import Quizbot, components, custom_ids, running_quizbot

from bot.messages import Notice
from bot.ports import Place, Player
from bot.schedule.scheduler import DailyScheduler
from bot.schedule.service import DailyService
from bot.schedule.spec import parse_spec
from tests.fakes.discord_server import FakeDiscord


@dataclass
class RecordingSchedule:
    """Stands in for bot.schedule's service: records calls, answers with a Notice."""

    calls: list[tuple[str, Any, dict[str, Any]]] = field(default_factory=list)

    async def set(self, place: Place, spec: Any, by: Player, *, is_admin: bool) -> Notice:
        self.calls.append(("set", place, {**spec, "by": by, "is_admin": is_admin}))
        return Notice(f"Daily question set: {spec['time']} {spec['tz']}.")

    async def off(self, place: Place, by: Player, *, is_admin: bool) -> Notice:
        self.calls.append(("off", place, {"by": by, "is_admin": is_admin}))
        return Notice("Daily question off.")

    async def status(self, place: Place) -> Notice:
        self.calls.append(("status", place, {}))
        return Notice("No daily question in this channel.")

    async def now(self, place: Place, by: Player, *, is_admin: bool) -> Notice:
        self.calls.append(("now", place, {"by": by, "is_admin": is_admin}))
        return Notice("Posted.")


async def test_a_member_without_manage_server_is_refused_privately(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    schedule = RecordingSchedule()
    async with running_quizbot(fake_discord, tmp_path / "q.db", daily=schedule):
        for sub, options in (("set", {"time": "09:00"}), ("off", {}), ("now", {})):
            handle = await fake_discord.send_slash_command(
                "daily", options, subcommand=sub, user=fake_discord.alice
            )
            refusal = await handle.response()
            assert refusal.ephemeral, sub
            assert "Manage Server" in refusal.content, sub

        status = await fake_discord.send_slash_command(
            "daily", {}, subcommand="status", user=fake_discord.alice
        )
        assert (await status.response()).content == "No daily question in this channel."

    assert [c[0] for c in schedule.calls] == ["status"]


async def test_an_admin_sets_the_daily_question_for_a_channel(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    schedule = RecordingSchedule()
    other = fake_discord.guild.channels[1]
    async with running_quizbot(fake_discord, tmp_path / "q.db", daily=schedule):
        handle = await fake_discord.send_slash_command(
            "daily",
            {"time": "09:00", "timezone": "Europe/Berlin", "reveal": "17:00", "channel": other},
            subcommand="set",
            user=fake_discord.admin,
        )
        reply = await handle.response()

    assert reply.ephemeral and reply.content == "Daily question set: 09:00 Europe/Berlin."
    ((call, place, options),) = schedule.calls
    assert call == "set" and place.channel_id == str(other.id)
    assert place.server_id == str(fake_discord.guild.id)
    assert options["is_admin"] is True and options["by"].user_id == str(fake_discord.admin.id)
    assert options["weekdays"] == "mon-fri" and options["reveal"] == "17:00"


async def test_without_a_schedule_service_the_admin_is_told_plainly(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db"):
        handle = await fake_discord.send_slash_command(
            "daily", {"time": "09:00"}, subcommand="set", user=fake_discord.admin
        )
        reply = await handle.response()

    assert reply.ephemeral and "not available" in reply.content


async def test_the_daily_question_posts_at_nine_and_reveals_at_five_by_the_clock(
    quizbot: Quizbot,
) -> None:
    fake = quizbot.fake
    place = Place("discord", str(fake.guild.id), str(quizbot.channel_id))
    daily = DailyScheduler(quizbot.store, quizbot.engine, clock=quizbot.clock)
    spec = parse_spec({"time": "09:00", "tz": "Europe/Berlin", "reveal": "17:00"})
    await daily.db.save_schedule(place, spec, by=str(fake.admin.id), now=quizbot.clock.now())

    quizbot.clock.set(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))  # Monday 09:00 in Berlin
    posted = await daily.run_due(place)
    again = await daily.run_due(place)

    assert posted.status == "posted" and again.status != "posted"
    (question,) = quizbot.question_posts()
    assert question["embeds"][0]["title"] == "Daily question"
    click = await fake.click_button(int(question["id"]), custom_ids(question)[0], user=fake.bob)
    assert (await click.response()).content == "Locked in: A. Reveal at 17:00 CET"

    quizbot.clock.set(datetime(2026, 3, 2, 16, 0, tzinfo=UTC))  # 17:00 in Berlin
    await quizbot.engine.tick()
    patch = await fake.wait_for_call(
        "PATCH", f"/channels/{quizbot.channel_id}/messages/{question['id']}"
    )
    *options, report = components(patch.json)
    assert all(b["disabled"] for b in options) and report["custom_id"].startswith("report:")
    assert patch.json["embeds"][0]["title"] == "Daily question: the answer"
    assert len(quizbot.question_posts()) == 1  # exactly one daily post that day


async def test_daily_set_and_status_work_on_the_real_daily_service(
    fake_discord: FakeDiscord, tmp_path
) -> None:
    async with running_quizbot(fake_discord, tmp_path / "q.db") as bot:
        bot.services.daily = DailyService(DailyScheduler(bot.store, bot.engine, clock=bot.clock))
        handle = await fake_discord.send_slash_command(
            "daily",
            {"time": "09:00", "timezone": "Europe/Berlin", "reveal": "17:00"},
            subcommand="set",
            user=fake_discord.admin,
        )
        reply = await handle.response()
        status = await fake_discord.send_slash_command(
            "daily", {}, subcommand="status", user=fake_discord.alice
        )
        shown = await status.response()

    assert reply.ephemeral
    assert reply.content.startswith(
        "Daily question set: 09:00 Europe/Berlin, mon-fri, reveal at 17:00. Next post:"
    )
    assert shown.content.startswith("Daily question: 09:00 Europe/Berlin, mon-fri")
    assert "`/daily set`" not in shown.content  # it is on: no hint to turn it on
