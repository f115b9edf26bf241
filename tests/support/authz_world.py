"""The world the authorization matrix runs in: the callers (demo accounts plus the ones an admin
would add through the API), and for each kind of object one inside 德清县 (side A: demo
enterprise A, 德清县应急管理局), one of another enterprise in 德清 (side B) and one in 莒县,
Shandong (side F) — all made through the API, as their owners would.

Lifecycle objects are also made on demand in the state an action needs (``fresh``): an action
that succeeds moves its object on, so every caller the table expects to succeed gets its own.
"""

from __future__ import annotations

import io
import itertools
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar

from openpyxl import Workbook
from PIL import Image
from tipoff_flow import FINDING, FINE_40000, REPLY, consent, submit, until

from qingling.clock import SHANGHAI

MONDAY = datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI)
ENTERPRISE_A = "91330521MA2B3C4D5Q"  # 德清 demo enterprise (工贸, 武康街道 330521001)
H, R, ID, N = "/api/v1/hazards", "/api/v1/reports", "/api/v1/identity", "/api/v1/notify"
PASSWORD = "Matrix#2024ok"


@dataclass
class Caller:
    name: str  # the table's column
    headers: dict[str, str] = field(default_factory=dict)
    auth: tuple[str, str] | None = None  # HTTP Basic (the receipt holder)
    home: bool = True  # side A is inside this caller's scope
    away: tuple[str, ...] = ("F",)  # sides outside it


