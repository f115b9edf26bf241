"""The tip-off events other services consume: the contract between the reports service and its
subscribers. ``TipOffChanged`` carries the tip-off's state after every step (for notify's
reminders and the reporter's inbox) — never who reported it or what they wrote. ``TipOffVerified``
asks the hazards service for the hazard a true tip-off became; it is keyed by the tip-off, so
however often it is delivered there is one hazard. Its major-hazard report is the one model both
services use (``qingling.standards.MajorReport``), and the reports service checks the hazard part
with the hazards service's own grading rule (``qingling.standards.grading_errors``) before it
emits, so the event is one the hazards service accepts."""

from __future__ import annotations

from typing import ClassVar

from pydantic import AwareDatetime, Field

from qingling.events import EventData
from qingling.standards import MajorReport


class TipOffChanged(EventData):
    """举报有变化（接收、签收、受理、不予受理、转办、移送、延期、核查结论、答复、办结）：事件携带变化后的状态，不含举报人信息。"""

    event_type: ClassVar[str] = "tip_off.changed"
    publisher: ClassVar[str] = "reports"
    event_version: ClassVar[int] = 1

    tip_off_id: int
    seq: int = Field(description="该举报的第几次变化：事件可能乱序到达，消费方只保留序号最大的")
    action: str = Field(description="引起变化的操作，如 receive、accept、refuse、conclude、reply")
    state: str
    previous_state: str | None
    receipt_code: str = Field(description="回执码（举报人凭回执码和查询密码查看进展）")
    category: str
    region_code: str
    lead_department_id: int | None = Field(description="主办部门")
    lead_region_code: str | None
    lead_kind: str | None = Field(default=None, description="主办部门的类别，如 emergency（应急管理局）")
    step: str | None = Field(description="下一步须在期限内完成的事项")
    step_due_at: AwareDatetime | None
    step_provisional: bool = Field(default=False, description="期限为暂定（该年放假安排尚未发布）")
    hazard_id: int | None = Field(description="核查属实后转成的隐患")
    closed: bool


class TipOffVerified(EventData):
    """举报核查属实（部分属实），须转为隐患：隐患服务按举报编号幂等地建一条隐患。"""

    event_type: ClassVar[str] = "tip_off.verified"
    publisher: ClassVar[str] = "reports"
    event_version: ClassVar[int] = 1

    tip_off_id: int
    enterprise_code: str
    title: str
    description: str = Field(description="经核查的隐患情况（已去除举报人信息）")
    grade: str
    basis_standard: str | None
    basis_clause: str | None
    tags: list[str]
    found_at: AwareDatetime = Field(description="核查确认时间")
    verified_by: str = Field(description="核查部门")
    report: MajorReport | None = Field(description="重大隐患报告：现状与原因、危害程度、治理方案")


class ReporterNotified(EventData):
    """告知举报人的一条消息（办理进展、答复、询问、复查结论、奖励通知）：送到该回执的收件箱；举报人留了手机号的，另发短信（号码封存传递）；登录小程序举报并授权订阅的，先发订阅消息。"""

    event_type: ClassVar[str] = "tip_off.reporter_notified"
    publisher: ClassVar[str] = "reports"
    event_version: ClassVar[int] = 1

    tip_off_id: int
    message_id: int = Field(description="举报服务中这条消息的编号：同一条消息只进收件箱一次")
    receipt_code: str = Field(description="收件人：持此回执的举报人")
    kind: str = Field(description="notice 办理进展；reply 答复；question 询问；reward 奖励")
    text: str
    at: AwareDatetime
    sealed_contact: str | None = Field(
        default=None,
        description="举报人留下的手机号，以仅举报服务与通知服务共有的密钥封存（qingling.reporter_contact），"
        "通知服务仅在发送短信时打开；未留手机号则无",
    )
    sealed_subject: str | None = Field(
        default=None,
        description="登录小程序举报的举报人的主体标识（wechat:<编号>），同样以该密钥封存；通知服务仅在发送订阅消息时打开，"
        "据此查得 openid；匿名或未登录举报则无",
    )
