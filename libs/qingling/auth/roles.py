"""The role catalogue: one declaration, from which the README table and the account
administration rules are derived.

A principal carries roles plus a place in the hierarchy: a region code (jurisdiction = code
prefix), a department kind and an enterprise (统一社会信用代码).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    MINIPROGRAM_USER = "miniprogram_user"
    ENTERPRISE_USER = "enterprise_user"
    ENTERPRISE_ADMIN = "enterprise_admin"
    ENTERPRISE_CLIENT = "enterprise_client"
    OPERATOR = "operator"
    REGULATOR = "regulator"
    DEPARTMENT_LEADER = "department_leader"
    SAFETY_COMMITTEE = "safety_committee"
    CUSTODIAN = "custodian"
    ADMIN = "admin"
    SERVICE = "service"


@dataclass(frozen=True)
class RoleInfo:
    title: str
    who: str
    place: str  # what the holder's place in the hierarchy must be
    privileged: bool = False  # granted only by an admin of a strictly higher level


ROLES: dict[Role, RoleInfo] = {
    Role.MINIPROGRAM_USER: RoleInfo(
        "小程序用户", "通过微信小程序登录的群众（openid），可实名举报并查看自己的举报", "无"
    ),
    Role.ENTERPRISE_USER: RoleInfo("企业用户", "生产经营单位的安全管理人员：自查自报、整改、上传证据", "所属企业"),
    Role.ENTERPRISE_ADMIN: RoleInfo("企业管理员", "管理本企业账号、API 客户端和 webhook 订阅", "所属企业"),
    Role.ENTERPRISE_CLIENT: RoleInfo("企业系统", "企业 ERP/EHS 系统，以客户端凭证调用接口", "所属企业"),
    Role.OPERATOR: RoleInfo("接线员", "12350/12345 热线接线员，代来电群众录入举报", "所在地区"),
    Role.REGULATOR: RoleInfo(
        "监管人员", "省、市、县、乡镇负有安全监管职责部门的工作人员：受理、核查、审核、挂牌、销号", "所在地区 + 部门"
    ),
    Role.DEPARTMENT_LEADER: RoleInfo("部门负责人", "监管部门负责人：审批延期、作出决定", "所在地区 + 部门"),
    Role.SAFETY_COMMITTEE: RoleInfo("安委办", "安委会办公室工作人员：跨部门督办、通报、统计", "所在地区"),
    Role.CUSTODIAN: RoleInfo(
        "举报人信息保管人", "经授权查看密封的举报人身份，每次查看须说明理由并留痕", "所在地区", privileged=True
    ),
    Role.ADMIN: RoleInfo("系统管理员", "管理本辖区的账号与角色、API 客户端、签名密钥", "所在地区", privileged=True),
    Role.SERVICE: RoleInfo("内部服务", "服务之间的调用（客户端凭证），不发给人", "无"),
}

ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_USER, Role.ENTERPRISE_ADMIN, Role.ENTERPRISE_CLIENT})
STAFF_ROLES = frozenset(
    {Role.OPERATOR, Role.REGULATOR, Role.DEPARTMENT_LEADER, Role.SAFETY_COMMITTEE, Role.CUSTODIAN, Role.ADMIN}
)

# Not roles carried by a token, but access levels routes declare as well.
PUBLIC_ACCESS = ("公众", "无需登录")
REPORTER_ACCESS = ("匿名举报人", "凭回执码和查询密码，不需要账号")


def roles_table() -> str:
    """The catalogue as a Markdown table (embedded in the README by ``./ql generate``)."""
    rows = [
        f"| {PUBLIC_ACCESS[0]} | — | {PUBLIC_ACCESS[1]} | 无 |",
        f"| {REPORTER_ACCESS[0]} | — | {REPORTER_ACCESS[1]} | 无 |",
    ]
    for role, info in ROLES.items():
        who = info.who + ("（仅能由上级管理员授予）" if info.privileged else "")
        rows.append(f"| {info.title} | `{role}` | {who} | {info.place} |")
    return "\n".join(["| 角色 | 代码 | 说明 | 令牌携带 |", "|---|---|---|---|", *rows])
