"""A per-person cooldown on starting quizzes and practice runs, shared by every platform.

One person typing `/quiz` in a loop would flood a channel with questions (and the database
with rounds); three starts per minute is plenty for anyone playing. The window slides: each
start is forgotten `window` after it happened. Time comes from the injected clock.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.ports import Player

STARTS = 3
WINDOW = timedelta(seconds=60)
REMEMBERED = 10_000  # people tracked at once; the least recently seen are forgotten first


class Cooldown:
    def __init__(self, clock: Clock, starts: int = STARTS, window: timedelta = WINDOW) -> None:
        self.clock = clock
        self.starts = starts
        self.window = window
        self._seen: OrderedDict[tuple[str, str], deque[datetime]] = OrderedDict()

    def wait_for(self, player: Player) -> int:
        """0 and the start is counted, or how many whole seconds this person must wait."""
        now = self.clock.now()
        key = (player.platform, player.user_id)
        recent = self._seen.pop(key, deque())
        while recent and now - recent[0] >= self.window:
            recent.popleft()
        self._seen[key] = recent
        if len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)
        if len(recent) >= self.starts:
            return max(1, math.ceil((recent[0] + self.window - now).total_seconds()))
        recent.append(now)
        return 0

    def refusal(self, player: Player) -> str | None:
        """None when `player` may start now (and the start is counted), else the private
        message saying how long to wait."""
        seconds = self.wait_for(player)
        if not seconds:
            return None
        per = int(self.window.total_seconds())
        return (
            f"Slow down: try again in {seconds} s "
            f"(at most {self.starts} quiz or practice starts per {per} s)."
        )
