"""Driving hazards through the API as their authorities do — an enterprise registered and
onboarded in a town of the test's own, a 重大 hazard reported, confirmed, listed and closed — for
tests that need a hazard in a given state (beside ``tipoff_flow.py``)."""

from __future__ import annotations

import itertools
import secrets
from datetime import datetime
from typing import Any

from qingling.clock import SHANGHAI
from qingling.credit_code import check_character

H = "/api/v1/hazards"
ENTERPRISE_PASSWORD = "Huitoukan#2025"
MAJOR_TRADE = {
    "grade": "major", "basis_standard": "GM2023", "basis_clause": "第四条(一)",
    "report": {"condition": "有限空间作业未检测", "harm": "可能中毒窒息，需停工整改", "plan": "先通风检测后作业"},
}  # fmt: skip
GENERAL_ORDER = {"measures": "限期整改", "responsible_person": "王强", "funds": "自筹 2 万元", "acceptor": "李安"}
PLAN = {
    "goals": "消除有限空间作业中毒窒息隐患",
    "measures": "配备气体检测仪，建立作业审批和监护制度",
    "funds_and_materials": "投入资金 5 万元",
    "people": "总经理负总责，安全管理部牵头",
    "time_limit": "一个月内完成",
    "safety_measures": "整改期间停止有限空间作业，制定应急预案",
}
_NOTICES = itertools.count(1000 + secrets.randbelow(5000))  # 督办文号 are unique per lister and year
COMPLETION = {"summary": "已整改完毕", "evaluated_by": "in_house_experts", "evaluation": "隐患已消除"}


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


class HazardFlow:
    """One system's hazards, driven by named accounts: demo ones, and the enterprise admins this
    flow onboarded (their passwords remembered)."""

    def __init__(self, system: Any) -> None:
        self.system = system
        self.passwords: dict[str, str] = {}

    async def headers(self, username: str) -> dict[str, str]:
        password = self.passwords.get(username)
        return await (self.system.login(username, password) if password else self.system.login(username))

    async def call(self, method: str, url: str, username: str, body: Any = None, **kw: Any) -> Any:
        """The response (any status) of ``username``'s request."""
        headers = await self.headers(username) | kw.pop("headers", {})
        return await self.system.client.request(method, url, json=body, headers=headers, **kw)

    async def ok(self, method: str, url: str, username: str, body: Any = None, **kw: Any) -> Any:
        response = await self.call(method, url, username, body, **kw)
        assert response.status_code in (200, 201), f"{method} {url} as {username}: {response.text}"
        return response.json()

    async def enterprise(self, regulator: str, town: str, industry: str = "industry_trade") -> tuple[int, str]:
        """An enterprise registered by ``regulator`` in ``town``, and its onboarded admin's name."""
        body = f"91{town[:6]}MA{secrets.randbelow(10**7):07d}"
        registered = await self.ok("POST", f"{H}/enterprises", regulator, {
            "credit_code": body + check_character(body), "name": f"回头看测试有限公司{body[-4:]}",
            "address": "测试路 1 号", "region_code": town, "industry": industry, "risk_class": "B",
            "people": {"principal": {"name": "周平", "phone": "13600000000"}},
        })  # fmt: skip
        username = f"hf-{secrets.token_hex(4)}"
        onboarding = {"admin_username": username, "admin_display_name": "周平"}
        url = f"{H}/enterprises/{registered['id']}/onboarding"
        temporary = (await self.ok("POST", url, regulator, onboarding))["temporary_password"]
        change = {"username": username, "current_password": temporary, "new_password": ENTERPRISE_PASSWORD}
        changed = await self.system.client.post("/api/v1/identity/password", json=change)
        assert changed.status_code in (200, 204), changed.text
        self.passwords[username] = ENTERPRISE_PASSWORD
        return registered["id"], username

    async def department(self, region: str, kind: str = "emergency") -> int:
        listed = await self.ok("GET", f"{H}/departments", "admin", params={"region_prefix": region, "kind": kind})
        return next(d["id"] for d in listed["items"] if d["region_code"] == region)

    async def report(self, regulator: str, enterprise_id: int, found: datetime, grade: str = "major") -> int:
        body = {"title": "有限空间作业未检测", "description": "污水池清淤作业前未进行气体检测", "grade": grade,
                "found_at": found.isoformat(), "enterprise_id": enterprise_id}  # fmt: skip
        if grade == "major":
            body |= MAJOR_TRADE
        return (await self.ok("POST", f"{H}/hazards", regulator, body))["id"]

    async def act(self, hazard_id: int, action: str, username: str, body: dict | None = None) -> dict:
        return await self.ok("POST", f"{H}/hazards/{hazard_id}/{action}", username, body)

    async def close_major(self, hazard_id: int, enterprise: str, lister: str, listed_on: str) -> None:
        """Confirmed and listed by ``lister`` (德清县应急管理局, which also supervises), rectified
        and closed: a 重大 hazard's whole path. ``listed_on`` is today, in Beijing."""
        department = await self.department("330521")
        notice = f"〔{listed_on[:4]}〕{next(_NOTICES)}号"
        await self.act(hazard_id, "confirm_major", lister, {"order_no": f"德应急责改{notice}"})
        await self.act(hazard_id, "list", lister, {
            "notice_no": notice, "listed_on": listed_on, "deadline": f"{int(listed_on[:4]) + 1}{listed_on[4:]}",
            "measures": "限期消除有限空间作业隐患", "responsible_unit": "测试企业", "responsible_person": "周平",
            "supervising_department_id": department,
        })  # fmt: skip
        await self.act(hazard_id, "submit_plan", enterprise, PLAN)
        await self.act(hazard_id, "accept_plan", lister)
        await self._close(hazard_id, enterprise, lister)

    async def close_general(self, hazard_id: int, enterprise: str, department: str) -> None:
        await self.act(hazard_id, "accept_general", department, GENERAL_ORDER)
        await self._close(hazard_id, enterprise, department)

    async def _close(self, hazard_id: int, enterprise: str, department: str) -> None:
        await self.act(hazard_id, "apply_completion", enterprise, COMPLETION)
        await self.act(hazard_id, "start_review", department)
        await self.act(hazard_id, "pass_review", department, {"findings": "复核合格"})
        await self.act(hazard_id, "check_close_out", department, {"findings": "整改到位"})
        await self.act(hazard_id, "close", department, {"opinion": "同意销号"})
