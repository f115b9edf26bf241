"""Lifecycles declared once, as data: states, the actions that move between them, who may fire
each (a role, and the authority among those roles: the lister, the supervising department …),
what each requires, and the time limit each sets. Everything else is derived from the
declaration — the check that answers an illegal step with 409 naming the allowed ones, one API
route per action with its own request body and documentation, the README's diagrams and
authority tables, and ``Runner``: the one place an action is fired, for every lifecycle. Each
domain supplies only its effects (``actions.py``) and how to tell its authorities apart.
Change the declaration and all of them change with it.

(No ``from __future__ import annotations`` here: the generated endpoints' annotations must be
real objects for FastAPI to read them.)
"""

import dataclasses
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, Protocol, TypeVar

from fastapi import Body, Path, Query
from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema
from sqlalchemy import ColumnElement, false, or_

from qingling.auth.access import allow
from qingling.auth.principal import RECEIPT_HOLDER, Principal
from qingling.auth.roles import ROLES, Role
from qingling.calendar import UNIT_TITLES, Deadline, Unit, WorkingCalendar
from qingling.clock import SHANGHAI
from qingling.db import DbSession
from qingling.errors import Conflict, Forbidden, ValidationFailed, problem_responses
from qingling.idempotency import APIRouter
from qingling.inputs import DbId
from qingling.runtime import CurrentRuntime, Runtime
from qingling.schemas import Schema, Term, Timestamp, terms


class TimeBasis(Schema):
    """How a time limit's end was counted — the event it runs from and its length — kept so it
    can be counted again when a year's holiday notice is loaded or withdrawn."""

    start: Timestamp
    amount: int
    unit: Unit

    def count(self, calendar: WorkingCalendar) -> Deadline:
        return calendar.deadline(self.start, self.amount, self.unit)


# Whether a limit's end is provisional, as every read and event that carries one says it.
Provisional = Annotated[
    bool,
    Field(description="暂定：期限所在年度的放假调休安排尚未发布，按法定节假日和周末计算，该年安排加载后重新计算"),
]


# The list filter of what waits for the caller (``Runner.actionable``).
ActionableBy = Annotated[
    Literal["me"] | None,
    Query(description="me：只看您现在可以办理的（allowed_actions 不为空），即等您所在部门决定或办理的"),
]


@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: Unit
    what: str  # what must happen within it, e.g. "现场复核"

    def __str__(self) -> str:
        return f"{self.amount} {UNIT_TITLES[self.unit]}内{self.what}"

    def basis(self, start: datetime, extra: int = 0) -> TimeBasis:
        """This limit (lengthened by ``extra``), running from an event at ``start``."""
        return TimeBasis(start=start, amount=self.amount + extra, unit=self.unit)


@dataclass(frozen=True)
class Authority:
    """Who, among the callers whose role allows an action, may take it on this item: the body the
    rules name (the lister, the supervising department, the level above …). Each domain tells
    whether a caller is that body (``Runner(authorities=…)``)."""

    key: str  # stable identifier, e.g. "lister"
    title: str  # 中文, e.g. "挂牌督办机关"
    why: str  # the rule it comes from, in words (domain.md)


@dataclass(frozen=True)
class Transition:
    action: str  # URL segment and stable identifier
    title: str  # 中文动作名
    sources: tuple[str, ...]
    target: str | None  # None: the action records something and the state stays as it is
    roles: frozenset[Role]
    payload: type[BaseModel] | None = None  # what the action requires, as a request body
    limit: TimeLimit | None = None  # the time limit this action sets for what comes next
    note: str = ""  # a rule the declaration cannot express as data, in words
    reporter: bool = False  # the reporter may fire it too, with their receipt (on a route of their own)
    automatic: bool = False  # fired by the service itself when its time comes: no route
    authority: Authority | None = None  # None: anyone whose role allows it and who can see the item

    def next_state(self, state: str) -> str:
        return state if self.target is None else self.target


class TransitionNotAllowed(Conflict):
    code, title = "transition-not-allowed", "当前状态下不能进行此操作"


