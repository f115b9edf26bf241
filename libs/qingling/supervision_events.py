"""The 督办 events (issue 20): the notify service, where 催办, 通报, 函告 and 约谈 are recorded,
tells the owners of the records an act names, so each record's own trail shows it — a hazard's
and a return's in the hazards service, a tip-off's in the reports service."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, Field

from qingling.events import EventData


class SupervisedItem(BaseModel):
    """A record an act names."""

    item_type: Literal["hazard", "tip_off", "return"]
    item_id: int


class SupervisionRecorded(EventData):
    """一项督办措施（催办、通报、函告、约谈）发出或有进展：记入所涉每个隐患、举报、报表的台账。"""

    event_type: ClassVar[str] = "supervision.recorded"
    publisher: ClassVar[str] = "notify"
    event_version: ClassVar[int] = 1

    act_id: int
    act_seq: int = Field(description="该督办记录的第几次变化：同一变化重投时不重复记入台账")
    action: str = Field(description="issue 发出；schedule 安排约谈；hold 记录约谈；cancel 取消；reply 回复")
    kind: Literal["urge", "bulletin", "letter", "interview"]
    kind_title: str = Field(description="催办、通报、函告、约谈")
    number: str | None = Field(description="文号（通报、函告）")
    issuer_name: str
    actor: str = Field(description="操作人（账号）；提醒方案自动发出的为 service:notify")
    summary: str = Field(description="记入台账的一句话")
    items: list[SupervisedItem]

    def owners(self) -> list[str]:
        """The services that keep the trails of the items named."""
        kinds = {item.item_type for item in self.items}
        return [s for s, owned in (("hazards", {"hazard", "return"}), ("reports", {"tip_off"})) if kinds & owned]
