"""The database schema, as an ordered list of migrations.

`PRAGMA user_version` holds the highest version applied. At start-up every migration with a
higher version runs, in order, each in its own transaction together with the version bump.
Rules for changing the schema: append a new `(version, step)` entry at the END with the next
number; never edit, renumber or remove an entry that has shipped. A step is SQL text, or a
function of the connection for what SQL alone cannot do (dating answers in IANA time zones);
either runs inside the migration's transaction.

Times are stored as UTC text `YYYY-MM-DDTHH:MM:SS.ffffffZ` (see `bot.store.db.ts`), which
sorts as it compares.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime

from bot.scoring import zone_info

Step = str | Callable[[sqlite3.Connection], None]

V1_ROUNDS_ANSWERS_SCORES = """
CREATE TABLE rounds (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    server_id     TEXT NOT NULL,
    channel_id    TEXT NOT NULL,
    mode          TEXT NOT NULL CHECK (mode IN ('daily', 'quiz', 'practice')),
    state         TEXT NOT NULL DEFAULT 'open'
                  CHECK (state IN ('open', 'revealed', 'cancelled')),
    card_id       TEXT NOT NULL,
    format        TEXT NOT NULL,
    prompt        TEXT NOT NULL,
    options_json  TEXT NOT NULL,        -- JSON list of option texts
    option_count  INTEGER NOT NULL,
    answer_index  INTEGER,              -- NULL for discussion prompts
    question_json TEXT NOT NULL,        -- the whole generated question, as posted
    card_json     TEXT NOT NULL,        -- snapshot of the card: the reveal needs no deck
    topic         TEXT,
    level         TEXT,
    tz            TEXT NOT NULL DEFAULT 'UTC',
    owner_id      TEXT,                 -- practice rounds: the one player who may answer
    quiz_id       INTEGER REFERENCES quizzes(id),
    quiz_position INTEGER,
    opened_at     TEXT NOT NULL,
    closes_at     TEXT NOT NULL,
    revealed_at   TEXT,
    message_ref   TEXT,                 -- the adapter's reference to the posted question
    reveal_json   TEXT,                 -- the reveal as computed, once revealed
    reveal_delivered INTEGER NOT NULL DEFAULT 0  -- the edit reached the platform
);
CREATE INDEX rounds_due ON rounds (state, closes_at);
CREATE INDEX rounds_place ON rounds (platform, server_id, channel_id, opened_at);
CREATE INDEX rounds_quiz ON rounds (quiz_id, quiz_position);
CREATE INDEX rounds_undelivered ON rounds (reveal_delivered, state);

CREATE TABLE answers (
    id           INTEGER PRIMARY KEY,
    round_id     INTEGER NOT NULL REFERENCES rounds(id),
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    option_index INTEGER NOT NULL,
    answered_at  TEXT NOT NULL,
    correct      INTEGER,               -- set at the reveal
    points       INTEGER,               -- set at the reveal
    UNIQUE (round_id, user_id)          -- one answer per person per round, whatever arrives twice
);

CREATE TABLE quizzes (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    server_id   TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    starter_id  TEXT NOT NULL,
    starter_name TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'running'
                CHECK (state IN ('running', 'finished', 'stopped')),
    question_count INTEGER NOT NULL,
    seconds     INTEGER NOT NULL,
    questions_json TEXT NOT NULL,       -- the questions, in order, chosen at the start
    position    INTEGER NOT NULL DEFAULT 0,  -- how many rounds have been opened
    next_at     TEXT,                   -- when the next question opens; NULL while one is open
    tz          TEXT NOT NULL DEFAULT 'UTC',
    started_at  TEXT NOT NULL,
    ended_at    TEXT
);
-- One running quiz per channel, enforced by the database itself.
CREATE UNIQUE INDEX quizzes_one_running ON quizzes (platform, server_id, channel_id)
    WHERE state = 'running';

