"""The recipient directory (issue 22): a place — an enterprise, a department, a 安委办, one
account, a mini-program user — resolves to the people there and how to reach them. Identity
answers for accounts (now with a mobile number and an e-mail address) and openids, the hazards
register for an enterprise's principal, actual controller and safety manager (now with e-mail);
both answer the notify service alone, which resolves places over HTTP and keeps answers briefly."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from wechat_system import wechat_system

from qingling.credit_code import check_character

pytestmark = pytest.mark.asyncio

ACCOUNTS, AUDIT = "/api/v1/identity/accounts", "/api/v1/identity/audit"
IDENTITY_DIRECTORY, REGISTER_DIRECTORY = "/api/v1/identity/directory", "/api/v1/hazards/directory"
ENTERPRISES = "/api/v1/hazards/enterprises"


def _phone() -> str:
    return f"139{secrets.randbelow(10**8):08d}"


def _credit_code(county: str = "330521") -> str:
    body = f"91{county}MA{secrets.randbelow(10**7):07d}"
    return body + check_character(body)


async def _account(system, admin: str = "deqing-admin", **fields) -> dict:
    body = {
        "username": f"dir-{secrets.token_hex(4)}",
        "password": "Initial-Passw0rd!",
        "display_name": "名册测试人员",
        "roles": ["regulator"],
        "region_code": "330521",
        "department": "emergency",
    } | fields
    response = await system.client.post(ACCOUNTS, json=body, headers=await system.login(admin))
    assert response.status_code == 201, response.text
    return response.json()


async def _enterprise(system, **people) -> dict:
    body = {
        "credit_code": _credit_code(),
        "name": "名册测试化工有限公司",
        "address": "德清县武康街道名册路 1 号",
        "region_code": "330521001",
        "industry": "industry_trade",
        "risk_class": "B",
        "people": people,
    }
    response = await system.client.post(ENTERPRISES, json=body, headers=await system.login("deqing-yjj"))
    assert response.status_code == 201, response.text
    return response.json()


async def _people(system, url: str, place: str) -> list[dict]:
    response = await system.client.get(
        url, params={"place": place}, headers=await system.as_service("notify", url.split("/")[3])
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.json()["place"] == place
    return response.json()["people"]


async def test_staff_with_phone_and_email_resolve_for_their_department_and_no_other(system):
    emergency = await _account(system, phone=_phone(), email=f"yjj-{secrets.token_hex(3)}@deqing.example.gov.cn")
    housing = await _account(system, department="housing", phone=_phone(), email="zjj@deqing.example.gov.cn")
    operator = await _account(system, roles=["operator"], department="emergency", phone=_phone())

    people = await _people(system, IDENTITY_DIRECTORY, "department:330521:emergency")

    mine = [p for p in people if p["subject"] == f"account:{emergency['id']}"]
    assert mine == [
        {
            "role": "account",
            "title": "监管人员",
            "name": "名册测试人员",
            "subject": f"account:{emergency['id']}",
            "phone": emergency["phone"],
            "email": emergency["email"],
            "openid": None,
        }
    ]
    subjects = {p["subject"] for p in people}
    assert f"account:{housing['id']}" not in subjects  # another department of the same county
    assert f"account:{operator['id']}" not in subjects  # placed there, but not a reader of its inbox
    housing_people = await _people(system, IDENTITY_DIRECTORY, "department:330521:housing")
    assert f"account:{housing['id']}" in {p["subject"] for p in housing_people}
    assert f"account:{emergency['id']}" not in {p["subject"] for p in housing_people}
    city = await _people(system, IDENTITY_DIRECTORY, "department:330500:emergency")
    assert f"account:{emergency['id']}" not in {p["subject"] for p in city}  # a department is its own region only

    await system.client.patch(
        f"{ACCOUNTS}/{emergency['id']}", json={"disabled": True}, headers=await system.login("deqing-admin")
    )
    after = await _people(system, IDENTITY_DIRECTORY, "department:330521:emergency")
    assert f"account:{emergency['id']}" not in {p["subject"] for p in after}  # only active accounts


async def test_committees_admins_and_one_account_resolve_too(system):
    committee = await _account(system, roles=["safety_committee"], department=None, phone=_phone())
    admin = await _account(system, admin="huzhou-admin", roles=["admin"], department=None, email="it@deqing.example.cn")

    assert f"account:{committee['id']}" in {
        p["subject"] for p in await _people(system, IDENTITY_DIRECTORY, "committee:330521")
    }
    assert [
        p["email"]
        for p in await _people(system, IDENTITY_DIRECTORY, "admins:330521")
        if p["subject"] == f"account:{admin['id']}"
    ] == ["it@deqing.example.cn"]
    one = await _people(system, IDENTITY_DIRECTORY, f"account:{committee['id']}")
    assert [(p["title"], p["phone"]) for p in one] == [("安委办", committee["phone"])]
    assert await _people(system, IDENTITY_DIRECTORY, "account:999999999") == []


async def test_enterprise_people_resolve_with_phones_and_emails_from_the_register(system):
    principal = {"name": "赵主任", "phone": _phone(), "email": "boss@mingce.example.com"}
    controller = {"name": "赵董事", "phone": _phone()}
    enterprise = await _enterprise(system, principal=principal, actual_controller=controller)
    place = f"enterprise:{enterprise['credit_code']}"

    people = await _people(system, REGISTER_DIRECTORY, place)

    assert people == [
        {"role": "principal", "title": "主要负责人", "name": "赵主任", "subject": None, "phone": principal["phone"],
         "email": "boss@mingce.example.com", "openid": None},
        {"role": "actual_controller", "title": "实际控制人", "name": "赵董事", "subject": None,
         "phone": controller["phone"], "email": None, "openid": None},
    ]  # fmt: skip
    new_phone = _phone()
    edit = {
        "people": {
            "principal": principal | {"phone": new_phone},
            "safety_manager": {"name": "钱安全", "phone": _phone()},
        }
    }
    changed = await system.client.patch(
        f"{ENTERPRISES}/{enterprise['id']}", json=edit, headers=await system.login("deqing-yjj")
    )
    assert changed.status_code == 200, changed.text
    edited = await _people(system, REGISTER_DIRECTORY, place)
    assert [(p["role"], p["phone"]) for p in edited] == [
        ("principal", new_phone),
        ("safety_manager", edit["people"]["safety_manager"]["phone"]),
    ]  # the register as it is now: the controller was taken off
    assert await _people(system, REGISTER_DIRECTORY, f"enterprise:{_credit_code()}") == []  # not registered: nobody
    refused = await system.client.get(
        REGISTER_DIRECTORY, params={"place": "committee:330521"}, headers=await system.as_service("notify", "hazards")
    )
    assert (refused.status_code, refused.json()["code"]) == (422, "not-an-enterprise-place")


async def test_the_directory_answers_the_notify_service_and_nobody_else(system):
    enterprise = await _enterprise(system, principal={"name": "孙经理", "phone": _phone()})
    places = {
        IDENTITY_DIRECTORY: ("identity", "department:330521:emergency"),
        REGISTER_DIRECTORY: ("hazards", f"enterprise:{enterprise['credit_code']}"),
    }
    for url, (service, place) in places.items():
        callers = {
            "anonymous": {},
            "regulator": await system.login("deqing-yjj"),
            "admin": await system.login("admin"),
            "enterprise": await system.login("demo-enterprise"),
            **{
                f"service:{other}": await system.as_service(other, service)
                for other in ("hazards", "reports", "identity")
            },
        }
        for name, headers in callers.items():
            response = await system.client.get(url, params={"place": place}, headers=headers)
            assert response.status_code in (401, 403), (url, name, response.status_code)
            assert "孙经理" not in response.text
        assert (
            await system.client.get(url, params={"place": place}, headers=await system.as_service("notify", service))
        ).status_code == 200


async def test_a_place_that_is_no_place_is_refused(system):
    notify = await system.as_service("notify", "identity")
    for place in ("department:330521", "enterprise:123", "wechat:abc", "everyone", "committee:330521:x"):
        response = await system.client.get(IDENTITY_DIRECTORY, params={"place": place}, headers=notify)
        assert (response.status_code, response.json()["code"]) == (422, "validation-failed"), place


async def test_phones_must_be_mobile_numbers_and_emails_addresses(system):
    admin = await system.login("deqing-admin")
    for field, value in (
        ("phone", "0572-8012345"),
        ("phone", "+8613900000000"),
        ("email", "yjj@deqing"),
        ("email", "a b@x.cn"),
    ):
        body = {"username": f"dir-{secrets.token_hex(4)}", "password": "Initial-Passw0rd!", "display_name": "错号",
                "roles": ["regulator"], "region_code": "330521", "department": "emergency", field: value}  # fmt: skip
        response = await system.client.post(ACCOUNTS, json=body, headers=admin)
        assert response.status_code == 422, (field, value, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [f"/{field}"]
    account = await _account(system)
    patched = await system.client.patch(
        f"{ACCOUNTS}/{account['id']}", json={"email": "Wang@Deqing.Example.CN"}, headers=admin
    )
    assert patched.json()["email"] == "Wang@deqing.example.cn"  # the domain as mail servers compare it


async def test_account_contact_changes_are_on_the_trail_without_the_numbers(system):
    admin = await system.login("deqing-admin")
    phone, email, new_email = _phone(), "old@deqing.example.cn", "new@deqing.example.cn"
    account = await _account(system, phone=phone, email=email, reason="新入职")
    url = f"{ACCOUNTS}/{account['id']}"
    await system.client.patch(url, json={"email": new_email, "reason": "换了邮箱"}, headers=admin)
    await system.client.patch(url, json={"phone": None}, headers=admin)
    await system.client.patch(url, json={"email": new_email}, headers=admin)  # no change: no entry

    query = {"target": f"account:{account['id']}", "limit": 50}
    entries = (await system.client.get(AUDIT, params=query, headers=admin)).json()["items"]

    assert [(e["action"], e["reason"]) for e in entries] == [
        ("account.created", "新入职"),
        ("account.updated", "换了邮箱"),
        ("account.updated", None),
    ]
    assert entries[0]["payload"]["change"]["contacts"] == ["email", "phone"]
    assert entries[1]["payload"]["change"]["fields"] == {"email": {"changed": True, "set": True}}
    assert entries[2]["payload"]["change"]["fields"] == {"phone": {"changed": True, "set": False}}
    text = str(entries)
    assert phone not in text and "deqing.example.cn" not in text


async def test_notify_resolves_places_to_contacts_over_http_and_keeps_them_briefly(embedded):
    """The notify service's own directory (the one sending will use), in the embedded system: an
    enterprise is its register people then its accounts; a department its staff; answers are
    kept a minute on notify's clock."""
    system = embedded
    directory = system.dispatcher.apps["/api/v1/notify"].state.runtime.adapters.directory
    principal = {"name": "周厂长", "phone": _phone(), "email": "zhou@factory.example.com"}
    enterprise = await _enterprise(
        system, principal=principal, actual_controller={"name": "周董", "phone": "0572-8012345"}
    )
    code = enterprise["credit_code"]
    user = await _account(system, roles=["enterprise_user"], department=None, enterprise_code=code, phone=_phone())
    staff = await _account(system, department="emergency", phone=_phone(), email="duty@deqing.example.gov.cn")

    contacts = await directory.resolve(f"enterprise:{code}")

    assert [(c.role, c.title, c.name, c.place) for c in contacts] == [
        ("principal", "主要负责人", "周厂长", f"enterprise:{code}"),
        ("actual_controller", "实际控制人", "周董", f"enterprise:{code}"),
        ("account", "企业用户", "名册测试人员", f"enterprise:{code}"),
    ]
    assert [c.address("sms") for c in contacts] == [principal["phone"], None, user["phone"]]  # a landline takes no SMS
    assert contacts[0].address("email") == "zhou@factory.example.com" and contacts[0].address("wechat") is None
    assert principal["phone"] not in repr(contacts) and "zhou@" not in repr(contacts)  # never printed into a log
    department = await directory.resolve("department:330521:emergency")
    assert [c.address("email") for c in department if c.subject == f"account:{staff['id']}"] == [staff["email"]]

    new_phone = _phone()
    await system.client.patch(
        f"{ACCOUNTS}/{staff['id']}", json={"phone": new_phone}, headers=await system.login("deqing-admin")
    )
    kept = await directory.resolve("department:330521:emergency")
    assert [c.phone for c in kept if c.subject == f"account:{staff['id']}"] == [staff["phone"]]  # within the minute
    system.clock.advance(timedelta(seconds=61))
    try:
        fresh = await directory.resolve("department:330521:emergency")
    finally:
        system.clock.reset()
    assert [c.phone for c in fresh if c.subject == f"account:{staff['id']}"] == [new_phone]


async def test_a_mini_program_users_openid_goes_to_notify_alone(tmp_path):
    async with wechat_system(tmp_path) as system:
        user = await system.signed_in("o-directory-test-openid")
        subject = (await system.client.get("/api/v1/identity/whoami", headers=user)).json()["subject"]
        directory = system.dispatcher.apps["/api/v1/notify"].state.runtime.adapters.directory

        contacts = await directory.resolve(subject)

        assert [(c.role, c.subject, c.openid, c.address("wechat")) for c in contacts] == [
            ("wechat_user", subject, "o-directory-test-openid", "o-directory-test-openid")
        ]
        for headers in (user, await system.login("deqing-yjj"), await system.login("admin"), {}):
            refused = await system.client.get(IDENTITY_DIRECTORY, params={"place": subject}, headers=headers)
            assert refused.status_code in (401, 403) and "o-directory-test-openid" not in refused.text
