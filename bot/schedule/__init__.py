"""The daily question: per-channel schedules, exactly one post per channel per local date.

- `timing`: parsing times, zones, weekdays, reveals; `slot_time` and the APScheduler trigger.
- `spec`: `DailySpec`, a channel's schedule, and how admins spell it.
- `store`: the tables (schedules, slots, weekly posts) and the slot state machine.
- `scheduler`: `DailyScheduler`, APScheduler wiring, posting, retries, catch-up, rotation.
- `service`: `DailyService`, the admin actions (`set`, `off`, `status`, `now`).
"""
