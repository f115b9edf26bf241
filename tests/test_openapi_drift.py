"""openapi/ is the published contract: it must be exactly what the code serves."""

import json
import shutil

from qlstack.openapi import OPENAPI_DIR, drift, published_documents


def test_published_contracts_match_the_code():
    assert drift() == [], "openapi/ 与代码不一致：运行 `qingling openapi export` 并提交"


def test_drift_names_a_changed_route_without_writing(tmp_path):
    copy = tmp_path / "openapi"
    shutil.copytree(OPENAPI_DIR, copy)
    spec = json.loads((copy / "hazards.json").read_text())
    spec["paths"]["/api/v1/hazards/healthz"]["get"]["summary"] = "changed by hand"
    (copy / "hazards.json").write_text(json.dumps(spec))
    (copy / "events" / "retired.v1.json").write_text("{}")
    before = {path: path.read_bytes() for path in copy.rglob("*.json")}

    assert drift(copy) == ["events/retired.v1.json", "hazards.json"]
    assert {path: path.read_bytes() for path in copy.rglob("*.json")} == before  # compared, not written


def test_every_service_and_event_schema_is_published():
    names = {str(path) for path in published_documents()}

    assert {"identity.json", "reports.json", "hazards.json", "notify.json", "problems.json"} <= names
    assert "events/envelope.json" in names
