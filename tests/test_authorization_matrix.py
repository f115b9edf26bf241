"""The authorization matrix (issue 16): every operation of the four services × every kind of
caller × an object inside and objects outside the caller's scope, against the reviewed table in
``tests/authz/expectations.csv``. Prints ``N checked, M leaks`` and fails on any leak and on any
answer the table does not expect.

- Operations come from the apps (``qingling.auth.access.api_routes`` over the four service apps),
  less the named platform routes in ``authz_requests.SKIPPED``. An operation without a row fails,
  and so does a row for an operation that no longer exists: a new route needs a reviewed row.
- Callers and objects are made through the API in the embedded system (``authz_world.build``):
  side A is 德清县 (demo enterprise A, 德清县应急管理局), side B another 德清 enterprise, side F
  莒县 (Shandong). Each column's scope: enterprise A's callers have A in scope, B and F outside;
  staff of 德清/湖州/浙江 have A in scope, F outside; 新市镇, 吴兴区 and 莒县 have A outside.
- A cell is the answer on the in-scope object A (see the file's header for the codes). For a
  caller whose role may call the operation (any code but ``no``), every object outside its scope
  must answer 404, and a list or a single answer without a path object must carry none of the
  outside objects' markers (credit code, title, receipt code, username …). A create aimed
  outside the caller's scope (``Call.away_body``) must not succeed.
- Requests carry the committed sample bodies of ``authz_requests.CALLS``. Each body is the one the
  ``ok`` cells prove valid on object A, and the same body (built for the far side) goes to the
  outside object — so a 422 there is not a body error but an answer that is not 404: a leak.
- State: reads run first, then the writes; reads and refusals change nothing, so they share
  one object. An action's refusals are tried on one object in the state the action needs (else
  a 409 would hide a missing check); a refusal that wrongly succeeds is a leak, and the callers
  after it get a fresh object; every caller the table expects to succeed fires on a fresh object
  of its own (``World.fresh``). Outside objects must not change; a leak that changes one is
  reported anyway.
"""

from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from authz_requests import CALLS, SKIPPED, Call
from authz_world import Caller, World, build
from fastapi.routing import APIRoute

from qingling.auth.access import api_routes

pytestmark = pytest.mark.asyncio

TABLE = Path(__file__).parent / "authz" / "expectations.csv"
CODES = {"ok", "no", "dept", "hidden", "state"}
HOME = {"ok": "2xx", "no": "refused", "dept": "403", "hidden": "404", "state": "409"}


