"""The console builds each action's form from the action's request body in the published contract
(web/qlweb/pages/console/forms.js): every field is labelled by its Chinese description, and a
field with a fixed set of values offers each by its Chinese name, written in the description as
"名称：code 词语；code 词语". A field without them would show a clerk an English name or a code."""

import json
import re
from pathlib import Path

import pytest

from qlstack.services import SERVICE_NAMES

OPENAPI = Path(__file__).parents[1] / "openapi"
SPECS = {name: json.loads((OPENAPI / f"{name}.json").read_text()) for name in SERVICE_NAMES}
ACTION = re.compile(r"/\{[a-z_]*id\}/[a-z_]+$")  # POST …/{item_id}/<action>: the lifecycles' routes, and the like
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def fields(spec: dict, schema: dict, pointer: str = ""):
    """(pointer, description, schema) of each field a form shows: an optional X read as X, objects as groups."""
    for name, prop in resolve(spec, schema).get("properties", {}).items():
        options = [option for option in prop.get("anyOf", []) if option.get("type") != "null"]
        inner = resolve(spec, options[0] if len(options) == 1 else prop)
        yield f"{pointer}/{name}", prop.get("description") or inner.get("description", ""), inner
        if inner.get("type") == "object" and inner.get("properties"):
            yield from fields(spec, inner, f"{pointer}/{name}")


def action_fields(name: str):
    spec = SPECS[name]
    for path, item in spec["paths"].items():
        body = item.get("post", {}).get("requestBody", {}).get("content", {}).get("application/json", {})
        if ACTION.search(path) and body:
            for pointer, description, schema in fields(spec, body["schema"]):
                yield f"POST {path} {pointer}", description, resolve(spec, schema.get("items", schema))


def unnamed(description: str, codes: list) -> list:
    """The codes the description does not name in words ("code 词语")."""
    named = r"(?:^|[\s：:；;，,]){}\s+[\u4e00-\u9fff]"
    return [code for code in codes if not re.search(named.format(re.escape(str(code))), description)]


def test_the_action_routes_are_found():
    found = {label.split()[1] for name in SERVICE_NAMES for label, _, _ in action_fields(name)}
    assert {"/api/v1/hazards/hazards/{item_id}/regrade", "/api/v1/reports/tip-offs/{item_id}/conclude"} <= found


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_field_of_an_action_form_is_described_in_chinese(name):
    undescribed = [label for label, description, _ in action_fields(name) if not CHINESE.search(description)]

    assert undescribed == []


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_choice_of_an_action_form_is_named_in_chinese_after_the_fields_name(name):
    unnamed_choices = {}
    for label, description, schema in action_fields(name):
        if codes := schema.get("enum"):
            first = min((description.find(str(code)) for code in codes if str(code) in description), default=0)
            if unnamed(description, codes) or not CHINESE.search(description[:first]):
                unnamed_choices[label] = description

    assert unnamed_choices == {}
