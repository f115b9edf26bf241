"""What handlers and enterprises may read of a reporter's words: the same text with anything that
could name the reporter masked — phone numbers however they are written, ID card numbers, e-mail
addresses, the name a reporter introduces themselves with, and the name and numbers the reporter
gave us. The original stays sealed.

Numbers are found in a *reading* of the text, one entry per character: each character's NFKC form
(full-width １３９, ．, －, the ideographic space become ASCII) or, for a Chinese numeral, its digit
(一三九…, 幺洞两拐, 壹贰叁…), so 一三九．１２３４ 5678 reads as 139.1234 5678. What matches there
is masked in the original text, which is otherwise left as the reporter wrote it.

``outward_spans`` is the check on what a handler sends to the reported enterprise: where it
repeats what the reporter said of themselves (a home address, a relative's name, their job and
shift) or still carries a masked detail or mentions the reporter at all. Those identifiers are
found by rules anchored on the reporter's own words (我叫, 本人, 我丈夫, 住在, 家住, 我是…焊工)
rather than by a general name recogniser: it is the anchor that says a name or a place points to
the reporter — a tagger would flag the enterprise's boss and every place in the facts alike. (jieba's
part-of-speech tags were tried: 42 MB, unreleased since 2020, and on these texts it tagged 阳光 in
阳光花园小区 a person and split 王秀英 in two; rjieba, its maintained Rust port, read 张三在 as one name.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

MASK = "＊＊＊"

# Chinese numerals as read out digit by digit (幺 1, 洞 0, 两 2, 拐 7 in dictation) and in capitals.
_NUMERALS = {c: str(d) for d, cs in enumerate(("〇零洞", "一幺壹", "二两贰", "三叁", "四肆", "五伍", "六陆", "七柒拐",
                                              "八捌", "九玖")) for c in cs}  # fmt: skip
_SEP = r"[\s\-—–―·.()_/]{0,3}"  # how people group digits: 139-1234-5678, 139 1234 5678, 139.1234.5678
_D = rf"{_SEP}\d"  # one more digit, perhaps after a separator
_NUMBERS = (
    # 居民身份证号码, also grouped (330521 19900101 123X): a birth date where it belongs, so an
    # ordinary 18-digit number (an order, an all-digit credit code) is left alone.
    re.compile(
        rf"(?<!\d)\d(?:{_D}){{5}}{_SEP}(?:1{_SEP}[89]|2{_SEP}0){_D}{_D}"
        rf"{_SEP}(?:0{_SEP}[1-9]|1{_SEP}[0-2]){_SEP}(?:0{_SEP}[1-9]|[12]{_D}|3{_SEP}[01])(?:{_D}){{3}}{_SEP}[\dXx](?![\dXx])"
    ),
    # UnionPay bank cards (62…, 16 to 19 digits), as a reward is paid to one.
    re.compile(rf"(?<!\d)6{_SEP}2(?:{_D}){{14,17}}(?!\d)"),
    # Mobile numbers, with or without +86 / 0086, in any grouping: 13800138000, +86 138 0013 8000.
    re.compile(rf"(?<!\d)(?:(?:\+|00)?86{_SEP})?1{_SEP}[3-9](?:{_D}){{9}}(?!\d)"),
    # Landlines with an area code: 0572-8012345, (0572) 801 2345.
    re.compile(rf"(?<!\d)0\d{{2,3}}{_SEP}\d(?:{_D}){{6,7}}(?!\d)"),
    re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"),
    re.compile(r"(?i)(?:微信号?|wechat|vx|qq)\s*[:：]?\s*[A-Za-z0-9_\-]{5,20}"),
)

# A person's name: a surname (the common single ones, and the compound ones) and one or two more
# characters, ending where a name can end — before punctuation or a word that cannot belong to it.
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文"
    "牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲"
    "翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫"
    "米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
_COMPOUND = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|宇文|司徒|夏侯|令狐|端木|西门|南宫"
_ENDS = r"(?=[\s，。、；：！？,.;:!?（）()“”\"'…\-—]|$|[在是的和与跟说让也都就把被给到去来从住家今现已曾于等因做当])"
_NAME = rf"(?P<name>(?:{_COMPOUND}|[{_SURNAMES}])[\u4e00-\u9fff]{{1,2}}?){_ENDS}"
# The reporter's job or shift, as they describe themselves: 我是二号车间夜班焊工, 我在厂里当电工.
_ROLE_WORDS = r"我(?:是|在)(?P<role>[^，。,.;；！!？?\s]{2,24}?(?:工|员|师傅|师|手|长|司机|保安|主任|会计|经理))"
_SELF_NAMED = (
    re.compile(rf"(?:我叫|我名叫|我的名字(?:是|叫)|本人(?:叫|名叫|是)?|举报人(?:是|为)?[:：]?)\s*{_NAME}"),
    re.compile(rf"我是\s*(?P<name>(?:{_COMPOUND}|[{_SURNAMES}])[\u4e00-\u9fff]{{1,2}})(?=[\s，。；！,.;!]|$)"),
    re.compile(rf"{_ROLE_WORDS}{_NAME}"),  # 我是夜班焊工李四
)
_RELATIVES = (
    "丈夫|妻子|老婆|老公|爱人|媳妇|儿子|女儿|父亲|母亲|爸爸|妈妈|哥哥|弟弟|姐姐|妹妹|姐夫|妹夫|嫂子|弟媳|岳父|岳母|公公|婆婆"
    "|叔叔|舅舅|姑姑|阿姨|侄子|外甥|女婿|儿媳|亲戚|表哥|表弟|表姐|表妹|堂哥|堂弟|男朋友|女朋友|对象|室友|邻居|师傅|徒弟|同事"
)
_RELATIVE = re.compile(rf"我(?:的)?(?:{_RELATIVES})(?:是|叫|名叫)?[,，:：\s]*{_NAME}")
_ROLE = re.compile(_ROLE_WORDS)
_RESIDENCE = re.compile(
    r"(?:我家住(?:在)?|我住(?:在)?|家住(?:在)?|我家在|住址(?:是|为)?[:：]?|居住(?:在|于))\s*"
    r"(?P<place>[^，。,;；！!？?\n的][^，。,;；！!？?\n]{2,39})"
)
# Where an address can be cut and still point to one home: 阳光花园小区 | 3栋 | 2单元 | 502室.
_ADDRESS_UNIT = re.compile(r"(?:小区|花园|家园|公寓|新村|宿舍|大院|大厦|苑|村|号院|号楼|栋|幢|单元|室|号|组)")
_ABOUT_REPORTER = re.compile(r"举报人|举报者|反映人|来电人|来信人|投诉人|知情人|线人")


def _reading(text: str, numerals: bool = True) -> tuple[str, list[int]]:
    """The text as numbers are read, and for each of its characters the original's index."""
    chars: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        read = (numerals and _NUMERALS.get(c)) or unicodedata.normalize("NFKC", c)
        chars.append(read)
        where.extend([i] * len(read))
    return "".join(chars), where


