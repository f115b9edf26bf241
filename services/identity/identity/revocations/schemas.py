from pydantic import Field

from qingling.schemas import Schema, Timestamp


class RevokedSubject(Schema):
    subject: str = Field(description="令牌的 sub，如 account:12")
    not_before: int = Field(description="签发时间（iat，Unix 秒）早于此值的访问令牌一律拒绝")


class RevocationList(Schema):
    """吊销名单：只含仍可能有未过期访问令牌的条目。"""

    as_of: Timestamp
    revocations: list[RevokedSubject]
