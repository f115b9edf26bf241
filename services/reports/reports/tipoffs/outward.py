"""The check on what a handler sends to the reported enterprise (the hazard a true tip-off becomes):
before it leaves, every text in it is compared with what the reporter said of themselves — and a
text that repeats it, still carries a masked detail, or speaks of the reporter is refused with
the spans named, unless the handler confirms it (``confirm_identifiers``), which the trail keeps.

Refusing rather than warning beside a success is deliberate: a console that does not show the
warning still cannot send the text, and the confirmation is a decision someone made, on the record."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.errors import FieldError, ValidationFailed
from reports.conversation.models import TipOffMessage
from reports.tipoffs.models import TipOff
from reports.tipoffs.redaction import POINTER_TITLES, identifiers, outward_spans
from reports.tipoffs.schemas import HazardFinding


class MayIdentifyReporter(ValidationFailed):
    code, title = "may-identify-reporter", "转给被举报单位的内容可能指向举报人"


async def check(session: AsyncSession, tip_off: TipOff, hazard: HazardFinding, prefix: str) -> dict[str, Any]:
    """Nothing when ``hazard`` points to no one; 422 naming each span that may point to the
    reporter, unless confirmed; what was confirmed, for the trail (fields and kinds, no text)."""
    words = [tip_off.facts]
    words += (
        await session.execute(
            select(TipOffMessage.text).where(TipOffMessage.tip_off_id == tip_off.id, TipOffMessage.side == "reporter")
        )
    ).scalars()
    reporter = identifiers(words)
    found = [
        (pointer, span)
        for pointer, text in _texts(hazard.model_dump(exclude={"confirm_identifiers"}), prefix)
        for span in outward_spans(text, reporter)
    ]
    if not found:
        return {}
    if not hazard.confirm_identifiers:
        raise MayIdentifyReporter(
            "隐患内容将发给被举报单位，以下文字可能让其认出举报人。请改写后再提交；"
            "确需保留的（如事发地点就是举报人提到的地方），请核对后以 confirm_identifiers: true 确认（记入办理记录）",
            errors=[
                FieldError(location="body", field=pointer, message=f"“{span.text}”：{POINTER_TITLES[span.kind]}")
                for pointer, span in found
            ],
            extensions={
                "identifiers": [
                    {"field": pointer, "kind": span.kind.value, "text": span.text, "start": span.start, "end": span.end}
                    for pointer, span in found
                ]
            },
        )
    return {"identifiers_confirmed": [{"field": pointer, "kind": span.kind.value} for pointer, span in found]}


def _texts(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """Every string in ``value`` with its JSON Pointer."""
    if isinstance(value, str):
        yield pointer, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(item, f"{pointer}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _texts(item, f"{pointer}/{i}")
