"""Mini-program login: the code from wx.login is exchanged at WeChat's jscode2session (here a
local server speaking that protocol) for a token; the openid never leaves the identity service."""

import pytest
from jose import jwt

from standins.wechat import Received

pytestmark = pytest.mark.asyncio

GRANT = "urn:qingling:params:oauth:grant-type:wechat-code"


async def test_a_mini_program_user_signs_in_with_the_wx_login_code(identity):
    code = identity.wechat.issue_code("o6_bmjrPTlm6_2sgVt7hMZOPfL2M")

    response = await identity.token(grant_type=GRANT, code=code)

    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    claims = jwt.get_unverified_claims(token)
    assert claims["roles"] == ["miniprogram_user"]
    assert claims["sub"].startswith("wechat:")
    assert "o6_bmjrPTlm6_2sgVt7hMZOPfL2M" not in token  # the openid stays inside identity
    assert identity.wechat.received[-1] == Received(
        "/sns/jscode2session",
        {
            "appid": identity.wechat.app_id,
            "secret": identity.wechat.app_secret,
            "js_code": code,
            "grant_type": "authorization_code",
        },
    )

    again = await identity.token(grant_type=GRANT, code=identity.wechat.issue_code("o6_bmjrPTlm6_2sgVt7hMZOPfL2M"))
    assert jwt.get_unverified_claims(again.json()["access_token"])["sub"] == claims["sub"]  # same person


@pytest.mark.parametrize("reuse", [False, True], ids=["invalid-code", "used-code"])
async def test_a_code_wechat_rejects_is_a_401_problem(identity, reuse):
    code = identity.wechat.issue_code("oUser2") if reuse else "not-a-real-code"
    if reuse:
        await identity.token(grant_type=GRANT, code=code)

    response = await identity.token(grant_type=GRANT, code=code)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert (response.json()["code"], response.json()["error"]) == ("invalid-wechat-code", "invalid_grant")


async def test_without_a_configured_mini_program_the_grant_is_unavailable(embedded):
    response = await embedded.client.post("/api/v1/identity/oauth/token", data={"grant_type": GRANT, "code": "x"})

    assert (response.status_code, response.json()["code"]) == (503, "wechat-not-configured")
