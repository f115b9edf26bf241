"""The two ledgers (清单) of a jurisdiction, one row model each: the field titles are the Chinese
column headers of the CSV and .xlsx, the field types the kinds of their cells."""

from datetime import date

from pydantic import Field

from qingling.exports import ColumnRead
from qingling.schemas import Schema, Timestamp

EXTENSION_DECISIONS = {None: "待批", True: "批准", False: "不予批准"}


class MajorHazardRow(Schema):
    """重大事故隐患清单的一行。"""

    hazard_id: int = Field(title="隐患编号")
    region_code: str = Field(title="行政区划代码")
    region_name: str = Field(title="所在地区", description="县（区）及乡镇（街道）")
    enterprise_name: str = Field(title="企业名称")
    enterprise_code: str = Field(title="统一社会信用代码")
    place: str = Field(title="场所地址", description="企业登记的生产经营场所地址")
    industry: str = Field(title="行业领域代码")
    industry_name: str = Field(title="行业领域")
    title: str = Field(title="隐患名称")
    description: str = Field(title="隐患描述")
    basis_standard: str | None = Field(title="判定标准代码")
    basis_standard_name: str | None = Field(title="判定标准", description="标准名称及文号")
    basis_clause: str | None = Field(title="判定条款")
    source: str = Field(title="来源代码")
    source_title: str = Field(title="隐患来源")
    found_on: date = Field(title="发现日期", description="北京时间")
    pre_2024_stock: bool = Field(title="2024年前存量")
    state: str = Field(title="状态代码")
    state_title: str = Field(title="状态")
    step: str | None = Field(title="当前环节", description="下一步须在期限内完成的事项")
    step_due_on: date | None = Field(title="环节期限", description="当前环节的最后一天（北京时间）")
    deadline: date | None = Field(title="整改期限", description="现行整改期限的最后一天（北京时间）")
    overdue: bool = Field(title="已超期", description="超过整改期限仍未销号")
    responsible_person: str | None = Field(title="整改责任人")
    measures: str | None = Field(title="治理措施", description="治理方案的措施；尚无方案时为挂牌要求或隐患报告中的方案")
    listed: bool = Field(title="挂牌督办")
    notice_no: str | None = Field(title="督办文号")
    lister: str | None = Field(title="挂牌督办机关")
    supervising_department: str | None = Field(title="督办部门")
    closed_on: date | None = Field(title="销号日期")


class ListedHazardRow(Schema):
    """挂牌督办清单的一行。"""

    hazard_id: int = Field(title="隐患编号")
    notice_no: str = Field(title="督办文号")
    lister: str = Field(title="挂牌督办机关")
    listed_on: date = Field(title="挂牌日期")
    region_code: str = Field(title="行政区划代码")
    region_name: str = Field(title="所在地区")
    enterprise_name: str = Field(title="企业名称")
    enterprise_code: str = Field(title="统一社会信用代码")
    industry: str = Field(title="行业领域代码")
    industry_name: str = Field(title="行业领域")
    title: str = Field(title="隐患名称")
    responsible_unit: str | None = Field(title="责任单位")
    responsible_person: str | None = Field(title="责任人")
    measures: str | None = Field(title="督办整改要求与措施")
    supervising_department: str | None = Field(title="督办部门")
    original_deadline: date | None = Field(title="原定整改期限", description="挂牌时确定的整改期限")
    extensions_granted: int = Field(title="获批延期次数")
    extension_requested_to: date | None = Field(title="最近一次申请延至")
    extension_decision: str | None = Field(title="最近一次延期决定", description="待批、批准、不予批准")
    deadline: date | None = Field(title="现整改期限", description="含延期和停产停业顺延")
    state: str = Field(title="状态代码")
    state_title: str = Field(title="状态")
    step: str | None = Field(title="当前环节")
    step_due_on: date | None = Field(title="环节期限")
    overdue: bool = Field(title="已超期")
    production_suspended: bool = Field(title="停产停业治理中")
    closed_on: date | None = Field(title="销号日期")


class LedgerBase(Schema):
    title: str = Field(description="表题：辖区、清单名称和时刻，如“湖州市重大事故隐患清单（截至 2024-10-10 10:00）”")
    region_code: str = Field(description="清单所属辖区的行政区划代码")
    region_name: str = Field(description="清单所属辖区")
    generated_at: Timestamp = Field(description="清单反映的时刻（即生成时刻）")
    prepared_by: str | None = Field(description="填报单位：调用者所在部门，或本级安委办")
    summary: str = Field(description="Excel 表题下一行的说明：填报单位和各项合计")
    columns: list[ColumnRead] = Field(
        description="CSV 和 Excel 的列：字段名、中文表头、取值类型（依次排列，序号列除外）"
    )
    total: int = Field(description="行数")
    open: int = Field(description="其中未销号的")
    overdue: int = Field(description="其中超过整改期限仍未销号的")
    closed: int = Field(description="其中已销号的")


class MajorHazardLedger(LedgerBase):
    """重大事故隐患清单。"""

    items: list[MajorHazardRow]


class ListedHazardLedger(LedgerBase):
    """挂牌督办清单。"""

    items: list[ListedHazardRow]
