"""Demo register for embedded mode: 湖州市 with 德清县 and 吴兴区, their departments and towns,
and fifty enterprises across industries; and 日照市莒县 in 山东省, whose local reward rules
(anonymous claims by receipt) differ from the national ones. Deterministic: the same data on every start.

德清县 has no 消防 department of its own, so fire-safety matters resolve to the city's
消防救援支队 — the register's walk up the hierarchy is visible in the demo.
"""

from __future__ import annotations

import random

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.departments.models import Department
from hazards.enterprises.models import Enterprise
from hazards.enterprises.schemas import People
from hazards.industries.catalogue import KIND_BY_CODE, TOWN_OFFICE
from qingling.credit_code import check_character
from qingling.runtime import Runtime

DEMO_ENTERPRISE = "91330521MA2B3C4D5Q"  # the enterprise of identity's demo enterprise admin

DEPARTMENTS = {
    "330000": {"emergency": "浙江省应急管理厅", "fire": "浙江省消防救援总队"},
    "330500": {
        "emergency": "湖州市应急管理局",
        "housing": "湖州市住房和城乡建设局",
        "market": "湖州市市场监督管理局",
        "fire": "湖州市消防救援支队",
        "transport": "湖州市交通运输局",
        "industry_it": "湖州市经济和信息化局",
        "energy": "湖州市发展和改革委员会",
        "agriculture": "湖州市农业农村局",
        "water": "湖州市水利局",
        "culture_tourism": "湖州市文化广电旅游局",
        "education": "湖州市教育局",
        "ecology": "湖州市生态环境局",
        "urban_management": "湖州市综合行政执法局",
    },
    "330521": {
        "emergency": "德清县应急管理局",
        "housing": "德清县住房和城乡建设局",
        "market": "德清县市场监督管理局",
        "transport": "德清县交通运输局",
        "culture_tourism": "德清县文化和广电旅游体育局",
        "education": "德清县教育局",
        "ecology": "湖州市生态环境局德清分局",
    },
    "330502": {
        "emergency": "吴兴区应急管理局",
        "housing": "吴兴区住房和城乡建设局",
        "market": "吴兴区市场监督管理局",
        "fire": "吴兴区消防救援大队",
        "transport": "吴兴区交通运输局",
        "education": "吴兴区教育局",
    },
    "370000": {"emergency": "山东省应急管理厅"},
    "371100": {"emergency": "日照市应急管理局", "fire": "日照市消防救援支队"},
    "371122": {"emergency": "莒县应急管理局", "housing": "莒县住房和城乡建设局"},
    "330521001": {TOWN_OFFICE: "武康街道应急管理办公室"},
    "330521102": {TOWN_OFFICE: "新市镇应急管理办公室"},
    "330502100": {TOWN_OFFICE: "织里镇应急管理办公室"},
    "330502001": {TOWN_OFFICE: "月河街道应急管理办公室"},
}

TOWNS = {  # town → (county, latitude, longitude)
    "330521001": ("德清", 30.545, 119.965),
    "330521102": ("德清", 30.636, 120.270),
    "330521103": ("德清", 30.620, 120.165),
    "330521115": ("德清", 30.603, 119.886),
    "330502100": ("吴兴", 30.871, 120.264),
    "330502001": ("吴兴", 30.867, 120.091),
    "330502104": ("吴兴", 30.718, 119.888),
}

INDUSTRY_MIX = [  # industry, name ending, tags, weight
    ("industry_trade", "陶瓷有限公司", ["ceramics", "dust_explosion"], 5),
    ("industry_trade", "金属制品有限公司", ["dust_explosion", "welding"], 5),
    ("industry_trade", "食品有限公司", ["ammonia_refrigeration", "confined_space"], 3),
    ("industry_trade", "纺织有限公司", [], 4),
    ("industry_trade", "钢结构有限公司", ["steel", "welding", "fall_from_height"], 3),
    ("hazardous_chemicals", "化工有限公司", ["confined_space"], 4),
    ("fireworks", "烟花爆竹批发有限公司", [], 1),
    ("metal_mining", "矿业有限公司", [], 2),
    ("construction", "建设工程有限公司", ["fall_from_height", "outsourcing"], 5),
    ("city_gas", "燃气有限公司", [], 2),
    ("transport", "物流有限公司", [], 3),
    ("fire_safety", "商业管理有限公司", [], 4),
    ("special_equipment", "电梯工程有限公司", [], 3),
    ("culture_tourism", "旅游开发有限公司", [], 2),
]
STEMS = [
    "华峰",
    "天成",
    "恒达",
    "宏远",
    "金鼎",
    "万通",
    "瑞丰",
    "永盛",
    "国泰",
    "鑫源",
    "东升",
    "明辉",
    "富春",
    "德润",
    "莫干",
    "新联",
    "兴业",
    "嘉禾",
    "博远",
    "长虹",
]
SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "朱", "沈", "钱"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "霞", "平", "刚", "桂英"]