@dataclass
class World:
    system: Any
    callers: dict[str, Caller] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind → side → path value
    markers: dict[str, list[str]] = field(default_factory=dict)  # side → strings only its rows carry
    extra: dict[str, Any] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def client(self):
        return self.system.client

    def unique(self) -> int:
        return next(self.counter)

    async def login(self, username: str, password: str | None = None) -> dict[str, str]:
        return await self.system.login(username, *([password] if password else []))

    async def post(self, path: str, who: str, body: Any = None, status: int | tuple = (200, 201, 202), **kw) -> Any:
        headers = self.callers[who].headers if who in self.callers else await self.login(who)
        response = await self.client.post(path, json=body, headers=headers, **kw)
        expected = status if isinstance(status, tuple) else (status,)
        assert response.status_code in expected, f"{path} as {who}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    async def get(self, path: str, who: str, **params: Any) -> Any:
        headers = self.callers[who].headers if who in self.callers else await self.login(who)
        response = await self.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, f"{path} as {who}: {response.status_code} {response.text}"
        return response.json()

    # ------------------------------------------------------------------------------- hazards

    def hazard_body(self, side: str, grade: str = "major") -> dict:
        body = {
            "title": f"矩阵{side}隐患{self.unique()}：动火作业未审批",
            "description": "二号车间在未清理可燃物的情况下进行电气焊作业，未办理动火审批",
            "grade": grade,
            "tags": ["welding"],
            "found_at": "2024-09-02T08:30:00+08:00",
        }
        if grade == "major":
            body |= {
                "basis_standard": "GM2023",
                "basis_clause": "第三条(二)",
                "report": {
                    "condition": "车间内堆放木质包装材料，焊接点 5 米内无隔离，无监护人",
                    "harm": "可能引发火灾，车间内 40 名作业人员，整改需停产清理",
                    "plan": "立即停止动火作业，清理可燃物，建立动火审批制度",
                },
            }
        return body

    async def report_hazard(self, side: str, grade: str = "major") -> dict:
        body = self.hazard_body(side, grade)
        if side == "A":
            return await self.post(f"{H}/hazards", "demo-enterprise", body)
        who = {"B": "deqing-yjj", "F": "juxian-yjj"}[side]
        return await self.post(f"{H}/hazards", who, body | {"enterprise_id": self.extra[f"enterprise_{side}"]["id"]})

    def listing(self, side: str = "A") -> dict:
        return {
            "notice_no": f"〔2024〕{self.unique()}号",
            "listed_on": "2024-09-02",
            "deadline": "2024-09-30",
            "measures": "限期消除动火作业火灾隐患，整改期间停止相关作业",
            "responsible_unit": "德清示范企业",
            "responsible_person": "王强",
            "supervising_department_id": self.extra[f"department_{side}"]["id"],
        }

    # the straight path of a 重大 hazard of enterprise A, as its authorities take it
    HAZARD_PATH: ClassVar[list] = [
        ("confirmed", "confirm_major", "deqing-yjj", lambda w: {"order_no": f"德应急责改〔2024〕{w.unique()}号"}),
        ("listed", "list", "deqing-yjj", lambda w: w.listing()),
        ("plan_submitted", "submit_plan", "demo-enterprise", lambda w: PLAN),
        ("rectifying", "accept_plan", "deqing-yjj", lambda w: None),
        ("completion_applied", "apply_completion", "demo-enterprise", lambda w: COMPLETION),
        ("under_review", "start_review", "deqing-yjj", lambda w: None),
        ("review_passed", "pass_review", "deqing-yjj", lambda w: {"findings": "复核合格，隐患已消除"}),
        ("close_out_checked", "check_close_out", "deqing-yjj", lambda w: {"findings": "整改到位，同意销号"}),
        ("closed", "close", "deqing-yjj", lambda w: {"opinion": "隐患已消除，同意销号"}),
    ]

    async def hazard_in(self, state: str) -> int:
        if state == "reported_general":
            return (await self.report_hazard("A", "general"))["id"]
        hazard = (await self.report_hazard("A"))["id"]
        if state == "reported":
            return hazard
        if state == "suspended":
            await self.hazard_path(hazard, "rectifying")
            await self.post(f"{H}/hazards/{hazard}/suspend_production", "deqing-yjj", {"reason": "责令停产停业治理"})
            return hazard
        if state == "returned":
            await self.post(
                f"{H}/hazards/{hazard}/return_for_correction", "deqing-yjj", {"reason": "隐患描述不完整，请补正"}
            )
            return hazard
        await self.hazard_path(hazard, state)
        return hazard

    async def hazard_path(self, hazard: int, state: str) -> None:
        for reached, action, who, body in self.HAZARD_PATH:
            if state == "extension_requested" and reached == "completion_applied":
                await self.post(f"{H}/hazards/{hazard}/request_extension", "demo-enterprise", EXTENSION)
                return
            await self.post(f"{H}/hazards/{hazard}/{action}", who, body(self))
            if reached == state:
                return
        raise AssertionError(f"no path to hazard state {state}")

    # ------------------------------------------------------------------------------ tip-offs

    async def tip_off(self, side: str, **fields: Any) -> tuple[int, dict]:
        """A tip-off submitted by the public (answers its number and receipt)."""
        where = {"A": (ENTERPRISE_A, "330521"), "F": (self.extra["enterprise_F"]["credit_code"], "371122")}[side]
        facts = f"矩阵{side}举报{self.unique()}：厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批"
        receipt = await submit(self.system, enterprise_code=where[0], region_code=where[1], facts=facts, **fields)
        handler = "deqing-yjj" if side == "A" else "juxian-yjj"
        page = await self.get(f"{R}/tip-offs", handler, limit=500, state="received")
        number = next(t["id"] for t in page["items"] if t["receipt_code"] == receipt["receipt_code"])
        return number, receipt

    TIP_OFF_PATH: ClassVar[list] = [
        ("signed", "sign", "deqing-yjj", lambda w: None),
        ("verifying", "accept", "deqing-yjj", lambda w: None),
        ("concluded", "conclude", "deqing-yjj", lambda w: UNTRUE),
        ("replied", "reply", "deqing-yjj", lambda w: REPLY),
        ("objected", "object", "deqing-12345", lambda w: {"reason": "来电人认为核查不实，车间晚上仍在动火"}),
    ]

    async def tip_off_in(self, state: str) -> int:
        number, receipt = await self.tip_off("A")
        if state == "replied_true":
            finding = FINDING | {"hazard": FINDING["hazard"] | {"enterprise_code": ENTERPRISE_A}}
            for action, body in [("sign", None), ("accept", None), ("conclude", finding), ("reply", REPLY)]:
                await self.post(f"{R}/tip-offs/{number}/{action}", "deqing-yjj", body)
            await until(lambda: self.linked(receipt))
            return number
        if state == "received":
            return number
        for reached, action, who, body in self.TIP_OFF_PATH:
            if state == "extension_requested" and reached == "concluded":
                await self.post(f"{R}/tip-offs/{number}/request_extension", "deqing-yjj", TIP_OFF_EXTENSION)
                return number
            await self.post(f"{R}/tip-offs/{number}/{action}", who, body(self))
            if reached == state:
                return number
        raise AssertionError(f"no path to tip-off state {state}")

    async def linked(self, receipt: dict) -> bool:
        follow = await self.client.get(f"{R}/receipts/tip-off", auth=(receipt["receipt_code"], receipt["secret"]))
        return follow.json()["hazard_state"] is not None

    # ------------------------------------------------------------------------------- rewards

    async def reward(self, side: str) -> dict:
        """A true tip-off on a 重大 hazard, answered and assessed on a ¥40,000 fine (state eligible)."""
        number, receipt = await self.tip_off(side, reporter=REPORTER)
        handler = "deqing-yjj" if side == "A" else "juxian-yjj-leader"
        enterprise = ENTERPRISE_A if side == "A" else self.extra["enterprise_F"]["credit_code"]
        finding = FINDING | {"hazard": FINDING["hazard"] | {"enterprise_code": enterprise}}
        for action, body in [("sign", None), ("accept", None), ("conclude", finding), ("reply", REPLY)]:
            await self.post(f"{R}/tip-offs/{number}/{action}", handler, body)

        await until(lambda: self.linked(receipt))
        reward = await self.post(f"{R}/tip-offs/{number}/reward", handler, FINE_40000)
        self.extra.setdefault("reward_receipts", {})[reward["id"]] = receipt
        return reward

    async def reward_in(self, state: str) -> int:
        reward = await self.reward("A")
        path = [("decided", "decide", "deqing-yjj-leader", {}), ("notified", "notify", "deqing-yjj", None)]
        for _reached, action, who, body in path:
            if reward["state"] == state:
                break
            reward = await self.post(f"{R}/rewards/{reward['id']}/{action}", who, body)
        if state == "claimed":
            receipt = self.extra["reward_receipts"][reward["id"]]
            claimed = await self.client.post(
                f"{R}/receipts/tip-off/reward/claim", json=CLAIM, auth=(receipt["receipt_code"], receipt["secret"])
            )
            assert claimed.status_code == 200, claimed.text
            reward = await self.get(f"{R}/rewards/{reward['id']}", "deqing-yjj")
        assert reward["state"] == state, reward
        return reward["id"]

    async def endpoint_in(self, state: str) -> int:
        made = await self.post(
            f"{N}/webhooks",
            "demo-enterprise",
            {"url": f"https://ehs-{self.unique()}.example.com/hooks", "event_types": ["hazard.changed"]},
        )
        return made["id"]

    async def return_in(self, state: str) -> int:
        """One of 德清县应急管理局's returns (opened by the sweep, one per kind and period, so
        driven round prepare → submit → send back rather than made anew) in ``state``."""
        department = self.extra["department_A"]["id"]
        page = await self.get(f"{H}/returns", "county", department_id=department, limit=100)
        item = next(r for r in page["items"] if r["state"] != "received")
        url = f"{H}/returns/{item['id']}"
        if item["state"] == "submitted":
            await self.post(f"{url}/send_back", "county_ajb", {"reason": "矩阵测试：退回修改"})
        if item["state"] != "prepared" or state == "prepared":
            await self.post(f"{url}/prepare", "county", {})
        if state == "submitted":
            await self.post(f"{url}/submit", "leader", {})
        return item["id"]

    def interview(self, side: str) -> dict:
        """A 约谈 of the side's enterprise, by 德清县安委办 (F: 莒县应急管理局)."""
        enterprise = self.extra[f"enterprise_{side}"]
        return {
            "issuer_name": "矩阵约谈机关", "place": "会议室",
            "interviewee": {"kind": "enterprise", "region_code": enterprise["region_code"],
                            "enterprise_code": enterprise["credit_code"]},
            "scheduled_for": (MONDAY + timedelta(days=7)).isoformat(),
            "interviewers": [{"name": "陈晓东", "position": "安委办副主任"}],
            "interviewees": [{"name": "王强", "position": "企业主要负责人"}], "issues": ["隐患超期未整改"],
        }  # fmt: skip

    async def act_in(self, state: str, side: str = "A") -> int:
        issuer = "deqing-ajb" if side == "A" else "juxian-yjj"
        return (await self.post(f"{N}/supervision/interviews", issuer, self.interview(side), status=201))["id"]

    async def commitment_in(self, state: str, side: str = "A") -> int:
        act = await self.act_in("scheduled", side)
        issuer = "deqing-ajb" if side == "A" else "juxian-yjj"
        record = {
            "held_at": MONDAY.isoformat(), "minutes": "矩阵测试约谈记录", "issues": ["隐患超期未整改"],
            "interviewers": [{"name": "陈晓东", "position": "安委办副主任"}],
            "interviewees": [{"name": "王强", "position": "企业主要负责人"}],
            "commitments": [{"content": "限期完成整改", "due_on": (MONDAY + timedelta(days=30)).date().isoformat()}],
        }  # fmt: skip
        held = await self.post(f"{N}/supervision/acts/{act}/hold", issuer, record)
        return held["commitments"][0]["id"]

    async def fresh(self, kind: str, state: str) -> int:
        makers = {
            "act": self.act_in,
            "commitment": self.commitment_in,
            "return": self.return_in,
            "hazard": self.hazard_in,
            "tipoff": self.tip_off_in,
            "reward": self.reward_in,
            "endpoint": self.endpoint_in,
        }
        return await makers[kind](state)


