"""Logging rules: payloads and secrets stay out of the log, whatever the level.

slack_sdk logs whole request and response bodies at DEBUG (member notes, DM text), aiosqlite
logs every statement with its parameters, and Bolt logs request bodies. Those loggers are held
at INFO even when ``SDO_LOG_LEVEL=DEBUG``, so turning on debugging never leaks what members
wrote. Our own modules never log tokens, secrets or member text.
"""

from __future__ import annotations

import logging

# Logger -> the lowest level at which it prints no payload. SQLAlchemy logs every statement
# with its parameters at INFO, the others put bodies at DEBUG.
PAYLOAD_LOGGERS = {
    "slack_sdk": logging.INFO,
    # A response URL is a capability (anyone holding it may post to the person for 30 min):
    # the webhook client names it in its INFO lines about retries.
    "slack_sdk.webhook": logging.WARNING,
    "slack_bolt": logging.INFO,
    "aiosqlite": logging.INFO,
    "asyncpg": logging.INFO,
    "sqlalchemy.engine": logging.WARNING,
    "sqlalchemy.pool": logging.WARNING,
}


# slack_sdk formats each Web API call's debug lines (the request, the response body) unless
# its client logger's *own* level is above DEBUG (it asks ``logger.level``, not the effective
# level): left NOTSET, every call builds them for logging to drop. They get slack_sdk's level.
SLACK_CLIENT_LOGGERS = ("slack_sdk.web.async_base_client", "slack_sdk.web.base_client")


def keep_payloads_out_of_logs() -> None:
    """Hold the loggers that print payloads at a level where they print none."""
    for name, floor in PAYLOAD_LOGGERS.items():
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET or logger.level < floor:
            logger.setLevel(floor)
    level = logging.getLogger("slack_sdk").getEffectiveLevel()
    for name in SLACK_CLIENT_LOGGERS:
        client = logging.getLogger(name)
        if client.level == logging.NOTSET:
            client.setLevel(level)
