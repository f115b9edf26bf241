"""The project's pydantic base model and datetime type.

Times are stored in UTC and shown in Asia/Shanghai (``+08:00``). A datetime sent without an
offset is read as Asia/Shanghai wall time — what a clerk in China means — instead of failing
later in the database layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, WithJsonSchema

from qingling.clock import SHANGHAI


def _assume_shanghai(value: datetime) -> datetime:
    return value.replace(tzinfo=SHANGHAI) if value.tzinfo is None else value


Timestamp = Annotated[
    datetime,
    AfterValidator(_assume_shanghai),
    PlainSerializer(lambda value: value.astimezone(SHANGHAI).isoformat(), return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),  # both ways: the serializer's str has no format
]


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class Term(Schema):
    """One word of a vocabulary: the code the API uses and what a person reads."""

    code: str
    title: str


def terms(titles: Mapping[str, str]) -> list[Term]:
    return [Term(code=code, title=title) for code, title in titles.items()]


def choices(name: str, titles: Mapping[str, str]) -> str:
    """The description of a field with a fixed set of values: its name, then each value in words —
    "等级：general 一般隐患；major 重大隐患" — as the console labels the field and offers its options."""
    return f"{name}：" + "；".join(f"{code} {title}" for code, title in titles.items())
