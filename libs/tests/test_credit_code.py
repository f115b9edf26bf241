"""The 统一社会信用代码 check (GB 32100-2015) against codes in real format.

The valid codes' check characters were cross-checked with a second, independent formulation
of the standard (weight = 3^i mod 31, check = −sum mod 31)."""

import pytest

from qingling.credit_code import validate_credit_code

VALID = [
    "91330521MA2B3C4D5Q",  # the demo enterprise
    "91110000600037341L",
    "91440300MA5EUYTC4T",  # 深圳 (4403), new-style organisation code
    "91310000717866186P",
    "12100000400000624D",  # a public institution (事业单位)
    "51110000500020181U",  # a social organisation (社会团体)
    "91330521727199845L",
    "93330521MA28C0FH7J",  # a farmers' cooperative (农民专业合作社)
]
INVALID = {
    "91330521MA2B3C4D5X": "校验位不正确",  # wrong check character
    "91110000600037341A": "校验位不正确",
    "9133052172719984": "应为 18 位",  # too short
    "91330521727199845L0": "应为 18 位",  # too long
    "91330521MA2B3C4D5I": "不允许的字符：I",  # I is not in the alphabet
    "91330521MO2B3C4D5Q": "不允许的字符：O",
    "91330521MA2B3C4D5S": "不允许的字符：S",
    "91330521MA2BZC4D5Q": "不允许的字符：Z",
}


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code):
    assert validate_credit_code(code) == code


def test_lower_case_and_spaces_are_normalised():
    assert validate_credit_code(" 91330521ma2b3c4d5q ") == "91330521MA2B3C4D5Q"


@pytest.mark.parametrize(("code", "reason"), INVALID.items())
def test_invalid_codes(code, reason):
    with pytest.raises(ValueError, match=reason):
        validate_credit_code(code)
