"""The token endpoint speaks OAuth 2 in problem+json: refresh tokens are one-time, and errors
carry both our stable code and the OAuth `error`."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_a_refresh_token_works_once_and_a_replay_ends_the_sign_in(identity, ready_account):
    account = await ready_account()
    first = (await identity.token(grant_type="password", username=account["username"], password="Qingling#Own1")).json()

    second = await identity.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]

    replay = await identity.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert (replay.status_code, replay.json()["code"]) == (401, "invalid-refresh-token")
    # the replay revoked the whole family: the legitimate newer token is dead too
    after = await identity.token(grant_type="refresh_token", refresh_token=second.json()["refresh_token"])
    assert after.status_code == 401


@pytest.mark.parametrize(
    ("form", "status", "code", "error"),
    [
        ({"grant_type": "implicit"}, 400, "unsupported-grant-type", "unsupported_grant_type"),
        ({"grant_type": "password", "username": "deqing-yjj"}, 400, "missing-token-parameter", "invalid_request"),
        (
            {"grant_type": "password", "username": "deqing-yjj", "password": "x", "audience": "urn:qingling:x"},
            400,
            "invalid-audience",
            "invalid_target",
        ),
        ({"grant_type": "refresh_token", "refresh_token": "made-up"}, 401, "invalid-refresh-token", "invalid_grant"),
    ],
)
async def test_bad_token_requests(identity, form, status, code, error):
    response = await identity.token(**form)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert (body["code"], body["error"]) == (code, error)
    assert body["error_description"]


async def test_a_token_response_is_never_cached(identity):
    response = await identity.token(grant_type="password", username="deqing-yjj", password="Qingling@2026")

    assert response.headers["cache-control"] == "no-store"
    assert response.json()["token_type"] == "Bearer"
    assert response.json()["expires_in"] == 1800
