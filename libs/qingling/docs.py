"""Swagger UI served by the service itself, under its own prefix.

Government intranets have no internet and no CDN: the Swagger UI files come from the
``fastapi-offline`` package and are served from ``/api/v1/<service>/static``, the validator
badge is switched off (``validatorUrl: null``) and the favicon is local.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from qingling.auth.access import public

SWAGGER_ASSETS = Path(fastapi_offline.__file__).parent / "static"


def mount_docs(app: FastAPI, prefix: str, title: str) -> None:
    static = f"{prefix}/static"
    redirect = f"{prefix}/docs/oauth2-redirect"
    app.mount(static, StaticFiles(directory=SWAGGER_ASSETS), name=f"{prefix}-static")

    @app.get(f"{prefix}/docs", include_in_schema=False, dependencies=[public()])
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{title} · 接口文档",
            swagger_js_url=f"{static}/swagger-ui-bundle.js",
            swagger_css_url=f"{static}/swagger-ui.css",
            swagger_favicon_url=f"{static}/favicon.png",
            oauth2_redirect_url=redirect,
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )

    @app.get(redirect, include_in_schema=False, dependencies=[public()])
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
