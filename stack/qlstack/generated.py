"""Files generated from the code and committed, so they can be read and reviewed without
running anything: the published contracts under ``openapi/`` (each service's OpenAPI document,
the JSON Schema of every event type, the error catalogue), the compose gateway under
``deploy/gateway/``, the compose settings ``deploy/env.example`` (every setting each service
reads), and the README sections marked ``<!-- generated:NAME -->`` (the role catalogue …). CI
fails when any of them drifts from the code."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hazards.hazard.lifecycle import HAZARD_LIFECYCLE
from qingling.auth.roles import roles_table
from qingling.errors import catalogue_for
from qingling.events import EventData, EventEnvelope
from qlstack import envfile
from qlstack.gateway import compose_gateway_files
from qlstack.services import SERVICE_NAMES, service_module
from reports.rewards.lifecycle import REWARD_LIFECYCLE
from reports.tipoffs.lifecycle import TIP_OFF_LIFECYCLE

REPO_ROOT = Path(__file__).resolve().parents[2]
MANAGED_DIRS = (Path("openapi"), Path("deploy/gateway"))


def _dump(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def openapi_documents() -> dict[Path, str]:
    documents: dict[Path, str] = {}
    packages = [service_module(name).service.package for name in SERVICE_NAMES]
    for name in SERVICE_NAMES:
        documents[Path(f"{name}.json")] = _dump(service_module(name).create_app().openapi())
    catalogue = [{"code": e.code, "status": e.status, "title": e.title} for e in catalogue_for(packages)]
    documents[Path("problems.json")] = _dump(catalogue)
    documents[Path("events/envelope.json")] = _dump(EventEnvelope.model_json_schema())
    owners = ("qingling", *packages)
    for (event_type, version), event_class in sorted(EventData.catalogue.items()):
        if event_class.__module__.split(".")[0] in owners:  # not events of test apps
            documents[Path(f"events/{event_type}.v{version}.json")] = _dump(event_class.json_schema())
    return documents


README_SECTIONS: dict[str, Callable[[], str]] = {
    "roles": roles_table,
    "hazard-lifecycle": lambda: f"```mermaid\n{HAZARD_LIFECYCLE.mermaid()}\n```",
    "hazard-authority": HAZARD_LIFECYCLE.authority_table,
    "tip-off-lifecycle": lambda: f"```mermaid\n{TIP_OFF_LIFECYCLE.mermaid()}\n```",
    "reward-lifecycle": lambda: f"```mermaid\n{REWARD_LIFECYCLE.mermaid()}\n```",
    "tip-off-authority": TIP_OFF_LIFECYCLE.authority_table,
    "reward-authority": REWARD_LIFECYCLE.authority_table,
}


def readme(current: str) -> str:
    """The README with every generated section rendered afresh; hand-written text is kept."""
    for name, render in README_SECTIONS.items():
        section = re.compile(rf"(<!-- generated:{name} -->\n)(?:.*?\n)?(<!-- /generated:{name} -->)", re.DOTALL)
        if not section.search(current):
            raise ValueError(f"README.md has no <!-- generated:{name} --> section")
        text = render()
        current = section.sub(lambda match: f"{match[1]}{text}\n{match[2]}", current)  # noqa: B023 - used at once
    return current


def generated_files(root: Path = REPO_ROOT) -> dict[Path, str]:
    """Every managed file, relative to the repository root, as the code would write it now."""
    files = {Path("openapi") / path: text for path, text in openapi_documents().items()}
    files |= {Path("deploy/gateway") / name: text for name, text in compose_gateway_files().items()}
    files[Path("deploy/env.example")] = envfile.example()
    files[Path("README.md")] = readme((root / "README.md").read_text())
    return files


def _present(root: Path) -> set[Path]:
    return {path.relative_to(root) for folder in MANAGED_DIRS for path in (root / folder).rglob("*") if path.is_file()}


def drift(root: Path = REPO_ROOT) -> list[str]:
    """Managed files that differ from what the code generates: missing, changed or stale."""
    expected = generated_files(root)
    changed = {
        path for path, text in expected.items() if not (root / path).is_file() or (root / path).read_text() != text
    }
    return sorted(str(path) for path in changed | (_present(root) - expected.keys()))


def write(root: Path = REPO_ROOT) -> list[str]:
    expected = generated_files(root)
    for stale in _present(root) - expected.keys():
        (root / stale).unlink()
    for path, text in expected.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return sorted(str(path) for path in expected)
