# The platform fakes' fixtures, for every test that drives a real discord.py or slack-bolt stack.
pytest_plugins = ["tests.fakes.discord_fixtures", "tests.fakes.slack_fixtures", "tests.pgserver"]
