"""Swagger UI served by the service itself, under its own prefix.

Government intranets have no internet and no CDN: the Swagger UI files come from the
``fastapi-offline`` package and are served from ``/api/v1/<service>/static``, the validator
badge is switched off (``validatorUrl: null``) and the favicon is local.

Signing in keeps only the access token, and only for the browser tab's session
(``sessionStorage``): Swagger UI's own ``persistAuthorization`` would keep the password form and
the refresh token in ``localStorage``, readable long after the clerk has gone. A demo says so at
the top of every page.
"""

from __future__ import annotations

import json
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from qingling.auth.access import TOKEN_PATH, public

SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DEMO_NOTICE = "演示环境：使用公开的演示密钥和演示账号，数据随时可能被他人看到或清除，切勿录入真实举报或隐患信息。"

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link type="text/css" rel="stylesheet" href="{static}/swagger-ui.css">
<link rel="shortcut icon" href="{static}/favicon.png">
<title>{title}</title>
</head>
<body>
{notice}<div id="swagger-ui"></div>
<script src="{static}/swagger-ui-bundle.js"></script>
<script>
const TOKEN_KEY = "qingling.access_token";
const TOKEN_PATH = {token_path};
// The access token alone, for this tab's session: restored on reload, dropped on logout.
const keepTokenForTheSession = () => ({{
  statePlugins: {{ auth: {{ wrapActions: {{ logout: (logout) => (...args) => {{
    sessionStorage.removeItem(TOKEN_KEY);
    return logout(...args);
  }} }} }} }},
}});
const ui = SwaggerUIBundle({{
    url: '{openapi_url}',
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    "validatorUrl": null,
    persistAuthorization: false,
    oauth2RedirectUrl: window.location.origin + '{redirect}',
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    plugins: [keepTokenForTheSession],
    requestInterceptor: (request) => {{
        const token = sessionStorage.getItem(TOKEN_KEY);
        if (token && !request.headers.Authorization && !request.url.endsWith(TOKEN_PATH)) {{
            request.headers.Authorization = "Bearer " + token;
        }}
        return request;
    }},
    responseInterceptor: (response) => {{
        if (response.url.endsWith(TOKEN_PATH) && response.ok && response.body && response.body.access_token) {{
            sessionStorage.setItem(TOKEN_KEY, response.body.access_token);
        }}
        return response;
    }},
}});
</script>
</body>
</html>
"""

_NOTICE = (
    '<div role="alert" style="background:#b71c1c;color:#fff;padding:8px 16px;font:14px/1.5 sans-serif">{text}</div>\n'
)


def mount_docs(app: FastAPI, prefix: str, title: str, *, demo: bool = False) -> None:
    static = f"{prefix}/static"
    redirect = f"{prefix}/docs/oauth2-redirect"
    app.mount(static, StaticFiles(directory=SWAGGER_ASSETS), name=f"{prefix}-static")
    page = _PAGE.format(
        static=static,
        title=f"{title} · 接口文档",
        notice=_NOTICE.format(text=DEMO_NOTICE) if demo else "",
        token_path=json.dumps(TOKEN_PATH),
        openapi_url=app.openapi_url,
        redirect=redirect,
    )

    @app.get(f"{prefix}/docs", include_in_schema=False, dependencies=[public()])
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)

    @app.get(redirect, include_in_schema=False, dependencies=[public()])
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
