"""The ladder and its wording are data an administrator changes without a release: a region's own
plan and a region's own version of a template, each within the admin's jurisdiction and validated;
the national defaults change only with a release."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from notify.deadlines.models import TrackedDeadline
from notify.reminders import service as reminders
from notify.reminders.models import Reminder
from notify.templates.models import MessageTemplate
from qingling.migrations import prepare_database

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
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "plan-region-not-found")
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
        url,
        json={"title": "超期通报", "body": "$title 超期 $days 天，负责人 $principal", "region_code": "330000"},
        headers=admin,
    )
    assert (unknown.status_code, unknown.json()["code"]) == (422, "template-unknown-variable")
    assert "principal" in unknown.json()["errors"][0]["message"]
    not_admin = await embedded.client.post(
        url,
        json={"title": "超期通报", "body": "$title 超期", "region_code": "330521"},
        headers=await embedded.login("deqing-yjj"),
    )
    assert not_admin.status_code == 403
    missing = await embedded.client.post(f"{NOTIFY}/templates/hazard.nothing/versions",
                                         json={"title": "无此模板", "body": "无此模板", "region_code": "330000"},
                                         headers=admin)  # fmt: skip
    assert (missing.status_code, missing.json()["code"]) == (404, "template-not-found")

    added = await embedded.client.post(
        url,
        json={
            "title": "隐患超期通报",
            "body": "$title 已超期 $days 天（期限 $deadline），特此通报。",
            "region_code": "330000",
        },
        headers=admin,
    )
    assert added.status_code == 201, added.text
    versions = [t for t in (await embedded.client.get(f"{NOTIFY}/templates", headers=admin)).json()
                if t["key"] == "hazard.bulletin"]  # fmt: skip
    assert [t["version"] for t in versions][-1] == added.json()["version"] >= 2
    assert (versions[0]["region_code"], versions[-1]["region_code"]) == ("", "330000")
    assert versions[0]["body"].endswith("予以通报。")  # the earlier wording is kept: the log refers to it


async def test_a_county_admin_words_messages_for_its_own_county_only(embedded):
    deqing = await embedded.login("deqing-admin")
    url = f"{NOTIFY}/templates/tip_off.warning/versions"
    wording = {"title": "举报办理期限预警", "body": "德清县：$title 的“$step_what”将于 $deadline 到期，请按时办理。"}

    for region in ("330502", "371122", "330500"):  # another county, another province, its own city
        refused = await embedded.client.post(url, json=wording | {"region_code": region}, headers=deqing)
        assert (refused.status_code, refused.json()["code"]) == (403, "template-outside-jurisdiction"), region
    for national in ({"region_code": ""}, {"region_code": "000000"}, {}):  # the default changes with a release
        refused = await embedded.client.post(url, json=wording | national, headers=deqing)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "/region_code", national
    listed = {t["key"]: t for t in (await embedded.client.get(f"{NOTIFY}/templates", headers=deqing)).json()}
    assert listed["tip_off.warning"]["region_code"] == ""  # nothing above was kept

    added = await embedded.client.post(url, json=wording | {"region_code": "330521"}, headers=deqing)
    assert added.status_code == 201, added.text

    async def regions_seen_by(username: str) -> set[str]:
        versions = (await embedded.client.get(f"{NOTIFY}/templates", headers=await embedded.login(username))).json()
        return {t["region_code"] for t in versions if t["key"] == "tip_off.warning"}

    assert await regions_seen_by("huzhou-admin") >= {"", "330521"}  # the city sees its counties' wording
    assert "330521" in await regions_seen_by("deqing-yjj")
    assert await regions_seen_by("juxian-yjj") == {""}  # Shandong sees the national default only
    assert "330521" not in await regions_seen_by("wuxing-yjj")


async def test_a_county_admin_plans_only_within_its_county_and_never_the_national_default(embedded):
    deqing = await embedded.login("deqing-admin")
    plans = f"{NOTIFY}/reminder-plans/hazard/general"

    for region in ("330502", "330500", "370000"):
        refused = await embedded.client.put(f"{plans}/{region}", json=WUXING_LADDER, headers=deqing)
        assert (refused.status_code, refused.json()["code"]) == (404, "plan-region-not-found"), region
    national = await embedded.client.put(f"{plans}/000000", json=WUXING_LADDER, headers=deqing)
    assert national.status_code == 422 and national.json()["errors"][0]["field"] == "/region_code"

    town = await embedded.client.put(f"{plans}/330521104", json=WUXING_LADDER, headers=deqing)  # no demo enterprise
    assert (town.status_code, town.json()["region_code"]) == (201, "330521104")

    async def regions_seen_by(username: str) -> set[str]:
        listed = await embedded.client.get(f"{NOTIFY}/reminder-plans", headers=await embedded.login(username))
        return {p["region_code"] for p in listed.json()}

    assert {"", "330521104"} <= await regions_seen_by("huzhou-admin")
    assert await regions_seen_by("juxian-yjj") == {""}  # another province's plans are not shown


async def test_a_national_wording_not_from_the_release_is_superseded_at_the_next_start(embedded):
    """Before issue 15 an admin's version applied everywhere; the migration keeps such rows as
    national ones, and the next start puts the release's wording back on top of them."""
    runtime = embedded.dispatcher.apps[NOTIFY].state.runtime
    async with runtime.unit_of_work() as session:
        newest = (await session.execute(select(func.max(MessageTemplate.version)))).scalar()
        legacy = {"title": "被改写的约谈", "body": "$title 全国都收到这段文字", "created_by": "account:7"}
        session.add(MessageTemplate(key="hazard.interview", region_code="", version=newest + 100, **legacy,
                                    created_at=runtime.clock.now()))  # fmt: skip

    await prepare_database(runtime)  # what every start runs

    admin = await embedded.login("admin")
    versions = [t for t in (await embedded.client.get(f"{NOTIFY}/templates", headers=admin)).json()
                if t["key"] == "hazard.interview" and t["region_code"] == ""]  # fmt: skip
    assert versions[-2]["title"] == "被改写的约谈"  # kept: the delivery log may name it
    assert (versions[-1]["title"], versions[-1]["created_by"]) == ("隐患整改超期约谈", "built-in")
    assert versions[-1]["version"] > versions[-2]["version"]


