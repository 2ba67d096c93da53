"""The Slack adapter: everything that knows Slack."""
