"""Official documents of a hazard (issue 20): the 整改指令书, 挂牌督办通知书 and 销号通知 as PDF,
downloaded from the hazard. Each PDF's text layer, read back with pypdf, holds its Chinese title,
the enterprise, its number and what the step put on the trail; a document the hazard has not
reached yet is a 404 of its own; the documents are seen by exactly those who see the hazard."""

import io
import itertools
import secrets
from urllib.parse import unquote

import pytest
from hazard_flow import GENERAL_ORDER, PLAN, HazardFlow, at
from pypdf import PdfReader

pytestmark = pytest.mark.asyncio

H = "/api/v1/hazards"
NOW = at(2025, 3, 3)
SERIALS = itertools.count(1000 + secrets.randbelow(8000))  # 文号 unique per issuer and year on a shared system


async def _document(flow: HazardFlow, hazard: int, kind: str, who: str = "deqing-yjj") -> str:
    """The PDF's text layer, without the spaces and line breaks the layout put in."""
    response = await flow.call("GET", f"{H}/hazards/{hazard}/documents/{kind}", who)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f'filename="hazard-{hazard}-{kind}.pdf"' in disposition
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert unquote(disposition.split("filename*=UTF-8''")[1]).endswith(f"_隐患{hazard}.pdf")
    return "".join(text.split())


async def _refused(flow: HazardFlow, hazard: int, kind: str, who: str) -> dict:
    response = await flow.call("GET", f"{H}/hazards/{hazard}/documents/{kind}", who)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


async def _trail(flow: HazardFlow, hazard: int, action: str) -> dict:
    entries = await flow.ok("GET", f"{H}/hazards/{hazard}/history", "deqing-yjj")
    return next(entry for entry in reversed(entries) if entry["action"] == action)["payload"]


def _flat(text: str) -> str:
    return "".join(text.split())


async def test_a_major_hazard_has_its_order_then_its_listing_notice_then_its_close_out_notice(system):
    system.clock.freeze(NOW)
    major = {
        "title": "打磨车间除尘系统未设泄爆装置",
        "description": "打磨车间除尘系统未设泄爆装置，现场检查发现",
        "grade": "major",
        "basis_standard": "GM2023",
        "basis_clause": "第五条(一)",
        "found_at": "2025-02-20T10:00:00+08:00",
        "report": {"condition": "除尘器未设泄爆口", "harm": "可能引发粉尘爆炸，整改难度较大", "plan": "停产更换设备"},
    }
    flow = HazardFlow(system)
    hazard = await flow.ok("POST", f"{H}/hazards", "demo-enterprise", major)
    number = hazard["id"]
    enterprise = await flow.ok("GET", f"{H}/enterprises/{hazard['enterprise_id']}", "deqing-yjj")

    for kind in ("rectification-order", "listing-notice", "close-out-notice"):  # only reported
        assert (await _refused(flow, number, kind, "deqing-yjj"))["code"] == "document-not-issued"

    order_no = f"德应急责改〔2025〕{next(SERIALS)}号"
    await flow.act(number, "confirm_major", "deqing-yjj", {"order_no": order_no, "note": "请立即停用打磨工位"})
    order = await _document(flow, number, "rectification-order")
    confirmed = await _trail(flow, number, "confirm_major")
    for part in ("重大事故隐患限期整改指令书", enterprise["name"], order_no, major["title"], "请立即停用打磨工位",
                 "工贸企业重大事故隐患判定标准", "第五条(一)", confirmed["acting_department"],
                 "2025年3月3日"):  # fmt: skip
        assert _flat(part) in order, part
    not_listed = await _refused(flow, number, "listing-notice", "deqing-yjj")
    assert not_listed["code"] == "document-not-issued" and "未挂牌督办" in not_listed["detail"]

    listing = {
        "notice_no": f"〔2025〕{next(SERIALS)}号", "listed_on": "2025-03-03", "deadline": "2025-03-31",
        "measures": "停产更换除尘系统并加装泄爆装置", "responsible_unit": "德清示范企业设备部",
        "responsible_person": "王强",
        "supervising_department_id": await flow.department("330521"),
    }  # fmt: skip
    listed = await flow.act(number, "list", "deqing-yjj", listing)
    notice = await _document(flow, number, "listing-notice")
    for part in ("重大事故隐患挂牌督办通知书", enterprise["name"], listing["notice_no"], major["title"],
                 listing["measures"], listing["responsible_unit"], listing["responsible_person"],
                 listed["lister"]["name"], listed["supervising_department"]["name"], "2025年3月31日（含当日）",
                 "自挂牌之日起15日内提交治理方案"):  # fmt: skip
        assert _flat(part) in notice, part
    assert notice == await _document(flow, number, "listing-notice", "demo-enterprise")  # the enterprise's own

    await flow.act(number, "submit_plan", "demo-enterprise", PLAN)
    await flow.act(number, "accept_plan", "deqing-yjj")
    completion = {"summary": "已更换除尘系统并加装泄爆片", "evaluated_by": "in_house_experts", "evaluation": "整改到位"}
    await flow.act(number, "apply_completion", "demo-enterprise", completion)
    await flow.act(number, "start_review", "deqing-yjj")
    assert (await _refused(flow, number, "close-out-notice", "demo-enterprise"))["code"] == "document-not-issued"
    await flow.act(number, "pass_review", "deqing-yjj", {"findings": "现场复核：泄爆片已安装到位"})
    await flow.act(number, "check_close_out", "deqing-yjj", {"findings": "整改到位，同意销号"})
    await flow.act(number, "close", "deqing-yjj", {"opinion": "同意销号，予以摘牌"})
    closed = await _trail(flow, number, "close")
    close_out = await _document(flow, number, "close-out-notice")
    for part in ("重大事故隐患销号通知", enterprise["name"], listing["notice_no"], major["title"], "同意销号，予以摘牌",
                 "现场复核：泄爆片已安装到位", "整改到位，同意销号", completion["summary"], closed["acting_department"],
                 "销号日期2025年3月3日"):  # fmt: skip
        assert _flat(part) in close_out, part
    # what was issued stays issued: the order and the listing notice still read the same
    assert notice == await _document(flow, number, "listing-notice")
    assert order == await _document(flow, number, "rectification-order")


