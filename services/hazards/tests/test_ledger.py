"""An existing hazard ledger (.xlsx) becomes hazards in the states it records, counted as
pre-2024 stock or new; one bad row refuses the whole file."""

import io
import secrets
from datetime import datetime

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.asyncio

HEADER = ["统一社会信用代码", "隐患名称", "隐患描述", "隐患等级", "判定标准", "判定条款", "发现日期", "整改状态",
          "整改期限", "销号日期", "现状及原因", "危害程度及整改难易", "治理方案"]  # fmt: skip


def _ledger(marker: str, rows: int = 500) -> list[list]:
    ledger = []
    for number in range(rows):
        year = 2023 if number % 2 == 0 else 2024  # every other row is pre-2024 stock
        status = ("未整改", "整改中", "已销号")[number % 3]
        major = number % 25 == 0
        ledger.append([
            None, f"{marker}-{number:03d}", "巡查记录：安全防护设施缺失", "重大" if major else "一般",
            "GM2023" if major else None, "第四条(一)" if major else None,
            datetime(year, 6, 1 + number % 28), status,
            datetime(year, 9, 30) if status == "整改中" else None,
            f"{year}年8月1日" if status == "已销号" else None,
            "现状" if major else None, "危害分析" if major else None, "治理方案" if major else None,
        ])  # fmt: skip
    return ledger


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    workbook.active.append(HEADER)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def _import(system, content: bytes, username: str = "demo-enterprise"):
    files = {"file": ("台账.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    return await system.client.post(
        "/api/v1/hazards/hazards/ledger-import", files=files, headers=await system.login(username)
    )


async def _count(system, marker: str, **params) -> int:
    headers, after, count = await system.login("demo-enterprise"), None, 0
    while True:
        query = {"limit": 500, **params} | ({"after": after} if after else {})
        page = (await system.client.get("/api/v1/hazards/hazards", params=query, headers=headers)).json()
        count += sum(1 for hazard in page["items"] if hazard["title"].startswith(marker))
        if not (after := page["next_after"]):
            return count


async def test_a_500_row_ledger_imports_with_its_stock_marked(system):
    marker = f"台账{secrets.token_hex(3)}"

    response = await _import(system, _xlsx(_ledger(marker)))

    assert response.status_code == 201, response.text
    answer = response.json()
    assert (answer["created"], answer["pre_2024_stock"], len(set(answer["hazard_ids"]))) == (500, 250, 500)
    headers = await system.login("demo-enterprise")
    for row in (0, 499):  # the ids come in the rows' order
        hazard = await system.client.get(f"/api/v1/hazards/hazards/{answer['hazard_ids'][row]}", headers=headers)
        assert hazard.json()["title"] == f"{marker}-{row:03d}"
    assert await _count(system, marker, pre_2024_stock="true") == 250
    assert await _count(system, marker, state="closed") == 166  # rows 2, 5, 8 … are 已销号
    assert await _count(system, marker, state="rectifying") == 167


async def test_one_bad_date_refuses_the_whole_ledger(system):
    marker = f"坏账{secrets.token_hex(3)}"
    rows = _ledger(marker, rows=50)
    rows[19][6] = "2023-02-30"  # spreadsheet row 21: no such day

    response = await _import(system, _xlsx(rows))

    assert response.status_code == 422
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("/rows/21/found_on", "第 21 行“发现日期”：日期格式不正确，应如 2024-09-30")
    ]
    assert await _count(system, marker) == 0


async def test_a_regulator_imports_for_enterprises_in_its_jurisdiction_only(system):
    marker = f"监管台账{secrets.token_hex(3)}"
    rows = _ledger(marker, rows=2)
    rows[0][0] = "91330521MA2B3C4D5Q"  # 德清: in the county's jurisdiction
    rows[1][0] = None  # a regulator must name the enterprise

    response = await _import(system, _xlsx(rows), username="deqing-yjj")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["/rows/3/enterprise_code"]
