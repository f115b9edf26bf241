"""The words of each document a hazard's steps issue, as ``qingling.documents.OfficialDocument``s.

Each says what the step recorded and nothing the trail does not hold: the typed ``details`` the
step kept (the order, the listing, the completion, review, check and close-out), and who acted and
when from the step's trail entry. A fact the step did not record is left out, never made up —
a 一般 hazard's order has no 文号, so none is printed; its number is the hazard's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hazards.documents.schemas import StepTrail
from hazards.enterprises.models import Enterprise
from hazards.hazard.lifecycle import HAZARD_LIFECYCLE
from hazards.hazard.models import Hazard
from qingling.clock import to_shanghai
from qingling.documents import Facts, Items, OfficialDocument, chinese_date
from qingling.standards import STANDARD_BY_ID

GRADES = {"major": "重大事故隐患", "general": "一般事故隐患"}
EVALUATED_BY = {"in_house_experts": "本单位技术人员和专家", "assessment_agency": "安全评价机构"}


@dataclass(frozen=True)
class Step:
    """A step's entry on the hazard's trail: when, and what the runner recorded beside the payload."""

    at: datetime
    trail: StepTrail


def _day(moment: datetime) -> date:
    return to_shanghai(moment).date()


def _basis(hazard: Hazard) -> str | None:
    if hazard.basis_standard is None:
        return None
    standard = STANDARD_BY_ID.get(hazard.basis_standard)
    name = f"《{standard.title}》（{standard.document}）" if standard else hazard.basis_standard
    return f"{name}{hazard.basis_clause or ''}"


def _hazard_facts(hazard: Hazard, enterprise: Enterprise) -> list[tuple[str, str]]:
    rows = [
        ("隐患编号", str(hazard.id)),
        ("企业名称", enterprise.name),
        ("统一社会信用代码", enterprise.credit_code),
        ("企业地址", enterprise.address),
        ("隐患名称", hazard.title),
        ("隐患等级", GRADES[hazard.grade]),
    ]
    if (basis := _basis(hazard)) is not None:
        rows.append(("判定依据", basis))
    return rows


def rectification_order(hazard: Hazard, enterprise: Enterprise, step: Step) -> OfficialDocument:
    """整改指令书: the 限期整改指令 of a confirmed 重大 hazard, or the “五定” order of an accepted 一般 one."""
    issuer = step.trail.acting_department or hazard.supervising_name or ""
    found = chinese_date(_day(hazard.found_at))
    details = hazard.details
    if hazard.grade == "major" and details.confirmation is not None:
        confirmation = details.confirmation
        facts = [*_hazard_facts(hazard, enterprise), ("发现时间", found), ("隐患描述", hazard.description)]
        if details.report is not None:
            facts += [
                ("现状及产生原因", details.report.condition),
                ("危害程度和整改难易程度", details.report.harm),
                ("治理方案", details.report.plan),
            ]
        body: list = [
            f"经查，你单位存在重大事故隐患：{hazard.title}。依据{_basis(hazard) or '重大事故隐患判定标准'}，"
            f"{issuer}确认该隐患为重大事故隐患，现下达限期整改指令。",
            Facts(rows=facts),
            "你单位应当立即采取安全防范措施，按照治理方案组织整改；重大事故隐患排除前或者排除过程中无法保证安全的，"
            "应当从危险区域内撤出作业人员，暂时停产停业或者停止使用相关设施、设备。",
        ]
        if confirmation.note:
            body.append(f"说明：{confirmation.note}")
        return OfficialDocument(
            header=issuer,
            number=confirmation.order_no,
            title="重大事故隐患限期整改指令书",
            addressee=enterprise.name,
            body=body,
            issuer=issuer,
            date=_day(step.at),
        )
    order = details.order
    assert order is not None  # the service issues the document only once the step recorded it
    deadline = order.deadline or (_day(step.trail.deadline_at) if step.trail.deadline_at else None)
    facts = [*_hazard_facts(hazard, enterprise), ("发现时间", found), ("隐患描述", hazard.description)]
    facts += [
        ("整改措施", order.measures),
        ("整改责任人", order.responsible_person),
        ("整改资金", order.funds),
        ("验收人", order.acceptor),
    ]
    if deadline is not None:
        facts.append(("整改期限", f"{chinese_date(deadline)}（含当日）"))
    return OfficialDocument(
        header=issuer,
        title="事故隐患整改指令书",
        addressee=enterprise.name,
        body=[
            f"经查，你单位存在一般事故隐患：{hazard.title}（隐患编号{hazard.id}）。"
            "现责令你单位按下列措施、责任人、资金、期限和验收人（“五定”）限期整改，整改完成后由验收人验收。",
            Facts(rows=facts),
        ],
        issuer=issuer,
        date=_day(step.at),
    )


def listing_notice(hazard: Hazard, enterprise: Enterprise) -> OfficialDocument:
    """挂牌督办通知书, from what the listing recorded."""
    listing = hazard.details.listing
    assert listing is not None and hazard.lister_name is not None
    lister, supervising = hazard.lister_name, hazard.supervising_name or ""
    plan_limit = HAZARD_LIFECYCLE.transition("list").limit
    facts = [
        *_hazard_facts(hazard, enterprise),
        ("督办文号", listing.notice_no),
        ("挂牌督办机关", lister),
        ("挂牌日期", chinese_date(listing.listed_on)),
        ("整改期限", f"{chinese_date(listing.deadline)}（含当日）"),
        ("督办整改要求与措施", listing.measures),
        ("整改责任单位", listing.responsible_unit),
        ("整改责任人", listing.responsible_person),
        ("督办部门", supervising),
    ]
    return OfficialDocument(
        header=lister,
        number=listing.notice_no,
        title="重大事故隐患挂牌督办通知书",
        addressee=enterprise.name,
        body=[
            f"你单位{hazard.title}经认定为重大事故隐患。{lister}决定自{chinese_date(listing.listed_on)}起"
            f"对该隐患挂牌督办（督办文号{listing.notice_no}），由{supervising}负责督办。督办事项如下：",
            Facts(rows=facts),
            "请你单位按以下要求抓好整改：",
            Items(
                entries=[
                    f"自挂牌之日起{plan_limit}，内容包括治理的目标和任务、方法和措施、经费和物资、机构和人员、"
                    "时限和要求、安全措施和应急预案。"
                    if plan_limit
                    else "按要求提交治理方案。",
                    f"按督办整改要求与措施组织治理，于{chinese_date(listing.deadline)}前完成整改；"
                    "确需延期的，在整改期限届满前提出申请，由挂牌督办机关决定。",
                    "整改完成后组织评估并申请销号，经督办部门现场复核、审核把关后，由挂牌督办机关销号。",
                ]
            ),
        ],
        issuer=lister,
        date=listing.listed_on,
        cc=[supervising] if supervising and supervising != lister else [],
    )


def close_out_notice(hazard: Hazard, enterprise: Enterprise, step: Step) -> OfficialDocument:
    """销号通知, from the completion, review, check and close-out the steps recorded."""
    details = hazard.details
    close_out = details.close_out
    assert close_out is not None and hazard.closed_at is not None
    issuer = step.trail.acting_department or hazard.lister_name or hazard.supervising_name or ""
    listing = details.listing
    facts = _hazard_facts(hazard, enterprise)
    if listing is not None:
        facts += [("督办文号", listing.notice_no), ("挂牌日期", chinese_date(listing.listed_on))]
    if hazard.deadline_at is not None:
        facts.append(("整改期限", chinese_date(_day(hazard.deadline_at))))
    if details.completion is not None:
        evaluated_by = EVALUATED_BY.get(details.completion.evaluated_by, details.completion.evaluated_by)
        facts += [
            ("整改完成情况", details.completion.summary),
            ("评估", f"{evaluated_by}：{details.completion.evaluation}"),
        ]
    if details.review is not None:
        facts.append(("现场复核意见", details.review.findings))
    check = details.close_out_check
    if check is not None:
        checked_on = chinese_date(_day(check.at))
        facts.append(("审核把关", f"{check.department}（{check.by}，{checked_on}）：{check.findings}"))
    elif close_out.supervising_check:
        facts.append(("审核把关", close_out.supervising_check))
    if close_out.opinion:
        facts.append(("销号意见", close_out.opinion))
    facts.append(("销号日期", chinese_date(_day(hazard.closed_at))))
    listed = f"（督办文号{listing.notice_no}）" if listing is not None else ""
    checked = f"经{check.department}审核把关，" if check is not None else ""
    supervising = hazard.supervising_name or ""
    return OfficialDocument(
        header=issuer,
        title=f"{GRADES[hazard.grade]}销号通知",
        addressee=enterprise.name,
        body=[
            f"你单位{hazard.title}{listed}已整改完成。经现场复核通过，{checked}"
            f"{issuer}决定自{chinese_date(_day(hazard.closed_at))}起予以销号{'摘牌' if listing else ''}。",
            Facts(rows=facts),
            "请你单位巩固整改成果，举一反三，健全隐患排查治理长效机制，防止同类隐患反复发生。",
        ],
        issuer=issuer,
        date=_day(step.at),
        cc=[supervising] if supervising and supervising != issuer else [],
    )
