"""`/leaderboard` and `/stats`."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from adapters.discord.buttons import next_button
from adapters.discord.embeds import leaderboard_embed, stats_embed, team_embed
from adapters.discord.replies import place_of, player_of, respond, services_of, within_deadline


def add_to(tree: app_commands.CommandTree) -> None:
    @tree.command(name="leaderboard", description="Top 10 and your own rank")
    @app_commands.guild_only()
    @app_commands.describe(
        period="This week (default), this month or all time",
        scope="The whole server (default) or this channel only",
    )
    async def leaderboard(
        interaction: discord.Interaction,
        period: Literal["week", "month", "all"] = "week",
        scope: Literal["server", "channel"] = "server",
    ) -> None:
        engine = services_of(interaction).engine
        board = await within_deadline(
            interaction,
            engine.leaderboard(place_of(interaction), period, scope, caller=player_of(interaction)),
            ephemeral=False,
        )
        # Public: standings are the team's; names are shown, nobody is pinged.
        await respond(interaction, embed=leaderboard_embed(board), ephemeral=False)

    @tree.command(name="stats", description="Answers, accuracy, streaks and weakest topics")
    @app_commands.describe(
        member="Whose stats (default: yours)",
        team="The team instead: topics it is forgetting, cards nobody has seen",
    )
    async def stats(
        interaction: discord.Interaction, member: discord.User | None = None, team: bool = False
    ) -> None:
        engine = services_of(interaction).engine
        place = place_of(interaction) if interaction.guild_id else None
        if team:
            found = await within_deadline(interaction, engine.team_memory(place))
            await respond(interaction, embed=team_embed(found))
            return
        message = await within_deadline(
            interaction, engine.stats(player_of(interaction, member), place)
        )
        if message.memory and (member is None or member.id == interaction.user.id):
            # Your own weakest topics: one click practises them (`/practice topic:weak`).
            view = discord.ui.View(timeout=None)
            view.add_item(next_button("weak", label="Practise these"))
            await respond(interaction, embed=stats_embed(message), view=view)
            return
        await respond(interaction, embed=stats_embed(message))
