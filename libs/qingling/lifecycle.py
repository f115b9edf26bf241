"""Lifecycles declared once, as data: states, the actions that move between them, who may fire
each, what each requires, and the time limit each sets. Everything else is derived from the
declaration — the check that answers an illegal step with 409 naming the allowed ones, one API
route per action with its own request body and documentation, and the Mermaid diagram in the
README. Change the declaration and all of them change with it.

(No ``from __future__ import annotations`` here: the generated endpoints' annotations must be
real objects for FastAPI to read them.)
"""

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel

from qingling.auth.access import allow
from qingling.auth.principal import RECEIPT_HOLDER, Principal
from qingling.auth.roles import ROLES, Role
from qingling.calendar import UNIT_TITLES, Unit
from qingling.db import DbSession
from qingling.errors import Conflict, Forbidden, ValidationFailed, problem_responses
from qingling.runtime import CurrentRuntime


@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: Unit
    what: str  # what must happen within it, e.g. "现场复核"

    def __str__(self) -> str:
        return f"{self.amount} {UNIT_TITLES[self.unit]}内{self.what}"


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

    def next_state(self, state: str) -> str:
        return state if self.target is None else self.target


class TransitionNotAllowed(Conflict):
    code, title = "transition-not-allowed", "当前状态下不能进行此操作"


class ActionNotPermitted(Forbidden):
    code, title = "action-not-permitted", "您的角色不能进行此操作"


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

    def __post_init__(self) -> None:
        actions = [t.action for t in self.transitions]
        if len(actions) != len(set(actions)):
            raise ValueError(f"{self.name}: an action is declared twice")
        for transition in self.transitions:
            unknown = {*transition.sources, transition.target or transition.sources[0]} - set(self.states)
            if unknown:
                raise ValueError(f"{self.name}.{transition.action}: unknown states {sorted(unknown)}")

    def with_transition(self, transition: Transition) -> "Lifecycle":
        return dataclasses.replace(self, transitions=(*self.transitions, transition))

    def allowed(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.sources]

    def transition(self, action: str) -> Transition:
        for transition in self.transitions:
            if transition.action == action:
                return transition
        raise UnknownAction(f"{self.title}没有“{action}”这个操作")

    def check(self, state: str, action: str, caller: Principal) -> Transition:
        """The transition for ``action`` from ``state`` by ``caller``, or the problem to answer."""
        transition = self.transition(action)
        if state not in transition.sources:
            allowed = self.allowed(state)
            names = "、".join(f"{t.title}（{t.action}）" for t in allowed) or "无（已结束）"
            raise TransitionNotAllowed(
                f"当前状态为“{self.states[state]}”，不能{transition.title}；此时可以：{names}",
                extensions={"state": state, "allowed_actions": [t.action for t in allowed]},
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
    ItemId = Annotated[int, Path(description=f"{item} ID")]

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
