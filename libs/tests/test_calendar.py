"""Deadline counting against the State Council's holiday notices.

Every expected date below was worked out by hand from the notices' text, not computed with the
calendar library (a scratch cross-check against ``chinese_calendar`` agreed on all of them):

- 2024: 国务院办公厅关于2024年部分节假日安排的通知, 国办发明电〔2023〕7号 (2023-10-25).
  Off 01-01; 02-10..17; 04-04..06; 05-01..05; 06-10; 09-15..17; 10-01..07.
  调休上班 02-04, 02-18, 04-07, 04-28 (Sun), 05-11 (Sat), 09-14 (Sat), 09-29 (Sun), 10-12 (Sat).
- 2025: 国务院办公厅关于2025年部分节假日安排的通知, 国办发明电〔2024〕12号 (2024-11-12).
  Off 01-01; 01-28..02-04; 04-04..06; 05-01..05; 05-31..06-02; 10-01..08.
  调休上班 01-26 (Sun), 02-08 (Sat), 04-27 (Sun), 09-28 (Sun), 10-11 (Sat).
- 2026: 国务院办公厅关于2026年部分节假日安排的通知, 国办发明电〔2025〕7号 (2025-11-04).
  Off 01-01..03; 02-15..23; 04-04..06; 05-01..05; 06-19..21; 09-25..27; 10-01..07.
  调休上班 01-04 (Sun), 02-14 (Sat), 02-28 (Sat), 05-09 (Sat), 09-20 (Sun), 10-10 (Sat).
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from qingling.calendar import (
    Unit,
    WorkingCalendar,
    YearArrangement,
    days_overdue,
    end_of_day,
    is_overdue,
)
from qingling.clock import SHANGHAI

DAYS, WORKDAYS = Unit.CALENDAR_DAYS, Unit.WORKING_DAYS
CALENDAR = WorkingCalendar()  # nothing loaded: the library answers for 2004–2026


def morning(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 10, 0, tzinfo=SHANGHAI)


CASES = [
    # 2024 — 国办发明电〔2023〕7号
    pytest.param(morning(2024, 9, 30), 5, WORKDAYS, date(2024, 10, 12), id="2024 国庆 eve, 5 工作日 ends on 调休 Sat"),
    pytest.param(morning(2024, 9, 30), 10, WORKDAYS, date(2024, 10, 18), id="2024 国庆 eve, 10 工作日"),
    pytest.param(morning(2024, 9, 13), 5, WORKDAYS, date(2024, 9, 23), id="2024 中秋, 09-14 Sat counts"),
    pytest.param(morning(2024, 4, 3), 5, WORKDAYS, date(2024, 4, 11), id="2024 清明, 04-07 Sun counts"),
    pytest.param(morning(2024, 4, 26), 5, WORKDAYS, date(2024, 5, 7), id="2024 劳动节, 5 工作日"),
    pytest.param(morning(2024, 4, 26), 10, WORKDAYS, date(2024, 5, 13), id="2024 劳动节, 10 工作日 via 05-11 Sat"),
    pytest.param(morning(2024, 9, 21), 10, DAYS, date(2024, 10, 8), id="2024 10 日 ends 10-01, rolls past 国庆"),
    pytest.param(morning(2024, 8, 2), 60, DAYS, date(2024, 10, 8), id="2024 60 日 ends 10-01, rolls past 国庆"),
    pytest.param(morning(2024, 6, 5), 10, DAYS, date(2024, 6, 17), id="2024 10 日 ends on a Saturday"),
    pytest.param(morning(2024, 10, 2), 10, DAYS, date(2024, 10, 12), id="2024 10 日 ends on 调休 Sat, no roll"),
    # 2024 → 2025 — 国办发明电〔2023〕7号 and 国办发明电〔2024〕12号
    pytest.param(morning(2024, 12, 27), 10, WORKDAYS, date(2025, 1, 13), id="2024→2025 over 元旦"),
    # 2025 — 国办发明电〔2024〕12号
    pytest.param(morning(2025, 9, 30), 5, WORKDAYS, date(2025, 10, 14), id="2025 国庆 eve, 5 工作日 via 10-11 Sat"),
    pytest.param(morning(2025, 9, 30), 10, WORKDAYS, date(2025, 10, 21), id="2025 国庆 eve, 10 工作日"),
    pytest.param(morning(2025, 1, 24), 5, WORKDAYS, date(2025, 2, 7), id="2025 春节, 01-26 Sun counts"),
    pytest.param(morning(2025, 1, 24), 10, WORKDAYS, date(2025, 2, 13), id="2025 春节, 10 工作日 via 02-08 Sat"),
    pytest.param(morning(2025, 3, 3), 10, DAYS, date(2025, 3, 13), id="2025 plain 10 日"),
    pytest.param(morning(2025, 9, 16), 15, DAYS, date(2025, 10, 9), id="2025 15 日 ends 10-01, rolls past 国庆"),
    pytest.param(morning(2025, 1, 1), 30, DAYS, date(2025, 2, 5), id="2025 30 日 ends in 春节"),
    pytest.param(morning(2025, 4, 1), 30, DAYS, date(2025, 5, 6), id="2025 30 日 ends 05-01"),
    pytest.param(morning(2025, 7, 1), 60, DAYS, date(2025, 9, 1), id="2025 60 日 ends on a Saturday"),
    # 2025 → 2026 — 国办发明电〔2024〕12号 and 国办发明电〔2025〕7号
    pytest.param(morning(2025, 12, 25), 10, DAYS, date(2026, 1, 4), id="2025→2026 10 日 ends on 调休 Sun"),
    # 2026 — 国办发明电〔2025〕7号
    pytest.param(morning(2026, 9, 30), 5, WORKDAYS, date(2026, 10, 13), id="2026 国庆 eve, 5 工作日 via 10-10 Sat"),
    pytest.param(morning(2026, 9, 18), 5, WORKDAYS, date(2026, 9, 24), id="2026 09-20 Sun counts"),
    pytest.param(morning(2026, 9, 18), 10, WORKDAYS, date(2026, 10, 9), id="2026 中秋 and 国庆, 10 工作日"),
    pytest.param(morning(2026, 2, 12), 5, WORKDAYS, date(2026, 2, 26), id="2026 春节, 02-14 Sat counts"),
    pytest.param(morning(2026, 2, 12), 10, WORKDAYS, date(2026, 3, 4), id="2026 春节, 10 工作日 via 02-28 Sat"),
    pytest.param(morning(2026, 4, 28), 10, WORKDAYS, date(2026, 5, 14), id="2026 劳动节, 05-09 Sat counts"),
    pytest.param(morning(2026, 1, 20), 30, DAYS, date(2026, 2, 24), id="2026 30 日 ends in 春节"),
    pytest.param(morning(2026, 3, 2), 60, DAYS, date(2026, 5, 6), id="2026 60 日 ends 05-01"),
    pytest.param(morning(2026, 5, 20), 15, DAYS, date(2026, 6, 4), id="2026 plain 15 日"),
    pytest.param(morning(2026, 6, 5), 15, DAYS, date(2026, 6, 22), id="2026 15 日 ends in 端午"),
    pytest.param(morning(2026, 12, 24), 5, WORKDAYS, date(2026, 12, 31), id="2026 stops short of 2027"),
    # The event's date is its date in Asia/Shanghai, whatever zone it is given in (2024, 国办发明电〔2023〕7号).
    pytest.param(
        datetime(2024, 10, 11, 15, 30, tzinfo=UTC), 5, WORKDAYS, date(2024, 10, 17), id="23:30 Shanghai, Fri 10-11"
    ),
    pytest.param(
        datetime(2024, 10, 11, 16, 30, tzinfo=UTC), 5, WORKDAYS, date(2024, 10, 18), id="UTC 10-11 is Sat 10-12 00:30"
    ),
    pytest.param(
        datetime(2024, 9, 29, 17, 0, tzinfo=UTC), 5, WORKDAYS, date(2024, 10, 12), id="UTC 09-29 is 09-30 01:00"
    ),
    pytest.param(
        datetime(2024, 9, 29, 23, 50, tzinfo=SHANGHAI), 5, WORKDAYS, date(2024, 10, 11), id="23:50 on 调休 Sun 09-29"
    ),
]


@pytest.mark.parametrize(("start", "amount", "unit", "last_day"), CASES)
def test_deadline(start, amount, unit, last_day):
    result = CALENDAR.deadline(start, amount, unit)

    assert result.last_day == last_day
    assert result.due_at == datetime(last_day.year, last_day.month, last_day.day, 23, 59, 59, tzinfo=SHANGHAI)
    assert result.due_at.utcoffset() == timedelta(0)
    assert not result.provisional


def test_due_at_is_the_last_second_of_the_last_day_in_shanghai_expressed_in_utc():
    result = CALENDAR.deadline(datetime(2024, 9, 30, 2, 0, tzinfo=UTC), 5, WORKDAYS)

    assert result.due_at == datetime(2024, 10, 12, 15, 59, 59, tzinfo=UTC)
    assert result.due_at.tzinfo is UTC
    assert end_of_day(date(2024, 10, 12)) == result.due_at


def test_unit_may_be_given_as_its_stored_string():
    assert CALENDAR.deadline(morning(2024, 9, 30), 5, "working_days").last_day == date(2024, 10, 12)


@pytest.mark.parametrize("amount", [0, -3])
def test_a_limit_needs_at_least_one_day(amount):
    with pytest.raises(ValueError):
        CALENDAR.deadline(morning(2024, 9, 30), amount, WORKDAYS)
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2024, 9, 30), amount)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CALENDAR.deadline(datetime(2024, 9, 30, 10, 0), 5, WORKDAYS)


# A TEST FIXTURE, not the real 2027 notice (unpublished when this was written): 元旦 Fri 01-01 to
# Sun 01-03 off, and an invented make-up Saturday 01-09 so that the fixture exercises both kinds of day.
FIXTURE_2027 = YearArrangement(
    year=2027,
    holidays=frozenset({date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)}),
    makeup_workdays=frozenset({date(2027, 1, 9)}),
    source="测试用数据（非真实通知）",
)


def test_before_its_notice_a_year_is_counted_with_the_statutory_holidays_and_marked_provisional():
    """Acceptance 4 (issue 17): 元旦 is a holiday whatever the 2027 notice will say."""
    assert not CALENDAR.is_known(2027)

    assert CALENDAR.add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 4), True)  # was 2027-01-01
    guess = CALENDAR.deadline(morning(2026, 12, 25), 5, WORKDAYS)  # 12-28..31, then Mon 2027-01-04
    assert (guess.last_day, guess.provisional, guess.unknown_years) == (date(2027, 1, 4), True, {2027})

    loaded = WorkingCalendar([FIXTURE_2027])
    assert loaded.is_known(2027)
    recomputed = loaded.deadline(morning(2026, 12, 25), 5, WORKDAYS)
    assert recomputed.last_day == date(2027, 1, 4)
    assert not recomputed.provisional


def test_the_spring_festival_of_an_unpublished_year_is_four_rest_days_from_new_years_eve():
    # 2027: 正月初一 is Sat 02-06, so 除夕 Fri 02-05 to 初三 Mon 02-08 (2024 revision, 4 days).
    assert [CALENDAR.is_workday(date(2027, 2, day)) for day in range(4, 10)] == [True, False, False, False, False, True]
    counted = CALENDAR.deadline(morning(2027, 2, 4), 1, WORKDAYS)
    assert (counted.last_day, counted.provisional) == (date(2027, 2, 9), True)
    # The other statutory days of 2027: 清明 Mon 04-05, 端午 Wed 06-09, 中秋 Wed 09-15, 国庆 Fri 10-01.
    for day in (date(2027, 4, 5), date(2027, 6, 9), date(2027, 9, 15), date(2027, 10, 1)):
        assert not CALENDAR.is_workday(day), day
    assert CALENDAR.add_working_days(date(2027, 9, 30), 1) == (date(2027, 10, 4), True)  # 10-01..03 statutory


def test_statutory_holidays_follow_the_law_in_force_that_year():
    from qingling.statutory import law_for, statutory_holidays

    assert len(statutory_holidays(2027)) == 13 and "795" in law_for(2027).title
    assert len(statutory_holidays(2024)) == 11 and "644" in law_for(2024).title
    assert date(2010, 2, 13) in statutory_holidays(2010)  # 2008–2013: 除夕 was a holiday
    assert date(2024, 2, 9) not in statutory_holidays(2024)  # 2014–2024: it was not
    assert date(2024, 2, 12) in statutory_holidays(2024) and date(2024, 5, 2) not in statutory_holidays(2024)
    with pytest.raises(ValueError):
        statutory_holidays(2100)


CC_NAMES = {
    "元旦": "New Year's Day", "春节": "Spring Festival", "清明节": "Tomb-sweeping Day", "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival", "中秋节": "Mid-autumn Festival", "国庆节": "National Day",
}  # fmt: skip


@pytest.mark.parametrize("year", range(2004, 2027))
def test_the_computed_statutory_days_are_holidays_in_every_published_notice(year):
    """Cross-check of the law's days (lunar dates and 清明 from sxtwl) against the notices that
    chinese_calendar carries: each is off, under the same festival (中秋 on 10-01 counts as 国庆;
    the library leaves a festival on a weekend unnamed)."""
    import chinese_calendar

    from qingling.statutory import statutory_holidays

    for day, name in statutory_holidays(year).items():
        off, detail = chinese_calendar.get_holiday_detail(day)
        named = detail in (CC_NAMES[name], "National Day", "Mid-autumn Festival")
        assert off and (named or (detail is None and day.weekday() >= 5)), (day, name, detail)  # unnamed weekend


def test_unknown_years_names_the_years_to_recompute_when_a_notice_is_loaded():
    assert CALENDAR.unknown_years(date(2026, 6, 1), date(2028, 3, 1)) == {2027, 2028}
    assert WorkingCalendar([FIXTURE_2027]).unknown_years(date(2026, 6, 1), date(2028, 3, 1)) == {2028}
    assert CALENDAR.unknown_years(date(2024, 1, 1), date(2026, 12, 31)) == frozenset()


def test_a_loaded_arrangement_overrides_the_library_for_a_covered_year():
    # Also a fixture: 2025 as if 国庆 had been moved, so every answer below differs from the library's.
    moved = YearArrangement(
        year=2025,
        holidays=frozenset({date(2025, 10, 13), date(2025, 10, 14)}),
        makeup_workdays=frozenset({date(2025, 10, 18)}),
        source="测试用数据（非真实通知）",
    )
    calendar = WorkingCalendar([moved])

    assert CALENDAR.is_workday(date(2025, 10, 1)) is False
    assert calendar.is_workday(date(2025, 10, 1)) is True
    assert calendar.is_workday(date(2025, 10, 11)) is False  # the real 调休 Saturday is gone
    assert calendar.is_workday(date(2025, 10, 13)) is False
    assert calendar.is_workday(date(2025, 10, 18)) is True
    assert calendar.deadline(morning(2025, 9, 30), 5, WORKDAYS).last_day == date(2025, 10, 7)
    assert calendar.is_workday(date(2024, 10, 1)) is False  # other years still come from the library


def test_add_working_days():
    assert CALENDAR.add_working_days(date(2024, 9, 30), 1) == (date(2024, 10, 8), False)  # 催办 after 国庆
    assert CALENDAR.add_working_days(date(2024, 10, 11), 1) == (date(2024, 10, 12), False)  # 调休 Saturday
    assert CALENDAR.add_working_days(date(2025, 9, 30), 5) == (date(2025, 10, 14), False)
    assert CALENDAR.add_working_days(date(2026, 9, 30), 15) == (date(2026, 10, 27), False)
    assert CALENDAR.add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 4), True)
    assert WorkingCalendar([FIXTURE_2027]).add_working_days(date(2026, 12, 31), 6) == (date(2027, 1, 9), False)


def test_is_overdue_turns_at_midnight_shanghai():
    due_at = end_of_day(date(2024, 10, 12))  # 2024-10-12 23:59:59 Asia/Shanghai

    assert not is_overdue(datetime(2024, 10, 12, 15, 59, 59, tzinfo=UTC), due_at)
    assert not is_overdue(datetime(2024, 10, 12, 23, 59, 59, 900_000, tzinfo=SHANGHAI), due_at)
    assert is_overdue(datetime(2024, 10, 13, 0, 0, tzinfo=SHANGHAI), due_at)
    assert is_overdue(datetime(2024, 10, 12, 16, 0, tzinfo=UTC), due_at)


def test_days_overdue_counts_shanghai_calendar_days():
    due_at = end_of_day(date(2024, 10, 12))

    assert days_overdue(datetime(2024, 10, 1, tzinfo=UTC), due_at) == 0
    assert days_overdue(datetime(2024, 10, 12, 15, 59, 59, tzinfo=UTC), due_at) == 0
    assert days_overdue(datetime(2024, 10, 12, 16, 0, tzinfo=UTC), due_at) == 1  # 10-13 00:00 in Shanghai
    assert days_overdue(datetime(2024, 10, 15, 15, 59, tzinfo=UTC), due_at) == 3  # 10-15 23:59 in Shanghai
    assert days_overdue(datetime(2024, 10, 15, 16, 0, tzinfo=UTC), due_at) == 4


@pytest.mark.parametrize(
    ("holidays", "makeup", "message"),
    [
        ({date(2026, 10, 1)}, set(), "其他年份"),
        ({date(2027, 1, 9)}, {date(2027, 1, 9)}, "既是放假日又是调休上班日"),
        (set(), {date(2027, 1, 6)}, "应为周六或周日"),
    ],
)
def test_an_inconsistent_arrangement_is_refused(holidays, makeup, message):
    with pytest.raises(ValueError, match=message):
        YearArrangement(2027, frozenset(holidays), frozenset(makeup), "测试用数据")


def test_a_year_can_be_loaded_only_once():
    with pytest.raises(ValueError, match="重复"):
        WorkingCalendar([FIXTURE_2027, FIXTURE_2027])
