"""The fake Slack, the simulator and ``sdo demo``: never imported by product code."""
