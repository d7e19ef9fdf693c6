"""`/reports`: reported questions and the admin's decisions on them (Manage Server).

`default_permissions` only hides the command from members by default (a server can change
that in Integrations), so the engine checks Manage Server itself on every call and refuses
privately, changing nothing.
"""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from adapters.discord.embeds import notice_text
from adapters.discord.replies import (
    is_admin,
    place_of,
    player_of,
    respond,
    services_of,
    within_deadline,
)
from bot.engine.reports import HOLD_AFTER_RANGE


def add_to(tree: app_commands.CommandTree) -> None:
    @tree.command(name="reports", description="Reported questions; decide on one (Manage Server)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.describe(
        decide="keep (dismiss), hold (never ask here again), accept an option too, or void",
        card="The card id the list shows",
        option="For accept: the letter of the reported round's option that is also right",
        hold_after="How many players' reports hold a card out of the rotation here",
    )
    async def reports(
        interaction: discord.Interaction,
        decide: Literal["keep", "hold", "accept", "void"] | None = None,
        card: str | None = None,
        option: str | None = None,
        hold_after: app_commands.Range[int, HOLD_AFTER_RANGE[0], HOLD_AFTER_RANGE[1]] | None = None,
    ) -> None:
        desk = services_of(interaction).engine.reports
        place, by, admin = place_of(interaction), player_of(interaction), is_admin(interaction)
        if hold_after is not None:
            work = desk.set_hold_after(place, by, admin, hold_after)
        elif decide is not None and card:
            work = desk.decide(place, by, admin, card.strip(), decide, option or "")
        elif decide is not None:
            await respond(interaction, content="Name the card to decide on: `card:` from the list.")
            return
        else:
            work = desk.admin_view(place, admin)
        notice = await within_deadline(interaction, work)
        await respond(interaction, content=notice_text(notice))
