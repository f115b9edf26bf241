"""A client generated from each committed contract (``openapi/<service>.json``) with
openapi-python-client, as an integrator would: no warnings, nothing dropped — and those clients
alone drive a tip-off from intake to acceptance and a major hazard from its report to 销号.

Files are downloaded as bytes: the generator knows ``application/octet-stream`` only, so each
binary media type the contracts publish (images, PDF, Excel) is mapped to it
(``content_type_overrides``, the generator's own option for this)."""

from __future__ import annotations

import importlib
import inspect
import json
import random
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from identity.demo import DEMO_PASSWORD
from qingling.clock import SHANGHAI
from qlstack.services import SERVICE_NAMES

pytestmark = pytest.mark.asyncio

OPENAPI = Path(__file__).parents[1] / "openapi"
BASE_URL = "http://qingling.test"
MONDAY = datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI)


def _binary_media_types() -> set[str]:
    found = set()
    for name in SERVICE_NAMES:
        for item in json.loads((OPENAPI / f"{name}.json").read_text())["paths"].values():
            for operation in item.values():
                for response in operation["responses"].values():
                    for media_type, content in response.get("content", {}).items():
                        if content.get("schema", {}).get("format") == "binary":
                            found.add(media_type)
    return found


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("clients")
    config = root / "config.json"
    overrides = {media_type: "application/octet-stream" for media_type in _binary_media_types()}
    config.write_text(json.dumps({"content_type_overrides": overrides, "post_hooks": []}))
    for name in SERVICE_NAMES:
        result = subprocess.run(
            [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(OPENAPI / f"{name}.json"),
             "--meta", "none", "--config", str(config), "--output-path", str(root / f"qingling_{name}")],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        output = result.stdout + result.stderr
        assert result.returncode == 0, output
        assert "warning" not in output.lower(), output  # e.g. an endpoint or a model dropped
    sys.path.insert(0, str(root))
    try:
        yield root
    finally:
        sys.path.remove(str(root))
        for module in [m for m in sys.modules if m.startswith("qingling_") and m.split(".")[0].count("_") == 1]:
            del sys.modules[module]


def _api(service: str, module: str):
    return importlib.import_module(f"qingling_{service}.api.{module}")


def _models(service: str):
    return importlib.import_module(f"qingling_{service}.models")


async def _sign_in(transport, anonymous, username: str):
    token_request = _models("identity").TokenRequest.from_dict(
        {"grant_type": "password", "username": username, "password": DEMO_PASSWORD}
    )
    token = await _api("identity", "oauth.oauth_token").asyncio(client=anonymous["identity"], body=token_request)
    assert token.__class__.__name__ == "TokenResponse", token
    return {
        name: importlib.import_module(f"qingling_{name}").AuthenticatedClient(
            base_url=BASE_URL, token=token.access_token, httpx_args={"transport": transport}
        )
        for name in SERVICE_NAMES
    }


def _ok(answer, model: str):
    assert answer.__class__.__name__ == model, answer
    return answer


async def test_a_tip_off_and_a_hazard_driven_by_generated_clients_only(embedded, generated):
    transport = httpx.ASGITransport(app=embedded.dispatcher)
    anonymous = {
        name: importlib.import_module(f"qingling_{name}").Client(base_url=BASE_URL, httpx_args={"transport": transport})
        for name in SERVICE_NAMES
    }
    embedded.clock.freeze(MONDAY)
    try:
        await _tip_off_from_intake_to_acceptance(transport, anonymous)
        await _major_hazard_from_report_to_close_out(transport, anonymous)
    finally:
        embedded.clock.reset()


async def _tip_off_from_intake_to_acceptance(transport, anonymous) -> None:
    reports = _models("reports")
    notice = await _api("reports", "tip_offs.tip_offs_privacy_notice").asyncio(client=anonymous["reports"])
    submission = reports.TipOffSubmission.from_dict(
        {
            "channel": "miniprogram",
            "category": "major_hazard",
            "facts": "厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批，也没有人监护",
            "enterprise_code": "91330521MA2B3C4D5Q",
            "region_code": "330521",
            "consent": {"notice_version": notice.version, "agreed": True},
        }
    )
    submit = _api("reports", "tip_offs.tip_offs_submit")
    receipt = _ok(
        await submit.asyncio(client=anonymous["reports"], body=submission, idempotency_key=str(uuid.uuid4())),
        "TipOffReceipt",
    )

    handler = await _sign_in(transport, anonymous, "deqing-yjj")
    page = _ok(
        await _api("reports", "tip_offs.tip_offs_list_tip_offs").asyncio(
            client=handler["reports"], receipt_code=receipt.receipt_code
        ),
        "PageTipOffRead",
    )
    assert [item.id for item in page.items] == [receipt.tip_off_id]  # found by the code the caller reads out
    signed = await _api("reports", "tip_off_actions.tip_off_actions_tip_off_sign").asyncio(
        receipt.tip_off_id, client=handler["reports"]
    )
    accepted = await _api("reports", "tip_off_actions.tip_off_actions_tip_off_accept").asyncio(
        receipt.tip_off_id, client=handler["reports"]
    )
    assert _ok(signed, "TipOffRead").state == "signed"
    assert _ok(accepted, "TipOffRead").state == "verifying"  # accepted: the handler's 核查 starts at once


REPORT = {
    "title": "动火作业未办理审批、未清理可燃物",
    "description": "二号车间在未清理可燃物的情况下进行电气焊作业，未办理动火审批",
    "grade": "major",
    "basis_standard": "GM2023",
    "basis_clause": "第三条(二)",
    "tags": ["welding"],
    "found_at": "2024-09-02T08:30:00+08:00",
    "report": {
        "condition": "车间内堆放木质包装材料，焊接点 5 米内无隔离，无监护人",
        "harm": "可能引发火灾，车间内 40 名作业人员，整改需停产清理并加装防火分隔",
        "plan": "立即停止动火作业，清理可燃物，建立动火审批制度，加装防火分隔",
    },
}
PLAN = {
    "goals": "消除二号车间动火作业火灾隐患",
    "measures": "清理可燃物、加装防火分隔、建立动火审批和监护制度",
    "funds_and_materials": "投入资金 12 万元，防火板材已采购",
    "people": "总经理负总责，安全管理部牵头，车间主任具体负责",
    "time_limit": "2024 年 9 月 25 日前完成",
    "safety_measures": "整改期间停止动火作业，配备灭火器材，制定火灾应急预案",
}


async def _major_hazard_from_report_to_close_out(transport, anonymous) -> None:
    hazards = _models("hazards")
    enterprise = await _sign_in(transport, anonymous, "demo-enterprise")
    county = await _sign_in(transport, anonymous, "deqing-yjj")
    city = await _sign_in(transport, anonymous, "huzhou-yjj")
    reported = _ok(
        await _api("hazards", "hazards.hazards_report_hazard").asyncio(
            client=enterprise["hazards"], body=hazards.HazardCreate.from_dict(REPORT)
        ),
        "HazardRead",
    )
    departments = _ok(
        await _api("hazards", "departments.departments_list_departments").asyncio(
            client=city["hazards"], region_prefix="330500", kind="emergency"
        ),
        "PageDepartmentRead",
    )
    city_emergency = next(d.id for d in departments.items if d.region_code == "330500")
    listing = {
        "notice_no": f"〔2024〕{random.randint(5000, 9999)}号",
        "listed_on": "2024-09-02",
        "deadline": "2024-09-30",
        "measures": "限期消除动火作业火灾隐患，整改期间停止相关作业",
        "responsible_unit": "德清示范企业",
        "responsible_person": "王强",
        "supervising_department_id": city_emergency,
    }
    completion = {"summary": "已完成全部整改", "evaluated_by": "assessment_agency", "evaluation": "隐患已消除"}
    steps = [  # (action, who, body)
        ("confirm_major", county, {"order_no": "德应急责改〔2024〕12号"}),
        ("list", city, listing),
        ("submit_plan", enterprise, PLAN),
        ("accept_plan", city, None),
        ("apply_completion", enterprise, completion),
        ("start_review", city, None),
        ("pass_review", city, {"findings": "复核合格"}),
        ("check_close_out", city, {"findings": "整改到位，同意销号"}),
        ("close", city, {"opinion": "经督办部门审核，同意销号"}),
    ]
    for action, who, body in steps:
        call = _api("hazards", f"hazard_actions.hazard_actions_hazard_{action}").asyncio
        kwargs = {"body": _body_model(hazards, call).from_dict(body)} if body is not None else {}
        answer = _ok(await call(reported.id, client=who["hazards"], **kwargs), "HazardRead")
    assert answer.state == "closed"
    trail = await _api("hazards", "hazards.hazards_hazard_history").asyncio(reported.id, client=county["hazards"])
    assert [entry.action for entry in trail][-2:] == ["check_close_out", "close"]


def _body_model(models, call):
    """The model the generator made for an action's body, as the function's signature names it
    (``MajorConfirmationInput`` where the contract has separate input and output shapes)."""
    annotation = inspect.signature(call).parameters["body"].annotation
    return getattr(models, annotation if isinstance(annotation, str) else annotation.__name__)
