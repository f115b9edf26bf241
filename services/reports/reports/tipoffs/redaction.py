"""What handlers and enterprises may read of a reporter's words: the same text with anything that
could name the reporter masked — phone numbers however they are written, ID card numbers, e-mail
addresses, and the name and numbers the reporter gave us. The original stays sealed."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "＊＊＊"
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－", "0123456789+-")
_SEP = r"[\s\-－—·.()（）]*"
_PATTERNS = (
    re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"),  # 居民身份证号码
    # Mobile numbers, with or without +86 / 0086, in any grouping: 13800138000, 138-0013-8000, +86 138 0013 8000.
    re.compile(rf"(?<!\d)(?:(?:\+|00)?86{_SEP})?1{_SEP}[3-9](?:{_SEP}\d){{9}}(?!\d)"),
    # Landlines with an area code: 0572-8012345, (0572) 801 2345.
    re.compile(rf"(?<!\d)0\d{{2,3}}{_SEP}\d(?:{_SEP}\d){{6,7}}(?!\d)"),
    re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"),
    re.compile(r"(?i)(?:微信号?|wechat|vx|qq)\s*[:：]?\s*[A-Za-z0-9_\-]{5,20}"),
)


def redact(text: str, known: Iterable[str | None] = ()) -> str:
    """``text`` with identifying details masked; ``known`` are the reporter's own name and numbers."""
    text = text.translate(_FULL_WIDTH)  # １３８… is a phone number too
    for value in sorted({k.strip() for k in known if k and len(k.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(value, MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(MASK, text)
    return text
