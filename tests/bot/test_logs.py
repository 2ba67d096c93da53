"""Payload loggers stay quiet whatever SDO_LOG_LEVEL says: no member text reaches the log."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.logs import PAYLOAD_LOGGERS, SLACK_CLIENT_LOGGERS, keep_payloads_out_of_logs


@pytest.fixture(autouse=True)
def restore_levels() -> Iterator[None]:
    """Put the root and each payload logger back as they were: the levels are process-wide."""
    names = ["", *PAYLOAD_LOGGERS, *SLACK_CLIENT_LOGGERS]  # "" is the root logger
    before = {name: logging.getLogger(name or None).level for name in names}
    yield
    for name, level in before.items():
        logging.getLogger(name or None).setLevel(level)


def test_the_payload_loggers_and_their_floors() -> None:
    assert PAYLOAD_LOGGERS == {
        "slack_sdk": logging.INFO,
        "slack_sdk.webhook": logging.WARNING,  # its retry lines name the response URL
        "slack_bolt": logging.INFO,
        "aiosqlite": logging.INFO,
        "asyncpg": logging.INFO,
        "sqlalchemy.engine": logging.WARNING,
        "sqlalchemy.pool": logging.WARNING,
    }


def test_unset_loggers_are_raised_to_their_floor() -> None:
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    keep_payloads_out_of_logs()
    assert {n: logging.getLogger(n).level for n in PAYLOAD_LOGGERS} == PAYLOAD_LOGGERS


def test_loggers_set_lower_are_raised_even_under_debug() -> None:
    logging.getLogger().setLevel(logging.DEBUG)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    keep_payloads_out_of_logs()
    assert {n: logging.getLogger(n).level for n in PAYLOAD_LOGGERS} == PAYLOAD_LOGGERS
    assert not logging.getLogger("slack_sdk.web.async_client").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)


def test_slack_sdk_s_client_logger_gets_a_level_of_its_own_so_it_formats_no_debug_line() -> None:
    # slack_sdk asks its client logger's own level (``logger.level <= DEBUG``) before it formats
    # a call's request and response; NOTSET (0) would format them on every call.
    for name in SLACK_CLIENT_LOGGERS:
        logging.getLogger(name).setLevel(logging.NOTSET)
    logging.getLogger("slack_sdk").setLevel(logging.NOTSET)
    keep_payloads_out_of_logs()
    assert {logging.getLogger(n).level for n in SLACK_CLIENT_LOGGERS} == {logging.INFO}
    # One set higher keeps it; an unset one follows slack_sdk's.
    logging.getLogger(SLACK_CLIENT_LOGGERS[0]).setLevel(logging.ERROR)
    logging.getLogger(SLACK_CLIENT_LOGGERS[1]).setLevel(logging.NOTSET)
    logging.getLogger("slack_sdk").setLevel(logging.WARNING)
    keep_payloads_out_of_logs()
    assert [logging.getLogger(n).level for n in SLACK_CLIENT_LOGGERS] == [
        logging.ERROR,
        logging.WARNING,
    ]


def test_loggers_set_higher_are_left_alone() -> None:
    logging.getLogger("slack_sdk").setLevel(logging.ERROR)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.CRITICAL)
    logging.getLogger("aiosqlite").setLevel(logging.INFO)
    keep_payloads_out_of_logs()
    assert logging.getLogger("slack_sdk").level == logging.ERROR
    assert logging.getLogger("sqlalchemy.engine").level == logging.CRITICAL
    assert logging.getLogger("aiosqlite").level == logging.INFO


def test_other_loggers_are_not_touched() -> None:
    ours = logging.getLogger("bot.delivery.scheduler")
    before = ours.level
    ours.setLevel(logging.DEBUG)
    try:
        keep_payloads_out_of_logs()
        assert ours.level == logging.DEBUG
    finally:
        ours.setLevel(before)