async def test_a_general_hazard_has_its_order_with_the_five_fixes_and_no_listing_notice(system):
    system.clock.freeze(NOW)
    general = {
        "title": "配电箱前堆放杂物",
        "description": "二号车间配电箱前堆放纸箱，影响操作",
        "grade": "general",
        "found_at": "2025-03-01T10:00:00+08:00",
    }
    flow = HazardFlow(system)
    hazard = await flow.ok("POST", f"{H}/hazards", "demo-enterprise", general)
    enterprise = await flow.ok("GET", f"{H}/enterprises/{hazard['enterprise_id']}", "demo-enterprise")
    order = {"measures": "清理配电箱前杂物并划定禁放区", "responsible_person": "李明", "funds": "自筹 500 元",
             "acceptor": "张华", "deadline": "2025-03-10"}  # fmt: skip
    await flow.act(hazard["id"], "accept_general", "deqing-yjj", order)

    text = await _document(flow, hazard["id"], "rectification-order", "demo-enterprise")
    for part in ("事故隐患整改指令书", enterprise["name"], f"隐患编号{hazard['id']}", general["title"],
                 order["measures"], order["responsible_person"], order["funds"], order["acceptor"],
                 "2025年3月10日（含当日）"):  # fmt: skip
        assert _flat(part) in text, part
    assert "重大" not in text
    assert (await _refused(flow, hazard["id"], "listing-notice", "deqing-yjj"))["code"] == "document-not-issued"


async def test_the_documents_are_seen_only_by_whom_the_hazard_is_seen(system):
    system.clock.freeze(NOW)
    flow = HazardFlow(system)
    general = {"title": "消防通道堵塞", "description": "仓库消防通道堆放货物", "grade": "general",
               "found_at": "2025-03-01T10:00:00+08:00"}  # fmt: skip
    hazard = (await flow.ok("POST", f"{H}/hazards", "demo-enterprise", general))["id"]
    await flow.act(hazard, "accept_general", "deqing-yjj", GENERAL_ORDER)
    _, other_enterprise = await flow.enterprise("deqing-yjj", "330521001")  # another enterprise of 德清

    for insider in ("demo-enterprise", "deqing-yjj", "huzhou-yjj", "huzhou-ajb"):  # its own, the county, the city
        assert "事故隐患整改指令书" in await _document(flow, hazard, "rectification-order", insider)
    for outsider in (other_enterprise, "wuxing-yjj", "juxian-yjj"):  # another enterprise, county, province
        assert (await _refused(flow, hazard, "rectification-order", outsider))["code"] == "hazard-not-found"
    path = f"{H}/hazards/{hazard}/documents"
    assert (await system.client.get(f"{path}/rectification-order")).status_code == 401
    assert (await flow.call("GET", f"{path}/warning-letter", "deqing-yjj")).status_code == 422
