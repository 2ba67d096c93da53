"""Where ``bot.delivery`` still imports three record types from; nothing else belongs here.

``SentDM`` and ``ReminderTarget`` live in ``storage.ledger``, ``TeamRound`` in ``storage.due``.
Delete this module once ``bot/delivery/fanout.py`` and ``bot/delivery/scheduler.py`` import
them from there (or from wherever the record types move).
"""

from storage.due import TeamRound
from storage.ledger import ReminderTarget, SentDM

__all__ = ["ReminderTarget", "SentDM", "TeamRound"]
