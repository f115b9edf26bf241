"""Message wording in Chinese, with variables, versioned. ``string.Template`` is enough: the
variables are few and named, and a template an admin writes can do nothing but substitute them."""

from __future__ import annotations

from datetime import datetime
from string import Template

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify.templates import schemas
from notify.templates.models import MessageTemplate
from qingling.errors import FieldError, NotFound, ValidationFailed

VARIABLES = frozenset({"title", "deadline", "days", "step", "step_what", "enterprise_code"})
BUILT_IN = {
    "hazard.warning": ("隐患整改期限预警", "$title 的整改期限为 $deadline，还剩 $days 天，请抓紧整改并按时申请销号。"),
    "hazard.urge": ("隐患整改超期催办", "$title 已超过整改期限（$deadline）$days 天，请立即整改并报告进展。"),
    "hazard.bulletin": ("隐患整改超期通报", "$title 超过整改期限（$deadline）$days 天仍未整改完毕，予以通报。"),
    "tip_off.warning": ("举报办理期限预警", "$title 的“$step_what”将于 $deadline 到期，请按时办理。"),
    "tip_off.urge": ("举报办理超期催办", "$title 的“$step_what”已于 $deadline 到期，超期 $days 天，请立即办理。"),
    "hazard.interview": (
        "隐患整改超期约谈",
        "$title 超过整改期限（$deadline）$days 天，请上级安委办约谈或函告责任单位。",
    ),
}


class TemplateNotFound(NotFound):
    code, title = "template-not-found", "没有这个消息模板"


class UnknownVariable(ValidationFailed):
    code, title = "template-unknown-variable", "模板中有不认识的变量"


async def seed(session: AsyncSession, now: datetime) -> None:
    known = set((await session.execute(select(MessageTemplate.key))).scalars())
    for key, (title, body) in BUILT_IN.items():
        if key not in known:
            session.add(
                MessageTemplate(key=key, version=1, title=title, body=body, created_by="built-in", created_at=now)
            )


async def current(session: AsyncSession, key: str) -> MessageTemplate:
    query = select(MessageTemplate).where(MessageTemplate.key == key).order_by(MessageTemplate.version.desc())
    template = (await session.execute(query.limit(1))).scalar_one_or_none()
    if template is None:
        raise TemplateNotFound(f"没有模板 {key}")
    return template


async def versions(session: AsyncSession) -> list[MessageTemplate]:
    query = select(MessageTemplate).order_by(MessageTemplate.key, MessageTemplate.version)
    return list((await session.execute(query)).scalars())


async def add_version(
    session: AsyncSession, key: str, body: schemas.TemplateVersion, author: str, now: datetime
) -> MessageTemplate:
    await current(session, key)  # only built-in keys: each is sent by a step of the ladder
    unknown = sorted({name for name in _names(body.title + body.body)} - VARIABLES)
    if unknown:
        errors = [FieldError(location="body", field="/body", message=f"不认识的变量：{', '.join(unknown)}")]
        raise UnknownVariable(f"可用变量：{'、'.join(sorted(VARIABLES))}", errors=errors)
    latest = (
        await session.execute(select(func.max(MessageTemplate.version)).where(MessageTemplate.key == key))
    ).scalar()
    template = MessageTemplate(
        key=key, version=latest + 1, title=body.title, body=body.body, created_by=author, created_at=now
    )
    session.add(template)
    await session.flush()
    return template


def render(template: MessageTemplate, values: dict[str, str]) -> tuple[str, str]:
    return Template(template.title).safe_substitute(values), Template(template.body).safe_substitute(values)


def _names(text: str) -> set[str]:
    pattern = Template.pattern
    return {
        m.group("named") or m.group("braced") for m in pattern.finditer(text) if m.group("named") or m.group("braced")
    }
