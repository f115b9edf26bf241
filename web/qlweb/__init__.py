"""The pages: the public's H5 report and follow-up pages (``/h5/``) and the staff console
(``/console/``), static files that speak only the public API.

They are served as files — by nginx in distributed mode (``qlstack.gateway``), by the embedded
dispatcher on one box (``pages_app``) — with the same headers in both: a content security policy
that lets a page load and connect to its own host only, which is also what keeps a reporter's
browser from telling any other host what it reports."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGES = Path(__file__).parent / "pages"
ROOTS = ("h5", "console", "assets")  # the top-level paths the pages own: /h5/, /console/, /assets/

# Scripts, styles, images and connections from this host only; photos previewed from blob: URLs.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a follow-up page's address must not travel anywhere
    "Permissions-Policy": "geolocation=(self), camera=(self), microphone=()",
}
# What the pages are made of, for a gateway that knows no other types (nginx's ``types`` block).
MEDIA_TYPES = {
    "text/html": ("html",),
    "text/css": ("css",),
    "text/javascript": ("js", "mjs"),
    "application/json": ("json",),
    "image/svg+xml": ("svg",),
    "image/png": ("png",),
    "image/x-icon": ("ico",),
    "text/plain": ("txt", "md"),
}


def owns(path: str) -> bool:
    """Whether ``path`` is one of the pages' (``/h5``, ``/h5/…``, ``/console/…``, ``/assets/…``)."""
    first = path.lstrip("/").split("/", 1)[0]
    return first in ROOTS


def pages_app() -> ASGIApp:
    """The pages as an ASGI app: files under ``PAGES``, ``index.html`` for a folder, the headers
    above on every answer; ``/h5`` redirects to ``/h5/`` as nginx does."""
    files = StaticFiles(directory=PAGES, html=True)
    extra = [(name.lower().encode(), value.encode()) for name, value in HEADERS.items()]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        try:
            await files(scope, receive, send_with_headers)
        except HTTPException as exc:  # no such file: what nginx answers too
            await Response("页面不存在", exc.status_code, media_type="text/plain; charset=utf-8")(
                scope, receive, send_with_headers
            )

    return app
