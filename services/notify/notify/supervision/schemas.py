"""Requests and reads of the 督办 acts (issue 20). What each act holds is typed here; what lists
filter on is a column of ``models``."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, RootModel, StringConstraints, model_validator

from qingling import inputs
from qingling.credit_code import CreditCode
from qingling.inputs import BoundedAt, BoundedDate, DbId, HappenedAt
from qingling.regions import RegionCode
from qingling.schemas import Schema, Timestamp
from qingling.supervision_events import SupervisedItem

Text = Annotated[inputs.Text, StringConstraints(strip_whitespace=True, min_length=2, max_length=4000)]
Short = Annotated[inputs.Line, StringConstraints(strip_whitespace=True, min_length=2, max_length=100)]
Name = Annotated[inputs.Name, StringConstraints(strip_whitespace=True, min_length=2, max_length=64)]
DepartmentKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,31}$")]


class ActKind(StrEnum):
    URGE = "urge"
    BULLETIN = "bulletin"
    LETTER = "letter"
    INTERVIEW = "interview"


KIND_TITLES = {ActKind.URGE: "催办", ActKind.BULLETIN: "通报", ActKind.LETTER: "函告", ActKind.INTERVIEW: "约谈"}
ItemType = Literal["hazard", "tip_off", "return"]


class ItemRef(Schema):
    model_config = ConfigDict(frozen=True)  # named once however often it is listed
    item_type: ItemType = Field(description="事项类别：hazard 隐患；tip_off 举报；return 报表")
    item_id: DbId = Field(description="事项编号")


class SupervisedItems(RootModel[list[SupervisedItem]]):
    """The records an act names (hazards, tip-offs, returns), kept on the act for its trail events."""


class PartyKind(StrEnum):
    ENTERPRISE = "enterprise"
    DEPARTMENT = "department"
    REGION = "region"  # a lower level's government, through its 安委办


class PartyWrite(Schema):
    """被通报、函告或约谈的一方：企业、部门或下级政府（其安委办）。"""

    model_config = ConfigDict(frozen=True)

    kind: PartyKind = Field(description="类别：enterprise 企业；department 部门；region 下级政府（安委办）")
    region_code: RegionCode = Field(description="所在地区")
    department: DepartmentKind | None = Field(default=None, description="部门类别，kind=department 时必填")
    enterprise_code: CreditCode | None = Field(default=None, description="统一社会信用代码，kind=enterprise 时必填")
    name: Name | None = Field(default=None, description="名称，如 德清县人民政府、某某化工有限公司")

    @model_validator(mode="after")
    def _named_by_its_kind(self):
        if (self.kind is PartyKind.DEPARTMENT) != (self.department is not None):
            raise ValueError("department 只能且必须在 kind=department 时填写")
        if (self.kind is PartyKind.ENTERPRISE) != (self.enterprise_code is not None):
            raise ValueError("enterprise_code 只能且必须在 kind=enterprise 时填写")
        return self

    @property
    def address(self) -> str:
        return {
            PartyKind.ENTERPRISE: f"enterprise:{self.enterprise_code}",
            PartyKind.DEPARTMENT: f"department:{self.region_code}:{self.department}",
            PartyKind.REGION: f"committee:{self.region_code}",
        }[self.kind]


class Person(Schema):
    name: Name
    position: Short = Field(description="单位和职务，如 德清县应急管理局局长、企业主要负责人")


class InterviewDetails(Schema):
    """约谈的安排和记录：时间、地点、双方人员、问题、记录。"""

    interviewee: PartyWrite | None = None
    scheduled_for: Timestamp | None = None
    place: str | None = None
    interviewers: list[Person] = Field(default_factory=list)
    interviewees: list[Person] = Field(default_factory=list)
    issues: list[str] = Field(default_factory=list)
    held_at: Timestamp | None = None
    minutes: str | None = None


class Selection(Schema):
    """按条件选出要催办的事项：本辖区（部门：本部门督办的）未办结事项。"""

    item_type: ItemType
    region_prefix: Annotated[str, StringConstraints(pattern=r"^\d{2,9}$")] = Field(description="地区代码前缀")
    overdue: Literal[True] = Field(default=True, description="只选已超期的")
    grade: Literal["major", "general"] | None = None


class UrgeCreate(Schema):
    """催办：选定的事项，或按条件选出的已超期事项。"""

    issuer_name: Name | None = Field(default=None, description="发出机关名称；不填则按角色称本级安委办或本部门")
    items: list[ItemRef] = Field(default=[], max_length=500, description="要催办的事项（与 selection 二选一）")
    selection: Selection | None = None
    text: Text = Field(description="催办要求")
    reply_by: BoundedDate | None = Field(default=None, description="要求回复的日期")

    @model_validator(mode="after")
    def _items_or_selection(self):
        if bool(self.items) == (self.selection is not None):
            raise ValueError("items 和 selection 须且只能填写一个")
        return self


class DocumentCreate(Schema):
    """通报或函告：编号文件，点名地区、部门或企业，可依据排名或选定的事项。"""

    issuer_name: Name = Field(description="发文机关，如 湖州市安全生产委员会办公室")
    number_prefix: Annotated[str, StringConstraints(pattern=r"^[\u4e00-\u9fff]{1,12}$")] | None = Field(
        default=None, description="发文机关代字，如 湖安委办；编号为 代字〔年份〕序号号，同一机关同类文件每年从 1 起"
    )
    title: Short
    text: Text
    parties: list[PartyWrite] = Field(min_length=1, max_length=200, description="被通报或函告的地区、部门、企业")
    items: list[ItemRef] = Field(default=[], max_length=500, description="涉及的隐患、举报、报表")
    basis: Short | None = Field(default=None, description="依据，如 2026年10月隐患整改排名")
    reply_by: BoundedDate | None = Field(default=None, description="要求书面回复的日期（函告）")


class InterviewSchedule(Schema):
    """约谈安排：时间、地点、约谈人和被约谈人、要谈的问题。"""

    issuer_name: Name | None = Field(default=None, description="约谈机关；自动生成的约谈在安排时须填写")
    interviewee: PartyWrite | None = Field(default=None, description="被约谈方；自动生成的约谈默认为事项所属企业")
    scheduled_for: BoundedAt = Field(description="约谈时间")
    place: Short = Field(description="约谈地点")
    interviewers: list[Person] = Field(min_length=1, max_length=20, description="约谈人")
    interviewees: list[Person] = Field(
        min_length=1, max_length=20, description="被约谈人：企业主要负责人或部门负责人等"
    )
    issues: list[Short] = Field(min_length=1, max_length=20, description="约谈的问题")


class InterviewCreate(InterviewSchedule):
    issuer_name: Name
    interviewee: PartyWrite
    title: Short | None = None
    items: list[ItemRef] = Field(default=[], max_length=500)


class CommitmentWrite(Schema):
    content: Annotated[inputs.Line, StringConstraints(strip_whitespace=True, min_length=2, max_length=500)]
    due_on: BoundedDate = Field(description="承诺完成日期（含当日）")


class InterviewRecord(Schema):
    """约谈记录：实际时间、到场人员、谈到的问题、被约谈方的承诺及完成期限。"""

    held_at: HappenedAt = Field(description="实际约谈时间")
    interviewers: list[Person] = Field(min_length=1, max_length=20, description="约谈人")
    interviewees: list[Person] = Field(min_length=1, max_length=20, description="到场的被约谈人")
    issues: list[Short] = Field(min_length=1, max_length=20, description="谈到的问题")
    minutes: Text = Field(description="约谈记录正文")
    commitments: list[CommitmentWrite] = Field(default=[], max_length=20, description="被约谈方的承诺及完成期限")


class Reason(Schema):
    reason: Text = Field(description="理由（记入记录）")


class ReplyWrite(Schema):
    text: Text = Field(description="回复内容：整改进展、原因、下一步措施")
    item: ItemRef | None = Field(default=None, description="只回复其中一个事项；不填则回复本方的全部事项")


class Fulfilment(Schema):
    note: Text = Field(description="核实情况")


class PartyRead(Schema):
    address: str
    name: str | None
    region_code: str
    enterprise_code: str | None
    item_type: str | None
    item_id: int | None
    item_title: str | None
    reply: str | None
    replied_by: str | None
    replied_at: Timestamp | None


class CommitmentRead(Schema):
    id: int
    seq: int
    content: str
    due_on: date
    deadline_at: Timestamp
    fulfilled_at: Timestamp | None
    fulfilled_by: str | None
    fulfilment: str | None


class ActRead(Schema):
    id: int
    kind: ActKind
    kind_title: str
    number: str | None = Field(description="文号（通报、函告），如 湖安委办〔2026〕3号")
    issuer: str
    issuer_name: str
    issuer_region_code: str
    title: str
    text: str
    basis: str | None
    reply_by: date | None
    automatic: bool = Field(description="由提醒方案自动发出")
    state: str
    state_title: str
    interview: InterviewDetails | None
    step: str | None
    step_due_at: Timestamp | None
    step_provisional: bool
    parties: list[PartyRead]
    commitments: list[CommitmentRead]
    allowed_actions: list[str]
    created_by: str
    created_at: Timestamp