CLAIM = {"name": "张秀英", "id_number": "330521199001011234", "phone": "13900001111"}
REPORTER = {"name": "张秀英", "phone": "13900001111", "id_number": "330521199001011234"}
PLAN = {
    "goals": "消除二号车间动火作业火灾隐患",
    "measures": "清理可燃物、加装防火分隔、建立动火审批和监护制度",
    "funds_and_materials": "投入资金 12 万元，防火板材已采购",
    "people": "总经理负总责，安全管理部牵头，车间主任具体负责",
    "time_limit": "2024 年 9 月 25 日前完成",
    "safety_measures": "整改期间停止动火作业，配备灭火器材，制定火灾应急预案",
}
COMPLETION = {"summary": "已完成全部整改", "evaluated_by": "assessment_agency", "evaluation": "隐患已消除"}
EXTENSION = {"requested_deadline": "2024-10-31", "reason": "防火板材到货延迟，需延期一个月"}
TIP_OFF_EXTENSION = {"days": 10, "reason": "涉及多个车间，需调取夜间监控，申请延期核查"}
REINSPECTION = {
    "inspected_at": "2024-09-02T09:00:00+08:00",
    "inspectors": ["陈立"],
    "result": "passed",
    "findings": "回头看：整改措施落实到位，未发现反弹",
}
UNTRUE = {"outcome": "untrue", "findings": "现场核查：二号车间近期未进行电气焊作业，未发现所反映的问题"}


