"""Clocks: a frozen one for tests and the demo, and a clock file shared by processes."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.clock import FileClock, FrozenClock, SystemClock

START = datetime(2026, 10, 22, 13, tzinfo=UTC)


def test_the_system_clock_tells_the_time_in_utc() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is UTC
    assert before <= now <= datetime.now(UTC)


def test_a_frozen_clock_refuses_a_naive_start() -> None:
    with pytest.raises(ValueError, match="FrozenClock needs an aware datetime"):
        FrozenClock(datetime(2026, 10, 22, 13))


def test_a_frozen_clock_stands_still_in_utc_until_told() -> None:
    berlin = timezone(timedelta(hours=2))
    clock = FrozenClock(datetime(2026, 10, 22, 15, tzinfo=berlin))
    assert clock.now() == START
    assert clock.now().tzinfo is UTC
    assert clock.now() == clock.now()


def test_a_frozen_clock_advances_and_is_set() -> None:
    clock = FrozenClock(START)
    clock.advance(timedelta(days=4, minutes=30))
    assert clock.now() == datetime(2026, 10, 26, 13, 30, tzinfo=UTC)
    clock.advance(timedelta(0))
    assert clock.now() == datetime(2026, 10, 26, 13, 30, tzinfo=UTC)
    clock.set(datetime(2027, 1, 1, 9, tzinfo=timezone(timedelta(hours=9))))
    assert clock.now() == datetime(2027, 1, 1, 0, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_a_frozen_clock_refuses_to_be_set_to_a_naive_time() -> None:
    clock = FrozenClock(START)
    with pytest.raises(ValueError, match="aware"):
        clock.set(datetime(2026, 10, 22, 15))


def test_the_clock_file_sets_time_for_every_reader_and_time_runs_on(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    FileClock.write(path, datetime(2026, 10, 22, 15, tzinfo=UTC))
    one, two = FileClock(path), FileClock(path)
    first = one.now()
    assert timedelta(0) <= first - datetime(2026, 10, 22, 15, tzinfo=UTC) < timedelta(seconds=5)
    assert abs(two.now() - first) < timedelta(seconds=1)  # two processes agree
    assert one.now() >= first  # and it runs on

    FileClock.write(path, datetime(2027, 3, 28, 1, tzinfo=UTC))
    assert timedelta(0) <= one.now() - datetime(2027, 3, 28, 1, tzinfo=UTC) < timedelta(seconds=5)
    assert os.listdir(tmp_path) == ["clock"]  # the scratch file was renamed away

    path.write_text("2026-10-22T15:00:00")
    with pytest.raises(ValueError, match="aware"):
        FileClock(path).now()


def test_the_clock_file_is_written_in_utc(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    FileClock.write(path, datetime(2026, 10, 22, 15, tzinfo=timezone(timedelta(hours=2))))
    assert path.read_text() == "2026-10-22T13:00:00+00:00"


def test_the_clock_file_refuses_a_naive_time(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="FileClock needs an aware datetime"):
        FileClock.write(tmp_path / "clock", datetime(2026, 10, 22, 15))
    assert not (tmp_path / "clock").exists()


def test_a_hand_written_clock_file_in_another_zone_is_read(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    path.write_text("2026-10-22T15:00:00+02:00\n")
    now = FileClock(path).now()
    assert now.tzinfo is UTC
    assert timedelta(0) <= now - START < timedelta(seconds=5)


def test_the_clock_file_is_read_again_once_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    FileClock.write(path, START)
    clock = FileClock(path)
    assert timedelta(0) <= clock.now() - START < timedelta(seconds=5)
    path.write_text("2030-01-01T00:00:00+00:00")
    later = os.stat(path).st_mtime_ns + 1_000_000_000
    os.utime(path, ns=(later, later))  # a rewrite the filesystem dates a second later
    # The file named 2030 at its modification time, one second from now.
    moved = clock.now() - datetime(2030, 1, 1, tzinfo=UTC)
    assert timedelta(seconds=-2) < moved < timedelta(seconds=5)


def test_a_missing_clock_file_is_an_error_not_the_system_time(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileClock(tmp_path / "nowhere").now()