CREATE TABLE players (
    platform     TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,         -- the latest name seen, shown on leaderboards
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;

-- Leaderboard aggregates, maintained when a round is revealed, in the same transaction.
-- channel_id '*' is the whole server/workspace; period_key is '2026-W47', '2026-11' or 'all'.
CREATE TABLE scores (
    platform    TEXT NOT NULL,
    server_id   TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    period_kind TEXT NOT NULL CHECK (period_kind IN ('week', 'month', 'all')),
    period_key  TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    points      INTEGER NOT NULL DEFAULT 0,
    answered    INTEGER NOT NULL DEFAULT 0,
    correct     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, server_id, channel_id, period_kind, period_key, user_id)
) WITHOUT ROWID;
CREATE INDEX scores_board ON scores
    (platform, server_id, channel_id, period_kind, period_key, points DESC, correct DESC, user_id);

-- Personal stats: every mode, practice included.
CREATE TABLE player_topics (
    platform TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    topic    TEXT NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    correct  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, user_id, topic)
) WITHOUT ROWID;

CREATE TABLE streaks (
    platform TEXT NOT NULL,
    user_id  TEXT NOT NULL,
    current  INTEGER NOT NULL DEFAULT 0,
    best     INTEGER NOT NULL DEFAULT 0,
    last_day TEXT,                      -- local date of the latest correct daily/practice answer
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;

-- Per-channel settings the engine reads; the time zone shows reveal times in local time.
CREATE TABLE place_settings (
    platform   TEXT NOT NULL,
    server_id  TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    tz         TEXT NOT NULL,
    PRIMARY KEY (platform, server_id, channel_id)
) WITHOUT ROWID;
"""

# -- version 5: scores that do not depend on reveal order, and storage that stays small --------

SCORES_SQL = """
-- Answers keyed by (round, player) itself, without a separate row id and unique index, and
-- with the streak day of each answer, fixed when it is given: the local date (as a date
-- ordinal) in the player's own zone, else the round's; indexed with the player for the
-- streak bonus. Filled from the old table below.
CREATE TABLE answers_new (
    round_id     INTEGER NOT NULL REFERENCES rounds(id),
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    option_index INTEGER NOT NULL,
    answered_at  TEXT NOT NULL,
    day          INTEGER NOT NULL,      -- date ordinal of the streak day
    correct      INTEGER,               -- set at the reveal
    points       INTEGER,               -- set at the reveal
    PRIMARY KEY (round_id, user_id)     -- one answer per person per round
) WITHOUT ROWID;

-- The latest name wins by when it was used, not by which reveal came last.
ALTER TABLE players ADD COLUMN name_at TEXT NOT NULL DEFAULT '';

-- Streaks as runs of consecutive streak days among revealed answers (first and last day as
-- date ordinals): days may arrive in any order and merge with their neighbours.
CREATE TABLE streak_runs (
    platform  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    first_day INTEGER NOT NULL,
    last_day  INTEGER NOT NULL,
    PRIMARY KEY (platform, user_id, first_day)
) WITHOUT ROWID;

-- The zone a server's weeks and months are reckoned in: that of its first daily schedule
-- (channel_id), following that schedule when an admin changes its zone.
CREATE TABLE server_settings (
    platform   TEXT NOT NULL,
    server_id  TEXT NOT NULL,
    tz         TEXT NOT NULL,
    channel_id TEXT NOT NULL,
    set_at     TEXT NOT NULL,
    PRIMARY KEY (platform, server_id)
) WITHOUT ROWID;
INSERT INTO server_settings (platform, server_id, tz, channel_id, set_at)
    SELECT platform, server_id, tz, channel_id, min(updated_at) FROM daily_schedules
    GROUP BY platform, server_id;

-- A round's question stored once: what the columns and the deck cannot give (prompt, options,
-- per-option explanations, erratum) as JSON; NULL once dropped (a revealed practice round, or
-- by the retention policy).
ALTER TABLE rounds ADD COLUMN question TEXT;
-- The retention policy's ways in (bot/store/retention.py): rounds that still hold their text,
-- oldest first, and among them the practice rounds (only unanswered ones keep their text).
CREATE INDEX rounds_text ON rounds (closes_at) WHERE question IS NOT NULL;
CREATE INDEX rounds_practice_text ON rounds (closes_at)
    WHERE mode = 'practice' AND question IS NOT NULL;
