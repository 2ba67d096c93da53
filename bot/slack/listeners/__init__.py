"""Thin Slack listeners, one module per trigger kind, each with ``register(app, ctx)``."""
