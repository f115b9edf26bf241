"""Who handles a tip-off, asked of the register (the hazards service) over HTTP.

属地 + 行业: the place from the reported enterprise or the reporter's region code, the industry from
the enterprise or the reporter's choice — 工贸 when nobody knows, so the 应急管理局, which answers
12350, takes it. Answers are cached in the database: fresh ones save a call, older ones carry
routing through an outage of the hazards service. A question the register cannot answer at all
leaves the tip-off unrouted (still received, still counted) until the routing worker succeeds.
Each process also keeps the fresh answers it has seen in memory (``RegisterMemo``), under the same
freshness rule, so an intake asks neither the register nor the database for a place it routed a
moment ago.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from qingling.db import upsert
from qingling.errors import ValidationFailed
from qingling.runtime import Runtime
from reports.tipoffs.models import RegisterAnswer, TipOff

log = structlog.get_logger(__name__)

DEFAULT_INDUSTRY = "industry_trade"
HAZARDS = "/api/v1/hazards"


class RegisterUnavailable(Exception):
    """The hazards service could not be asked and nothing usable is cached."""


@dataclass(frozen=True)
class Route:
    lead_department_id: int
    lead_department: str
    lead_region_code: str
    lead_kind: str
    co_handlers: list[dict[str, Any]]


@dataclass(frozen=True)
class _Remembered:
    answer: Any
    fetched_at: datetime


class RegisterMemo:
    """The register's answers this process has read or fetched, by question, with when they were
    fetched: fresh ones answer without a query. Bounded — the least recently used go first — as a
    province's enterprises are many and each is a question."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._answers: OrderedDict[str, _Remembered] = OrderedDict()

    def fresh(self, question: str, now: datetime, within: timedelta) -> _Remembered | None:
        remembered = self._answers.get(question)
        if remembered is None or not now - remembered.fetched_at < within:
            return None
        self._answers.move_to_end(question)
        return remembered

    def keep(self, question: str, answer: Any, fetched_at: datetime) -> None:
        self._answers[question] = _Remembered(answer, fetched_at)
        self._answers.move_to_end(question)
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)


async def ask(session: AsyncSession, runtime: Runtime, question: str, path: str, params: dict[str, str]) -> Any:
    """The register's answer to ``GET {path}?{params}``: fresh from memory or the cache, else from
    the hazards service, else a stale cached one. ``None`` is an answer too: "no such thing" (a 404)."""
    settings = runtime.settings
    now = runtime.clock.now()
    freshness = timedelta(seconds=settings.routing_cache_seconds)
    memo: RegisterMemo = runtime.adapters.register
    if (remembered := memo.fresh(question, now, freshness)) is not None:
        return remembered.answer
    cached = await session.get(RegisterAnswer, question)
    if cached is not None and now - cached.fetched_at < freshness:
        memo.keep(question, cached.answer, cached.fetched_at)
        return cached.answer
    try:
        response = await runtime.http.get(f"{settings.peer_url}{path}", params=params, auth=runtime.service_auth)
    except httpx.HTTPError as exc:
        response, failure = None, f"{type(exc).__name__}: {exc}"
    else:
        failure = f"HTTP {response.status_code}" if response.status_code >= 500 else None
    if failure is not None:
        if cached is not None and now - cached.fetched_at < timedelta(seconds=settings.routing_stale_seconds):
            log.warning("register unavailable, using a cached answer", question=question, failure=failure)
            return cached.answer
        raise RegisterUnavailable(failure)
    if response.status_code == 422 or (response.status_code == 404 and _code(response) != "no-responsible-department"):
        problem = response.json()  # the caller's own input names no such thing: a 422 on that field
        raise ValidationFailed.for_field(_field(problem), problem.get("detail") or problem.get("title", ""))
    answer = response.json() if response.status_code == 200 else None
    # Two intakes asking the same question at once both cache the answer: one statement, no race.
    await upsert(session, RegisterAnswer, {"question": question, "answer": answer, "fetched_at": now}, ["question"])
    memo.keep(question, answer, now)
    return answer


def _code(response: httpx.Response) -> str | None:
    try:
        return response.json().get("code")
    except ValueError:
        return None


def _field(problem: dict[str, Any]) -> str:
    errors = problem.get("errors") or []
    return errors[0].get("field", "region_code").lstrip("/") if errors else "region_code"


async def enterprise(session: AsyncSession, runtime: Runtime, credit_code: str) -> dict[str, Any] | None:
    """The registered enterprise with this credit code, or ``None``."""
    page = await ask(
        session, runtime, f"enterprise:{credit_code}", f"{HAZARDS}/enterprises", {"credit_code": credit_code}
    )
    items = (page or {}).get("items") or []
    return items[0] if items else None


async def resolve(session: AsyncSession, runtime: Runtime, region_code: str, industry: str) -> Route | None:
    """The lead department and co-handlers for a place and industry; ``None`` if none is set up."""
    answer = await ask(
        session,
        runtime,
        f"resolve:{region_code}:{industry}",
        f"{HAZARDS}/departments/resolve",
        {"region_code": region_code, "industry": industry},
    )
    if answer is None:
        return None
    lead = answer["lead"]
    return Route(
        lead_department_id=lead["id"],
        lead_department=lead["name"],
        lead_region_code=lead["region_code"],
        lead_kind=lead["kind"],
        co_handlers=[
            {"id": d["id"], "name": d["name"], "region_code": d["region_code"]} for d in answer["co_handlers"]
        ],
    )


async def department_of(session: AsyncSession, runtime: Runtime, region_code: str, kind: str) -> Route | None:
    """A caller's own department (for 提级办理), found by its place and kind."""
    page = await ask(
        session,
        runtime,
        f"department:{region_code}:{kind}",
        f"{HAZARDS}/departments",
        {"region_prefix": region_code, "kind": kind},
    )
    for department in (page or {}).get("items") or []:
        if department["region_code"] == region_code and department["active"]:
            return Route(department["id"], department["name"], region_code, kind, [])
    return None


def apply(tip_off: TipOff, route: Route | None) -> None:
    tip_off.lead_department_id = route.lead_department_id if route else None
    tip_off.lead_department = route.lead_department if route else None
    tip_off.lead_region_code = route.lead_region_code if route else None
    tip_off.lead_kind = route.lead_kind if route else None
    tip_off.co_handlers = route.co_handlers if route else []


async def route(session: AsyncSession, runtime: Runtime, tip_off: TipOff) -> bool:
    """Routes ``tip_off`` by its place and industry; False when the register cannot be reached."""
    try:
        apply(tip_off, await resolve(session, runtime, tip_off.region_code, tip_off.industry))
    except RegisterUnavailable:
        return False
    return True
