"""A lifecycle declared as data drives the 409 answer, the API routes and their documentation,
and the diagram — so adding a transition to the declaration changes all of them, and nothing
else has to be edited."""

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, Field

from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.calendar import Unit
from qingling.lifecycle import (
    ActionNotPermitted,
    Lifecycle,
    TimeLimit,
    Transition,
    TransitionNotAllowed,
    UnknownAction,
    action_routes,
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

    assert refused.value.detail == "当前状态为“已提交”，不能提交方案；此时可以：通过方案（accept）"
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