"""

# Keys of a question dict that live in their own columns or are not needed after asking.
_QUESTION_COLUMNS = frozenset({"card_id", "format", "answer_index", "origin"})


def _question_text(question: dict[str, object]) -> str:
    """The stored form of a question: only what the round's columns do not hold."""
    kept = {
        k: v
        for k, v in question.items()
        if k not in _QUESTION_COLUMNS and v is not None and v != [] and v != ""
    }
    return json.dumps(kept, ensure_ascii=False, separators=(",", ":"))


def _scores_and_storage(conn: sqlite3.Connection) -> None:
    for statement in _split(SCORES_SQL):
        conn.execute(statement)
    # Date every existing answer in its round's zone (players' own zones were never stored).
    rows = conn.execute(
        "SELECT a.round_id, a.user_id, a.display_name, a.option_index, a.answered_at, r.tz,"
        " a.correct, a.points FROM answers a JOIN rounds r ON r.id = a.round_id"
    ).fetchall()
    conn.executemany(
        "INSERT INTO answers_new (round_id, user_id, display_name, option_index, answered_at,"
        " day, correct, points) VALUES (?,?,?,?,?,?,?,?)",
        [(*r[:5], _day(r[4], r[5]), r[6], r[7]) for r in rows],
    )
    conn.execute("DROP TABLE answers")
    conn.execute("ALTER TABLE answers_new RENAME TO answers")
    conn.execute("CREATE INDEX answers_player_day ON answers (user_id, day)")
    # Streaks rebuilt from the revealed answers themselves.
    days: dict[tuple[str, str], set[int]] = {}
    for platform, user_id, day in conn.execute(
        "SELECT r.platform, a.user_id, a.day FROM answers a JOIN rounds r ON r.id = a.round_id"
        " WHERE r.state = 'revealed' AND r.mode IN ('daily', 'practice') AND a.correct = 1"
    ):
        days.setdefault((platform, user_id), set()).add(day)
    conn.executemany(
        "INSERT INTO streak_runs (platform, user_id, first_day, last_day) VALUES (?,?,?,?)",
        [(*who, first, last) for who, found in days.items() for first, last in _runs(found)],
    )
    conn.execute("DROP TABLE streaks")
    # One copy of each question; revealed practice rounds keep their answer only.
    rows = conn.execute(
        "SELECT id, mode, state, prompt, options_json, question_json,"
        " EXISTS (SELECT 1 FROM answers a WHERE a.round_id = rounds.id) FROM rounds"
    ).fetchall()
    updates = []
    for round_id, mode, state, prompt, options_json, question_json, answered in rows:
        if mode == "practice" and state == "revealed" and answered:
            continue
        question = json.loads(question_json or "{}")
        question["prompt"] = prompt
        question["options"] = json.loads(options_json or "[]")
        updates.append((_question_text(question), round_id))
    conn.executemany("UPDATE rounds SET question=? WHERE id=?", updates)
    for column in ("prompt", "options_json", "question_json", "card_json", "reveal_json"):
        conn.execute(f"ALTER TABLE rounds DROP COLUMN {column}")
    # A quiz's questions are needed only while it runs; its position now counts the rounds
    # stored (a crash between claiming and storing the next one no longer skips it).
    conn.execute("UPDATE quizzes SET questions_json='[]' WHERE state != 'running'")
    conn.execute(
        "UPDATE quizzes SET position = (SELECT count(*) FROM rounds"
        " WHERE rounds.quiz_id = quizzes.id AND rounds.state != 'cancelled')"
        " WHERE state = 'running'"
    )


