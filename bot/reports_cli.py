"""`quizbot cards reports`: every report of a question and its state, as JSON Lines.

Reads through the store's reader, so it runs beside the bot on the live database; a missing
database prints nothing and creates nothing."""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys

from bot.engine.reports import REASONS
from bot.paths import Database, db_path
from bot.store import Store, StoreError
from bot.store import reports as stored
from bot.store.records import CardReport


def run_reports(args: argparse.Namespace) -> int:
    path = db_path(args.db)
    if not path.exists():
        return 0
    try:
        found = asyncio.run(_read(path))
    except StoreError as exc:
        print(f"quizbot cards reports: {exc}", file=sys.stderr)
        return 1
    for line in found:
        print(json.dumps(line, ensure_ascii=False))
    return 0


async def _read(path: Database) -> list[dict[str, object]]:
    async with await Store.open(path) as store:
        reports = await store.read(stored.every_report)
        held = {
            (platform, server): await store.read(
                functools.partial(stored.held_cards, platform=platform, server_id=server)
            )
            for platform, server in {(r.platform, r.server_id) for r in reports}
        }
    return [as_json(r, r.card_id in held[r.platform, r.server_id]) for r in reports]


def as_json(report: CardReport, held: bool) -> dict[str, object]:
    """One report: where, which card and round, who, why, when, its state (open, or the
    decision that closed it: keep, hold, accept, void) and whether the card is held there."""
    return {
        "card_id": report.card_id,
        "round_id": report.round_id,
        "platform": report.platform,
        "server_id": report.server_id,
        "channel_id": report.channel_id,
        "user_id": report.user_id,
        "player": report.display_name,
        "reason": report.reason,
        "reason_text": REASONS.get(report.reason, report.reason),
        "text": report.note,
        "reported_at": report.reported_at.isoformat(),
        "state": report.state,
        "held": held,
    }
