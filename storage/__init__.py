"""Persistence for SDO Pulse: nothing outside this package writes SQL.

- ``db``, ``tables``, ``migrate``: engines and transactions, the tables, their migrations.
- ``sql``: what the modules below share (dialect-aware INSERT, row counts, rows to records).
- ``teams``: workspaces, teams, their managers and members.
- ``rounds``: rounds and their answers.
- ``ledger``: deliveries, reminders, digests and processed events (each side effect once).
- ``due``: the scheduler's next due times, the scans for them and their claims.
- ``aggregates``: status and history figures, computed in SQL.
- ``installations``: multi-workspace installs (slack-sdk's stores, tokens encrypted).
"""
