"""A 督办 act as an official document (``qingling.documents``): 通报 and 函告 under their number,
the 催办 notice, the 约谈通知书 once scheduled and the 约谈记录 once held — each with the words the
record keeps (its text, parties, items, the people and commitments), so the paper says what the
trail says."""

from __future__ import annotations

from notify.supervision.models import Commitment, SupervisionAct, SupervisionParty
from notify.supervision.schemas import KIND_TITLES, ActKind
from qingling.clock import SHANGHAI
from qingling.documents import Facts, IssuedDocument, Items, OfficialDocument, chinese_date
from qingling.errors import NotFound


class ActDocumentNotIssued(NotFound):
    code, title = "act-document-not-issued", "该督办记录还没有可出具的文书"


def party_name(party: SupervisionParty) -> str:
    if party.name:
        return party.name
    kind, _, rest = party.address.partition(":")
    if kind == "enterprise":
        return f"企业（统一社会信用代码 {rest}）"
    if kind == "department":
        region, _, department = rest.partition(":")
        return f"{region} {department} 部门"
    return f"{rest} 安委办"


def document_of(act: SupervisionAct, parties: list[SupervisionParty], commitments: list[Commitment]) -> IssuedDocument:
    kind = ActKind(act.kind)
    addressees = list(dict.fromkeys(party_name(p) for p in parties))
    items = list(dict.fromkeys(p.item_title for p in parties if p.item_title))
    day = act.created_at.astimezone(SHANGHAI).date()
    body: list = [line for line in act.text.splitlines() if line.strip()]
    if kind is ActKind.INTERVIEW:
        return _interview(act, addressees, items, commitments)
    title = {ActKind.URGE: "督办催办通知", ActKind.BULLETIN: act.title, ActKind.LETTER: act.title}[kind]
    if kind is ActKind.URGE:
        body.insert(0, f"事由：{act.title}")
    if act.basis:
        body.append(f"依据：{act.basis}")
    if items:
        body += ["涉及事项：", Items(entries=items)]
    if kind is not ActKind.URGE:
        body += [f"{KIND_TITLES[kind]}对象：", Items(entries=addressees, style="（一）")]
    if act.reply_by:
        body.append(f"请于{chinese_date(act.reply_by)}前书面回复。")
    document = OfficialDocument(
        header=act.issuer_name, number=act.number, title=title, date=day, issuer=act.issuer_name,
        addressee="、".join(addressees[:8]) + ("等" if len(addressees) > 8 else ""), body=body,
    )  # fmt: skip
    name = f"{KIND_TITLES[kind]}{act.number or act.id}"
    return IssuedDocument(document, f"{name}.pdf", f"supervision-{act.id}.pdf")


def _interview(
    act: SupervisionAct, addressees: list[str], items: list[str], commitments: list[Commitment]
) -> IssuedDocument:
    interview = act.interview
    if act.state not in ("scheduled", "held") or interview is None or interview.scheduled_for is None:
        raise ActDocumentNotIssued(f"约谈 {act.id} 尚未安排（或已取消），没有约谈通知书或约谈记录")
    held = act.state == "held" and interview.held_at is not None
    when = (interview.held_at if held else interview.scheduled_for).astimezone(SHANGHAI)
    interviewee = interview.interviewee
    rows = [
        ("约谈机关", act.issuer_name),
        ("约谈时间", f"{chinese_date(when.date())} {when:%H:%M}"),
        ("约谈地点", interview.place or ""),
        ("被约谈方", (interviewee.name or interviewee.address) if interviewee else "、".join(addressees)),
        ("约谈人", "、".join(f"{p.name}（{p.position}）" for p in interview.interviewers)),
        ("被约谈人", "、".join(f"{p.name}（{p.position}）" for p in interview.interviewees)),
    ]
    body: list = [Facts(rows=rows), "约谈事项：", Items(entries=interview.issues)]
    if items:
        body += ["涉及隐患：", Items(entries=items, style="（一）")]
    if held:
        body += ["约谈情况：", *[line for line in (interview.minutes or "").splitlines() if line.strip()]]
        promised = [f"{c.content}（{chinese_date(c.due_on)}前完成）" for c in commitments]
        body += ["承诺事项：", Items(entries=promised, style="1．")] if promised else ["被约谈方未作出承诺事项。"]
    else:
        body.append("请被约谈方主要负责人准时参加，并书面说明有关情况和整改措施。")
    title = "约谈记录" if held else "约谈通知书"
    document = OfficialDocument(
        header=act.issuer_name, title=title, date=when.date(), issuer=act.issuer_name,
        addressee=None if held else "、".join(addressees[:8]), body=body,
    )  # fmt: skip
    return IssuedDocument(document, f"{title}{act.id}.pdf", f"interview-{act.id}.pdf")
