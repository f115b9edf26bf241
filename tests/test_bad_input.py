"""The bad-input catalogue of issue 17: every input under "5xx" and "Bad data stored" that once
answered 500 or stored something impossible. Each is answered with a 4xx problem+json carrying a
stable ``code`` (and, for validation errors, the field), and changes nothing: what the lists and
records showed before the request, they show after it.

The concurrent-intake item ("under concurrent intake on PostgreSQL … 500 on pk_register_answer")
is ``test_concurrent_intake.py``; the holiday calendar's override (``PUT /calendar/years/2024``)
belongs to the calendar's own tests.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta

import pytest
from tipoff_flow import ENTERPRISE, TIP_OFFS

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

HAZARDS = "/api/v1/hazards/hazards"
ENTERPRISES = "/api/v1/hazards/enterprises"
DEPARTMENTS = "/api/v1/hazards/departments"
ACCOUNTS = "/api/v1/identity/accounts"
CLIENTS = "/api/v1/identity/clients"
RULES = "/api/v1/reports/reward-rules"
TEMPLATES = "/api/v1/notify/templates"
BEYOND_64_BITS = 99999999999999999999
ZWSP, ZWJ, RLO, ESC = "\u200b", "\u200d", "\u202e", "\x1b"


@dataclass
class Bad:
    """One catalogue item: who sends what, the answer it must get, and what must not change."""

    item: str  # the words
    who: str | None
    method: str
    path: str  # may name {enterprise}, {department}, {province_department}, {account}, {client}
    status: int
    code: str
    pointer: str | None = None  # the field the error names (JSON pointer)
    json: object = None
    content: str | None = None  # a raw body, for what json= cannot express (duplicate keys)
    params: dict = dataclass_field(default_factory=dict)
    unchanged: tuple[str, ...] = ()  # the records compared before and after


def _later(**delta) -> str:
    return (datetime.now(SHANGHAI) + timedelta(**delta)).isoformat()


def _hazard(**fields) -> dict:
    return {
        "enterprise_id": "{enterprise}",
        "title": "配电箱未上锁",
        "description": "二号车间配电箱门未关闭、未上锁",
        "grade": "general",
        "found_at": _later(hours=-2),
    } | fields


def _tip_off(**fields) -> dict:
    return {
        "channel": "miniprogram",
        "category": "general_hazard",
        "facts": "厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批",
        "enterprise_code": ENTERPRISE,
        "region_code": "330521",
        "consent": "{consent}",
    } | fields


def _rule(**fields) -> dict:
    return {"key": f"zj-{uuid.uuid4().hex[:8]}", "region_code": "330000", "title": "浙江省举报奖励办法（测试）",
            "valid_from": "2027-01-01", "fine_percent": 12} | fields  # fmt: skip


SUPERVISION = "/api/v1/notify/supervision"
ACTS = f"{SUPERVISION}/acts"
BULLETIN = {
    "issuer_name": "德清县安全生产委员会办公室", "title": "关于隐患整改情况的通报",
    "text": "予以通报。", "parties": [{"kind": "region", "region_code": "330521102", "name": "新市镇"}],
}  # fmt: skip

CATALOGUE = [
    # ---------------------------------------------------------------------------------- 5xx
    Bad("hazard id beyond 64 bits in the path", "deqing-yjj", "GET", f"{HAZARDS}/{BEYOND_64_BITS}",
        422, "validation-failed", "/hazard_id"),
    Bad("an action's item id beyond 64 bits", "deqing-yjj", "POST", f"{HAZARDS}/{BEYOND_64_BITS}/start_review",
        422, "validation-failed", "/item_id", unchanged=("hazards",)),
    Bad("after= beyond 64 bits", "deqing-yjj", "GET", HAZARDS, 422, "validation-failed", "/after",
        params={"after": str(BEYOND_64_BITS)}),
    Bad("item_id= beyond 64 bits", "deqing-yjj", "GET", "/api/v1/notify/reminders", 422, "validation-failed",
        "/item_id", params={"item_type": "hazard", "item_id": str(BEYOND_64_BITS)}),
    Bad("enterprise_id 2^63 in a body", "deqing-yjj", "POST", HAZARDS, 422, "validation-failed", "/enterprise_id",
        json=_hazard(enterprise_id=2**63), unchanged=("hazards",)),
    Bad("a negative id", "deqing-yjj", "GET", f"{ENTERPRISES}/-1", 422, "validation-failed", "/enterprise_id"),
    Bad("PATCH enterprise people: null", "deqing-yjj", "PATCH", f"{ENTERPRISES}/{{enterprise}}", 422,
        "validation-failed", "/people", json={"people": None}, unchanged=("enterprise",)),
    Bad("PATCH department active: null", "deqing-admin", "PATCH", f"{DEPARTMENTS}/{{department}}", 422,
        "validation-failed", "/active", json={"active": None}, unchanged=("departments",)),
    Bad("PATCH account disabled: null", "deqing-admin", "PATCH", f"{ACCOUNTS}/{{account}}", 422,
        "validation-failed", "/disabled", json={"disabled": None}, unchanged=("account",)),
    Bad("PATCH client disabled: null", "deqing-admin", "PATCH", f"{CLIENTS}/{{client}}", 422,
        "validation-failed", "/disabled", json={"disabled": None}, unchanged=("client",)),
    Bad("reward terms on a day before any rule", None, "GET", f"{RULES}/terms", 404, "no-reward-rule-in-force",
        "/on", params={"region_code": "330521", "on": "2017-12-31"}),
    Bad("found_at 0001-01-01", "deqing-yjj", "POST", HAZARDS, 422, "validation-failed", "/found_at",
        json=_hazard(found_at="0001-01-01T00:00:00+08:00"), unchanged=("hazards",)),
    # ------------------------------------------------------------------------ impossible dates
    Bad("found_at 9999-12-31", "deqing-yjj", "POST", HAZARDS, 422, "validation-failed", "/found_at",
        json=_hazard(found_at="9999-12-31T00:00:00+08:00"), unchanged=("hazards",)),
    Bad("found_at next year", "deqing-yjj", "POST", HAZARDS, 422, "validation-failed", "/found_at",
        json=_hazard(found_at=_later(days=366)), unchanged=("hazards",)),
    Bad("found_at: 0 (a number)", "deqing-yjj", "POST", HAZARDS, 422, "validation-failed", "/found_at",
        json=_hazard(found_at=0), unchanged=("hazards",)),
    Bad("observed_at 9999-01-01", None, "POST", TIP_OFFS, 422, "validation-failed", "/observed_at",
        json=_tip_off(observed_at="9999-01-01T00:00:00+08:00"), unchanged=("tip-offs",)),
    Bad("deadline_after=0 (a number)", "deqing-yjj", "GET", HAZARDS, 422, "validation-failed", "/deadline_after",
        params={"deadline_after": "0"}),
    Bad("self-checks on=0 (a number)", "deqing-yjj", "GET", "/api/v1/hazards/self-checks/missing", 422,
        "validation-failed", "/on", params={"on": "0"}),
    Bad("ledger closed_from=-1.8e-175 (a number, as exponent)", "deqing-yjj", "GET",
        "/api/v1/hazards/ledgers/listed-hazards", 422, "validation-failed", "/closed_from",
        params={"closed_from": "-1.8202593830860212e-175", "format": "csv"}),
    # -------------------------------------------------------------------------- 督办 records
    Bad("a 催办 with both items and a selection", "deqing-ajb", "POST", f"{SUPERVISION}/urges", 422,
        "validation-failed", "/", json={"text": "请整改", "items": [{"item_type": "hazard", "item_id": 1}],
              "selection": {"item_type": "hazard", "region_prefix": "330521"}}, unchanged=("acts",)),
    Bad("a 通报 naming nobody", "deqing-ajb", "POST", f"{SUPERVISION}/bulletins", 422, "validation-failed",
        "/parties", json={**BULLETIN, "parties": []}, unchanged=("acts",)),
    Bad("a department party without its kind", "deqing-ajb", "POST", f"{SUPERVISION}/letters", 422, "validation-failed",
        "/parties/0", json={**BULLETIN, "parties": [{"kind": "department", "region_code": "330521"}]},
        unchanged=("acts",)),
    Bad("a document number prefix of Latin letters", "deqing-ajb", "POST", f"{SUPERVISION}/bulletins", 422,
        "validation-failed", "/number_prefix", json={**BULLETIN, "number_prefix": "DQ-2025"}, unchanged=("acts",)),
    Bad("a 约谈 scheduled in year 9999", "huzhou-ajb", "POST", f"{SUPERVISION}/interviews", 422,
        "validation-failed", "/scheduled_for", json={"issuer_name": "湖州市安委办", "place": "会议室",
              "issues": ["超期"],
              "interviewee": {"kind": "enterprise", "region_code": "330521", "enterprise_code": ENTERPRISE},
              "interviewers": [{"name": "陈晓东", "position": "副主任"}],
              "interviewees": [{"name": "王强", "position": "主要负责人"}],
              "scheduled_for": "9999-01-01T09:00:00+08:00"}, unchanged=("acts",)),
    Bad("a 催办 of a hazard id beyond 64 bits", "deqing-ajb", "POST", f"{SUPERVISION}/urges", 422,
        "validation-failed", "/items/0/item_id", json={"text": "请整改", "items": [{"item_type": "hazard",
                                                                           "item_id": BEYOND_64_BITS}]},
        unchanged=("acts",)),
    # --------------------------------------------------------------- invisible or hostile text
    Bad("facts of ten zero-width spaces", None, "POST", TIP_OFFS, 422, "validation-failed", "/facts",
        json=_tip_off(facts=ZWSP * 10), unchanged=("tip-offs",)),
    Bad("a title of zero-width joiners", "deqing-yjj", "POST", HAZARDS, 422, "validation-failed", "/title",
        json=_hazard(title=ZWJ * 5), unchanged=("hazards",)),
    Bad("a name with a right-to-left override", "deqing-admin", "PATCH", f"{DEPARTMENTS}/{{department}}", 422,
        "validation-failed", "/name", json={"name": f"德清县{RLO}局理管急应"}, unchanged=("departments",)),
    Bad("a NUL byte in a name", "deqing-yjj", "PATCH", f"{ENTERPRISES}/{{enterprise}}", 422, "validation-failed",
        "/name", json={"name": "德清示范\x00企业"}, unchanged=("enterprise",)),
    Bad("ESC in an account's name", "deqing-admin", "PATCH", f"{ACCOUNTS}/{{account}}", 422, "validation-failed",
        "/display_name", json={"display_name": f"{ESC}[31m德清县应急管理局"}, unchanged=("account",)),
    Bad("a C1 control in a client's name", "deqing-admin", "PATCH", f"{CLIENTS}/{{client}}", 422,
        "validation-failed", "/name", json={"name": "企业对接\x85系统"}, unchanged=("client",)),
    Bad("a C0 control in a template", "huzhou-admin", "POST", f"{TEMPLATES}/{{template}}/versions", 422,
        "validation-failed", "/body",
        json={"title": "隐患整改提醒", "body": "$title 的整改期限是 $deadline\x07", "region_code": "330500"},
        unchanged=("templates",)),
    Bad("ESC in a tip-off's reporter name", None, "POST", TIP_OFFS, 422, "validation-failed", "/reporter/name",
        json=_tip_off(reporter={"name": f"张{ESC}三", "phone": "13800001111"}), unchanged=("tip-offs",)),
    # ------------------------------------------------------------------------ duplicate keys
    Bad("region_code twice in a tip-off", None, "POST", TIP_OFFS, 422, "duplicate-key", "/region_code",
        content='{"channel":"miniprogram","category":"general_hazard","region_code":"330521",'
        '"facts":"厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批","consent":{consent},'
        '"region_code":"330502"}',
        unchanged=("tip-offs",)),
    Bad("grade twice in a hazard", "deqing-yjj", "POST", HAZARDS, 422, "duplicate-key", "/grade",
        content='{"enterprise_id":{enterprise},"title":"配电箱未上锁","description":"二号车间配电箱门未关闭",'
        '"grade":"major","found_at":"2024-09-02T08:00:00+08:00","grade":"general"}',
        unchanged=("hazards",)),
    # ------------------------------------------------------------------------ reference data
    Bad("the province's department stripped of its industries", "admin", "PATCH",
        f"{DEPARTMENTS}/{{province_department}}", 422, "validation-failed", "/name",
        json={"name": "00", "industries": []}, unchanged=("departments",)),
    Bad("a department's last industries dropped", "admin", "PATCH", f"{DEPARTMENTS}/{{province_department}}",
        409, "department-industries-unassigned", "/industries", json={"industries": []},
        unchanged=("departments",)),
    Bad("the only department of its kind made inactive", "admin", "PATCH",
        f"{DEPARTMENTS}/{{province_department}}", 409, "department-industries-unassigned", "/active",
        json={"active": False}, unchanged=("departments",)),
    Bad("a reward rule from the year 8763", "admin", "POST", RULES, 422, "reward-rule-out-of-range",
        "/valid_from", json=_rule(valid_from="8763-01-01"), unchanged=("rules",)),
    Bad("a reward rule ending in the year 8763", "admin", "POST", RULES, 422, "reward-rule-out-of-range",
        "/valid_to", json=_rule(valid_to="8763-01-01"), unchanged=("rules",)),
    # ------------------------------------------------------------------ integers as booleans
    Bad("active: 1", "deqing-admin", "PATCH", f"{DEPARTMENTS}/{{department}}", 422, "validation-failed",
        "/active", json={"active": 0}, unchanged=("departments",)),
    Bad("employee: 1", None, "POST", TIP_OFFS, 422, "validation-failed", "/employee",
        json=_tip_off(employee=1), unchanged=("tip-offs",)),
    Bad("disabled: 1", "deqing-admin", "PATCH", f"{ACCOUNTS}/{{account}}", 422, "validation-failed",
        "/disabled", json={"disabled": 1}, unchanged=("account",)),
]  # fmt: skip


class World:
    """The records the catalogue aims at, and what they show."""

    def __init__(self, system) -> None:
        self.system = system
        self.tokens: dict[str, dict[str, str]] = {}
        self.names: dict[str, object] = {}

    async def headers(self, who: str | None) -> dict[str, str]:
        if who is None:
            return {}
        if who not in self.tokens:
            self.tokens[who] = await self.system.login(who)
        return self.tokens[who]

    async def get(self, who: str, path: str, **params) -> object:
        response = await self.system.client.get(path, params=params, headers=await self.headers(who))
        assert response.status_code == 200, response.text
        return response.json()

    async def find(self) -> None:
        client = self.system.client
        enterprises = await self.get("deqing-yjj", ENTERPRISES, limit=500)
        enterprise = next(e for e in enterprises["items"] if e["credit_code"] == ENTERPRISE)
        departments = (await self.get("admin", DEPARTMENTS, region_prefix="33", limit=500))["items"]
        county = next(d for d in departments if d["region_code"] == "330521" and d["kind"] == "emergency")
        province = next(d for d in departments if d["region_code"] == "330000" and d["kind"] == "emergency")
        accounts = (await self.get("deqing-admin", ACCOUNTS, limit=500))["items"]
        account = next(a for a in accounts if a["username"] == "deqing-12345")
        clients = (await self.get("deqing-admin", CLIENTS, limit=500))["items"]
        if not clients:
            created = await client.post(
                CLIENTS, json={"name": "示范企业 EHS 系统", "enterprise_code": ENTERPRISE},
                headers=await self.headers("deqing-admin"),
            )  # fmt: skip
            assert created.status_code == 201, created.text
            clients = [created.json()]
        templates = await self.get("huzhou-admin", TEMPLATES)
        notice = (await client.get("/api/v1/reports/privacy-notice")).json()
        self.names = {
            "enterprise": enterprise["id"],
            "department": county["id"],
            "province_department": province["id"],
            "account": account["id"],
            "client": clients[0]["id"],
            "template": templates[0]["key"],
            "consent": {"notice_version": notice["version"], "agreed": True},
        }

    def fill(self, value):
        """``value`` with the world's ids in place of their ``"{name}"`` placeholders."""
        if isinstance(value, str):
            for name, real in self.names.items():
                if value == f"{{{name}}}":
                    return real
            return value
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        return value

    def fill_text(self, text: str) -> str:
        import json

        for name, real in self.names.items():
            text = text.replace(f"{{{name}}}", json.dumps(real, ensure_ascii=False) if not isinstance(real, int)
                                else str(real))  # fmt: skip
        return text

    async def snapshot(self, name: str) -> object:
        if name == "hazards":
            return sorted(h["id"] for h in (await self.get("deqing-yjj", HAZARDS, limit=500))["items"])
        if name == "tip-offs":
            seen = []
            for who in ("deqing-yjj", "wuxing-yjj"):
                seen += [t["id"] for t in (await self.get(who, TIP_OFFS, limit=500))["items"]]
            return sorted(seen)
        if name == "enterprise":
            return _stable(await self.get("deqing-yjj", f"{ENTERPRISES}/{self.names['enterprise']}"))
        if name == "departments":
            return [_stable(d) for d in (await self.get("admin", DEPARTMENTS, region_prefix="33", limit=500))["items"]]
        if name == "account":
            return _stable(await self.get("deqing-admin", f"{ACCOUNTS}/{self.names['account']}"))
        if name == "client":
            return _stable(await self.get("deqing-admin", f"{CLIENTS}/{self.names['client']}"))
        if name == "rules":
            return sorted(r["key"] for r in await self.get("admin", RULES))
        if name == "acts":
            return sorted(a["id"] for a in (await self.get("huzhou-ajb", ACTS, limit=500))["items"])
        if name == "templates":
            return [(t["key"], t["region_code"], t["version"]) for t in await self.get("huzhou-admin", TEMPLATES)]
        raise AssertionError(f"no snapshot {name}")


