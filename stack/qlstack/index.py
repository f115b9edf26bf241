"""The landing page at ``/``: the public's report page, the staff console, and each service's docs."""

from __future__ import annotations

import html
from collections.abc import Iterable

from qingling.docs import DEMO_NOTICE
from qingling.runtime import Service


def index_html(services: Iterable[Service], *, demo: bool = False) -> str:
    rows = "".join(
        f'<li><a href="{s.prefix}/docs">{html.escape(s.title)}</a> <code>{s.prefix}</code>'
        f" — {html.escape(s.description)}</li>"
        for s in services
    )
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>清零 Qingling</title></head>'
        "<body>"
        + (f'<p role="alert" style="background:#b71c1c;color:#fff;padding:8px">{DEMO_NOTICE}</p>' if demo else "")
        + "<h1>清零 Qingling</h1><p>安全生产事故隐患举报与整改督办系统</p>"
        '<ul><li><a href="/h5/">我要举报 · 查询举报进展</a>（群众，手机浏览器）</li>'
        '<li><a href="/console/">工作台</a>（监管部门、安委办工作人员）</li></ul>'
        f"<h2>接口文档</h2><ul>{rows}</ul></body></html>"
    )
