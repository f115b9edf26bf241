"""The file clock lets a test steer time for every process that shares the file."""

from datetime import UTC, datetime, timedelta

from qingling.clock import SHANGHAI, FileClock


def test_a_frozen_instant_is_seen_by_every_reader(tmp_path):
    writer, other_process = FileClock(tmp_path / "clock.json"), FileClock(tmp_path / "clock.json")
    national_day_eve = datetime(2024, 9, 30, 23, 59, 59, tzinfo=SHANGHAI)

    writer.freeze(national_day_eve)
    assert other_process.now() == national_day_eve
    assert other_process.now().tzinfo is UTC

    writer.advance(timedelta(seconds=1))
    assert other_process.now() == datetime(2024, 10, 1, tzinfo=SHANGHAI)


def test_advancing_a_running_clock_shifts_real_time(tmp_path):
    clock = FileClock(tmp_path / "clock.json")

    clock.advance(timedelta(days=15))

    shifted = FileClock(tmp_path / "clock.json").now() - datetime.now(UTC)
    assert timedelta(days=15) - timedelta(seconds=5) < shifted <= timedelta(days=15)


def test_reset_returns_to_real_time(tmp_path):
    clock = FileClock(tmp_path / "clock.json")
    clock.freeze(datetime(2020, 1, 1, tzinfo=UTC))

    clock.reset()

    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)