class ActionNotPermitted(Forbidden):
    code, title = "action-not-permitted", "您的角色不能进行此操作"


class NotTheAuthority(Forbidden):
    code, title = "not-the-authority", "此操作须由规定的机关或部门进行"


class UnknownAction(ValidationFailed):
    code, title = "unknown-action", "没有这个操作"


@dataclass(frozen=True)
class Lifecycle:
    name: str
    title: str
    states: Mapping[str, str]  # code → 中文名, in reading order
    initial: str
    final: frozenset[str]
    transitions: tuple[Transition, ...] = field(default=())
    client_scope: str | None = None  # what an API client needs to fire the actions its role allows

    @functools.cached_property
    def State(self) -> Any:
        """A state code of this lifecycle: an enum in the contract that clients can switch on, and
        a 422 naming the states for anything else (a query filter, for instance)."""
        codes = list(self.states)

        def known(value: str) -> str:
            if value not in self.states:
                raise ValueError(f"取值应为以下之一：{'、'.join(codes)}")
            return value

        return Annotated[str, AfterValidator(known), WithJsonSchema({"type": "string", "enum": codes})]

    def publish_states(self, *models: type[BaseModel], field: str = "state") -> None:
        """Publishes the states as the enum of ``field`` of each read model (the schemas module
        cannot import its lifecycle, which declares the schemas' bodies)."""
        for model in models:
            model.model_fields[field].json_schema_extra = {"enum": list(self.states)}
            model.model_rebuild(force=True)

    def __post_init__(self) -> None:
        actions = [t.action for t in self.transitions]
        if len(actions) != len(set(actions)):
            raise ValueError(f"{self.name}: an action is declared twice")
        for transition in self.transitions:
            unknown = {*transition.sources, transition.target or transition.sources[0]} - set(self.states)
            if unknown:
                raise ValueError(f"{self.name}.{transition.action}: unknown states {sorted(unknown)}")

    def state_terms(self) -> list[Term]:
        return terms(self.states)

    def action_terms(self) -> list[Term]:
        """The actions people take (not those the service takes when their time comes)."""
        return terms({t.action: t.title for t in self.transitions if not t.automatic})

    def with_transition(self, transition: Transition) -> "Lifecycle":
        return dataclasses.replace(self, transitions=(*self.transitions, transition))

    def allowed(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def transition(self, action: str) -> Transition:
        for transition in self.transitions:
            if transition.action == action:
                return transition
        raise UnknownAction(f"{self.title}没有“{action}”这个操作")

    def check(self, state: str, action: str, caller: Principal, allowed: Sequence[str] | None = None) -> Transition:
        """The transition for ``action`` from ``state`` by ``caller``, or the problem to answer;
        ``allowed``: what this caller may do now (else: what the state allows)."""
        transition = self.transition(action)
        if state not in transition.sources:
            possible = [t.action for t in self.allowed(state) if not t.automatic]
            allowed = possible if allowed is None else list(allowed)
            pending = [a for a in possible if a not in allowed]  # what the state waits for from others

            def names(actions: Sequence[str]) -> str:
                return "、".join(f"{self.transition(a).title}（{a}）" for a in actions) or "无"

            detail = f"当前状态为“{self.states[state]}”，不能{transition.title}；此时您可以：{names(allowed)}"
            raise TransitionNotAllowed(
                detail + (f"；尚待他人进行：{names(pending)}" if pending else ""),
                extensions={"state": state, "allowed_actions": allowed, "pending_actions": pending},
            )
        if not (caller.has(*transition.roles) or (transition.reporter and caller == RECEIPT_HOLDER)):
            raise ActionNotPermitted(f"{transition.title}须由以下角色进行：{_role_names(transition.roles)}")
        return transition

    def describe(self, transition: Transition) -> str:
        """The action's documentation, derived from its declaration."""
        target = "（状态不变）" if transition.target is None else self.states[transition.target]
        lines = [
            f"**{transition.title}**：{'、'.join(self.states[s] for s in transition.sources)} → {target}",
            f"- 可由：{_role_names(transition.roles)}" + ("；举报人凭回执" if transition.reporter else ""),
        ]
        if transition.authority is not None:
            lines.append(f"- 由谁决定：{transition.authority.title}（{transition.authority.why}）")
        if transition.automatic:
            lines[1] = "- 到期由系统自动进行"
        if transition.payload is not None:
            required = [name for name, info in transition.payload.model_fields.items() if info.is_required()]
            lines.append(f"- 须提供：{'、'.join(required) or '（见请求体）'}")
        if transition.limit is not None:
            lines.append(f"- 期限：{transition.limit}")
        if transition.note:
            lines.append(f"- 规则：{transition.note}")
        return "\n".join(lines)

    def authority_table(self) -> str:
        """Who takes each action and why, as a Markdown table (the README's)."""
        rows = ["| 动作 | 代码 | 角色 | 由谁决定 | 依据 |", "|---|---|---|---|---|"]
        for t in self.transitions:
            who = "系统到期自动进行" if t.automatic else _role_names(t.roles) + ("；举报人凭回执" if t.reporter else "")
            authority = t.authority.title if t.authority else "可见该事项者"
            rows.append(
                f"| {t.title} | `{t.action}` | {who} | {authority} | {t.authority.why if t.authority else ''} |"
            )
        return "\n".join(rows)

    def mermaid(self) -> str:
        lines = ["stateDiagram-v2"]
        lines += [f'    state "{title}" as {code}' for code, title in self.states.items()]
        lines.append(f"    [*] --> {self.initial}")
        for transition in self.transitions:
            for source in transition.sources:
                lines.append(f"    {source} --> {transition.next_state(source)}: {transition.title}")
        lines += [f"    {state} --> [*]" for state in self.states if state in self.final]
        return "\n".join(lines)


def _role_names(roles: frozenset[Role]) -> str:
    return "、".join(ROLES[role].title for role in Role if role in roles)


# What an action route calls: (session, runtime, caller, item id, transition, payload) → response.
ActionHandler = Callable[..., Awaitable[Any]]


def action_routes(
    lifecycle: Lifecycle,
    handler: ActionHandler,
    *,
    prefix: str,
    item: str,
    response_model: type[BaseModel],
    tags: Sequence[str],
    problems: Sequence[type] = (),
) -> APIRouter:
    """One ``POST {prefix}/{{id}}/{action}`` per declared transition, each with the action's own
    request body, access rule and generated description."""
    router = APIRouter(prefix=prefix, tags=list(tags))
    responses = problem_responses(TransitionNotAllowed, ActionNotPermitted, *problems)
    for transition in lifecycle.transitions:
        if transition.automatic:
            continue
        router.add_api_route(
            f"/{{item_id}}/{transition.action}",
            _endpoint(transition, handler, item, lifecycle.client_scope),
            methods=["POST"],
            summary=transition.title,
            description=lifecycle.describe(transition),
            response_model=response_model,
            responses=responses,
            name=f"{lifecycle.name}_{transition.action}",
        )
    return router


def _endpoint(
    transition: Transition, handler: ActionHandler, item: str, client_scope: str | None
) -> Callable[..., Awaitable[Any]]:
    Caller = Annotated[Principal, allow(*transition.roles, scope=client_scope)]
    ItemId = Annotated[DbId, Path(description=f"{item} ID")]

    if transition.payload is None:

        async def endpoint(item_id: ItemId, caller: Caller, session: DbSession, runtime: CurrentRuntime):
            return await handler(session, runtime, caller, item_id, transition, None)

    else:

        async def endpoint(
            item_id: ItemId,
            caller: Caller,
            session: DbSession,
            runtime: CurrentRuntime,
            payload: Annotated[transition.payload, Body()],
        ):
            return await handler(session, runtime, caller, item_id, transition, payload)

    endpoint.__name__ = transition.action
    return endpoint


# ------------------------------------------------------------------------------------ the runner


class Stateful(Protocol):
    """What the runner moves: an item with a state and the time limit of its next step — its
    end, how it was counted, and whether that end is provisional (counted through a year whose
    holiday notice is not loaded)."""

    id: int | None
    state: str
    step: str | None
    step_due_at: datetime | None
    step_basis: TimeBasis | None
    step_provisional: bool
    updated_at: datetime
    closed_at: datetime | None


def start_step(item: Stateful, what: str, basis: TimeBasis, calendar: WorkingCalendar) -> Deadline:
    """The item's next step must be done within the limit ``basis`` counts."""
    due = basis.count(calendar)
    item.step, item.step_due_at, item.step_basis, item.step_provisional = what, due.due_at, basis, due.provisional
    return due


def end_step(item: Stateful) -> None:
    item.step, item.step_due_at, item.step_basis, item.step_provisional = None, None, None, False


def recount_step(item: Stateful, calendar: WorkingCalendar) -> Deadline | None:
    """The item's running limit counted again with ``calendar`` (a year's notice loaded or
    withdrawn): the new end when it moved or stopped being provisional, else None."""
    if item.step_basis is None or item.step_due_at is None:
        return None
    due = item.step_basis.count(calendar)
    if (due.due_at, due.provisional) == (item.step_due_at, item.step_provisional):
        return None
    item.step_due_at, item.step_provisional = due.due_at, due.provisional
    return due


Item = TypeVar("Item", bound=Stateful)


@dataclass
class Step(Generic[Item]):
    """One action being fired: what an effect gets to work with."""

    session: Any  # AsyncSession
    runtime: Runtime | None
    item: Item
    caller: Principal
    transition: Transition
    payload: Any
    now: datetime
    calendar: WorkingCalendar

    @property
    def today(self) -> date:
        return self.now.astimezone(SHANGHAI).date()


# An action's own work (checks, records, events), inside the action's transaction; what it
# returns is added to the trail entry.
Effect = Callable[[Step[Any]], Awaitable[dict[str, Any] | None]]
# Whether ``caller`` is the body an authority names for this item: None if so, else why not (in
# Chinese, naming the body, e.g. "销号须由挂牌督办机关德清县应急管理局作出").
AuthorityCheck = Callable[[Any, Principal], str | None]
# ``AuthorityCheck`` as a WHERE clause over the items' columns, for lists of what waits for a
# caller (``Runner.actionable``): true on exactly the rows where the check answers None.
AuthorityRows = Callable[[Principal], ColumnElement[bool]]
# Appends the change to the item's trail (and publishes it): (session, item, action, caller, now, payload).
Recorder = Callable[..., None]


async def nothing(step: Step[Any]) -> None:
    """The effect of an action that only moves the state (declared, so none is forgotten)."""
    return None


class Runner(Generic[Item]):
    """Fires the actions of one lifecycle, for every domain the same way: checks the state, the
    role and the authority; runs the action's effect; moves the state; sets (or clears) the time
    limit of the next step from the declaration; stamps the times; appends the change to the trail,
    naming the acting department. Built at import, where a missing or extra effect, or an
    authority nobody can check, stops the service from starting."""

    def __init__(
        self,
        lifecycle: Lifecycle,
        *,
        effects: Mapping[str, Effect],
        authorities: Mapping[str, AuthorityCheck],
        record: Recorder,
        rows: Mapping[str, AuthorityRows] | None = None,  # the checks as SQL, for ``actionable``
        calendar: Callable[[Any], Awaitable[WorkingCalendar]],
        keeps_step: frozenset[str] = frozenset(),  # states that keep a running limit (a pending extension)
        acting: Callable[[Step[Any]], Awaitable[str | None]] | None = None,  # the acting department's name
        after: Callable[[Step[Any], str], Awaitable[None]]
        | None = None,  # (step, state before), e.g. tell the reporter
    ) -> None:
        actions = {t.action for t in lifecycle.transitions}
        if missing := actions - set(effects):
            raise TypeError(f"{lifecycle.name}: no effect for {sorted(missing)} (use lifecycle.nothing)")
        if extra := set(effects) - actions:
            raise TypeError(f"{lifecycle.name}: effects for undeclared actions {sorted(extra)}")
        named = {t.authority.key for t in lifecycle.transitions if t.authority is not None}
        if unchecked := named - set(authorities):
            raise TypeError(f"{lifecycle.name}: no check for authorities {sorted(unchecked)}")
        if rows is not None and (unlisted := named - set(rows)):
            raise TypeError(f"{lifecycle.name}: no rows for authorities {sorted(unlisted)}")
        self.lifecycle = lifecycle
        self._effects = dict(effects)
        self._authorities = dict(authorities)
        self._rows = dict(rows or {})
        self._record = record
        self._calendar = calendar
        self._keeps_step = keeps_step
        self._acting = acting
        self._after = after

    def refusal(self, item: Item, caller: Principal, transition: Transition) -> str | None:
        """Why ``caller`` may not take ``transition`` on ``item`` (role or authority), or None."""
        if not (caller.has(*transition.roles) or (transition.reporter and caller == RECEIPT_HOLDER)):
            return f"{transition.title}须由以下角色进行：{_role_names(transition.roles)}"
        if transition.authority is None or caller == RECEIPT_HOLDER:
            return None
        return self._authorities[transition.authority.key](item, caller)

    def allowed_for(self, item: Item, caller: Principal) -> list[str]:
        """The actions ``caller`` may take on ``item`` now."""
        return [
            t.action
            for t in self.lifecycle.allowed(item.state)
            if not t.automatic and self.refusal(item, caller, t) is None
        ]

    def actionable(
        self, caller: Principal, state: Any, narrower: Mapping[str, ColumnElement[bool]] | None = None
    ) -> ColumnElement[bool]:
        """``allowed_for`` as a WHERE clause (the list filter ``actionable_by=me``): rows in a state
        from which an action the caller's role allows starts, and of which the caller is that
        action's authority — so a page and its total count only what waits for the caller.
        ``narrower``: a further condition on an action, where the domain narrows the runner's answer."""
        clauses = []
        for t in self.lifecycle.transitions:
            if t.automatic or not (caller.has(*t.roles) or (t.reporter and caller == RECEIPT_HOLDER)):
                continue
            clause = state.in_(t.sources)
            if t.authority is not None and caller != RECEIPT_HOLDER:
                clause &= self._rows[t.authority.key](caller)
            if narrower and t.action in narrower:
                clause &= narrower[t.action]
            clauses.append(clause)
        return or_(*clauses) if clauses else false()

    async def fire(
        self,
        session: Any,
        runtime: Runtime | None,
        item: Item,
        caller: Principal,
        action: str,
        payload: BaseModel | None,
        now: datetime,
    ) -> Item:
        """``item`` must be loaded for update and visible to ``caller``."""
        transition = self.lifecycle.check(item.state, action, caller, self.allowed_for(item, caller))
        if (why := self.refusal(item, caller, transition)) is not None:
            key = transition.authority.key if transition.authority else None
            raise NotTheAuthority(why, extensions={"authority": key, "allowed_actions": self.allowed_for(item, caller)})
        step = Step(session, runtime, item, caller, transition, payload, now, await self._calendar(session))
        extra = await self._effects[action](step)
        before = item.state
        item.state = transition.next_state(before)
        if (limit := transition.limit) is not None:
            start_step(item, limit.what, limit.basis(now), step.calendar)
        elif item.state != before and item.state not in self._keeps_step:
            end_step(item)
        item.closed_at = now if item.state in self.lifecycle.final else None  # an objection reopens
        item.updated_at = now
        change = {"from": before, "to": item.state}
        if self._acting is not None and (department := await self._acting(step)):
            change["acting_department"] = department
        change |= payload.model_dump(mode="json") if payload is not None else {}
        change |= extra or {}
        if self._after is not None:
            await self._after(step, before)
        self._record(session, item, action, caller, now, change)
        return item
