from pydantic import Field

from qingling.schemas import Schema

PASSWORD = "password"
REFRESH_TOKEN = "refresh_token"
CLIENT_CREDENTIALS = "client_credentials"
WECHAT_CODE = "urn:qingling:params:oauth:grant-type:wechat-code"


class TokenRequest(Schema):
    """OAuth 2 令牌请求（application/x-www-form-urlencoded）。"""

    grant_type: str = Field(
        description=f"授权方式：{PASSWORD}（账号密码）、{REFRESH_TOKEN}、{CLIENT_CREDENTIALS}（企业系统、内部服务）、"
        f"{WECHAT_CODE}（微信小程序 wx.login 的 code）"
    )
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    client_id: str | None = Field(default=None, description="也可用 HTTP Basic 认证传递")
    client_secret: str | None = None
    code: str | None = Field(default=None, description="微信小程序 wx.login 返回的 code")
    scope: str | None = Field(default=None, description="空格分隔；客户端凭证授权时可缩小授权范围")
    audience: str | None = Field(default=None, description="空格分隔的服务标识（urn:qingling:<服务>）；默认全部服务")


class TokenResponse(Schema):
    access_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="有效期（秒）")
    refresh_token: str | None = Field(default=None, description="用于续期（仅账号密码登录）")
    scope: str | None = None
