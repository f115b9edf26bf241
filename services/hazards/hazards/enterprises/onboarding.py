"""Onboarding: an enterprise's first admin account and API client, issued by the identity
service through a service-to-service call. The one-time password and secret pass through
here once and are never stored by the hazards service."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from hazards.enterprises import service
from hazards.enterprises.schemas import OnboardingRequest, OnboardingResult
from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.errors import Conflict, ServiceUnavailable, ValidationFailed
from qingling.runtime import Runtime


class IdentityUnavailable(ServiceUnavailable):
    code, title = "identity-unavailable", "身份认证服务暂时不可用，企业账号未开通，请稍后重试"


class OnboardingConflict(Conflict):
    code, title = "onboarding-conflict", "企业账号未开通：登录名已被使用"


async def onboard(
    session: AsyncSession, runtime: Runtime, caller: Principal, enterprise_id: int, body: OnboardingRequest
) -> OnboardingResult:
    enterprise = await service.get(session, caller, enterprise_id)
    service.ensure_editor_of(caller, enterprise.region_code)
    password = f"Ql#{secrets.token_urlsafe(9)}"
    await _identity(
        runtime,
        "/accounts",
        {
            "username": body.admin_username,
            "password": password,
            "display_name": body.admin_display_name,
            "roles": [Role.ENTERPRISE_ADMIN],
            "region_code": enterprise.region_code,
            "enterprise_code": enterprise.credit_code,
        },
    )
    client = await _identity(
        runtime,
        "/clients",
        {"name": body.client_name, "enterprise_code": enterprise.credit_code, "region_code": enterprise.region_code},
    )
    return OnboardingResult(
        admin_username=body.admin_username,
        temporary_password=password,
        client_id=client["client_id"],
        client_secret=client["client_secret"],
    )


async def _identity(runtime: Runtime, path: str, body: dict[str, Any]) -> dict[str, Any]:
    url = f"{runtime.settings.peer_url}/api/v1/identity{path}"
    try:
        response = await runtime.http.post(url, json=body, auth=runtime.service_auth)
    except httpx.HTTPError as exc:
        raise IdentityUnavailable() from exc
    if response.status_code == 409:
        raise OnboardingConflict(response.json().get("detail"))
    if response.status_code == 422:
        problem = response.json()
        raise ValidationFailed(problem.get("detail"), errors=problem.get("errors", []))
    if not response.is_success:
        raise IdentityUnavailable(f"身份认证服务返回 {response.status_code}")
    return response.json()
