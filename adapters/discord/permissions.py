"""The bot's invite: scopes and the smallest permission set quizbot needs in a channel.

Interaction answers (acknowledgements, private replies, deferrals, follow-ups) go through
the interaction's webhook token and need no channel permission; these are for the posts the
bot makes on its own (daily and quiz questions, reveals, standings, discussion threads).
"""

from __future__ import annotations

import discord

SCOPES = ("bot", "applications.commands")

# Each one, and why (README "Running on Discord" repeats this list).
REASONS = {
    "view_channel": "see the channel it posts questions in",
    "send_messages": "post daily and quiz questions, reveals and final standings",
    "embed_links": "questions, reveals and leaderboards are embeds; without it Discord hides them",
    "create_public_threads": "open a discussion thread on each open (prompt) question",
    "send_messages_in_threads": "run /quiz or the daily question inside a thread",
}

INVITE_PERMISSIONS = discord.Permissions(**dict.fromkeys(REASONS, True))


def invite_url(application_id: int | str) -> str:
    return discord.utils.oauth_url(application_id, permissions=INVITE_PERMISSIONS, scopes=SCOPES)
