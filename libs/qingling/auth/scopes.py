"""OAuth 2 scopes an enterprise API client may hold (and narrow a token to)."""

from enum import StrEnum


class Scope(StrEnum):
    HAZARDS_READ = "hazards:read"
    HAZARDS_WRITE = "hazards:write"
    WEBHOOKS = "webhooks"


SCOPE_TITLES = {
    Scope.HAZARDS_READ: "读取本企业的隐患、期限与督办信息",
    Scope.HAZARDS_WRITE: "上报隐患、提交整改方案、进展与销号申请",
    Scope.WEBHOOKS: "管理 webhook 订阅",
}
