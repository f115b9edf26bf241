"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.

Layout: registration authority (1) + organisation type (1) + administrative division of the
registering authority (6) + organisation code (9, itself with a check character) + check (1).
The alphabet leaves out I, O, Z, S and V, which read like digits.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    code = code.strip().upper()
    if len(code) != 18:
        raise ValueError(f"统一社会信用代码应为 18 位，当前为 {len(code)} 位")
    if illegal := sorted({char for char in code if char not in ALPHABET}):
        raise ValueError(f"统一社会信用代码含有不允许的字符：{''.join(illegal)}（不使用 I、O、Z、S、V）")
    if code[17] != check_character(code[:17]):
        raise ValueError("统一社会信用代码校验位不正确，请核对是否抄错")
    return code


CreditCode = Annotated[str, AfterValidator(validate_credit_code)]
