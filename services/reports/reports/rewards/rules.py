"""Reward rules as data (domain.md §3) and their arithmetic.

The national rule (举报奖励办法, 安监总财〔2018〕19号) states every term; a local rule states only
the terms its region changes. The terms for a tip-off are the national ones overlaid, level by
level, with those of each rule whose region contains the place: 日照市's rule adds its bonus for
employees to 山东省's percentage and bounds, which replace the national ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any


class AccidentGrade(StrEnum):
    GENERAL = "general"
    LARGER = "larger"
    MAJOR = "major"
    ESPECIALLY_MAJOR = "especially_major"


ACCIDENT_GRADE_TITLES = {
    AccidentGrade.GENERAL: "一般事故",
    AccidentGrade.LARGER: "较大事故",
    AccidentGrade.MAJOR: "重大事故",
    AccidentGrade.ESPECIALLY_MAJOR: "特别重大事故",
}


@dataclass(frozen=True)
class Terms:
    """The terms in force for one place on one day."""

    fine_percent: int  # of the fine imposed for the hazard or illegal act …
    fine_min: int  # … but not less than this (元) …
    fine_max: int  # … nor more than this
    death_amounts: dict[str, int]  # concealed accident: per confirmed death, by grade (元) …
    death_cap: int  # … up to this in all
    anonymous_claims: bool  # an anonymous reporter may claim by receipt (else real-name only)
    employee_bonus_percent: int  # added when the reporter works for the reported unit
    claim_days: int  # 日 from the notice; unclaimed after that, the reward lapses
    rules: tuple[str, ...]  # the rules applied, national first


TERM_NAMES = tuple(f.name for f in fields(Terms) if f.name != "rules")


def overlay(rules: Sequence[Any]) -> Terms:
    """The terms of ``rules`` — ordered from the national one to the most local — each later rule
    replacing the terms it states."""
    terms: dict[str, Any] = {}
    for rule in rules:
        terms.update({name: value for name in TERM_NAMES if (value := getattr(rule, name)) is not None})
    missing = [name for name in TERM_NAMES if name not in terms]
    if missing:
        raise ValueError(f"reward rules {[r.key for r in rules]} leave {missing} unset")
    return Terms(**terms, rules=tuple(rule.key for rule in rules))


@dataclass(frozen=True)
class Amount:
    yuan: int
    computation: str  # how it was reached, in words, for the decision and the reporter


def for_fine(terms: Terms, fine_yuan: int, *, employee: bool = False) -> Amount:
    raw = _yuan(Decimal(fine_yuan) * terms.fine_percent / 100)
    steps = [f"罚款 {fine_yuan:,} 元 × {terms.fine_percent}% = {raw:,} 元"]
    amount = _bounded(raw, terms.fine_min, terms.fine_max, steps)
    return _with_bonus(terms, amount, terms.fine_max, employee, steps)


def for_accident(terms: Terms, grade: AccidentGrade, deaths: int, *, employee: bool = False) -> Amount:
    each = terms.death_amounts[grade]
    raw = each * deaths
    steps = [f"{ACCIDENT_GRADE_TITLES[grade]}瞒报 {deaths} 人死亡 × {each:,} 元 = {raw:,} 元"]
    amount = _bounded(raw, 0, terms.death_cap, steps)
    return _with_bonus(terms, amount, terms.death_cap, employee, steps)


def _bounded(raw: int, least: int, most: int, steps: list[str]) -> int:
    if raw < least:
        steps.append(f"低于最低奖励额，按 {least:,} 元")
        return least
    if raw > most:
        steps.append(f"超过最高奖励额，按 {most:,} 元")
        return most
    return raw


def _with_bonus(terms: Terms, amount: int, most: int, employee: bool, steps: list[str]) -> Amount:
    if employee and terms.employee_bonus_percent:
        raised = min(_yuan(Decimal(amount) * (100 + terms.employee_bonus_percent) / 100), most)
        steps.append(f"本单位从业人员举报增加 {terms.employee_bonus_percent}%（以最高额为限）：{raised:,} 元")
        amount = raised
    return Amount(amount, "；".join(steps))


def _yuan(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
