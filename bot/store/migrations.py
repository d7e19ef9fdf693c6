"""The database schema, as an ordered list of migrations.

`PRAGMA user_version` holds the highest version applied. At start-up every migration with a
higher version runs, in order, each in its own transaction together with the version bump.
Rules for changing the schema: append a new `(version, sql)` entry at the END with the next
number; never edit, renumber or remove an entry that has shipped.

Times are stored as UTC text `YYYY-MM-DDTHH:MM:SS.ffffffZ` (see `bot.store.db.ts`), which
sorts as it compares.
"""

from __future__ import annotations

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

# Ordered (version, sql). Append only; the daily schedule adds its tables as the next entry.
MIGRATIONS: list[tuple[int, str]] = [
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
]


def latest_version(migrations: list[tuple[int, str]] | None = None) -> int:
    return max((v for v, _ in (migrations or MIGRATIONS)), default=0)
