"""SDO Pulse: Slack pulse surveys on the Software Delivery Operations Venn diagram."""

__version__ = "0.1.0"
