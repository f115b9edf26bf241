"""The enterprise register (企业名录), kept by the hazards service: asked over HTTP, with this
service's own token, where an enterprise is registered before any of its credentials are issued.

The one place the identity service calls the hazards service."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from qingling.errors import ServiceUnavailable


class RegisterUnavailable(ServiceUnavailable):
    code = "enterprise-register-unavailable"
    title = "企业名录（隐患服务）暂时无法查询，未创建任何账号或客户端，请稍后重试"


@dataclass(frozen=True)
class RegisteredEnterprise:
    credit_code: str
    name: str
    region_code: str  # where the enterprise is registered: its credentials' place


class EnterpriseRegister:
    def __init__(self, http: httpx.AsyncClient, base_url: str, auth: httpx.Auth) -> None:
        self._http = http
        self._url = f"{base_url}/api/v1/hazards/enterprises"
        self._auth = auth

    async def find(self, credit_code: str) -> RegisteredEnterprise | None:
        """The registered enterprise with this code, or None; ``RegisterUnavailable`` when the
        register cannot be asked (then nothing may be issued)."""
        try:
            response = await self._http.get(self._url, params={"credit_code": credit_code, "limit": 1}, auth=self._auth)
        except httpx.HTTPError as exc:  # also a failed token request of our own
            raise RegisterUnavailable() from exc
        if response.status_code != 200:
            raise RegisterUnavailable(f"隐患服务返回 {response.status_code}")
        for item in response.json().get("items", []):
            if item.get("credit_code") == credit_code:
                return RegisteredEnterprise(item["credit_code"], item["name"], item["region_code"])
        return None
