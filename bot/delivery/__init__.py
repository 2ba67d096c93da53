"""Delivery: the scheduler tick, fan-out from the ledger, pacing."""
