from typing import Any

from pydantic import Field

from qingling.schemas import Schema, Timestamp


class Jwks(Schema):
    """JSON Web Key Set（RFC 7517）：验证访问令牌签名的公钥。"""

    keys: list[dict[str, Any]]


class SigningKeyRead(Schema):
    kid: str
    algorithm: str
    created_at: Timestamp
    retire_at: Timestamp | None = Field(description="此后不再发布；为空表示当前签名密钥")
