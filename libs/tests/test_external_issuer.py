"""A deployment may trust an external OIDC provider instead of the built-in identity service:
the services then fetch that provider's JWKS over the network and accept only its tokens."""

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

import sample_apps
from qingling.app import create_service_app
from qingling.auth import jwt
from standins import serving

pytestmark = pytest.mark.asyncio

ISSUER = "https://sso.example.gov.cn"


def _token(key: jwt.KeyPair, **overrides) -> str:
    now = int(time.time())
    claims = {"sub": "sso:zhang", "roles": ["regulator"], "region": "330521", "iss": ISSUER}
    claims |= {"aud": "urn:qingling:alpha", "iat": now, "exp": now + 300} | overrides
    return jwt.sign(claims, key.private_pem, key.kid)


@asynccontextmanager
async def _alpha_trusting(
    provider_key: jwt.KeyPair, tmp_path
) -> AsyncIterator[Callable[[str], Awaitable[httpx.Response]]]:
    """The sample service, trusting only the provider's keys; yields its ``whoami``."""
    jwks = Starlette(routes=[Route("/jwks", lambda _: JSONResponse({"keys": [provider_key.public_jwk]}))])
    with serving(jwks) as provider_url:
        settings = sample_apps.AlphaSettings(
            data_dir=tmp_path, run_workers=False, token_issuer=ISSUER, jwks_url=f"{provider_url}/jwks"
        )
        app = create_service_app(sample_apps.alpha, settings)
        async with app.router.lifespan_context(app):
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")

            async def whoami(token: str) -> httpx.Response:
                return await client.get("/api/v1/alpha/whoami", headers={"Authorization": f"Bearer {token}"})

            yield whoami


async def test_tokens_of_the_configured_provider_are_accepted_and_others_refused(tmp_path):
    provider_key = jwt.generate_key_pair()
    async with _alpha_trusting(provider_key, tmp_path) as whoami:
        accepted = await whoami(_token(provider_key))
        stranger = await whoami(_token(jwt.generate_key_pair()))
        ours = await whoami(_token(provider_key, iss="urn:qingling:identity"))

    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["subject"], accepted.json()["region_code"]) == ("sso:zhang", "330521")
    assert stranger.status_code == ours.status_code == 401


async def test_a_token_naming_no_service_is_refused_even_from_the_trusted_provider(tmp_path):
    provider_key = jwt.generate_key_pair()
    now = int(time.time())
    claims = {"sub": "sso:zhang", "roles": ["regulator"], "region": "330521", "iss": ISSUER, "iat": now}
    unaddressed = jwt.sign(claims | {"exp": now + 300}, provider_key.private_pem, provider_key.kid)
    async with _alpha_trusting(provider_key, tmp_path) as whoami:
        response = await whoami(unaddressed)

    assert response.status_code == 401
    assert "aud" in response.json()["detail"]


async def test_a_service_asks_the_provider_for_its_own_tokens_to_call_the_others(tmp_path):
    """With ``service_token_url`` the service's calls to its peers carry the provider's tokens,
    asked with its client credentials for the one service it calls."""
    asked: list[dict] = []

    async def token(request) -> JSONResponse:
        form = dict(await request.form())
        asked.append(form)
        return JSONResponse({"access_token": f"provider-token-for-{form['audience']}", "expires_in": 300})

    async def echo(request) -> JSONResponse:
        return JSONResponse({"authorization": request.headers.get("authorization")})

    provider = Starlette(routes=[Route("/token", token, methods=["POST"]), Route("/api/v1/beta/echo", echo)])
    with serving(provider) as provider_url:
        settings = sample_apps.AlphaSettings(
            data_dir=tmp_path, run_workers=False, token_issuer=ISSUER, jwks_url=f"{provider_url}/jwks",
            peer_url=provider_url, service_token_url=f"{provider_url}/token",
        )  # fmt: skip
        app = create_service_app(sample_apps.alpha, settings)
        async with app.router.lifespan_context(app):
            runtime = app.state.runtime
            called = await runtime.http.get(f"{provider_url}/api/v1/beta/echo", auth=runtime.service_auth)

    assert called.json() == {"authorization": "Bearer provider-token-for-urn:qingling:beta"}
    assert [(a["grant_type"], a["client_id"], a["audience"]) for a in asked] == [
        ("client_credentials", "service:alpha", "urn:qingling:beta")
    ]
