"""The benchmark harness still works: ``bench/run.py --smoke`` runs every benchmark that has a
smoke size (tiny numbers, nothing timed or compared here) and answers with its table and a
results file that keep the contract (``bench/_support.py``)."""

import json
import os
import subprocess
import sys

import pytest

from qlstack.postgres import MissingTool, postgres_bindir

FIGURE_KEYS = {"name", "value", "unit", "p50_ms", "p99_ms", "baseline", "ratio", "floor", "met", "script"}


def test_the_harness_runs_every_smoke_benchmark_and_keeps_the_contract(repo_root, tmp_path):
    skipped = ["chaos"]  # its harness runs in tests/test_scale_out.py, with five seeds on a stack of its own
    try:
        postgres_bindir()
    except MissingTool:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run every test: PostgreSQL is needed by bench/figures.py and bench/deadlines.py")
        skipped += ["figures", "deadlines"]
    skip = ["--skip", ",".join(skipped)]

    done = subprocess.run(
        [sys.executable, "bench/run.py", "--smoke", "--quiet", "--results", str(tmp_path), *skip],
        cwd=repo_root,
        capture_output=True,
        text=True,
        timeout=600,
    )

    assert done.returncode == 0, done.stdout + done.stderr
    assert "figure" in done.stdout and "baseline (same run)" in done.stdout and "floors:" in done.stdout
    [written] = tmp_path.glob("*.json")
    record = json.loads(written.read_text())
    assert record["mode"] == "smoke" and record["machine"]["cpus"] and record["git"]["commit"]
    ran = {script["name"]: script for script in record["scripts"]}
    expected = {"bulk_self_report", "figures", "deadlines", "footprint"} - set(",".join(skip[1:]).split(","))
    assert expected <= {name for name, s in ran.items() if s["status"] == "ok"}
    assert all(script["status"] in ("ok", "skipped") for script in ran.values()), ran
    assert record["figures"], "no figures"
    for figure in record["figures"]:
        assert set(figure) >= FIGURE_KEYS, figure
        assert isinstance(figure["value"], int | float) and figure["unit"]
        if isinstance(figure["baseline"], str):  # a baseline named is a figure of the same script
            assert any(f["name"] == figure["baseline"] and f["script"] == figure["script"] for f in record["figures"])
            assert figure["ratio"] is not None
    assert any(f["script"] == "bulk_self_report" and f["unit"] == "hazards/s" for f in record["figures"])
