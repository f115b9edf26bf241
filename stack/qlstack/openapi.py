"""The published contracts under ``openapi/``: each service's OpenAPI document, the JSON Schema
of every event type, and the catalogue of error codes. CI fails when they drift from the code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qingling.errors import catalogue_for
from qingling.events import EventData, EventEnvelope
from qlstack.services import SERVICE_NAMES, service_module

REPO_ROOT = Path(__file__).resolve().parents[2]
OPENAPI_DIR = REPO_ROOT / "openapi"


def _dump(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def published_documents() -> dict[Path, str]:
    """Every file under ``openapi/`` as the code would write it now."""
    documents: dict[Path, str] = {}
    packages = []
    for name in SERVICE_NAMES:
        module = service_module(name)
        packages.append(module.service.package)
        documents[Path(f"{name}.json")] = _dump(module.create_app().openapi())
    documents[Path("problems.json")] = _dump(
        [{"code": error.code, "status": error.status, "title": error.title} for error in catalogue_for(packages)]
    )
    documents[Path("events/envelope.json")] = _dump(EventEnvelope.model_json_schema())
    owners = ("qingling", *packages)
    for (event_type, version), event_class in sorted(EventData.catalogue.items()):
        if event_class.__module__.split(".")[0] not in owners:
            continue  # declared by a test app, not by Qingling
        documents[Path(f"events/{event_type}.v{version}.json")] = _dump(event_class.json_schema())
    return documents


def drift(directory: Path = OPENAPI_DIR) -> list[str]:
    """Files that differ from what the code publishes (missing, changed or stale)."""
    expected = published_documents()
    present = {path.relative_to(directory) for path in directory.rglob("*.json")}
    changed = [
        str(path)
        for path, text in expected.items()
        if not (directory / path).exists() or (directory / path).read_text() != text
    ]
    stale = [str(path) for path in present - expected.keys()]
    return sorted(changed + stale)


def export(directory: Path = OPENAPI_DIR) -> list[str]:
    expected = published_documents()
    for path in directory.rglob("*.json"):
        if path.relative_to(directory) not in expected:
            path.unlink()
    for path, text in expected.items():
        (directory / path).parent.mkdir(parents=True, exist_ok=True)
        (directory / path).write_text(text)
    return sorted(str(path) for path in expected)
