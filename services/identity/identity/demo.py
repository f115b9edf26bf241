"""Demo accounts for embedded mode: one city (湖州市) with two counties (德清县, 吴兴区); and
日照市莒县 (山东省), whose reward rules allow anonymous claims.

They share one password, printed at start-up. Loaded into a production deployment by mistake,
they cannot sign in before their password is changed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.accounts.models import Account
from qingling.auth.roles import Role
from qingling.runtime import Runtime
from qingling.settings import Environment

DEMO_PASSWORD = "Qingling@2026"
DEMO_ENTERPRISE = "91330521MA2B3C4D5Q"  # 德清县 demo enterprise (valid GB 32100 check character)

# username, display name, roles, region, department, enterprise
DEMO_ACCOUNTS = [
    ("nation-admin", "国家级系统管理员", [Role.ADMIN], "000000", None, None),  # loads the holiday calendar
    ("admin", "浙江省系统管理员", [Role.ADMIN], "330000", None, None),
    ("huzhou-admin", "湖州市系统管理员", [Role.ADMIN], "330500", None, None),
    ("huzhou-ajb", "湖州市安委办", [Role.SAFETY_COMMITTEE], "330500", None, None),
    ("huzhou-yjj", "湖州市应急管理局", [Role.REGULATOR], "330500", "emergency", None),
    ("huzhou-custodian", "湖州市举报信息保管人", [Role.CUSTODIAN], "330500", None, None),
    ("deqing-admin", "德清县系统管理员", [Role.ADMIN], "330521", None, None),
    ("deqing-ajb", "德清县安委办", [Role.SAFETY_COMMITTEE], "330521", None, None),  # receives the county's returns
    ("deqing-yjj", "德清县应急管理局", [Role.REGULATOR], "330521", "emergency", None),
    (
        "deqing-yjj-leader",
        "德清县应急管理局负责人",
        [Role.REGULATOR, Role.DEPARTMENT_LEADER],
        "330521",
        "emergency",
        None,
    ),
    ("deqing-zjj", "德清县住建局", [Role.REGULATOR], "330521", "housing", None),
    ("deqing-zjj-leader", "德清县住建局负责人", [Role.REGULATOR, Role.DEPARTMENT_LEADER], "330521", "housing", None),
    ("deqing-12345", "德清县 12345 接线员", [Role.OPERATOR], "330521", None, None),
    ("wuxing-yjj", "吴兴区应急管理局", [Role.REGULATOR], "330502", "emergency", None),
    ("xinshi-town", "新市镇应急管理办公室", [Role.REGULATOR], "330521102", "town_office", None),
    ("rizhao-yjj", "日照市应急管理局", [Role.REGULATOR, Role.DEPARTMENT_LEADER], "371100", "emergency", None),
    ("juxian-yjj", "莒县应急管理局", [Role.REGULATOR], "371122", "emergency", None),
    (
        "juxian-yjj-leader",
        "莒县应急管理局负责人",
        [Role.REGULATOR, Role.DEPARTMENT_LEADER],
        "371122",
        "emergency",
        None,
    ),
    ("demo-enterprise", "德清示范企业安全管理员", [Role.ENTERPRISE_ADMIN], "330521", None, DEMO_ENTERPRISE),
]


async def load_demo(session: AsyncSession, runtime: Runtime) -> list[str]:
    if (await session.execute(select(Account.id).limit(1))).first() is not None:
        return _lines()
    now = runtime.clock.now()
    password_hash = await runtime.adapters.passwords.hash(DEMO_PASSWORD)
    for username, name, roles, region, department, enterprise in DEMO_ACCOUNTS:
        session.add(
            Account(
                username=username,
                display_name=name,
                password_hash=password_hash,
                roles=[str(role) for role in roles],
                region_code=region,
                department=department,
                enterprise_code=enterprise,
                must_change_password=runtime.settings.environment is Environment.PRODUCTION,
                created_at=now,
                updated_at=now,
                created_by="demo",
            )
        )
    return _lines()


def _lines() -> list[str]:
    return [f"密码均为 {DEMO_PASSWORD}"] + [f"{username:<20}{name}" for username, name, *_ in DEMO_ACCOUNTS]
