from pydantic import Field

from qingling.audit import AuditEntryRead
from qingling.schemas import Schema


class IdentityAuditRead(AuditEntryRead):
    """身份台账中的一条记录：谁（actor）对哪个账号、客户端或密钥（target）做了什么（action、payload.change），
    理由（reason）和时间。从不记录密码或密钥。"""

    target: str = Field(description="对象：account:<id>、client:<client_id>、key:<kid>")
    target_region: str | None
    target_enterprise: str | None


class ChangeReason(Schema):
    reason: str | None = Field(default=None, max_length=500, description="变更理由（记入身份台账，可不填）")
