"""Importing an enterprise list from Excel: the whole file is validated; any bad row refuses the
file with every bad row and column named, and nothing is stored."""

import io

import pytest
from openpyxl import Workbook, load_workbook

pytestmark = pytest.mark.asyncio

HEADER = [
    "统一社会信用代码", "企业名称", "地址", "行政区划代码", "行业领域", "风险等级", "经度", "纬度", "专项整治标签",
    "主要负责人", "主要负责人电话", "主要负责人电子邮箱", "实际控制人", "实际控制人电话", "实际控制人电子邮箱",
    "安全管理负责人", "安全管理负责人电话", "安全管理负责人电子邮箱",
]  # fmt: skip


def _xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row(code: str, number: int) -> list:
    return [
        code, f"导入测试{number}号纺织有限公司", f"新市镇导入路 {number} 号", "330521102", "工贸", "C", 120.27, 30.63,
        "涉爆粉尘、有限空间作业", "赵一", "13700000000", "ZhaoYi@Example.COM", None, None, None, "钱二",
        13700000001, None,
    ]  # fmt: skip


async def _import(system, content: bytes, username: str = "deqing-yjj"):
    files = {"file": ("名录.xlsx", content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    return await system.client.post(
        "/api/v1/hazards/enterprises/import", files=files, headers=await system.login(username)
    )


async def _count(system, name: str) -> int:
    listed = await system.client.get(
        "/api/v1/hazards/enterprises", params={"name": name, "limit": 500}, headers=await system.login("huzhou-yjj")
    )
    return len(listed.json()["items"])


async def test_two_bad_rows_are_both_named_and_nothing_is_stored(system, new_credit_code):
    rows = [_row(new_credit_code(), n) for n in range(1, 6)]
    rows[1][0] = rows[1][0][:-1] + ("X" if rows[1][0][-1] != "X" else "Y")  # spreadsheet row 3: bad check character
    rows[3][3] = "330521999"  # spreadsheet row 5: no such region
    rows[3][4] = "航空"  # … and no such industry

    response = await _import(system, _xlsx(rows))

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "rows-rejected"
    assert "第 3、5 行" in problem["detail"]
    assert {error["field"] for error in problem["errors"]} == {
        "/rows/3/credit_code",
        "/rows/5/industry",
        "/rows/5/region_code",
    }
    assert any(error["message"].startswith("第 5 行“行业领域”") for error in problem["errors"])
    assert await _count(system, "导入测试") == 0


async def test_a_clean_file_is_imported_whole(system, new_credit_code):
    rows = [_row(new_credit_code(), n) for n in range(100, 130)]
    rows = [
        [cell if index != 1 else cell.replace("导入测试", "整表导入") for index, cell in enumerate(row)] for row in rows
    ]

    response = await _import(system, _xlsx(rows))

    assert (response.status_code, response.json()) == (201, {"created": 30})
    imported = await system.client.get(
        "/api/v1/hazards/enterprises", params={"name": "整表导入"}, headers=await system.login("deqing-yjj")
    )
    first = imported.json()["items"][0]
    assert first["industry"] == "industry_trade" and first["tags"] == ["dust_explosion", "confined_space"]
    assert first["people"]["safety_manager"]["phone"] == "13700000001"  # a number cell read as text
    assert first["people"]["principal"]["email"] == "ZhaoYi@example.com"  # the domain as mail servers compare it
    assert first["people"]["safety_manager"].get("email") is None


async def test_duplicates_and_places_outside_the_jurisdiction(system, new_credit_code):
    code = new_credit_code()
    rows = [_row(code, 1), _row(code, 2), _row(new_credit_code("330502"), 3)]
    rows[2][3] = "330502100"

    response = await _import(system, _xlsx(rows))

    messages = sorted(error["message"] for error in response.json()["errors"])
    assert messages == [
        "第 3 行“统一社会信用代码”：与第 2 行重复",
        "第 4 行“行政区划代码”：330502100 不在您的管辖范围内",
    ]


async def test_not_a_spreadsheet_and_missing_columns(system):
    fake = await _import(system, b"MZ\x90\x00 this is an executable")
    workbook = Workbook()
    workbook.active.append(["企业名称", "地址"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    missing = await _import(system, buffer.getvalue())

    assert (fake.status_code, fake.json()["code"]) == (422, "not-a-spreadsheet")
    assert missing.json()["code"] == "not-a-spreadsheet"
    assert "/columns/统一社会信用代码" in {error["field"] for error in missing.json()["errors"]}


async def test_the_template_is_a_spreadsheet_with_every_column(system):
    response = await system.client.get(
        "/api/v1/hazards/enterprises/import-template", headers=await system.login("deqing-yjj")
    )

    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert [cell for cell in next(sheet.iter_rows(values_only=True))] == HEADER
