"""Use cases: platform-neutral, no Slack or Teams payloads."""
