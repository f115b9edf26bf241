"""openapi/ (the published contract) and deploy/gateway/ must be exactly what the code generates."""

import json
import shutil

from qlstack.generated import MANAGED_DIRS, REPO_ROOT, drift, generated_files


def test_committed_files_match_the_code():
    assert drift() == [], "与代码不一致：运行 `./ql generate` 并提交"


def test_drift_names_a_changed_route_and_a_stale_file_without_writing(tmp_path):
    for folder in MANAGED_DIRS:
        shutil.copytree(REPO_ROOT / folder, tmp_path / folder)
    for path in ("README.md", "deploy/env.example"):
        shutil.copy(REPO_ROOT / path, tmp_path / path)
    spec_path = tmp_path / "openapi" / "hazards.json"
    spec = json.loads(spec_path.read_text())
    spec["paths"]["/api/v1/hazards/healthz"]["get"]["summary"] = "changed by hand"
    spec_path.write_text(json.dumps(spec))
    (tmp_path / "openapi" / "events" / "retired.v1.json").write_text("{}")
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}

    assert drift(tmp_path) == ["openapi/events/retired.v1.json", "openapi/hazards.json"]
    assert {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == before


def test_every_service_contract_is_published():
    names = {str(path) for path in generated_files()}

    for service in ("identity", "reports", "hazards", "notify"):
        assert f"openapi/{service}.json" in names
    assert {"openapi/problems.json", "openapi/events/envelope.json", "deploy/gateway/nginx.conf"} <= names
    assert "deploy/env.example" in names  # every setting each service reads
