"""The published contract (OpenAPI) of a service, derived from its routes and their access rules.

FastAPI writes the skeleton; this module adds what a client generator and a fuzzer need and
what would drift if typed by hand on 150 routes:

- the problems every operation can answer with, **derived** from the access rule and the
  route (401 when a login is needed or a token may be sent, 403 when roles or scopes can refuse,
  404 with ids in the path, 400/415/422 with a body, 422 with parameters), merged with those the
  route declares itself (``responses=problem_responses(...)``), all as ``application/problem+json``;
- security as it is: none on public routes, optional (``[{}, bearer]``) where a token is only
  used to know the caller, required elsewhere;
- ``Idempotency-Key`` on every state-changing operation (``qingling.idempotency``): optional,
  with what a retry gets; required where the route refuses a request without one;
- uploads and downloads typed ``format: binary``;
- one name per schema (the component key doubles as its title, so generated classes are unique);
- links from a create to the read of what it created (``POST /things`` → ``GET /things/{id}``);
- an ASCII ``info.title`` (package names of generated clients), the Chinese name in the description.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fastapi.openapi.utils import get_openapi

from qingling.auth.access import (
    ANY_SCOPE,
    Anyone,
    InsufficientScope,
    NotSignedIn,
    Public,
    RoleNotAllowed,
    RolesRequired,
    api_routes,
    declared_rule,
)
from qingling.auth.jwt import InvalidToken
from qingling.errors import (
    PROBLEM_MEDIA_TYPE,
    MalformedBody,
    NotFound,
    Problem,
    QinglingError,
    UnsupportedBodyType,
    ValidationFailed,
    problem_responses,
)
from qingling.idempotency import (
    HEADER,
    MODES,
    IdempotencyAnswerWithheld,
    IdempotencyKeyEmpty,
    IdempotencyKeyReused,
    IdempotencyKeyTooLong,
    IdempotentRoute,
    mode_of,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

BEARER = "OAuth2PasswordBearer"
BINARY = {"type": "string", "format": "binary"}
_JSON_TYPES = re.compile(r"^application/(.+\+)?json$")


def openapi_document(app: FastAPI) -> dict[str, Any]:
    service = app.state.service
    schema = get_openapi(
        title=f"Qingling {service.name.capitalize()} API",
        version=app.version,
        description=f"清零 · {service.title}：{service.description}",
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    problem_schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(problem_schema.pop("$defs", {}))
    components["Problem"] = problem_schema
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        for method in route.methods:
            operation = schema["paths"][route.path_format][method.lower()]
            _describe_access(operation, declared_rule(route))
            _derive_problems(operation, route)
            _describe_idempotency_key(operation, route)
            _require_idempotency_key(operation)
            _type_binary_responses(operation)
    _type_binary_uploads(components)
    _unique_schema_names(schema)
    _link_creates_to_reads(schema)
    return schema


def _describe_access(operation: dict[str, Any], rule: Any) -> None:
    """Each operation states who may call it (description and ``x-access``) and, as its
    ``security``, whether a token is needed, optional or not used."""
    operation["x-access"] = rule.description if rule else "未声明"
    description = operation.get("description", "")
    operation["description"] = f"{description}\n\n**访问权限**：{operation['x-access']}".strip()
    if isinstance(rule, Public):
        operation.pop("security", None)
    elif isinstance(rule, Anyone):
        operation["security"] = [{}, {BEARER: []}]


def problems_of(route: Any, operation: dict[str, Any]) -> list[type[QinglingError]]:
    """The problems a route can answer with because of its access rule and its shape."""
    rule = declared_rule(route)
    found: list[type[QinglingError]] = []
    if isinstance(rule, RolesRequired):
        found += [NotSignedIn, InvalidToken]
        if rule.roles:
            found.append(RoleNotAllowed)
        if ANY_SCOPE not in rule.scopes:  # a client without the route's scope (or any client, if none)
            found.append(InsufficientScope)
    elif isinstance(rule, Anyone):
        found.append(InvalidToken)  # a token that is sent is verified
    parameters = operation.get("parameters", [])
    if any(parameter["in"] == "path" for parameter in parameters):
        found.append(NotFound)
    if "requestBody" in operation:
        found += [MalformedBody, UnsupportedBodyType, ValidationFailed]
    elif parameters:
        found.append(ValidationFailed)
    return found


def _derive_problems(operation: dict[str, Any], route: Any) -> None:
    _merge_problems(operation, problems_of(route, operation))


def _merge_problems(operation: dict[str, Any], problems: list[type[QinglingError]]) -> None:
    responses = operation.setdefault("responses", {})
    derived = problem_responses(*problems)
    for status, response in derived.items():
        existing = responses.get(str(status))
        problem = existing and existing.get("content", {}).get(PROBLEM_MEDIA_TYPE)
        if not problem:  # not documented, or FastAPI's own 422 shape: ours replaces it
            responses[str(status)] = response
            continue
        examples = problem.setdefault("examples", {})
        for code, example in response["content"][PROBLEM_MEDIA_TYPE]["examples"].items():
            if code not in examples:
                examples[code] = example
        existing["description"] = " / ".join(example["summary"] for example in examples.values())


def _describe_idempotency_key(operation: dict[str, Any], route: Any) -> None:
    """The header every state-changing route honours (an ``IdempotentRoute``), with what a retry
    gets, and the problems it adds; a route that declares it itself has documented it already."""
    if not isinstance(route.original_route, IdempotentRoute) or (mode := mode_of(route)) in {None, "none"}:
        return
    schema = {"type": "string", "minLength": 1, "maxLength": 255, "title": HEADER}
    parameter = {"name": HEADER, "in": "header", "required": False, "description": MODES[mode], "schema": schema}
    operation.setdefault("parameters", []).append(parameter)
    if mode == "by-event-id":
        return
    problems = [IdempotencyKeyReused, IdempotencyKeyTooLong, IdempotencyKeyEmpty]
    _merge_problems(operation, [*problems, IdempotencyAnswerWithheld] if mode == "withheld" else problems)


def _require_idempotency_key(operation: dict[str, Any]) -> None:
    """A route that refuses a request without ``Idempotency-Key`` (400 idempotency-key-missing)
    publishes the header as required."""
    refusals = operation.get("responses", {}).get("400", {}).get("content", {}).get(PROBLEM_MEDIA_TYPE, {})
    if "idempotency-key-missing" not in refusals.get("examples", {}):
        return
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "header" and parameter["name"].lower() == "idempotency-key":
            parameter["required"] = True
            schema = parameter["schema"]
            variants = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
            schema.update(variants[0] if variants else {"type": "string"})
            schema.setdefault("minLength", 1)


def _type_binary_responses(operation: dict[str, Any]) -> None:
    """A file download (any media type but JSON, with no schema) is a binary string."""
    for response in operation.get("responses", {}).values():
        for media_type, content in response.get("content", {}).items():
            if not _JSON_TYPES.match(media_type) and not content.get("schema"):
                content["schema"] = dict(BINARY)


def _type_binary_uploads(components: dict[str, Any]) -> None:
    """Upload fields (FastAPI writes ``contentMediaType``) as ``format: binary``, which clients
    send as a file part rather than a text field."""

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "string" and "contentMediaType" in node:
                node.pop("contentMediaType")
                node["format"] = "binary"
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(components)


def _unique_schema_names(schema: dict[str, Any]) -> None:
    """FastAPI keys two models of the same name by their module (``reports__tipoffs__schemas__Reason``)
    but leaves both titled ``Reason``, and generators name classes by title, so one was dropped.
    Such a model is named by its domain package and its name (``TipoffsReason``), and every
    component is titled by its key."""
    components = schema["components"]["schemas"]
    renamed: dict[str, str] = {}
    for key in list(components):
        if "__" in key:
            *modules, name = key.split("__")
            domain = [part for part in modules[1:] if part not in {"schemas", "models"}]
            renamed[key] = "".join(part.replace("_", " ").title().replace(" ", "") for part in domain) + name
    if len(set(renamed.values()) | (components.keys() - renamed.keys())) != len(components):
        raise ValueError(f"schema names still collide after renaming: {sorted(renamed.values())}")
    for old, new in renamed.items():
        components[new] = components.pop(old)
    for key, component in components.items():
        component["title"] = key
    if renamed:
        _rewrite_refs(
            schema, {f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in renamed.items()}
        )


def _rewrite_refs(node: Any, refs: dict[str, str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str) and node["$ref"] in refs:
            node["$ref"] = refs[node["$ref"]]
        for value in node.values():
            _rewrite_refs(value, refs)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, refs)


def _link_creates_to_reads(schema: dict[str, Any]) -> None:
    """``POST /things`` answering 201 with an ``id`` links to ``GET /things/{thing_id}``: the
    read of what was just created (OpenAPI links; clients and the stateful fuzzer follow them)."""
    paths = schema["paths"]
    components = schema["components"]["schemas"]
    for path, item in paths.items():
        created = item.get("post", {}).get("responses", {}).get("201")
        if not created:
            continue
        body = created.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in body:
            body = components.get(body["$ref"].rsplit("/", 1)[-1], {})
        if "id" not in body.get("properties", {}):
            continue
        for read_path, read_item in paths.items():
            match = re.fullmatch(re.escape(path) + r"/\{(\w+)\}", read_path)
            if match and "get" in read_item:
                created["links"] = {
                    "read": {
                        "operationId": read_item["get"]["operationId"],
                        "parameters": {match[1]: "$response.body#/id"},
                        "description": "读取刚创建的记录",
                    }
                }
