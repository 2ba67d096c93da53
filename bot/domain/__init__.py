"""The pure domain core: circles, answers, scoring, regions, nudges and trends.

Standard library only (a test enforces it): nothing here knows about Slack, databases or
schedulers. Functions take and return plain data.
"""
