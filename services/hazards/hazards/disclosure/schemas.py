"""What a government publishes of its 挂牌督办 anyway (政务公开), and the same set as Open311
GeoReport v2 service requests (wiki.open311.org/GeoReport_v2). Never the tip-off origin, the
reporter, the hazard's own description (it may quote a tip-off) or the enterprise's people —
only the enterprise's principal, and only where ``disclosure_enterprise_contacts`` says so."""

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from qingling.schemas import Schema


class PublicContact(Schema):
    name: str = Field(description="企业主要负责人")
    phone: str = Field(description="联系电话")


class PublicListedHazard(Schema):
    id: int = Field(description="隐患编号（与 Open311 的 service_request_id 相同）")
    enterprise_name: str = Field(description="企业名称")
    region_code: str = Field(description="隐患所在行政区划代码")
    title: str = Field(description="隐患名称")
    notice_no: str = Field(description="挂牌督办文号")
    lister_name: str = Field(description="挂牌督办机关")
    listed_on: date = Field(description="挂牌日期")
    deadline: date | None = Field(description="整改期限（北京时间日期，含批准的延期）")
    state: str = Field(description="状态代码")
    state_name: str = Field(description="状态（中文）")
    closed_on: date | None = Field(description="销号日期（北京时间）；未销号为空")
    enterprise_contact: PublicContact | None = Field(
        default=None, description="企业联系人；仅在设置 disclosure_enterprise_contacts 开启时公开"
    )


class Open311Endpoint(Schema):
    specification: str
    url: str
    changeset: datetime
    type: Literal["production", "test"]
    formats: list[str]


class Open311Discovery(Schema):
    changeset: datetime
    contact: str
    key_service: str
    endpoints: list[Open311Endpoint]


class Open311Service(Schema):
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: Literal["realtime", "batch", "blackbox"]
    keywords: str
    group: str


class Open311Request(Schema):
    service_request_id: str
    status: Literal["open", "closed"]
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str
    service_notice: str
    requested_datetime: datetime = Field(description="挂牌日期（北京时间零点）")
    updated_datetime: datetime
    expected_datetime: datetime | None = Field(description="整改期限")
    address: str
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None
