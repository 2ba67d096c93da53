"""The Microsoft Teams adapter: everything that knows Teams (the Agents SDK host, listeners, Adaptive Cards, the platform)."""