# ------------------------------------------------------------------------------------ building


async def _account(world: World, creator: str, **fields: Any) -> dict:
    """An account made by ``creator`` as an admin would, its first password changed."""
    username = fields.pop("username", f"matrix-{secrets.token_hex(3)}")
    body = {"username": username, "password": "Anquan#2024x", "display_name": "矩阵测试账号"} | fields
    created = await world.post(f"{ID}/accounts", creator, body, status=201)
    changed = await world.client.post(
        f"{ID}/password",
        json={"username": username, "current_password": "Anquan#2024x", "new_password": PASSWORD},
    )
    assert changed.status_code == 204, changed.text
    return created


async def _person(world: World, name: str, username: str, password: str | None = None, **place: Any) -> None:
    world.callers[name] = Caller(name, await world.login(username, password), **place)


async def build(system) -> World:
    system.clock.freeze(MONDAY)
    world = World(system)
    w = world
    w.extra["consent"] = await consent(system)
    for key, path in [
        ("import_file", f"{H}/enterprises/import-template"),
        ("ledger_file", f"{H}/hazards/ledger-template"),
    ]:
        template = await w.client.get(path, headers=await w.login("deqing-yjj"))
        assert template.status_code == 200, template.text
        w.extra[key] = ("template.xlsx", template.content, template.headers["content-type"])

    # The register: enterprise A, an enterprise B in 德清 and one in 莒县; their departments.
    a_list = await w.get(f"{H}/enterprises", "demo-enterprise")
    w.extra["enterprise_A"] = next(e for e in a_list["items"] if e["credit_code"] == ENTERPRISE_A)
    deqing = await w.get(f"{H}/enterprises", "deqing-yjj", limit=200)
    w.extra["enterprise_B"] = next(
        e for e in deqing["items"] if e["credit_code"] != ENTERPRISE_A and e["industry"] == "industry_trade"
    )
    juxian = await w.get(f"{H}/enterprises", "juxian-yjj")
    w.extra["enterprise_F"] = next(e for e in juxian["items"] if e["industry"] == "industry_trade")
    for side, region in [("A", "330521"), ("F", "371122")]:
        listed = await w.get(f"{H}/departments", "nation-admin", region_prefix=region, kind="emergency")
        w.extra[f"department_{side}"] = next(d for d in listed["items"] if d["region_code"] == region)

    # Callers an admin adds through the API: a town office over A's town, a county 安委办, a
    # province and a city regulator, a city regulator of another department, an enterprise user.
    await _account(
        w,
        "deqing-admin",
        username="matrix-wukang",
        roles=["regulator"],
        region_code="330521001",
        department="town_office",
        display_name="武康街道应急管理办公室",
    )
    await _account(
        w,
        "deqing-admin",
        username="matrix-deqing-ajb",
        roles=["safety_committee"],
        region_code="330521",
        display_name="德清县安委办",
    )
    await _account(
        w,
        "huzhou-admin",
        username="matrix-huzhou-zjj",
        roles=["regulator"],
        region_code="330500",
        department="housing",
        display_name="湖州市住建局",
    )
    await _account(
        w,
        "admin",
        username="matrix-zj-yjt",
        roles=["regulator"],
        region_code="330000",
        department="emergency",
        display_name="浙江省应急管理厅",
    )
    await _account(
        w,
        "demo-enterprise",
        username="matrix-ent-user",
        roles=["enterprise_user"],
        enterprise_code=ENTERPRISE_A,
        display_name="示范企业安全员",
    )

    # Enterprise A's system with every scope, made by its enterprise admin.
    client = await w.post(
        f"{ID}/clients", "demo-enterprise", {"name": "矩阵A企业EHS系统", "enterprise_code": ENTERPRISE_A}
    )
    token = await w.client.post(
        f"{ID}/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    assert token.status_code == 200, token.text
    enterprise_client = {"Authorization": f"Bearer {token.json()['access_token']}"}

    # Enterprise B onboarded by the county (its admin is an object, and publishes a webhook).
    b_admin = f"matrix-ent-b-{secrets.token_hex(2)}"
    onboarded = await w.post(
        f"{H}/enterprises/{w.extra['enterprise_B']['id']}/onboarding",
        "deqing-yjj",
        {"admin_username": b_admin, "admin_display_name": "乙企业管理员"},
    )
    changed = await w.client.post(
        f"{ID}/password",
        json={"username": b_admin, "current_password": onboarded["temporary_password"], "new_password": PASSWORD},
    )
    assert changed.status_code == 204, changed.text

    # The callers: column name → who, and which sides lie outside their scope.
    staff = {
        "operator": "deqing-12345",
        "town": "matrix-wukang",
        "county": "deqing-yjj",
        "county_other_dept": "deqing-zjj",
        "leader": "deqing-yjj-leader",
        "county_ajb": "matrix-deqing-ajb",
        "city": "huzhou-yjj",
        "city_other_dept": "matrix-huzhou-zjj",
        "city_ajb": "huzhou-ajb",
        "province": "matrix-zj-yjt",
        "custodian": "huzhou-custodian",
        "county_admin": "deqing-admin",
        "province_admin": "admin",
    }
    w.callers["anonymous"] = Caller("anonymous")
    number_a, receipt = await w.tip_off("A")
    w.callers["receipt"] = Caller("receipt", auth=(receipt["receipt_code"], receipt["secret"]))
    w.extra["receipt_tip_off"] = number_a
    for action, body in [("sign", None), ("accept", None), ("conclude", UNTRUE), ("reply", REPLY)]:
        await w.post(f"{R}/tip-offs/{number_a}/{action}", "deqing-yjj", body)  # the reporter may object now
    w.extra["merge_into"] = await w.tip_off_in("signed")  # a case in progress to merge into
    await _person(w, "ent_user", "matrix-ent-user", PASSWORD, away=("B", "F"))
    await _person(w, "ent_admin", "demo-enterprise", away=("B", "F"))
    w.callers["ent_client"] = Caller("ent_client", enterprise_client, away=("B", "F"))
    for column, username in staff.items():
        password = PASSWORD if username.startswith("matrix-") else None
        await _person(w, column, username, password)
    await _person(w, "other_town", "xinshi-town", home=False, away=("A", "F"))
    await _person(w, "other_county", "wuxing-yjj", home=False, away=("A", "F"))
    await _person(w, "other_province", "juxian-yjj", home=False, away=("A", "B"))

    await _objects(w, b_admin)
    return world


async def _objects(w: World, b_admin: str) -> None:
    o = w.objects
    ent = {side: w.extra[f"enterprise_{side}"] for side in "ABF"}
    o["enterprise"] = {side: ent[side]["id"] for side in "ABF"}
    o["department"] = {side: w.extra[f"department_{side}"]["id"] for side in "AF"}
    hazards = {side: await w.report_hazard(side) for side in "ABF"}
    o["hazard"] = {side: h["id"] for side, h in hazards.items()}
    w.markers = {side: [ent[side]["credit_code"], hazards[side]["title"]] for side in "ABF"}
    evidence = {}
    for side, who in [("A", "demo-enterprise"), ("B", "deqing-yjj"), ("F", "juxian-yjj")]:
        uploaded = await w.post(
            f"{H}/hazards/{o['hazard'][side]}/evidence",
            who,
            None,
            status=201,
            files={"file": (f"矩阵{side}.jpg", PHOTO, "image/jpeg")},
        )
        evidence[side] = uploaded["id"]
    o["evidence"] = evidence

    # Tip-offs (A, F) with a photo each.
    media = {}
    tips = {}
    for side in "AF":
        photo = await w.client.post(f"{R}/media", files={"file": (f"矩阵{side}.jpg", PHOTO, "image/jpeg")})
        assert photo.status_code == 201, photo.text
        tips[side], receipt = await w.tip_off(side, media=[photo.json()["token"]])
        handler = "deqing-yjj" if side == "A" else "juxian-yjj"
        listed = await w.get(f"{R}/tip-offs/{tips[side]}/media", handler)
        media[side] = listed[0]["id"] if isinstance(listed, list) else listed["items"][0]["id"]
        w.markers[side].append(receipt["receipt_code"])
    o["tipoff"], o["media"] = tips, media

    # Accounts and clients: one of enterprise A, one of enterprise B, one in 莒县.
    acc_a = await _account(w, "demo-enterprise", roles=["enterprise_user"], enterprise_code=ENTERPRISE_A)
    acc_b = await _account(w, "deqing-admin", roles=["enterprise_user"], enterprise_code=ent["B"]["credit_code"])
    acc_f = await _account(w, "nation-admin", roles=["regulator"], region_code="371122", department="housing")
    o["account"] = {"A": acc_a["id"], "B": acc_b["id"], "F": acc_f["id"]}
    clients = {}
    for side, who in [("A", "demo-enterprise"), ("B", b_admin), ("F", "nation-admin")]:
        password = PASSWORD if side == "B" else None
        headers = await w.login(who, password)
        made = await w.client.post(
            f"{ID}/clients",
            json={"name": f"矩阵{side}对接系统", "enterprise_code": ent[side]["credit_code"]},
            headers=headers,
        )
        assert made.status_code == 201, made.text
        clients[side] = made.json()["id"]
        w.markers[side].append(made.json()["client_id"])
    o["client"] = clients
    for side, acc in [("A", acc_a), ("B", acc_b), ("F", acc_f)]:
        w.markers[side].append(acc["username"])

    # Webhook endpoints of A and B, each with a message (a ping).
    endpoints, messages = {}, {}
    for side, who in [("A", "demo-enterprise"), ("B", b_admin)]:
        headers = await w.login(who, PASSWORD if side == "B" else None)
        made = await w.client.post(
            f"{N}/webhooks",
            json={"url": f"https://ehs-{side.lower()}.example.com/hooks", "event_types": ["hazard.changed"]},
            headers=headers,
        )
        assert made.status_code == 201, made.text
        endpoints[side] = made.json()["id"]
        pinged = await w.client.post(f"{N}/webhooks/{endpoints[side]}/ping", headers=headers)
        assert pinged.status_code == 202, pinged.text
        messages[side] = pinged.json()["msg_id"]
        w.markers[side].append(f"ehs-{side.lower()}.example.com")
    o["endpoint"], o["message"] = endpoints, messages

    # 回头看 (A, F): a closed 重大 hazard each, re-inspected by its authority — A's listed by
    # 德清县应急管理局 and closed (also the batch sample's hazard), F's closed in a ledger 莒县 imported.
    w.extra["closed_hazard_A"] = await w.hazard_in("closed")
    imported = await w.post(
        f"{H}/hazards/ledger-import", "juxian-yjj", None, status=201,
        files={"file": ("ledger.xlsx", _closed_ledger(ent["F"]["credit_code"]), "application/octet-stream")},
    )  # fmt: skip
    reinspections = {}
    for side, hazard, who in [
        ("A", w.extra["closed_hazard_A"], "deqing-yjj"),
        ("F", imported["hazard_ids"][0], "juxian-yjj"),
    ]:
        made = await w.post(f"{H}/hazards/{hazard}/reinspections", who, REINSPECTION, status=201)
        reinspections[side] = made["id"]
    o["reinspection"] = reinspections

    # Rewards (A, F): a true tip-off each, assessed; the notify-service objects by region.
    o["reward"] = {side: (await w.reward(side))["id"] for side in "AF"}
    o["region"] = {"A": "330521", "F": "371122"}

    # Returns (A: 德清县应急管理局's, F: 莒县应急管理局's), opened by the sweep for the periods
    # that ended before the world's Monday.
    async def opened(side: str, who: str) -> int | None:
        department = w.extra[f"department_{side}"]["id"]
        page = await w.get(f"{H}/returns", who, department_id=department, kind="monthly", period="2024-08")
        return page["items"][0]["id"] if page["items"] else None

    o["return"] = {
        "A": await until(lambda: opened("A", "deqing-yjj")),
        "F": await until(lambda: opened("F", "juxian-yjj")),
    }
    o["idempotency"] = str(uuid.uuid4())

    # 督办 records (A: 德清县安委办's 约谈 of enterprise A; F: 莒县应急管理局's), one held with a commitment.
    o["act"] = {side: await w.act_in("scheduled", side) for side in "AF"}
    o["commitment"] = {side: await w.commitment_in("open", side) for side in "AF"}


def _closed_ledger(credit_code: str) -> bytes:
    """A ledger of one 重大 hazard found and closed before the world's Monday."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Sheet1")
    sheet.append(["统一社会信用代码", "隐患名称", "隐患描述", "隐患等级", "判定标准", "判定条款", "发现日期",
                  "整改状态", "整改期限", "销号日期", "现状及原因", "危害程度及整改难易", "治理方案"])  # fmt: skip
    sheet.append([credit_code, "矩阵F已销号隐患", "粉尘涉爆车间除尘系统未按规定设置泄爆装置", "重大", "GM2023",
                  "第五条(一)", "2024-08-01", "已销号", "2024-08-20", "2024-08-25", "除尘器未设泄爆口",
                  "可能引发粉尘爆炸，需停产改造", "加装泄爆装置并验收"])  # fmt: skip
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 90, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


PHOTO = _photo()


__all__ = ["MONDAY", "Caller", "World", "build", "consent"]
