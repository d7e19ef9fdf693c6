"""Slack adapter: `/quiz` and answer buttons on slack-bolt, Socket Mode or HTTP.

adapter = build(services)   # registers its Poster with services.posters
await adapter.start()       # Socket Mode when SLACK_APP_TOKEN is set, else HTTP
...
await adapter.stop()

`SLACK` is its entry in adapters.registry. Importing the package does not import slack-bolt.
"""

from adapters.slack.platform import SLACK, SlackSettings, build

__all__ = ["SLACK", "SlackSettings", "build"]
