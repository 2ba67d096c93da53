"""Persistence for SDO Pulse: tables, engine and sessions, repository functions, migrations.

Nothing outside this package writes SQL.
"""
