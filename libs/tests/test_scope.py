"""The visibility rule every service applies: jurisdiction by code prefix, enterprises see
themselves, services see all — and the SQL form agrees with the Python form."""

import pytest
from sqlalchemy import Column, MetaData, String, Table, create_engine, insert, select

from qingling.auth.principal import Principal
from qingling.auth.roles import Role
from qingling.auth.scope import can_see, visible_rows
from qingling.regions import covers, is_above, level

OWN = "91330521MA2B3C4D5Q"
OTHER = "91330502MA2D7E8F90"

PRINCIPALS = {
    "province regulator": Principal(subject="a", roles=frozenset({Role.REGULATOR}), region_code="330000"),
    "city regulator": Principal(subject="b", roles=frozenset({Role.REGULATOR}), region_code="330500"),
    "德清 regulator": Principal(subject="c", roles=frozenset({Role.REGULATOR}), region_code="330521"),
    "town regulator": Principal(subject="d", roles=frozenset({Role.REGULATOR}), region_code="330521101"),
    "enterprise user": Principal(subject="e", roles=frozenset({Role.ENTERPRISE_USER}), enterprise_code=OWN),
    "service": Principal(subject="f", roles=frozenset({Role.SERVICE})),
    "mini-program user": Principal(subject="g", roles=frozenset({Role.MINIPROGRAM_USER})),
}
RECORDS = {  # (region, enterprise)
    "德清 enterprise": ("330521101", OWN),
    "吴兴 enterprise": ("330502", OTHER),
    "杭州 record": ("330100", None),
}
EXPECTED = {
    "province regulator": {"德清 enterprise", "吴兴 enterprise", "杭州 record"},
    "city regulator": {"德清 enterprise", "吴兴 enterprise"},
    "德清 regulator": {"德清 enterprise"},
    "town regulator": {"德清 enterprise"},
    "enterprise user": {"德清 enterprise"},
    "service": set(RECORDS),
    "mini-program user": set(),
}


@pytest.mark.parametrize("who", PRINCIPALS)
def test_who_sees_what(who):
    principal = PRINCIPALS[who]
    seen = {
        name for name, (region, ent) in RECORDS.items() if can_see(principal, region_code=region, enterprise_code=ent)
    }

    assert seen == EXPECTED[who]


@pytest.mark.parametrize("who", PRINCIPALS)
def test_the_sql_filter_selects_the_same_rows(who):
    table = Table("record", MetaData(), Column("name", String), Column("region", String), Column("ent", String))
    engine = create_engine("sqlite://")
    table.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(insert(table), [{"name": n, "region": r, "ent": e} for n, (r, e) in RECORDS.items()])
        query = select(table.c.name).where(visible_rows(PRINCIPALS[who], table.c.region, table.c.ent))
        assert set(connection.scalars(query)) == EXPECTED[who]


def test_levels_and_prefixes():
    assert [level(code) for code in ("330000", "330500", "330521", "330521101")] == [
        "province",
        "city",
        "county",
        "town",
    ]
    assert covers("330500", "330521101") and not covers("330521", "330502")
    assert is_above("330500", "330521") and not is_above("330521", "330521")
