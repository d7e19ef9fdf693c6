"""Every message the adapters can produce, for the whole shipped deck and generated worst
cases, is one Discord and Slack accept (tests/adapters/render_all.py)."""

from __future__ import annotations

from render_all import check_all, hostile_names


def test_every_message_for_the_shipped_deck_and_the_worst_cases_is_accepted() -> None:
    count, problems = check_all()
    assert count > 1500  # 220 cards x formats x modes, reveals, boards, notices
    assert problems == [], "\n".join(str(p) for p in problems[:30])


def test_the_hostile_names_hold_what_they_should() -> None:
    names = hostile_names()
    assert len(names) >= 10 and all(len(n) == 80 for n in names)
    joined = " ".join(names)
    for part in ("*", "_", "~", "`", "|", ">", "@everyone", "<!channel>", "&"):
        assert part in joined
