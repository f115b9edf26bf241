"""A lifecycle declared as data drives the 409 answer, the API routes and their documentation,
and the diagram — so adding a transition to the declaration changes all of them, and nothing
else has to be edited."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.calendar import Unit, WorkingCalendar
from qingling.clock import SHANGHAI
from qingling.lifecycle import (
    ActionNotPermitted,
    Authority,
    Lifecycle,
    NotTheAuthority,
    Runner,
    TimeLimit,
    Transition,
    TransitionNotAllowed,
    UnknownAction,
    action_routes,
    nothing,
)


class Plan(BaseModel):
    measures: str = Field(description="整改措施")
    funds: int = Field(description="资金（元）")


class Item(BaseModel):
    id: int
    state: str


ENTERPRISE = frozenset({Role.ENTERPRISE_USER})
REGULATOR = frozenset({Role.REGULATOR})

PERMIT = Lifecycle(
    name="permit",
    title="整改方案",
    states={"draft": "草稿", "submitted": "已提交", "accepted": "已通过"},
    initial="draft",
    final=frozenset({"accepted"}),
    transitions=(
        Transition("submit", "提交方案", ("draft",), "submitted", ENTERPRISE, payload=Plan),
        Transition(
            "accept",
            "通过方案",
            ("submitted",),
            "accepted",
            REGULATOR,
            limit=TimeLimit(10, Unit.WORKING_DAYS, "组织验收"),
        ),
    ),
)
WITHDRAW = Transition("withdraw", "撤回方案", ("submitted",), "draft", ENTERPRISE)


def _app(lifecycle: Lifecycle) -> FastAPI:
    async def handler(*args):
        raise AssertionError("not called in these tests")

    app = FastAPI()
    app.include_router(action_routes(lifecycle, handler, prefix="/plans", item="方案", response_model=Item, tags=["x"]))
    return app


def _caller(roles: frozenset[Role]) -> Principal:
    return Principal(subject="t", roles=roles, region_code="330521")


def test_an_illegal_step_names_the_allowed_ones():
    with pytest.raises(TransitionNotAllowed) as refused:
        PERMIT.check("submitted", "submit", _caller(ENTERPRISE))

    assert refused.value.detail == "当前状态为“已提交”，不能提交方案；此时您可以：通过方案（accept）"
    assert refused.value.extensions["allowed_actions"] == ["accept"]


def test_the_wrong_role_and_an_unknown_action():
    with pytest.raises(ActionNotPermitted, match="监管人员"):
        PERMIT.check("submitted", "accept", _caller(ENTERPRISE))
    with pytest.raises(UnknownAction):
        PERMIT.check("draft", "approve", _caller(REGULATOR))
    assert PERMIT.check("submitted", "accept", _caller(REGULATOR)).target == "accepted"


def test_routes_and_documentation_come_from_the_declaration():
    spec = _app(PERMIT).openapi()

    submit = spec["paths"]["/plans/{item_id}/submit"]["post"]
    assert submit["summary"] == "提交方案"
    assert "草稿 → 已提交" in submit["description"] and "须提供：measures、funds" in submit["description"]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Plan")
    accept = spec["paths"]["/plans/{item_id}/accept"]["post"]
    assert "期限：10 工作日内组织验收" in accept["description"]
    assert "requestBody" not in accept


def test_adding_a_transition_changes_the_409_the_api_and_the_diagram_with_no_other_edit():
    extended = PERMIT.with_transition(WITHDRAW)

    with pytest.raises(TransitionNotAllowed) as refused:
        extended.check("submitted", "submit", _caller(ENTERPRISE))
    assert refused.value.extensions["allowed_actions"] == ["accept", "withdraw"]
    assert "/plans/{item_id}/withdraw" in _app(extended).openapi()["paths"]
    assert "/plans/{item_id}/withdraw" not in _app(PERMIT).openapi()["paths"]
    assert "submitted --> draft: 撤回方案" in extended.mermaid()
    assert "撤回方案" not in PERMIT.mermaid()


def test_the_diagram():
    assert PERMIT.mermaid().splitlines() == [
        "stateDiagram-v2",
        '    state "草稿" as draft',
        '    state "已提交" as submitted',
        '    state "已通过" as accepted',
        "    [*] --> draft",
        "    draft --> submitted: 提交方案",
        "    submitted --> accepted: 通过方案",
        "    accepted --> [*]",
    ]


def test_a_declaration_naming_an_unknown_state_is_refused():
    with pytest.raises(ValueError, match="unknown states"):
        PERMIT.with_transition(Transition("lose", "遗失", ("draft",), "lost", ENTERPRISE))


# ------------------------------------------------------------------------------------ the runner

BY_OWN_COUNTY = Authority("own_county", "属地县级部门", "只能由事项所在县的部门决定")
GUARDED = Lifecycle(
    name="guarded",
    title="整改方案",
    states=PERMIT.states,
    initial="draft",
    final=frozenset({"accepted"}),
    transitions=(
        PERMIT.transition("submit"),
        dataclasses.replace(PERMIT.transition("accept"), authority=BY_OWN_COUNTY),
    ),
)


@dataclass
class Permit:
    id: int
    region_code: str
    state: str = "submitted"
    step: str | None = None
    step_due_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    trail: list[tuple[str, dict]] = dataclasses.field(default_factory=list)


def _own_county(item: Permit, caller: Principal) -> str | None:
    return None if caller.region_code == item.region_code else f"须由{item.region_code}的部门作出"


def _runner(**changes) -> Runner:
    async def calendar(session) -> WorkingCalendar:
        return WorkingCalendar()

    def record(session, item, action, caller, now, change):
        item.trail.append((action, change))

    async def accept(step) -> dict:
        return {"accepted_by": step.caller.subject}

    options = {
        "effects": {"submit": nothing, "accept": accept},
        "authorities": {"own_county": _own_county},
        "record": record,
        "calendar": calendar,
    }
    return Runner(GUARDED, **(options | changes))


def test_a_runner_refuses_a_missing_or_extra_effect_and_an_unchecked_authority_at_start():
    with pytest.raises(TypeError, match=r"no effect for \['accept'\]"):
        _runner(effects={"submit": nothing})
    with pytest.raises(TypeError, match=r"undeclared actions \['publish'\]"):
        _runner(effects={"submit": nothing, "accept": nothing, "publish": nothing})
    with pytest.raises(TypeError, match=r"no check for authorities \['own_county'\]"):
        _runner(authorities={})


async def test_the_runner_checks_the_authority_then_moves_the_state_sets_the_limit_and_trails_it():
    runner = _runner()
    deqing = Principal(subject="account:1", roles=REGULATOR, region_code="330521", department="emergency")
    wuxing = Principal(subject="account:2", roles=REGULATOR, region_code="330502", department="emergency")
    permit = Permit(id=1, region_code="330521")
    now = datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI)

    assert runner.allowed_for(permit, deqing) == ["accept"]
    assert runner.allowed_for(permit, wuxing) == []
    with pytest.raises(NotTheAuthority, match="须由330521的部门作出"):
        await runner.fire(None, None, permit, wuxing, "accept", None, now)
    assert (permit.state, permit.trail) == ("submitted", [])

    await runner.fire(None, None, permit, deqing, "accept", None, now)

    assert (permit.state, permit.closed_at, permit.updated_at) == ("accepted", now, now)
    # The declared limit: 10 工作日 from Mon 2 Sep 2024, Saturday 14 Sep being a 调休 working day.
    assert permit.step == "组织验收"
    assert permit.step_due_at.astimezone(SHANGHAI).date().isoformat() == "2024-09-14"
    assert permit.trail == [("accept", {"from": "submitted", "to": "accepted", "accepted_by": "account:1"})]
    with pytest.raises(TransitionNotAllowed) as refused:
        await runner.fire(None, None, permit, deqing, "accept", None, now)
    assert refused.value.extensions["allowed_actions"] == []
