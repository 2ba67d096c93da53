"""Fixtures for every test, from ``tests/support``: real databases, a frozen clock, the app
on a free port with a fake Slack behind it."""

pytest_plugins = ("tests.support.databases", "tests.support.slack")
