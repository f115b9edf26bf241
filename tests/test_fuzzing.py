"""Schemathesis against the four services in embedded mode, as a county regulator, an enterprise
administrator, an administrator and an anonymous caller: generated valid and invalid requests
(examples, coverage, fuzzing) and the stateful phase that follows the contract's links from a
create to the read of what it created. No answer may be a 5xx, or differ from the contract in
status, media type, headers or body; invalid input must be refused.

``positive_data_acceptance`` is left out on purpose: it flags a correct 404 (an id that does not
exist), 409 (a step the state does not allow) or 422 (a business rule) to a schema-valid request.

The run is bounded in time (``BUDGET_SECONDS`` over all services and callers, within the four
minutes CI allows it) and prints how many requests it made.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import schemathesis
from schemathesis import engine
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events
from schemathesis.python import asgi

from identity.demo import DEMO_PASSWORD
from qingling.settings import Environment
from qlstack.embedded import build_embedded
from qlstack.services import SERVICE_NAMES

CALLERS = {
    "county regulator": "deqing-yjj",
    "enterprise admin": "demo-enterprise",
    "admin": "deqing-admin",
    "anonymous": None,
}
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    # invalid input is refused:
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
)
BUDGET_SECONDS = 150  # slow cases (a 1,000-item batch) may overrun a run's share a little
STATEFUL_SHARE = 0.3  # of each service × caller's time: the stateful phase runs last, so it gets its own run
SEED = 17  # the same requests in every run; change it to explore


@dataclass
class Outcome:
    cases: Counter = field(default_factory=Counter)  # per phase
    failures: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (check, operation, title) → request

    def record(self, event: events.ScenarioFinished) -> None:
        self.cases[event.phase.value] += len(event.recorder.cases)
        for case_id, checks in event.recorder.checks.items():
            for check in checks:
                if check.status.value != "failure":
                    continue
                case = event.recorder.cases[case_id].value
                title = check.failure_info.failure.title if check.failure_info else ""
                interaction = event.recorder.interactions.get(case_id)
                sent = f"{interaction.request.method} {interaction.request.uri}" if interaction else ""
                answer = interaction.response.status_code if interaction and interaction.response else None
                self.failures.setdefault((check.name, case.operation.label, title), f"{sent} → {answer}")


def _tokens(app) -> dict[str, str | None]:
    tokens: dict[str, str | None] = {}
    with asgi.get_client(app) as client:  # schemathesis starts the apps' lifespan in its own event loop
        for caller, username in CALLERS.items():
            if username is None:
                tokens[caller] = None
                continue
            form = {"grant_type": "password", "username": username, "password": DEMO_PASSWORD}
            response = client.post(f"http://{asgi.HOST}/api/v1/identity/oauth/token", data=form)
            assert response.status_code == 200, response.text
            tokens[caller] = response.json()["access_token"]
    return tokens


def _config(token: str | None, seconds: float, *, stateful: bool) -> SchemathesisConfig:
    phases = {name: {"enabled": not stateful} for name in ("examples", "coverage", "fuzzing")}
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "max-time": max(1, round(seconds)),
            "headers": {"Authorization": f"Bearer {token}"} if token else {},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
            "generation": {"mode": "all", "max-examples": 5, "database": "none"},  # no .hypothesis/ in the tree
            "phases": {**phases, "stateful": {"enabled": stateful, "max-steps": 10}},
        }
    )


def test_no_server_error_and_no_answer_outside_the_contract(tmp_path: Path, summary: Callable[[str], None]) -> None:
    app = build_embedded(
        tmp_path / "data", environment=Environment.TEST, clock_file=tmp_path / "clock.json", run_workers=False
    )
    tokens = _tokens(app)
    outcome, errors = Outcome(), []
    per_run = BUDGET_SECONDS / (len(SERVICE_NAMES) * len(CALLERS))
    started = time.monotonic()
    for service in SERVICE_NAMES:
        for caller, token in tokens.items():
            for stateful in (False, True):
                seconds = per_run * (STATEFUL_SHARE if stateful else 1 - STATEFUL_SHARE)
                config = _config(token, seconds, stateful=stateful)
                schema = schemathesis.openapi.from_asgi(f"/api/v1/{service}/openapi.json", app, config=config)
                for event in engine.from_schema(schema).execute():
                    if isinstance(event, events.ScenarioFinished):
                        outcome.record(event)
                    elif isinstance(event, events.NonFatalError):  # an exception in the app: a 500
                        errors.append(f"{service} as {caller}: {event.label}: {event.value!r}")
                    elif isinstance(event, events.FatalError):
                        errors.append(f"{service} as {caller}: {event.exception!r}")

    total = sum(outcome.cases.values())
    phases = ", ".join(f"{phase} {count}" for phase, count in sorted(outcome.cases.items()))
    summary(
        f"schemathesis: {total} requests ({phases}) to {len(SERVICE_NAMES)} services as {len(CALLERS)} "
        f"callers in {time.monotonic() - started:.0f} s; {len(outcome.failures)} failures, {len(errors)} errors"
    )
    assert outcome.cases["stateful"] > 0, "the stateful phase (create → read over links) did not run"
    report = [
        f"{check}: {operation}: {title} ({example})" for (check, operation, title), example in outcome.failures.items()
    ]
    assert not errors and not report, "\n".join(errors + sorted(report))