async def test_items_of_many_places_taken_together_each_get_their_own_regions_ladder(embedded):
    """A pass schedules the items of many towns at once (the tip-offs of fifty enterprises): the
    plans of every region on the way are read together, and each item still gets the newest plan
    of the region nearest to it — Wuxing's own ladder in Wuxing, the national one in Deqing."""
    admin = await embedded.login("huzhou-admin")
    own = await embedded.client.put(f"{NOTIFY}/reminder-plans/hazard/major/330502", json=WUXING_LADDER, headers=admin)
    assert own.status_code == 201, own.text
    runtime = embedded.dispatcher.apps[NOTIFY].state.runtime
    now = datetime.now(UTC)
    places = {"330502100": 990_001, "330521001": 990_002}  # a Wuxing town, a Deqing town
    async with runtime.unit_of_work() as session:
        items = [
            TrackedDeadline(
                item_type="hazard",
                item_id=item_id,
                title="测试隐患",
                state="rectifying",
                grade="major",
                region_code=town,
                enterprise_code="91330521MA2B000000",
                deadline_at=now + timedelta(days=60),
                last_event_at=now,
                updated_at=now,
            )
            for town, item_id in places.items()
        ]
        session.add_all(items)
        await session.flush()
        await reminders.schedule_many(session, [(item, now) for item in items])
    async with runtime.unit_of_work() as session:
        query = select(Reminder.item_id, Reminder.step).where(Reminder.item_id.in_(places.values()))
        steps = {item_id: set() for item_id in places.values()}
        for item_id, step in await session.execute(query):
            steps[item_id].add(step)
        await session.execute(delete(Reminder).where(Reminder.item_id.in_(places.values())))
        await session.execute(delete(TrackedDeadline).where(TrackedDeadline.item_id.in_(places.values())))
    assert steps[places["330502100"]] == {"warn_30", "urge"}
    assert steps[places["330521001"]] == {"warn_15", "warn_7", "warn_3", "urge", "bulletin", "interview"}
