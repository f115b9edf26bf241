"""The returns' periods and deadlines (hazards.returns.periods): counted like any limit from the
period's last day — the next working day for the weekly bulletin, the 20th (inclusive) for the
monthly return, the 15th for the quarterly summary, 10 December for the year-end summary (which
covers the year to 30 November) — a 日 deadline on a day off moving to the next working day."""

from datetime import date

import pytest

from hazards.returns import periods
from hazards.returns.schemas import ReturnKind
from qingling.calendar import WorkingCalendar
from qingling.clock import SHANGHAI

CALENDAR = WorkingCalendar()


def due(period: periods.ReturnPeriod) -> date:
    return period.due_basis().count(CALENDAR).due_at.astimezone(SHANGHAI).date()


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        (periods.week(date(2024, 9, 23)), date(2024, 9, 30)),  # Sunday 29 Sep was worked (调休); Monday next
        (periods.week(date(2024, 9, 30)), date(2024, 10, 8)),  # 国庆 1–7 Oct
        (periods.month(2025, 4), date(2025, 5, 20)),  # the 20th, inclusive
        (periods.month(2024, 9), date(2024, 10, 21)),  # 20 Oct 2024 is a Sunday
        (periods.quarter(2024, 3), date(2024, 10, 15)),
        (periods.annual(2024), date(2024, 12, 10)),
    ],
)
def test_each_return_is_due_as_the_rules_count(period, expected):
    assert due(period) == expected
    assert period.due_basis().count(CALENDAR).due_at.astimezone(SHANGHAI).strftime("%H:%M:%S") == "23:59:59"


def test_the_last_ended_period_of_each_kind_and_its_label_read_back():
    today = date(2025, 1, 5)  # a Sunday
    ended = {kind: periods.last_ended(kind, today) for kind in ReturnKind}
    assert {kind: p.label for kind, p in ended.items()} == {
        ReturnKind.WEEKLY: "2024-W52",
        ReturnKind.MONTHLY: "2024-12",
        ReturnKind.QUARTERLY: "2024-Q4",
        ReturnKind.ANNUAL: "2024",
    }
    assert (ended[ReturnKind.WEEKLY].first_day, ended[ReturnKind.WEEKLY].last_day) == (
        date(2024, 12, 23),
        date(2024, 12, 29),
    )
    assert ended[ReturnKind.ANNUAL].last_day == date(2024, 11, 30)
    assert periods.last_ended(ReturnKind.ANNUAL, date(2024, 12, 1)).label == "2024"
    for kind, period in ended.items():
        assert periods.parse(kind, period.label) == period
    assert periods.parse(ReturnKind.MONTHLY, "2024-13") is None and periods.parse(ReturnKind.WEEKLY, "2024-09") is None
    assert ended[ReturnKind.MONTHLY].as_of.isoformat() == "2025-01-01T00:00:00+08:00"  # the end of 31 December
