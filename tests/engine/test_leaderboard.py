import argparse
from datetime import UTC, datetime, timedelta

from enginekit import CHANNEL, player, question_for

from adapters.leaderboard import run_leaderboard
from bot.ports import Place

OTHER_CHANNEL = Place("discord", "guild1", "chan2")


async def play_round(engine, clock, cards, answers: dict[int, int], place=CHANNEL) -> None:
    """One quick round: each player number answers an option at once, then the reveal."""
    closes = clock.now() + timedelta(seconds=30)
    round_id = await engine.open_round(place, question_for(cards[0]), "quiz", closes)
    for n, option in answers.items():
        await engine.answer(round_id, player(n), option)
    await engine.reveal(round_id)


async def test_top_ten_plus_the_callers_rank_outside_it(engine, clock, cards):
    # Player n is right in n rounds of 15 (15 points each); player 0 never.
    for r in range(1, 16):
        await play_round(engine, clock, cards, {n: 1 if n >= r else 0 for n in range(16)})
    board = await engine.leaderboard(CHANNEL, "all", "server", caller=player(2))
    assert [r.name for r in board.rows] == [f"Player {n}" for n in range(15, 5, -1)]
    assert [r.rank for r in board.rows] == list(range(1, 11))
    assert board.rows[0].points == 15 * 15 and board.rows[0].answered == 15
    assert board.caller is not None and board.caller_outside_top
    assert (board.caller.rank, board.caller.points, board.caller.correct) == (14, 30, 2)
    inside = await engine.leaderboard(CHANNEL, "all", "server", caller=player(15))
    assert inside.caller == inside.rows[0] and not inside.caller_outside_top
    nobody = await engine.leaderboard(CHANNEL, "all", "server", caller=player(99))
    assert nobody.caller is None


async def test_equal_points_share_a_rank(engine, clock, cards):
    await play_round(engine, clock, cards, {1: 1, 2: 1, 3: 0})
    board = await engine.leaderboard(CHANNEL, "week")
    assert [r.rank for r in board.rows] == [1, 1, 3]


async def test_channel_scope_counts_only_that_channel(engine, clock, cards):
    await play_round(engine, clock, cards, {1: 1})
    await play_round(engine, clock, cards, {2: 1}, place=OTHER_CHANNEL)
    here = await engine.leaderboard(CHANNEL, "all", "channel")
    server = await engine.leaderboard(CHANNEL, "all", "server")
    assert [r.name for r in here.rows] == ["Player 1"]
    assert sorted(r.name for r in server.rows) == ["Player 1", "Player 2"]


async def test_week_month_and_all_time_follow_local_boundaries(engine, clock, cards):
    await engine.set_place_zone(CHANNEL, "Europe/Berlin")
    moments = [
        datetime(2026, 1, 31, 22, 30, tzinfo=UTC),  # Sat 31 Jan 23:30 CET: week 5, January
        datetime(2026, 1, 31, 23, 30, tzinfo=UTC),  # Sun 1 Feb 00:30 CET: week 5, February
        datetime(2026, 2, 1, 23, 30, tzinfo=UTC),  # Mon 2 Feb 00:30 CET: week 6, February
    ]
    for moment in moments:
        clock.set(moment)
        await play_round(engine, clock, cards, {1: 1})
    clock.set(datetime(2026, 2, 2, 9, 0, tzinfo=UTC))

    async def answered(period: str) -> int:
        board = await engine.leaderboard(CHANNEL, period, "server")
        return board.rows[0].answered if board.rows else 0

    assert [await answered(p) for p in ("week", "month", "all")] == [1, 2, 3]
    week = await engine.leaderboard(CHANNEL, "week")
    assert week.period_label == "week 2026-W06" and week.title == "This week on this server"
    clock.set(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))  # weeks later: new week and month
    assert [await answered(p) for p in ("week", "month", "all")] == [0, 0, 3]


async def test_leaderboard_uses_the_latest_display_name(engine, clock, cards):
    await play_round(engine, clock, cards, {1: 1})
    closes = clock.now() + timedelta(seconds=30)
    round_id = await engine.open_round(CHANNEL, question_for(cards[0]), "quiz", closes)
    renamed = player(1).__class__("discord", "u1", "Ada")
    await engine.answer(round_id, renamed, 1)
    await engine.reveal(round_id)
    board = await engine.leaderboard(CHANNEL, "all")
    assert [r.name for r in board.rows] == ["Ada"]


def test_cli_leaderboard_on_a_missing_or_empty_db_is_friendly(tmp_path, capsys):
    missing = tmp_path / "none.db"
    assert run_leaderboard(argparse.Namespace(db=str(missing), period="all")) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("No answers yet: try `") and out.endswith(" play`.")  # see invocation
    assert not missing.exists()  # reading never creates a database


async def test_cli_leaderboard_prints_a_table_per_server(tmp_path, engine, clock, cards, capsys):
    await play_round(engine, clock, cards, {1: 1, 2: 0})
    await engine.store.close()  # the CLI opens the file itself
    args = argparse.Namespace(db=str(engine.store.path), period="all")
    assert await _in_thread(run_leaderboard, args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Discord server guild1 · all time"
    assert out[1].split() == ["#", "Player", "Points", "Answered", "Correct"]
    assert out[2].split() == ["1", "Player", "1", "15", "1", "1"]
    assert out[3].split() == ["2", "Player", "2", "0", "1", "0"]


async def _in_thread(fn, *args):
    import asyncio

    return await asyncio.to_thread(fn, *args)
