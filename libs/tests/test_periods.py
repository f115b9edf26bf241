"""Reporting periods: the shorthand a clerk types, in Beijing time, and 422s naming the parameter."""

from datetime import date, datetime

import pytest

from qingling import periods
from qingling.clock import SHANGHAI
from qingling.errors import ValidationFailed

TODAY = date(2025, 3, 5)


def test_shorthands_are_whole_periods_in_beijing_time():
    q3 = periods.parse(today=TODAY, quarter_text="2024-Q3")
    assert (q3.first_day, q3.last_day, q3.title) == (date(2024, 7, 1), date(2024, 9, 30), "2024年第三季度")
    assert q3.contains(datetime(2024, 9, 30, 23, 59, 59, tzinfo=SHANGHAI))
    assert not q3.contains(datetime(2024, 10, 1, tzinfo=SHANGHAI))
    december = periods.parse(today=TODAY, month_text="2024-12")
    assert december.ends_at == datetime(2025, 1, 1, tzinfo=SHANGHAI)
    assert periods.parse(today=TODAY, year_text="2024").last_day == date(2024, 12, 31)
    assert periods.parse(today=TODAY).title == "2025年3月"  # nothing given: this month
    span = periods.parse(today=TODAY, first=date(2025, 1, 1), last=date(2025, 1, 1))
    assert span.ends_at == datetime(2025, 1, 2, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"month_text": "2025-13"}, "/month"),
        ({"quarter_text": "2025-Q5"}, "/quarter"),
        ({"year_text": "25"}, "/year"),
        ({"year_text": "9999"}, "/year"),
        ({"month_text": "0000-01"}, "/month"),
        ({"quarter_text": "9999-Q4"}, "/quarter"),
        ({"month_text": "2025-01", "year_text": "2025"}, "/year"),
        ({"first": date(2025, 1, 2)}, "/to"),
        ({"first": date(2025, 1, 2), "last": date(2025, 1, 1)}, "/to"),
    ],
)
def test_a_bad_period_names_its_parameter(given, field):
    with pytest.raises(ValidationFailed) as raised:
        periods.parse(today=TODAY, **given)
    assert raised.value.errors[0].field == field
