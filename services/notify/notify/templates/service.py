"""Message wording in Chinese, with variables, versioned per region (``notify.regional``).
``string.Template`` is enough: the variables are few and named, and a template an admin writes can
do nothing but substitute them."""

from __future__ import annotations

from datetime import datetime
from string import Template

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify import regional
from notify.templates import schemas
from notify.templates.models import MessageTemplate
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.errors import FieldError, Forbidden, NotFound, ValidationFailed

VARIABLES = frozenset({"title", "deadline", "days", "step", "step_what", "enterprise_code"})
BUILT_IN = {
    "hazard.warning": ("隐患整改期限预警", "$title 的整改期限为 $deadline，还剩 $days 天，请抓紧整改并按时申请销号。"),
    "hazard.urge": ("隐患整改超期催办", "$title 已超过整改期限（$deadline）$days 天，请立即整改并报告进展。"),
    "hazard.bulletin": ("隐患整改超期通报", "$title 超过整改期限（$deadline）$days 天仍未整改完毕，予以通报。"),
    "tip_off.warning": ("举报办理期限预警", "$title 的“$step_what”将于 $deadline 到期，请按时办理。"),
    "tip_off.urge": ("举报办理超期催办", "$title 的“$step_what”已于 $deadline 到期，超期 $days 天，请立即办理。"),
    "return.urge": ("报表逾期未报送催办", "$title 应于 $deadline 前报送，已逾期 $days 天，请立即编制报送。"),
    "hazard.interview": (
        "隐患整改超期约谈",
        "$title 超过整改期限（$deadline）$days 天，已生成待安排的约谈，"
        "请上级安委办在 10 个工作日内约谈或函告责任单位。",
    ),
    # Told at once, by SMS too, to the enterprise's principal and actual controller and to the
    # supervising department (domain.md §6; seed 003: 及时通知到主要负责人、实际控制人).
    "hazard.listed": (
        "重大事故隐患挂牌督办",
        "$title 已被列为重大事故隐患挂牌督办，整改期限为 $deadline。请主要负责人组织整改，按期申请销号。",
    ),
    "hazard.deadline_changed": (
        "重大事故隐患整改期限变更",
        "$title 的整改期限已变更为 $deadline，请按新的期限完成整改。",
    ),
    "hazard.closed": ("重大事故隐患销号", "$title 已经复核销号，挂牌督办解除。"),
    # A new task for a department's staff: a tip-off it now handles (routed, transferred, objected to).
    "tip_off.assigned": ("新的举报待办", "$title 已交由本部门办理：请在 $deadline 前$step_what。"),
    "interview.warning": ("约谈组织期限预警", "$title 应于 $deadline 前组织，还剩 $days 天，请安排时间、地点和人员。"),
    "interview.urge": ("约谈逾期未组织催办", "$title 应于 $deadline 前组织，已逾期 $days 天，请立即安排并记录。"),
    "commitment.warning": ("约谈承诺期限预警", "$title 应于 $deadline 前完成，还剩 $days 天。"),
    "commitment.urge": (
        "约谈承诺逾期催办",
        "$title 应于 $deadline 前完成，已逾期 $days 天，请立即落实并报告约谈机关。",
    ),
}


class TemplateNotFound(NotFound):
    code, title = "template-not-found", "没有这个消息模板"


class UnknownVariable(ValidationFailed):
    code, title = "template-unknown-variable", "模板中有不认识的变量"


class TemplateOutsideJurisdiction(Forbidden):
    code, title = "template-outside-jurisdiction", "只能为本辖区修改消息模板"


async def seed(session: AsyncSession, now: datetime) -> None:
    """The release's wording as the national default: added when a key is new, and again as a new
    version when the newest national one differs from it (no API writes the national default)."""
    for key, (title, body) in BUILT_IN.items():
        national = await _newest(session, key, regional.NATIONAL)
        if national is None or (national.title, national.body) != (title, body):
            version = await _next_version(session, key)
            session.add(MessageTemplate(key=key, region_code=regional.NATIONAL, version=version, title=title, body=body,
                                        created_by="built-in", created_at=now))  # fmt: skip


async def current(session: AsyncSession, key: str, region_code: str | None) -> MessageTemplate:
    """The wording for a message about a place: the nearest region's newest version."""
    template = await regional.nearest_newest(session, MessageTemplate, region_code, MessageTemplate.key == key)
    if template is None:
        raise TemplateNotFound(f"没有模板 {key}")
    return template


async def every_version(session: AsyncSession, key: str) -> list[MessageTemplate]:
    """All regions' versions of a template (``regional.pick`` chooses the one for a place)."""
    return list((await session.execute(select(MessageTemplate).where(MessageTemplate.key == key))).scalars())


async def versions(session: AsyncSession, caller: Principal) -> list[MessageTemplate]:
    """Every version the caller may see (``regional.visible_to``)."""
    query = select(MessageTemplate).where(regional.visible_to(caller, MessageTemplate.region_code))
    return list((await session.execute(query.order_by(MessageTemplate.key, MessageTemplate.version))).scalars())


async def add_version(
    session: AsyncSession, caller: Principal, key: str, body: schemas.TemplateVersion, now: datetime
) -> MessageTemplate:
    """A region's new wording, by an admin whose jurisdiction contains the region."""
    if key not in BUILT_IN:  # only built-in keys: each is sent by a step of the ladder
        raise TemplateNotFound(f"没有模板 {key}")
    if not (caller.has(Role.ADMIN) and caller.covers(body.region_code)):
        raise TemplateOutsideJurisdiction(
            f"您只能为 {caller.region_code} 及其下级地区修改消息模板",
            errors=[FieldError(location="body", field="/region_code", message="不在您的辖区内")],
        )
    unknown = sorted({name for name in _names(body.title + body.body)} - VARIABLES)
    if unknown:
        errors = [FieldError(location="body", field="/body", message=f"不认识的变量：{', '.join(unknown)}")]
        raise UnknownVariable(f"可用变量：{'、'.join(sorted(VARIABLES))}", errors=errors)
    template = MessageTemplate(
        key=key, region_code=body.region_code, version=await _next_version(session, key), title=body.title,
        body=body.body, created_by=caller.subject, created_at=now,
    )  # fmt: skip
    session.add(template)
    await session.flush()
    return template


async def _newest(session: AsyncSession, key: str, region_code: str) -> MessageTemplate | None:
    query = select(MessageTemplate).where(MessageTemplate.key == key, MessageTemplate.region_code == region_code)
    return (await session.execute(query.order_by(MessageTemplate.version.desc()).limit(1))).scalar_one_or_none()


async def _next_version(session: AsyncSession, key: str) -> int:
    """One more than the key's newest version in any region. The key's first version is locked
    first (PostgreSQL), so two regions adding at once number one after the other."""
    first = select(MessageTemplate.id).where(MessageTemplate.key == key).order_by(MessageTemplate.version).limit(1)
    await session.execute(first.with_for_update())
    query = select(func.max(MessageTemplate.version)).where(MessageTemplate.key == key)
    return ((await session.execute(query)).scalar() or 0) + 1


def render(template: MessageTemplate, values: dict[str, str]) -> tuple[str, str]:
    return Template(template.title).safe_substitute(values), Template(template.body).safe_substitute(values)


def _names(text: str) -> set[str]:
    pattern = Template.pattern
    return {
        m.group("named") or m.group("braced") for m in pattern.finditer(text) if m.group("named") or m.group("braced")
    }
