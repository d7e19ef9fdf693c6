"""Parsing a schedule's words, and when its slots fire across DST changes."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.cli import main
from bot.schedule.spec import DailySpec, parse_spec, parse_words
from bot.schedule.timing import (
    ALL_DAYS,
    DailyTrigger,
    Reveal,
    SpecError,
    format_weekdays,
    latest_slot,
    parse_reveal,
    parse_time,
    parse_weekdays,
    parse_zone,
    preview,
    slot_time,
)

BERLIN = ZoneInfo("Europe/Berlin")


# -- parsing ---------------------------------------------------------------------------


def test_unknown_zone_is_named_with_an_example():
    with pytest.raises(SpecError) as err:
        parse_zone("Europe/Berln")
    assert str(err.value).startswith(
        "Unknown time zone 'Europe/Berln'. Use an IANA name such as Europe/Berlin."
    )


def test_zone_suggests_the_near_name_and_forgives_case():
    with pytest.raises(SpecError, match="Did you mean America/New_York"):
        parse_zone("America/New_Yrok")
    assert parse_zone("europe/berlin").key == "Europe/Berlin"
    with pytest.raises(SpecError, match=r"Unknown time zone '\.\./etc/passwd'"):
        parse_zone("../etc/passwd")


@pytest.mark.parametrize("text", ["25:00", "9", "09:60", "nine", "", "09:00pm", "-1:00"])
def test_bad_time_is_named(text):
    with pytest.raises(SpecError, match=f"Bad time '{text}'. Use HH:MM"):
        parse_time(text)


def test_times():
    assert parse_time("09:00") == time(9, 0)
    assert parse_time("7:05") == time(7, 5)
    assert parse_time(" 23:59 ") == time(23, 59)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("mon,wed,fri", {0, 2, 4}),
        ("daily", set(range(7))),
        ("all", set(range(7))),
        ("sat-sun", {5, 6}),
        ("Fri-Mon", {4, 5, 6, 0}),
        ("tue thu", {1, 3}),
        ("monday,friday", {0, 4}),
    ],
)
def test_weekday_syntax(text, days):
    assert parse_weekdays(text) == frozenset(days)


def test_weekday_errors_name_the_value():
    with pytest.raises(SpecError, match="No weekdays in ''"):
        parse_weekdays("")
    with pytest.raises(SpecError, match="No weekdays in ' , '"):
        parse_weekdays(" , ")
    with pytest.raises(SpecError, match="Bad weekday 'fry' in 'mon,fry'"):
        parse_weekdays("mon,fry")
    with pytest.raises(SpecError, match="Bad weekday 'mon-tue-wed'"):
        parse_weekdays("mon-tue-wed")


def test_weekdays_round_trip_in_their_short_form():
    for text in ("mon-fri", "mon,wed,fri", "daily", "sat-sun", "tue"):
        assert format_weekdays(parse_weekdays(text)) == text


def test_reveal_delay_or_time():
    assert parse_reveal("8h") == Reveal(delay=timedelta(hours=8))
    assert parse_reveal("90m") == Reveal(delay=timedelta(minutes=90))
    assert parse_reveal("1h30m").delay == timedelta(minutes=90)
    assert parse_reveal("17:00") == Reveal(at=time(17, 0))
    assert parse_reveal("90m").text == "1h30m"
    for bad in ("8x", "", "h", "25:00", "soon"):
        with pytest.raises(SpecError, match=f"Bad reveal '{bad}'"):
            parse_reveal(bad)
    with pytest.raises(SpecError, match="between 1m and 24h"):
        parse_reveal("30h")


def test_reveal_time_must_follow_the_post():
    with pytest.raises(SpecError, match=r"Bad reveal '08:00'.*later than the post time 09:00"):
        parse_spec({"time": "09:00", "reveal": "08:00"})


def test_spec_defaults_and_merging():
    spec = parse_spec({"time": "09:00", "tz": "Europe/Berlin"})
    assert spec.weekdays == frozenset(range(5))
    assert spec.reveal == Reveal(delay=timedelta(hours=8))
    assert spec.prompt_day is None and spec.enabled
    changed = parse_spec({"weekdays": "daily", "prompt": "fri", "weekly": "on"}, base=spec)
    assert changed.tz == "Europe/Berlin" and changed.weekdays == ALL_DAYS
    assert changed.prompt_day == 4 and changed.weekly_leaderboard
    assert DailySpec.from_row({**changed.to_row()}) == changed


def test_slack_words():
    spec = parse_words('08:30 America/New_York mon,wed reveal=17:00 topic="Loss functions"')
    assert spec.at == time(8, 30) and spec.tz == "America/New_York"
    assert spec.weekdays == frozenset({0, 2}) and spec.reveal.at == time(17, 0)
    assert spec.topic == "Loss functions"
    with pytest.raises(SpecError, match="Cannot read 'tomorrow'"):
        parse_words("09:00 tomorrow")
    with pytest.raises(SpecError, match="Unknown setting 'colour'"):
        parse_words("09:00 colour=red")


# -- slots across DST --------------------------------------------------------------------


def utc(y, m, d, hh, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        # Berlin spring (Mar 29): 02:30 does not exist -> 03:30 CEST; 09:00 is CEST.
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 30)),
        ("Europe/Berlin", date(2026, 3, 29), time(9), utc(2026, 3, 29, 7)),
        # Berlin autumn (Oct 25): 02:30 happens twice -> the first, CEST.
        ("Europe/Berlin", date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),
        ("Europe/Berlin", date(2026, 10, 25), time(9), utc(2026, 10, 25, 8)),
        ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7, 30)),
        ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
        ("America/New_York", date(2026, 11, 1), time(9), utc(2026, 11, 1, 14)),
        ("Asia/Kolkata", date(2026, 3, 29), time(9), utc(2026, 3, 29, 3, 30)),
        # Lord Howe: +10:30 <-> +11, changing at 02:00 by half an hour.
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), utc(2026, 10, 3, 15, 45)),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(1, 45), utc(2026, 4, 4, 14, 45)),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(9), utc(2026, 4, 4, 22, 30)),
    ],
)
def test_slot_time(zone, day, at, expected):
    assert slot_time(day, at, ZoneInfo(zone)) == expected


def fires(trigger, start: datetime, end: datetime) -> list[datetime]:
    found, prev = [], None
    while True:
        nxt = trigger.get_next_fire_time(prev, prev or start)
        if nxt is None or nxt >= end:
            return found
        found.append(nxt)
        prev = nxt


@pytest.mark.parametrize(
    "zone", ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
)
@pytest.mark.parametrize("at", [time(0, 0), time(1, 45), time(2, 15), time(2, 30), time(9, 0)])
def test_trigger_fires_once_per_local_date_all_year(zone, at):
    z = ZoneInfo(zone)
    start, end = datetime(2026, 1, 1, tzinfo=z), datetime(2027, 1, 1, tzinfo=z)
    got = fires(DailyTrigger(at, z, ALL_DAYS), start, end)
    days = [f.astimezone(z).date() for f in got]
    assert days == [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert all(f == slot_time(d, at, z) for f, d in zip(got, days, strict=True))


def test_crontrigger_facts_that_made_us_write_our_own_trigger():
    # The repeated autumn hour fires twice; the midnight after the spring change is skipped.
    twice = fires(
        CronTrigger(hour=2, minute=30, timezone=BERLIN),
        datetime(2026, 10, 25, tzinfo=BERLIN),
        datetime(2026, 10, 26, tzinfo=BERLIN),
    )
    assert len(twice) == 2
    midnights = fires(
        CronTrigger(hour=0, minute=0, timezone=BERLIN),
        datetime(2026, 3, 28, 12, tzinfo=BERLIN),
        datetime(2026, 3, 31, 12, tzinfo=BERLIN),
    )
    assert date(2026, 3, 30) not in [m.astimezone(BERLIN).date() for m in midnights]
    ours = fires(
        DailyTrigger(time(0), BERLIN, ALL_DAYS),
        datetime(2026, 3, 28, 12, tzinfo=BERLIN),
        datetime(2026, 3, 31, 12, tzinfo=BERLIN),
    )
    assert [o.astimezone(BERLIN).date().day for o in ours] == [29, 30, 31]


def test_trigger_respects_weekdays_and_latest_slot():
    trigger = DailyTrigger(time(9), BERLIN, parse_weekdays("mon-fri"))
    friday_noon = datetime(2026, 11, 20, 12, tzinfo=BERLIN)
    nxt = trigger.get_next_fire_time(None, friday_noon)
    assert nxt.astimezone(BERLIN) == datetime(2026, 11, 23, 9, tzinfo=BERLIN)
    sunday = datetime(2026, 11, 22, 12, tzinfo=BERLIN)
    slot = latest_slot(sunday, time(9), BERLIN, parse_weekdays("mon-fri"))
    assert slot is not None and slot.local_date == date(2026, 11, 20)
    # Registering exactly at a fire time fires it (APScheduler passes now, not a previous fire).
    at_nine = datetime(2026, 11, 23, 9, tzinfo=BERLIN)
    assert trigger.get_next_fire_time(None, at_nine) == at_nine


# -- quizbot schedule preview --------------------------------------------------------------


def run_preview(capsys, *argv):
    code = main(["schedule", "preview", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_preview_berlin_spring_and_autumn(capsys):
    code, lines, _ = run_preview(
        capsys, "--time", "02:30", "--tz", "Europe/Berlin", "--weekdays", "daily",
        "--from", "2026-03-28", "--days", "3",
    )  # fmt: skip
    assert code == 0
    assert lines == [
        {"local_date": "2026-03-28", "local_time": "02:30", "utc": "2026-03-28T01:30:00Z"},
        {"local_date": "2026-03-29", "local_time": "03:30", "utc": "2026-03-29T01:30:00Z"},
        {"local_date": "2026-03-30", "local_time": "02:30", "utc": "2026-03-30T00:30:00Z"},
    ]
    _, lines, _ = run_preview(
        capsys, "--time", "02:30", "--tz", "Europe/Berlin", "--weekdays", "sun",
        "--from", "2026-10-25", "--days", "1",
    )  # fmt: skip
    assert lines == [
        {"local_date": "2026-10-25", "local_time": "02:30", "utc": "2026-10-25T00:30:00Z"}
    ]


def test_preview_default_weekdays_skip_the_weekend(capsys):
    code, lines, _ = run_preview(
        capsys, "--time", "09:00", "--tz", "Asia/Kolkata", "--from", "2026-11-20", "--days", "4"
    )
    assert code == 0
    assert [x["local_date"] for x in lines] == ["2026-11-20", "2026-11-23"]
    assert lines[0]["utc"] == "2026-11-20T03:30:00Z"


def test_preview_matches_the_trigger(capsys):
    z = ZoneInfo("Australia/Lord_Howe")
    _, lines, _ = run_preview(
        capsys, "--time", "02:15", "--tz", "Australia/Lord_Howe", "--weekdays", "daily",
        "--from", "2026-10-03", "--days", "3",
    )  # fmt: skip
    slots = list(preview(time(2, 15), z, ALL_DAYS, date(2026, 10, 3), 3))
    assert lines == [s.to_json() for s in slots]
    assert [x["local_time"] for x in lines] == ["02:15", "02:45", "02:15"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--time", "9am", "--tz", "UTC"], "Bad time '9am'"),
        (["--time", "09:00", "--tz", "Europe/Berln"], "Unknown time zone 'Europe/Berln'"),
        (["--time", "09:00", "--tz", "UTC", "--weekdays", "funday"], "Bad weekday 'funday'"),
        (["--time", "09:00", "--tz", "UTC", "--weekdays", ","], "No weekdays in ','"),
    ],
)
def test_preview_bad_input_exits_2_naming_the_value(capsys, argv, message):
    code, lines, err = run_preview(capsys, *argv, "--from", "2026-01-01", "--days", "2")
    assert code == 2 and lines == []
    assert message in err and "Traceback" not in err


def test_preview_bad_date(capsys):
    code, _, err = run_preview(
        capsys, "--time", "09:00", "--tz", "UTC", "--from", "2026-02-30", "--days", "1"
    )
    assert code == 2 and "Bad date '2026-02-30'" in err


@pytest.mark.parametrize(
    ("start", "days"),
    [("9999-12-30", "5"), ("0001-01-01", "5"), ("2026-01-01", "36600"), ("9999-12-25", "2")],
)
def test_preview_outside_the_calendar_says_which_dates_work(capsys, start, days):
    """Dates end at year 9999: an OverflowError traceback used to end the output."""
    code, lines, err = run_preview(
        capsys, "--time", "09:00", "--tz", "Pacific/Kiritimati", "--from", start, "--days", days
    )
    if start == "2026-01-01":  # the largest --days inside the calendar still works
        assert code == 0 and len(lines) == 26_142  # the weekdays of 36,600 days
        return
    assert code == 2 and lines == []
    assert f"--from {start} with --days {days} runs outside the calendar" in err
    assert "Start between 0001-01-09 and 99" in err and "Traceback" not in err


def test_preview_refuses_a_day_count_beyond_a_century(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["schedule", "preview", "--time", "09:00", "--tz", "UTC", "--from", "2026-01-01",
              "--days", "10000000"])  # fmt: skip
    assert exit_.value.code == 2
    assert "argument --days: '10000000' is more than 36,600" in capsys.readouterr().err


def test_preview_of_the_first_years_writes_four_digit_years(capsys):
    _, lines, _ = run_preview(
        capsys, "--time", "09:00", "--tz", "UTC", "--from", "0001-01-09", "--days", "1"
    )
    assert lines == [{"local_date": "0001-01-09", "local_time": "09:00",
                      "utc": "0001-01-09T09:00:00Z"}]  # fmt: skip
