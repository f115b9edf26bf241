"""A person's own channel preferences: per kind of message, the channels in order — or none but
the inbox, except for the statutory kinds, which go out on the defaults whatever is set."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from notify.outgoing import policy
from notify.outgoing.models import ChannelPreference
from notify.outgoing.schemas import PreferenceRead, Preferences, PreferenceWrite
from notify.templates.service import BUILT_IN
from qingling.auth.principal import Principal
from qingling.directory import ContactRole
from qingling.errors import FieldError, Forbidden, NotFound, ValidationFailed


class PreferencesPeopleOnly(Forbidden):
    code, title = "preferences-people-only", "只有本人账号可以设置通知渠道"


class UnknownMessageKind(NotFound):
    code, title = "message-kind-not-found", "没有这个消息类别"


class StatutoryNotice(ValidationFailed):
    code, title = "statutory-notice", "法定通知不能关闭"


def kinds() -> list[str]:
    return [policy.ALL_KINDS, *sorted(BUILT_IN), *policy.SUPERVISION_KINDS]


def _subject(caller: Principal) -> str:
    if not caller.subject.startswith(("account:", "wechat:")):
        raise PreferencesPeopleOnly("通知渠道是个人的设置：请以本人账号登录")
    return caller.subject


def _known(kind: str) -> str:
    if kind not in kinds():
        raise UnknownMessageKind(f"没有消息类别 {kind[:50]}；可设置：{'、'.join(kinds())}")
    return kind


def _read(row: ChannelPreference) -> PreferenceRead:
    return PreferenceRead(
        kind=row.kind, channels=row.channels, statutory=policy.is_statutory(row.kind), updated_at=row.updated_at
    )


async def mine(session: AsyncSession, caller: Principal) -> Preferences:
    subject = _subject(caller)
    query = select(ChannelPreference).where(ChannelPreference.subject == subject).order_by(ChannelPreference.kind)
    role = ContactRole.WECHAT_USER if subject.startswith("wechat:") else ContactRole.ACCOUNT
    return Preferences(
        items=[_read(row) for row in (await session.execute(query)).scalars()],
        default_channels=policy.DEFAULT_ORDER[role],
        kinds=kinds(),
        statutory_kinds=sorted(policy.STATUTORY_KINDS & set(kinds())),
        quiet_hours=f"{policy.QUIET_FROM:%H:%M}–{policy.QUIET_UNTIL:%H:%M}",
    )


async def set_one(
    session: AsyncSession, caller: Principal, kind: str, body: PreferenceWrite, now: datetime
) -> PreferenceRead:
    subject, kind = _subject(caller), _known(kind)
    channels = [str(name) for name in body.channels]
    if len(set(channels)) != len(channels):
        raise ValidationFailed.for_field("channels", "同一渠道只能出现一次")
    if not channels and policy.is_statutory(kind):
        raise StatutoryNotice(
            f"{kind} 是法定通知，不能只收站内信：请至少保留一个渠道",
            errors=[FieldError(location="body", field="/channels", message="法定通知至少需要一个渠道")],
        )
    query = select(ChannelPreference).where(ChannelPreference.subject == subject, ChannelPreference.kind == kind)
    row = (await session.execute(query.with_for_update())).scalar_one_or_none()
    if row is None:
        row = ChannelPreference(subject=subject, kind=kind, channels=channels, updated_at=now)
        session.add(row)
    else:
        row.channels, row.updated_at = channels, now
    await session.flush()
    return _read(row)


async def reset(session: AsyncSession, caller: Principal, kind: str) -> None:
    subject, kind = _subject(caller), _known(kind)
    await session.execute(
        delete(ChannelPreference).where(ChannelPreference.subject == subject, ChannelPreference.kind == kind)
    )