def _masked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + MASK + text[end:]
    return text


def self_names(text: str) -> list[str]:
    """The names a reporter introduces themselves with: 我叫李四, 本人王秀英, 我是张三。"""
    reading, _ = _reading(text, numerals=False)
    return [m.group("name") for pattern in _SELF_NAMED for m in pattern.finditer(reading)]


def redact(text: str, known: Iterable[str | None] = ()) -> str:
    """``text`` with identifying details masked; ``known`` are the reporter's own name and numbers."""
    reading, where = _reading(text)
    spans: list[tuple[int, int]] = []
    for value in {_reading(k.strip())[0] for k in known if k and len(k.strip()) >= 2}:
        spans += [(m.start(), m.end()) for m in re.finditer(re.escape(value), reading)]
    for pattern in _NUMBERS:
        spans += [(m.start(), m.end()) for m in pattern.finditer(reading)]
    found = [(where[s], where[e - 1] + 1) for s, e in spans if e > s]
    plain, plain_where = _reading(text, numerals=False)  # 张三 is a name, not 张3
    for pattern in _SELF_NAMED:
        found += [(plain_where[m.start("name")], plain_where[m.end("name") - 1] + 1) for m in pattern.finditer(plain)]
    return _masked(text, found)


# ------------------------------------------------------------------ what is sent to the enterprise


