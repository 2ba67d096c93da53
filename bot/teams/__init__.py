"""The Microsoft Teams adapter: everything that knows Teams."""