def read_table() -> tuple[list[str], dict[str, dict[str, str]]]:
    lines = [line for line in TABLE.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    reader = csv.DictReader(lines)
    columns = [c for c in reader.fieldnames or [] if c not in ("operation", "note")]
    rows = {row["operation"]: {c: row[c].strip() for c in columns} for row in reader}
    return columns, rows


def operations(dispatcher) -> dict[str, tuple[str, str]]:
    """``service:operationId`` → (method, path) for every API route of the four apps."""
    found = {}
    for app in dispatcher.apps.values():
        service = app.state.service.name
        ids = {
            (path, method.upper()): op["operationId"]
            for path, item in app.openapi()["paths"].items()
            for method, op in item.items()
        }
        for context in api_routes(app):
            route: APIRoute = context.original_route
            for method in sorted(context.methods):
                op = ids.get((context.path, method), route.name)
                if op not in SKIPPED:
                    found[f"{service}:{op}"] = (method, context.path)
    return found


def kind_of(status: int) -> str:
    if 200 <= status < 300:
        return "2xx"
    return {401: "refused", 403: "refused", 404: "404", 409: "409"}.get(status, str(status))


@dataclass
class Result:
    operation: str
    caller: str
    target: str  # home / away:F / list
    status: int
    expected: str
    leak: bool
    why: str = ""

    def __str__(self) -> str:
        return f"{self.operation} × {self.caller} on {self.target}: {self.status} (table: {self.expected}) {self.why}"


class Matrix:
    def __init__(self, world: World, ops: dict[str, tuple[str, str]], rows: dict[str, dict[str, str]]):
        self.world, self.ops, self.rows = world, ops, rows
        self.results: list[Result] = []
        self.shared: dict[str, Any] = {}

    async def send(self, key: str, caller: Caller, call: Call, obj: Any, where: str) -> Any:
        method, path = self.ops[key]
        values = dict(call.path)
        query = dict(call.query)
        if call.kind is not None:
            if call.object_in_query:
                query[call.object_in_query] = obj
            else:
                name = next(p for p in _params(path) if p not in values)
                values[name] = obj
        url = path.format(**values)
        request = call.body(self.world, caller.name, where) if call.body else {}
        headers = {**caller.headers, **request.pop("headers", {})}
        return await self.world.client.request(
            method, url, params=query or None, headers=headers, auth=caller.auth, **request
        )

    def judge(self, key: str, caller: str, target: str, cell: str, response: Any, markers: list[str]) -> None:
        status = response.status_code
        got = kind_of(status)
        if target.startswith("away"):
            expected = "refused" if cell == "no" else "404"
            right = got == expected
            leak = got == "2xx" or (cell != "no" and got != "404")
        else:
            expected = HOME[cell]
            right = status == 403 if expected == "403" else got == expected
            leak = got == "2xx" and cell in ("no", "dept", "hidden")
        why = ""
        if got == "2xx" and (seen := [m for m in markers if m in response.text]):
            leak, why = True, f"out-of-scope rows: {seen[:3]}"
        elif not right:
            why = response.text[:160].replace("\n", " ")
        self.results.append(Result(key, caller, target, status, expected, leak, why))

    async def run(self, key: str) -> None:
        call, row, w = CALLS[key], self.rows[key], self.world
        callers = sorted(w.callers.values(), key=lambda c: row[c.name] == "ok")  # refusals first
        for caller in callers:
            cell = row[caller.name]
            if cell == "-":
                continue
            if call.kind is None and call.away_body and not caller.home:
                # nothing of A is in this caller's scope: only the create aimed outside it is tried
                response = await self.send(key, caller, call, None, "away")
                self.judge_create_away(key, caller.name, cell, response)
                continue
            if call.kind is None:
                markers = [m for side in caller.away for m in w.markers.get(side, [])]
                target = "list" if not caller.home else "home"
                response = await self.send(key, caller, call, None, "home")
                if caller.home:
                    self.judge(key, caller.name, target, cell, response, markers)
                else:  # the cell is for a caller with nothing in scope: list/create answers only
                    self.judge(key, caller.name, "list", cell, response, markers)
                if call.away_body:
                    response = await self.send(key, caller, call, None, "away")
                    self.judge_create_away(key, caller.name, cell, response)
                continue
            objects = w.objects[call.kind]
            targets = ([("home", "A")] if caller.home else []) + [("away:" + s, s) for s in caller.away if s in objects]
            for target, side in targets:
                if target == "home" and call.state:
                    if cell == "ok":
                        obj = await w.fresh(call.kind, call.state)
                    else:
                        if key not in self.shared:
                            self.shared[key] = await w.fresh(call.kind, call.state)
                        obj = self.shared[key]
                else:
                    obj = objects[side]
                response = await self.send(key, caller, call, obj, "home" if target == "home" else "away")
                self.judge(key, caller.name, target, cell, response, [])
                if target == "home" and call.state and cell != "ok" and response.is_success:
                    self.shared.pop(key)  # a leak moved it on: the next caller gets a fresh one

    def judge_create_away(self, key: str, caller: str, cell: str, response: Any) -> None:
        got = kind_of(response.status_code)
        expected = "refused" if cell == "no" else "not 2xx"
        leak = got == "2xx"
        ok = (got == "refused") if cell == "no" else not leak
        self.results.append(
            Result(key, caller, "away:create", response.status_code, expected, leak, "" if ok else response.text[:160])
        )


def _params(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


async def test_every_operation_has_a_reviewed_row(embedded):
    _, rows = read_table()
    ops = operations(embedded.dispatcher)
    assert sorted(set(ops) - set(rows)) == [], "operations without a reviewed row in tests/authz/expectations.csv"
    assert sorted(set(rows) - set(ops)) == [], "rows for operations that no longer exist"
    assert sorted(set(ops) - set(CALLS)) == [], "operations without a sample request in authz_requests.CALLS"
    bad = {(op, c, v) for op, row in rows.items() for c, v in row.items() if v not in CODES | {"-"}}
    assert not bad, f"unknown codes: {sorted(bad)[:10]}"


async def test_authorization_matrix(own_embedded, summary):
    # The matrix makes hundreds of accounts, departments, hazards and tip-offs: in a system of its
    # own, so that no other test finds them.
    embedded = own_embedded
    started = time.monotonic()
    columns, rows = read_table()
    ops = operations(embedded.dispatcher)
    world = await build(embedded)
    assert set(columns) == set(world.callers), "the table's columns are the matrix's callers"
    matrix = Matrix(world, ops, rows)
    try:
        for key in sorted(set(ops) & set(rows), key=lambda k: (CALLS[k].kind == "endpoint", ops[k][0] != "GET", k)):
            await matrix.run(key)
    finally:
        embedded.clock.reset()
    results = matrix.results
    leaks = [r for r in results if r.leak]
    mismatches = [r for r in results if r.why and not r.leak]
    summary(
        f"authorization matrix: {len(results)} checked, {len(leaks)} leaks, {len(mismatches)} mismatches "
        f"({len(ops)} operations × {len(world.callers)} callers, {time.monotonic() - started:.0f} s)"
    )
    for result in leaks:
        print(f"LEAK      {result}")
    for result in mismatches:
        print(f"MISMATCH  {result}")
    assert not leaks and not mismatches, f"{len(leaks)} leaks, {len(mismatches)} mismatches (listed above)"