def _memory(conn: sqlite3.Connection) -> None:
    # Imported here: the replay uses today's rating rule, and only this step needs it.
    from bot.engine.memory import review
    from bot.scoring import recall_rating
    from bot.store.db import parse_ts
    from bot.store.memory import SCHEMA, card_of, save_reviews
    from bot.store.records import Review

    for statement in _split(SCHEMA):
        conn.execute(statement)
    rows = conn.execute(
        "SELECT r.id, r.platform, r.card_id, r.mode, r.opened_at, a.user_id, a.answered_at,"
        " a.correct FROM answers a JOIN rounds r ON r.id = a.round_id"
        " WHERE r.state = 'revealed' AND a.correct IS NOT NULL AND r.format != 'prompt'"
        " ORDER BY a.answered_at, r.id"
    ).fetchall()
    for round_id, platform, card_id, mode, opened, user_id, answered, correct in rows:
        opened_at, answered_at = parse_ts(opened), parse_ts(answered)
        rating = recall_rating(
            correct=bool(correct), mode=mode, opened_at=opened_at, answered_at=answered_at
        )
        ms = int((answered_at - opened_at).total_seconds() * 1000) if mode != "daily" else None
        card, _ = review(card_of(conn, platform, user_id, card_id), rating, answered_at, ms)
        reviewed = card.last_review or answered_at
        save_reviews(
            conn, platform, round_id, [Review(user_id, card_id, card, rating, reviewed, ms)]
        )


def _day(answered_at: str, tz: str | None) -> int:
    return datetime.fromisoformat(answered_at).astimezone(zone_info(tz)).date().toordinal()


