"""Webhooks from outside the chat platforms (platform-neutral): ``bot.hooks.http``."""