class Pointer(StrEnum):
    """What an outward text repeats that may point to the reporter."""

    MASKED = "masked"  # a phone, ID, e-mail or the reporter's own name, already masked
    REPORTER = "reporter"  # speaks of the reporter at all
    NAME = "name"  # a name the reporter gave for themselves
    RELATIVE = "relative"  # a relative's, neighbour's or colleague's name from the reporter's words
    ROLE = "role"  # the reporter's own job or shift (我是夜班焊工)
    RESIDENCE = "residence"  # where the reporter lives


POINTER_TITLES = {
    Pointer.MASKED: "含已遮盖的举报人信息（姓名、电话、证件号等），其余文字仍可能指向举报人",
    Pointer.REPORTER: "提到了举报人",
    Pointer.NAME: "举报人自述的姓名",
    Pointer.RELATIVE: "举报人提到的亲属、邻居或同事的姓名",
    Pointer.ROLE: "举报人自述的岗位或班次",
    Pointer.RESIDENCE: "举报人提到的住址",
}


@dataclass(frozen=True)
class Identifier:
    """Something the reporter said of themselves, and the pieces of it that still point to them."""

    kind: Pointer
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Span:
    kind: Pointer
    text: str
    start: int
    end: int


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def identifiers(words: Iterable[str]) -> list[Identifier]:
    """What the reporter said of themselves in ``words`` (the facts, supplements and answers as
    handlers read them): names, relatives' names, job and shift, home address."""
    found: list[Identifier] = []
    for text in words:
        reading = _squeezed(text)
        for pattern in _SELF_NAMED:
            found += [Identifier(Pointer.NAME, _name_keys(m.group("name"))) for m in pattern.finditer(reading)]
        found += [Identifier(Pointer.RELATIVE, _name_keys(m.group("name"))) for m in _RELATIVE.finditer(reading)]
        for m in _ROLE.finditer(reading):
            role = m.group("role").rsplit("的", 1)[-1]
            if len(role) >= 3:  # 焊工 alone is a trade, 夜班焊工 narrows to a few people
                found.append(Identifier(Pointer.ROLE, (role[-4:],)))
        for m in _RESIDENCE.finditer(reading):
            place = m.group("place")
            cuts = [place[: u.end()] for u in _ADDRESS_UNIT.finditer(place) if u.end() >= 4]
            found.append(Identifier(Pointer.RESIDENCE, tuple(dict.fromkeys([*cuts, place]))))
    return found


def _name_keys(name: str) -> tuple[str, ...]:
    """A name, and its surname with the first given character (张三 of 张三在, 王秀 of 王秀英)."""
    surname = 2 if re.match(_COMPOUND, name) else 1
    return tuple(dict.fromkeys([name, name[: surname + 1]]))


def outward_spans(text: str, reporter: Iterable[Identifier]) -> list[Span]:
    """Where ``text`` — already redacted — may point to the reporter: masked details, mentions of
    the reporter, and anything the reporter said of themselves (``reporter``)."""
    spans = [Span(Pointer.MASKED, m.group(), m.start(), m.end()) for m in re.finditer(re.escape(MASK), text)]
    spans += [Span(Pointer.REPORTER, m.group(), m.start(), m.end()) for m in _ABOUT_REPORTER.finditer(text)]
    reading, where = _reading(text, numerals=False)
    for identifier in reporter:
        for key in sorted(identifier.keys, key=len, reverse=True):  # the fullest match
            if (at := reading.find(key)) >= 0:
                start, end = where[at], where[at + len(key) - 1] + 1
                spans.append(Span(identifier.kind, text[start:end], start, end))
                break
    return sorted(set(spans), key=lambda s: (s.start, s.end, s.kind))
