"""Players' reports of bad questions, the holds they cause and admins' decisions on them
(`card_reports`, `card_decisions`, `report_settings`).

Everything is scoped to one server or workspace (platform, server id): its players report,
its admins decide, its rotation holds the card. A decision closes every report made before
it; reports made later are open again.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.store.db import Connection, parse_ts, ts
from bot.store.records import CardReport, ReportedCard

HOLD_AFTER = 2  # distinct players whose open reports hold a card, unless an admin sets it
HOLDING = ("hold", "accept", "void")  # decisions that keep a card out of the rotation

_REPORT_COLUMNS = (
    "platform, server_id, channel_id, card_id, round_id, user_id, display_name, reason, note,"
    " reported_at"
)


def add(conn: Connection, report: CardReport) -> bool:
    """Store the report; False when this player already reported this card here."""
    inserted = conn.execute(
        f"INSERT INTO card_reports ({_REPORT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (platform, server_id, card_id, user_id) DO NOTHING",
        (
            report.platform, report.server_id, report.channel_id, report.card_id,
            report.round_id, report.user_id, report.display_name, report.reason, report.note,
            ts(report.reported_at),
        ),
    ).rowcount  # fmt: skip
    return bool(inserted)


def hold_after(conn: Connection, platform: str, server_id: str) -> int:
    row = conn.execute(
        "SELECT hold_after FROM report_settings WHERE platform=? AND server_id=?",
        (platform, server_id),
    ).fetchone()
    return int(row[0]) if row else HOLD_AFTER


def set_hold_after(
    conn: Connection, platform: str, server_id: str, count: int, by: str, now: datetime
) -> None:
    conn.execute(
        "INSERT INTO report_settings (platform, server_id, hold_after, set_by, set_at)"
        " VALUES (?,?,?,?,?) ON CONFLICT (platform, server_id) DO UPDATE SET"
        " hold_after=excluded.hold_after, set_by=excluded.set_by, set_at=excluded.set_at",
        (platform, server_id, count, by, ts(now)),
    )


def _last_decided(conn: Connection, platform: str, server_id: str) -> dict[str, str]:
    """Each card's latest decision time here: reports before it are closed."""
    rows = conn.execute(
        "SELECT card_id, max(decided_at) FROM card_decisions WHERE platform=? AND server_id=?"
        " GROUP BY card_id",
        (platform, server_id),
    )
    return {r[0]: r[1] for r in rows}


def held_cards(conn: Connection, platform: str, server_id: str) -> set[str]:
    """Cards kept out of this place's daily rotation and quick quizzes: held by an admin (or
    regraded), or reported by enough distinct players since the card's latest decision."""
    held = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT card_id FROM card_decisions WHERE platform=? AND server_id=?"
            " AND decision='hold'",
            (platform, server_id),
        )
    }
    threshold = hold_after(conn, platform, server_id)
    for card_id, reports in _open_reports(conn, platform, server_id).items():
        if len(reports) >= threshold:
            held.add(card_id)
    return held


def _open_reports(conn: Connection, platform: str, server_id: str) -> dict[str, list[CardReport]]:
    decided = _last_decided(conn, platform, server_id)
    found: dict[str, list[CardReport]] = {}
    rows = conn.execute(
        f"SELECT {_REPORT_COLUMNS} FROM card_reports WHERE platform=? AND server_id=?"
        " ORDER BY reported_at DESC, user_id",
        (platform, server_id),
    )
    for row in rows:
        if row[9] > decided.get(row[3], ""):
            found.setdefault(row[3], []).append(_report(row))
    return found


def reported_cards(conn: Connection, platform: str, server_id: str) -> list[ReportedCard]:
    """Cards with open reports here, worst first: most reporters, then latest report."""
    held = held_cards(conn, platform, server_id)
    taken: dict[str, list[str]] = {}
    for card_id, decision, option_text in conn.execute(
        "SELECT card_id, decision, option_text FROM card_decisions WHERE platform=?"
        " AND server_id=? AND decision != 'keep' ORDER BY decided_at",
        (platform, server_id),
    ):
        taken.setdefault(card_id, []).append(
            f"{decision}: {option_text}" if option_text else decision
        )
    cards = [
        ReportedCard(card_id, tuple(reports), card_id in held, tuple(taken.get(card_id, ())))
        for card_id, reports in _open_reports(conn, platform, server_id).items()
    ]
    cards.sort(key=lambda c: (-c.reporters, -c.reports[0].reported_at.timestamp(), c.card_id))
    return cards


def card_reports(conn: Connection, platform: str, server_id: str, card_id: str) -> list[CardReport]:
    rows = conn.execute(
        f"SELECT {_REPORT_COLUMNS} FROM card_reports WHERE platform=? AND server_id=?"
        " AND card_id=? ORDER BY reported_at DESC, user_id",
        (platform, server_id, card_id),
    )
    return [_report(r) for r in rows]


def every_report(conn: Connection) -> list[CardReport]:
    """Every report, oldest first, with its state: open, or the first decision after it."""
    decisions: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
    for platform, server_id, card_id, decision, at in conn.execute(
        "SELECT platform, server_id, card_id, decision, decided_at FROM card_decisions"
        " ORDER BY decided_at"
    ):
        decisions.setdefault((platform, server_id, card_id), []).append((at, decision))
    found = []
    for row in conn.execute(
        f"SELECT {_REPORT_COLUMNS} FROM card_reports ORDER BY reported_at, platform, server_id,"
        " card_id, user_id"
    ):
        later = [d for at, d in decisions.get((row[0], row[1], row[3]), []) if at >= row[9]]
        found.append(_report(row, later[0] if later else "open"))
    return found


def decide(
    conn: Connection,
    platform: str,
    server_id: str,
    card_id: str,
    decision: str,
    by: str,
    now: datetime,
) -> None:
    """keep: the reports so far are dismissed and an admin's hold is lifted; hold: the card is
    never asked here again (until a keep)."""
    if decision == "keep":
        conn.execute(
            "DELETE FROM card_decisions WHERE platform=? AND server_id=? AND card_id=?"
            " AND decision='hold'",
            (platform, server_id, card_id),
        )
    conn.execute(
        "INSERT INTO card_decisions (platform, server_id, card_id, decision, option_text,"
        " decided_by, decided_at) VALUES (?,?,?,?,'',?,?)"
        " ON CONFLICT (platform, server_id, card_id, decision, option_text) DO UPDATE SET"
        " decided_by=excluded.decided_by, decided_at=excluded.decided_at",
        (platform, server_id, card_id, decision, by, ts(now)),
    )


def _report(row: tuple[object, ...] | sqlite3.Row, state: str = "open") -> CardReport:
    return CardReport(
        platform=str(row[0]),
        server_id=str(row[1]),
        channel_id=str(row[2]),
        card_id=str(row[3]),
        round_id=int(str(row[4])),
        user_id=str(row[5]),
        display_name=str(row[6]),
        reason=str(row[7]),
        note=str(row[8]),
        reported_at=parse_ts(str(row[9])),
        state=state,
    )