async def load_demo(session: AsyncSession, runtime: Runtime) -> list[str]:
    if (await session.execute(select(Department.id).limit(1))).first() is None:
        now = runtime.clock.now()
        for region_code, kinds in DEPARTMENTS.items():
            for kind, name in kinds.items():
                session.add(
                    Department(
                        region_code=region_code,
                        kind=kind,
                        name=name,
                        industries=list(KIND_BY_CODE[kind].industries),
                        created_at=now,
                        updated_at=now,
                    )
                )
        for enterprise in [*demo_enterprises(), *shandong_enterprises()]:
            session.add(Enterprise(**enterprise, created_at=now, updated_at=now, created_by="demo"))
    return ["隐患服务：湖州市（德清县、吴兴区）的监管部门与 50 家演示企业；日照市莒县的监管部门与 3 家企业"]


def demo_enterprises() -> list[dict]:
    chooser = random.Random(2026)
    mix = [entry for entry in INDUSTRY_MIX for _ in range(entry[3])]
    enterprises = []
    for number in range(50):
        industry, ending, tags, _ = mix[number % len(mix)]
        town = list(TOWNS)[number % len(TOWNS)]
        county, latitude, longitude = TOWNS[town]
        body = f"91{town[:6]}MA2{number + 1:06d}"
        credit_code = DEMO_ENTERPRISE if number == 0 else body + check_character(body)
        enterprises.append(
            {
                "credit_code": credit_code,
                "name": f"{county}{STEMS[number % len(STEMS)]}{ending}"
                + ("" if number < len(STEMS) else f"（{number}）"),
                "address": f"{county}{'县' if county == '德清' else '区'}工业园区{number + 1}号",
                "region_code": town,
                "industry": industry,
                "tags": tags,
                "latitude": round(latitude + chooser.uniform(-0.01, 0.01), 6),
                "longitude": round(longitude + chooser.uniform(-0.01, 0.01), 6),
                "risk_class": chooser.choices("ABCD", weights=(1, 3, 5, 3))[0],
                "people": _people(
                    credit_code,
                    principal=_person(chooser),
                    actual_controller=_person(chooser),
                    safety_manager=_person(chooser),
                ),
            }
        )
    return enterprises


def shandong_enterprises() -> list[dict]:
    chooser = random.Random(3711)
    enterprises = []
    for number, (name, industry, tags) in enumerate(
        [
            ("莒县鲁东石材有限公司", "industry_trade", ["dust_explosion"]),
            ("莒县浮来山食品有限公司", "industry_trade", ["ammonia_refrigeration", "confined_space"]),
            ("莒县沭河化工有限公司", "hazardous_chemicals", ["confined_space"]),
        ]
    ):
        body = f"91371122MA3{number + 1:06d}"
        credit_code = body + check_character(body)
        enterprises.append(
            {
                "credit_code": credit_code,
                "name": name,
                "address": f"莒县城阳街道工业园区{number + 1}号",
                "region_code": "371122",
                "industry": industry,
                "tags": tags,
                "latitude": round(35.58 + chooser.uniform(-0.01, 0.01), 6),
                "longitude": round(118.83 + chooser.uniform(-0.01, 0.01), 6),
                "risk_class": "C",
                "people": _people(credit_code, principal=_person(chooser), safety_manager=_person(chooser)),
            }
        )
    return enterprises


def _person(chooser: random.Random) -> dict[str, str]:
    return {"name": chooser.choice(SURNAMES) + chooser.choice(GIVEN), "phone": f"138{chooser.randrange(10**8):08d}"}


def _people(credit_code: str, **people: dict[str, str]) -> dict:
    """An enterprise's people, each with an e-mail address at a reserved domain (RFC 2606) that
    no mail reaches (principal.4d5q@example.com); checked as the API checks them, kept as JSON."""
    suffix = credit_code[-4:].lower()
    emails = {role: f"{role.replace('_', '-')}.{suffix}@example.com" for role in people}
    typed = People.model_validate({role: person | {"email": emails[role]} for role, person in people.items()})
    return typed.model_dump(mode="json", exclude_none=True)