def _runs(days: set[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for day in sorted(days):
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _split(script: str) -> list[str]:
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements


# -- version 9: reports of bad questions, holds and regrades -------------------------------

REPORTS_SQL = """
-- One report per player per card per server or workspace; the round it was made from.
CREATE TABLE card_reports (
    platform     TEXT NOT NULL,
    server_id    TEXT NOT NULL,
    card_id      TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    display_name TEXT NOT NULL,
    channel_id   TEXT NOT NULL,
    round_id     INTEGER NOT NULL,
    reason       TEXT NOT NULL,         -- wrong_key | two_right | unclear | display | other
    note         TEXT NOT NULL DEFAULT '',
    reported_at  TEXT NOT NULL,
    PRIMARY KEY (platform, server_id, card_id, user_id)
);

-- An admin's decisions on a card in a server: keep (dismiss the reports so far), hold (never
-- ask it here again), accept (option_text also right in its past rounds), void (its past
-- rounds count for nothing). A regrade's row is its exactly-once guard: it is inserted in
-- the transaction that rescores, so a repeat finds it and changes nothing.
CREATE TABLE card_decisions (
    platform    TEXT NOT NULL,
    server_id   TEXT NOT NULL,
    card_id     TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('keep', 'hold', 'accept', 'void')),
    option_text TEXT NOT NULL DEFAULT '',
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    rounds      INTEGER NOT NULL DEFAULT 0,   -- rounds a regrade changed
    answers     INTEGER NOT NULL DEFAULT 0,   -- answers whose score it changed
    PRIMARY KEY (platform, server_id, card_id, decision, option_text)
);

-- How many distinct players' reports hold a card out of a server's rotation (default 2).
CREATE TABLE report_settings (
    platform   TEXT NOT NULL,
    server_id  TEXT NOT NULL,
    hold_after INTEGER NOT NULL CHECK (hold_after >= 1),
    set_by     TEXT NOT NULL,
    set_at     TEXT NOT NULL,
    PRIMARY KEY (platform, server_id)
);

-- A regraded round: also_index is an option also counted right, voided 1 counts none of its
-- answers. Every rule that compares an answer with the key reads these too.
ALTER TABLE rounds ADD COLUMN also_index INTEGER;
ALTER TABLE rounds ADD COLUMN voided INTEGER NOT NULL DEFAULT 0;
"""


# Ordered (version, step). Append only.
MIGRATIONS: list[tuple[int, Step]] = [
    (1, V1_ROUNDS_ANSWERS_SCORES),
    # Daily question (bot/schedule): schedules, one slot row per channel per local date (the
    # exactly-once guard), and one row per channel per ISO week for the weekly leaderboard post.
    (
        2,
        """
CREATE TABLE daily_schedules (
    platform    TEXT NOT NULL,
    server_id   TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    post_time   TEXT NOT NULL,              -- HH:MM local
    tz          TEXT NOT NULL,              -- IANA name
    weekdays    TEXT NOT NULL,              -- 'mon-fri', 'mon,wed,fri', 'daily'
    reveal      TEXT NOT NULL,              -- '8h', '90m' or '17:00'
    deck        TEXT,
    topic       TEXT,
    level       TEXT,
    formats     TEXT NOT NULL DEFAULT 'choice,cloze',
    prompt_weekday TEXT,                    -- 'fri': that day posts a discussion prompt
    weekly_leaderboard INTEGER NOT NULL DEFAULT 0,
    enabled     INTEGER NOT NULL DEFAULT 1,
    updated_by  TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (platform, server_id, channel_id)
) WITHOUT ROWID;

CREATE TABLE daily_slots (
    platform    TEXT NOT NULL,
    server_id   TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    local_date  TEXT NOT NULL,              -- YYYY-MM-DD in the schedule's zone
    state       TEXT NOT NULL CHECK (state IN
                ('claimed', 'posting', 'posted', 'failed', 'skipped', 'unknown')),
    due_at      TEXT NOT NULL,              -- the slot's planned instant (UTC)
    deadline    TEXT NOT NULL,              -- no attempt starts after this (grace window)
    owner       TEXT,                       -- process holding the claim or the attempt
    lease_until TEXT,                       -- claimed: free after; posting: dead after
    kind        TEXT,                       -- 'question' | 'prompt'
    card_id     TEXT,
    format      TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    failures    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    round_id    INTEGER,
    message_ref TEXT,
    closes_at   TEXT,
    claimed_at  TEXT NOT NULL,
    attempt_at  TEXT,
    posted_at   TEXT,
    PRIMARY KEY (platform, server_id, channel_id, local_date)
) WITHOUT ROWID;
CREATE INDEX daily_slots_state ON daily_slots (state, lease_until);

CREATE TABLE daily_weekly_posts (
    platform    TEXT NOT NULL,
    server_id   TEXT NOT NULL,
    channel_id  TEXT NOT NULL,
    week        TEXT NOT NULL,              -- ISO week '2026-W47' in the schedule's zone
    state       TEXT NOT NULL CHECK (state IN ('claimed', 'posted', 'failed')),
    message_ref TEXT,
    last_error  TEXT,
    claimed_at  TEXT NOT NULL,
    posted_at   TEXT,
    PRIMARY KEY (platform, server_id, channel_id, week)
) WITHOUT ROWID;
""",
    ),
    # Heartbeats of `quizbot run` and each adapter, read by `quizbot health`.
    (
        3,
        """
CREATE TABLE heartbeats (
    name    TEXT PRIMARY KEY,   -- "runtime", "discord", "slack"
    beat_at TEXT NOT NULL,      -- UTC, stored like every other time
    alive   INTEGER NOT NULL    -- 1 when the component said it was connected
) WITHOUT ROWID;
""",
    ),
    # A daily schedule the platform permanently refused (channel deleted, bot removed, no
    # access) is paused with the reason, not retried; `/daily set` clears it. set_by_id: the
    # platform user id of the admin who set it, who is told once when it is paused.
    (
        4,
        """
ALTER TABLE daily_schedules ADD COLUMN paused_reason TEXT;
ALTER TABLE daily_schedules ADD COLUMN paused_at TEXT;
ALTER TABLE daily_schedules ADD COLUMN set_by_id TEXT;
""",
    ),
    # Streak days fixed at the answer, streak runs, the server's zone, one copy of each
    # question, quizzes that keep their questions only while running.
    (5, _scores_and_storage),
    # Each player's FSRS memory of each card and its review log, replayed from the answers
    # already revealed so practice follows memory from the first day of the upgrade.
    (6, _memory),
    # A typed answer keeps what the player typed and the accepted answer it was read as (NULL
    # when it was wrong); its option_index says right (0) or wrong (-1), as for a choice.
    (
        7,
        """
ALTER TABLE answers ADD COLUMN typed TEXT;
ALTER TABLE answers ADD COLUMN read_as TEXT;
""",
    ),
    # Hints: a player who asks for a round's hint is recorded at once (round_hints), so an
    # answer given later, by any process or after a restart, is still known as hinted; the
    # answer keeps how many hints it was given (0 or 1), which its scoring and rating read.
    (
        8,
        """
CREATE TABLE round_hints (
    round_id  INTEGER NOT NULL REFERENCES rounds(id),
    user_id   TEXT NOT NULL,
    taken_at  TEXT NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
ALTER TABLE answers ADD COLUMN hints INTEGER NOT NULL DEFAULT 0;
""",
    ),
    # Players report questions; a card reported by enough players of a server is held out of
    # its rotation until an admin decides; a regrade marks the rounds it changed (see
    # bot/store/reports.py and bot/store/regrades.py).
    (9, REPORTS_SQL),
    # Practice that follows memory, for the team: a daily schedule may pick the card its
    # channel's players are forgetting; a player may ask for a private practice reminder at a
    # local time on working days, sent at most once per local date (one claim row per player
    # per date, as daily_slots does for channels).
    (
        10,
        """
ALTER TABLE daily_schedules ADD COLUMN pick TEXT NOT NULL DEFAULT 'rotation';

CREATE TABLE practice_reminders (
    platform    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    remind_at   TEXT NOT NULL,              -- HH:MM local
    tz          TEXT NOT NULL,              -- IANA name
    server_id   TEXT,                       -- where it was asked for
    channel_id  TEXT,
    set_at      TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);

CREATE TABLE practice_reminder_days (
    platform    TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    local_date  TEXT NOT NULL,              -- YYYY-MM-DD in the reminder's zone
    state       TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'nothing_due', 'failed')),
    due_cards   INTEGER,
    claimed_at  TEXT NOT NULL,
    done_at     TEXT,
    PRIMARY KEY (platform, user_id, local_date)
);
""",
    ),
    # Several `quizbot run` processes on one database: each process's heartbeat (a claim held
    # by a process that stopped beating is taken over at once, not when its lease runs out),
    # the deliveries already taken (a platform's retry reaching another process is
    # recognised and dropped); one deployment in many workspaces: each one's installation
    # (its own bot token) and the install attempts under way.
    (
        11,
        """
CREATE TABLE processes (
    owner      TEXT PRIMARY KEY,    -- host:pid:random, as daily_slots.owner names it
    started_at TEXT NOT NULL,
    beat_at    TEXT NOT NULL
);

CREATE TABLE deliveries (
    delivery_key TEXT PRIMARY KEY,  -- 'slack:trigger:<id>', 'slack:event:<id>'
    seen_at      TEXT NOT NULL
);
CREATE INDEX deliveries_seen ON deliveries (seen_at);

CREATE TABLE installations (
    platform     TEXT NOT NULL,
    server_id    TEXT NOT NULL,     -- the workspace (team) that installed the app
    bot_token    TEXT NOT NULL,     -- its own bot token (a secret, never logged)
    bot_user_id  TEXT,
    bot_id       TEXT,
    app_id       TEXT,
    scopes       TEXT,
    installer_id TEXT,
    installed_at TEXT NOT NULL,
    PRIMARY KEY (platform, server_id)
);

CREATE TABLE oauth_states (
    state      TEXT PRIMARY KEY,    -- one install attempt, used once
    expires_at TEXT NOT NULL
);
""",
    ),
]


def latest_version(migrations: list[tuple[int, Step]] | None = None) -> int:
    return max((v for v, _ in (migrations or MIGRATIONS)), default=0)
