"""The ladder and its wording are data an administrator changes without a release: a region's own
plan (within the admin's jurisdiction, validated), and a new version of a template."""

NOTIFY = "/api/v1/notify"
WUXING_LADDER = {
    "steps": [
        {"key": "warn_30", "title": "预警", "offset": -30, "unit": "calendar_days",
         "audience": ["enterprise", "supervising"], "template": "hazard.warning"},
        {"key": "urge", "title": "催办", "offset": 1, "unit": "working_days",
         "audience": ["enterprise", "supervising", "lister"], "template": "hazard.urge"},
    ]
}  # fmt: skip


async def test_a_city_admin_gives_a_district_its_own_ladder_and_no_one_elses(embedded):
    admin = await embedded.login("huzhou-admin")
    url = f"{NOTIFY}/reminder-plans/hazard/major/330502"
    created = await embedded.client.put(url, json=WUXING_LADDER, headers=admin)
    assert created.status_code == 201, created.text
    again = await embedded.client.put(url, json=WUXING_LADDER, headers=admin)
    assert (created.json()["version"] + 1, created.json()["region_code"]) == (again.json()["version"], "330502")

    outside = await embedded.client.put(
        f"{NOTIFY}/reminder-plans/hazard/major/330521", json=WUXING_LADDER, headers=await embedded.login("wuxing-yjj")
    )
    assert outside.status_code == 403
    elsewhere = await embedded.client.put(
        f"{NOTIFY}/reminder-plans/hazard/major/370000", json=WUXING_LADDER, headers=admin
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "plan-outside-jurisdiction")
    backwards = {"steps": [WUXING_LADDER["steps"][1] | {"offset": -2}]}  # working days before a deadline
    invalid = await embedded.client.put(url, json=backwards, headers=admin)
    assert invalid.status_code == 422 and invalid.json()["errors"]

    plans = (await embedded.client.get(f"{NOTIFY}/reminder-plans", headers=admin)).json()
    wuxing = [p for p in plans if p["region_code"] == "330502"]
    assert [p["version"] for p in wuxing] == [1, 2] and [s["key"] for s in wuxing[-1]["steps"]] == ["warn_30", "urge"]
    national = next(p for p in plans if p["region_code"] == "" and p["grade"] == "major")
    assert [s["key"] for s in national["steps"]] == ["warn_15", "warn_7", "warn_3", "urge", "bulletin", "interview"]


async def test_an_admin_rewords_a_template_as_a_new_version_with_known_variables_only(embedded):
    admin = await embedded.login("admin")
    url = f"{NOTIFY}/templates/hazard.bulletin/versions"
    unknown = await embedded.client.post(
        url, json={"title": "超期通报", "body": "$title 超期 $days 天，负责人 $principal"}, headers=admin
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "template-unknown-variable")
    assert "principal" in unknown.json()["errors"][0]["message"]
    not_admin = await embedded.client.post(
        url, json={"title": "超期通报", "body": "$title 超期"}, headers=await embedded.login("deqing-yjj")
    )
    assert not_admin.status_code == 403
    missing = await embedded.client.post(f"{NOTIFY}/templates/hazard.nothing/versions",
                                         json={"title": "无此模板", "body": "无此模板"}, headers=admin)  # fmt: skip
    assert (missing.status_code, missing.json()["code"]) == (404, "template-not-found")

    added = await embedded.client.post(
        url,
        json={"title": "隐患超期通报", "body": "$title 已超期 $days 天（期限 $deadline），特此通报。"},
        headers=admin,
    )
    assert added.status_code == 201, added.text
    versions = [t for t in (await embedded.client.get(f"{NOTIFY}/templates", headers=admin)).json()
                if t["key"] == "hazard.bulletin"]  # fmt: skip
    assert [t["version"] for t in versions][-1] == added.json()["version"] >= 2
    assert versions[0]["body"].endswith("予以通报。")  # the earlier wording is kept: the log refers to it