def _stable(record: dict) -> dict:
    return {key: value for key, value in record.items() if key not in {"updated_at", "locked_until"}}


_WORLDS: dict[int, World] = {}


async def _world(system) -> World:
    """One world per running system: its sign-ins and ids serve the whole catalogue."""
    if id(system) not in _WORLDS:
        _WORLDS[id(system)] = World(system)
        await _WORLDS[id(system)].find()
    return _WORLDS[id(system)]


@pytest.mark.parametrize("bad", CATALOGUE, ids=[bad.item for bad in CATALOGUE])
async def test_bad_input_gets_a_4xx_problem_and_changes_nothing(system, bad):
    world = await _world(system)
    before = {name: await world.snapshot(name) for name in bad.unchanged}

    headers = await world.headers(bad.who)
    if bad.content is not None:
        headers |= {"Content-Type": "application/json"}
    if bad.path == TIP_OFFS and bad.method == "POST":
        headers |= {"Idempotency-Key": str(uuid.uuid4())}
    response = await system.client.request(
        bad.method,
        world.fill_text(bad.path),
        params=bad.params,
        json=world.fill(bad.json) if bad.content is None and bad.json is not None else None,
        content=world.fill_text(bad.content).encode() if bad.content is not None else None,
        headers=headers,
    )

    assert (response.status_code, response.headers["content-type"]) == (bad.status, "application/problem+json"), (
        response.text
    )
    problem = response.json()
    assert problem["code"] == bad.code, problem
    if bad.pointer is not None:
        assert bad.pointer in [error["field"] for error in problem["errors"]], problem
        assert all(error["message"] for error in problem["errors"])
    after = {name: await world.snapshot(name) for name in bad.unchanged}
    assert after == before
