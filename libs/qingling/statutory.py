"""The statutory holidays (全体公民放假的节日) of a year, as 《全国年节及纪念日放假办法》 fixes them.

The State Council's yearly notice (放假调休) only arranges these days — it moves them next to a
weekend and adds make-up working Saturdays and Sundays — but the days themselves are the law's.
So a year whose notice is not published yet is not a year of unknown holidays: its statutory days
and weekends are known, and only the 调休 is not. This module gives the law's days for any year
from 2000 to 2099; the lunar festivals (春节, 端午, 中秋) and the 清明 solar term come from
``sxtwl`` (寿星天文历, an astronomical computation of the Chinese calendar, BSD-licensed).

The law in force (Article 2 of each version):

- 1999 revision (国务院令第270号, from 1999-10-01): 元旦 1 day, 春节 3 (正月初一至初三),
  劳动节 3 (5月1日至3日), 国庆节 3 (10月1日至3日) — 10 days.
- 2007 revision (国务院令第513号, from 2008-01-01): 元旦 1, 春节 3 (农历除夕、正月初一、初二),
  清明节 1 (清明当日), 劳动节 1, 端午节 1 (农历五月初五), 中秋节 1 (农历八月十五), 国庆节 3 — 11.
- 2013 revision (国务院令第644号, from 2014-01-01): 春节 3 becomes 正月初一至初三 — 11.
- 2024 revision (国务院令第795号, from 2025-01-01): 春节 4 (农历除夕至正月初三), 劳动节 2
  (5月1日、2日) — 13 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import sxtwl

FIRST_YEAR, LAST_YEAR = 2000, 2099  # the years computed (sxtwl is exact far beyond them)
QINGMING = 7  # sxtwl's index of the 清明 solar term (0 is 冬至)


@dataclass(frozen=True)
class LawVersion:
    since: int  # first year in force
    title: str
    spring_festival_eve: bool  # 除夕 is a holiday
    spring_festival_days: int  # counted from 正月初一
    labour_days: int
    lunar_festivals: bool  # 清明, 端午, 中秋


LAW = (
    LawVersion(2025, "《全国年节及纪念日放假办法》（2024年修订，国务院令第795号）", True, 3, 2, True),
    LawVersion(2014, "《全国年节及纪念日放假办法》（2013年修订，国务院令第644号）", False, 3, 1, True),
    LawVersion(2008, "《全国年节及纪念日放假办法》（2007年修订，国务院令第513号）", True, 2, 1, True),
    LawVersion(2000, "《全国年节及纪念日放假办法》（1999年修订，国务院令第270号）", False, 3, 3, False),
)


def law_for(year: int) -> LawVersion:
    """The version of the law in force in ``year``."""
    _check_year(year)
    return next(version for version in LAW if year >= version.since)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"法定节假日只能推算 {FIRST_YEAR}—{LAST_YEAR} 年，不能推算 {year} 年")


def _lunar(year: int, month: int, day: int) -> date:
    solar = sxtwl.fromLunar(year, month, day, False)
    return date(solar.getSolarYear(), solar.getSolarMonth(), solar.getSolarDay())


def _qingming(year: int) -> date:
    for term in sxtwl.getJieQiByYear(year):
        moment = sxtwl.JD2DD(term.jd)  # Beijing time
        if term.jqIndex == QINGMING and int(moment.Y) == year:
            return date(int(moment.Y), int(moment.M), int(moment.D))
    raise LookupError(f"no 清明 in {year}")  # pragma: no cover - every year has one


@cache
def statutory_holidays(year: int) -> dict[date, str]:
    """The statutory holidays of ``year`` by the law then in force, each with its festival's name.

    Raises ``ValueError`` outside 2000–2099."""
    law = law_for(year)
    days: dict[date, str] = {date(year, 1, 1): "元旦"}
    new_year = _lunar(year, 1, 1)  # 正月初一, always between 21 January and 20 February
    if law.spring_festival_eve:
        days[new_year - timedelta(days=1)] = "春节"
    for offset in range(law.spring_festival_days):
        days[new_year + timedelta(days=offset)] = "春节"
    for offset in range(law.labour_days):
        days[date(year, 5, 1 + offset)] = "劳动节"
    if law.lunar_festivals:
        days[_qingming(year)] = "清明节"
        days[_lunar(year, 5, 5)] = "端午节"
        days[_lunar(year, 8, 15)] = "中秋节"
    for offset in range(3):
        days[date(year, 10, 1 + offset)] = "国庆节"
    return dict(sorted(days.items()))
