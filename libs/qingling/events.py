"""The event envelope every service publishes, and the catalogue of event types.

An event type is a pydantic model of its ``data``, declared once where it is emitted:

    class HazardListed(EventData):
        event_type: ClassVar[str] = "hazard.listed"
        event_version: ClassVar[int] = 1
        publisher: ClassVar[str] = "hazards"  # the one service that may send it
        hazard_id: int

The JSON Schema of each envelope type is exported to ``openapi/events/`` for integrators.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class EventEnvelope(BaseModel):
    """事件信封：所有服务间事件与 webhook 载荷的统一外层。"""

    model_config = ConfigDict(title="EventEnvelope")

    id: uuid.UUID = Field(description="事件 ID，全局唯一；重投时不变，可用作去重键")
    type: str = Field(description="事件类型，如 hazard.listed", examples=["hazard.listed"])
    version: int = Field(ge=1, description="该事件类型 data 结构的版本")
    occurred_at: AwareDatetime = Field(description="事件发生时间")
    source: str = Field(description="发出事件的服务", examples=["hazards"])
    subject: str = Field(description="事件涉及的对象，如 hazard/42")
    data: dict[str, Any] = Field(description="事件内容，结构由 type + version 决定")


class EventData(BaseModel):
    event_type: ClassVar[str]
    event_version: ClassVar[int] = 1
    publisher: ClassVar[str]  # the service whose outbox sends it; no other may deliver it
    catalogue: ClassVar[dict[tuple[str, int], type[EventData]]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if not isinstance(cls.__dict__.get("publisher"), str):
            raise TypeError(f"event {cls.__qualname__} must name its publisher")
        key = (cls.event_type, cls.event_version)
        if (known := EventData.catalogue.get(key)) and known is not cls:
            raise TypeError(f"event {key} is declared twice: {known.__qualname__}, {cls.__qualname__}")
        EventData.catalogue[key] = cls

    def envelope(self, *, subject: str, source: str, occurred_at: datetime) -> EventEnvelope:
        return EventEnvelope(
            id=uuid.uuid4(),
            type=self.event_type,
            version=self.event_version,
            occurred_at=occurred_at,
            source=source,
            subject=subject,
            data=self.model_dump(mode="json"),
        )

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of an envelope carrying this event."""
        schema = EventEnvelope.model_json_schema()
        data_schema = cls.model_json_schema(ref_template="#/$defs/{model}")
        schema["$defs"] = {**schema.get("$defs", {}), **data_schema.pop("$defs", {})}
        schema["title"] = f"{cls.event_type} v{cls.event_version}"
        schema["properties"]["type"] = {**schema["properties"]["type"], "const": cls.event_type}
        schema["properties"]["version"] = {**schema["properties"]["version"], "const": cls.event_version}
        schema["properties"]["data"] = data_schema
        return schema
