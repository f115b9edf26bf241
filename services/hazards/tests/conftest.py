import secrets

import pytest

from qingling.credit_code import check_character


@pytest.fixture
def new_credit_code():
    """A fresh, valid 统一社会信用代码 for an enterprise registered in ``county``."""

    def make(county: str = "330521") -> str:
        body = f"91{county}MA{secrets.randbelow(10**7):07d}"
        return body + check_character(body)

    return make


@pytest.fixture
def enterprise_body(new_credit_code):
    def make(region_code: str = "330521102", **overrides) -> dict:
        return {
            "credit_code": new_credit_code(region_code[:6]),
            "name": "测试安全生产有限公司",
            "address": "德清县新市镇测试路 8 号",
            "region_code": region_code,
            "industry": "industry_trade",
            "tags": ["dust_explosion"],
            "latitude": 30.63,
            "longitude": 120.27,
            "risk_class": "B",
            "people": {
                "principal": {"name": "王强", "phone": "13800001111"},
                "actual_controller": {"name": "王大强", "phone": "13800002222"},
                "safety_manager": {"name": "李安", "phone": "13800003333"},
            },
        } | overrides

    return make
