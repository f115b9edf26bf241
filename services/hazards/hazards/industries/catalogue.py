"""Industries (行业领域) and the departments that supervise them (管行业必须管安全).

Reference data declared once, in code: the keys are stable identifiers that hazards, tip-offs
and statistics refer to. Which department supervises which industry *in a given place* is data
(``departments``), seeded from each kind's defaults and edited by admins.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Industry:
    code: str
    name: str
    lead_kind: str  # the department kind that leads where several supervise the industry


@dataclass(frozen=True)
class Tag:
    code: str
    name: str
    group: str


@dataclass(frozen=True)
class DepartmentKind:
    code: str
    name: str
    industries: tuple[str, ...]  # supervised by default


INDUSTRIES = (
    Industry("industry_trade", "工贸（冶金、有色、建材、机械、轻工、纺织、烟草、商贸）", "emergency"),
    Industry("hazardous_chemicals", "危险化学品", "emergency"),
    Industry("fireworks", "烟花爆竹", "emergency"),
    Industry("coal_mining", "煤矿", "emergency"),
    Industry("metal_mining", "金属非金属矿山（含尾矿库）", "emergency"),
    Industry("construction", "建筑施工（房屋市政工程）", "housing"),
    Industry("city_gas", "城镇燃气", "housing"),
    Industry("transport", "交通运输", "transport"),
    Industry("fire_safety", "消防（人员密集场所）", "fire"),
    Industry("special_equipment", "特种设备", "market"),
    Industry("culture_tourism", "文化旅游", "culture_tourism"),
    Industry("schools", "学校", "education"),
    Industry("hazardous_waste", "危险废物", "ecology"),
    Industry("power", "电力（能源）", "energy"),
    Industry("urban_facilities", "城市设施（市政、桥隧、户外广告等）", "urban_management"),
    Industry("fishery", "渔业船舶", "agriculture"),
    Industry("water_conservancy", "水利工程", "water"),
    Industry("civil_explosives", "民用爆炸物品", "industry_it"),
)

TAGS = (
    Tag("welding", "违规电气焊（动火）作业", "四项整治"),
    Tag("confined_space", "有限空间作业", "四项整治"),
    Tag("fall_from_height", "高处坠落", "四项整治"),
    Tag("outsourcing", "外包施工", "四项整治"),
    Tag("dust_explosion", "涉爆粉尘", "工贸重点"),
    Tag("ammonia_refrigeration", "涉氨制冷", "工贸重点"),
    Tag("ceramics", "陶瓷", "工贸重点"),
    Tag("steel", "钢铁", "工贸重点"),
)

TOWN_OFFICE = "town_office"

DEPARTMENT_KINDS = (
    DepartmentKind(
        "emergency",
        "应急管理局",
        ("industry_trade", "hazardous_chemicals", "fireworks", "coal_mining", "metal_mining"),
    ),
    DepartmentKind("housing", "住房和城乡建设局", ("construction", "city_gas")),
    DepartmentKind("market", "市场监督管理局", ("special_equipment",)),
    DepartmentKind("fire", "消防救援机构", ("fire_safety",)),
    DepartmentKind("transport", "交通运输局", ("transport",)),
    DepartmentKind("industry_it", "经济和信息化局", ("civil_explosives",)),
    DepartmentKind("energy", "发展和改革局（能源）", ("power",)),
    DepartmentKind("agriculture", "农业农村局", ("fishery",)),
    DepartmentKind("water", "水利局", ("water_conservancy",)),
    DepartmentKind("culture_tourism", "文化广电旅游局", ("culture_tourism",)),
    DepartmentKind("education", "教育局", ("schools",)),
    DepartmentKind("ecology", "生态环境局", ("hazardous_waste",)),
    DepartmentKind("urban_management", "综合行政执法局", ("urban_facilities",)),
    # Towns inspect and assist; tip-offs are handled at county level and above.
    DepartmentKind(TOWN_OFFICE, "乡镇（街道）应急管理办公室", tuple(industry.code for industry in INDUSTRIES)),
)

INDUSTRY_BY_CODE = {industry.code: industry for industry in INDUSTRIES}
KIND_BY_CODE = {kind.code: kind for kind in DEPARTMENT_KINDS}
TAG_BY_CODE = {tag.code: tag for tag in TAGS}
KIND_ORDER = {kind.code: position for position, kind in enumerate(DEPARTMENT_KINDS)}
