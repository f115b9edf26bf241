"""Webhooks cannot be aimed inward (issue 18): a URL that leads to loopback, link-local (cloud
metadata), private addresses, the local names or our own services is refused at subscription,
at ping and at every delivery — and a delivery connects to the very address it checked, so a DNS
answer that changes between check and connect (rebinding) reaches nothing inside.

The system here has production's rules for addresses and names (the defaults: no private
targets); only https is not required, as outside production. Names are resolved by a table this
test controls (the resolver is the webhook targets' adapter); the connections are real: an
"internal service" listens on 127.0.0.1 and counts every TCP connection made to it, and the
enterprise's receiver listens on 127.0.0.2 — a network this deployment trusts as receivers
(``webhook_allowed_networks``) — on the same port."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from ipaddress import IPv4Address, IPv6Address, ip_address

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from systems import embedded_for_test
from tipoff_flow import until

from notify.config import Settings
from notify.deliveries.models import Delivery
from notify.webhooks.models import WebhookEndpoint
from notify.webhooks.targets import CONNECT_FAILED, HTTPS_ONLY, TargetPolicy, TargetRefused, WebhookTargets
from qingling.clock import SHANGHAI, FileClock
from qingling.runtime import Runtime
from qingling.settings import Environment
from standins import serving
from standins.webhooks import Receiver

WEBHOOKS = "/api/v1/notify/webhooks"
TRUSTED = "127.0.0.2"  # the receiver's address: in webhook_allowed_networks
LOOPBACK = "127.0.0.1"  # where the internal service listens


class Names:
    """The DNS these tests control: each name's answers in turn, the last one repeated. It counts
    the questions, so a test sees how often a delivery looked a name up."""

    def __init__(self) -> None:
        self.answers: dict[str, list[list[IPv4Address | IPv6Address]]] = {}
        self.asked: list[str] = []

    def set(self, name: str, *answers: str) -> None:
        self.answers[name] = [[ip_address(a)] for a in answers]

    async def __call__(self, host: str, port: int) -> list[IPv4Address | IPv6Address]:
        self.asked.append(host)
        answers = self.answers.get(host)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers.pop(0) if len(answers) > 1 else answers[0]


class InternalService:
    """One of our services on loopback, as an attacker would aim at it: counts every TCP
    connection, and answers 204 to it, so a request that got through would look delivered."""

    def __init__(self) -> None:
        self.connections = 0
        self._socket = socket.create_server((LOOPBACK, 0))
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with connection:
                connection.settimeout(1)
                try:
                    connection.recv(65536)
                    connection.sendall(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    pass

    def __enter__(self) -> InternalService:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()


@dataclass
class Guarded:
    client: httpx.AsyncClient
    clock: FileClock
    notify: Runtime
    names: Names
    internal: InternalService
    receiver: Receiver

    @property
    def port(self) -> int:
        return self.internal.port

    async def admin(self) -> dict[str, str]:
        form = {"grant_type": "password", "username": "demo-enterprise", "password": "Qingling@2026"}
        token = (await self.client.post("/api/v1/identity/oauth/token", data=form)).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    async def subscribe(self, url: str) -> httpx.Response:
        body = {"url": url, "event_types": ["hazard.changed"]}
        return await self.client.post(WEBHOOKS, json=body, headers=await self.admin())

    async def message(self, endpoint: int, msg_id: str) -> dict:
        listed = await self.client.get(f"{WEBHOOKS}/{endpoint}/messages", headers=await self.admin())
        return next(m for m in listed.json() if m["msg_id"] == msg_id)

    async def delivery_log(self, msg_id: str) -> list[Delivery]:
        async with self.notify.unit_of_work() as session:
            query = select(Delivery).where(Delivery.provider_message_id == msg_id).order_by(Delivery.id)
            return list((await session.execute(query)).scalars())


@pytest.fixture(scope="module")
async def guarded(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Guarded]:
    root = tmp_path_factory.mktemp("webhook-targets")
    receiver = Receiver(keep_alive=False)  # each delivery makes (and checks) its own connection
    with InternalService() as internal, serving(receiver.app(), host=TRUSTED, port=internal.port):
        dispatcher, clock = embedded_for_test(root, webhook_allowed_networks=[f"{TRUSTED}/32"])
        clock.freeze(datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI))  # a failed attempt's retry waits
        async with dispatcher.lifespan():
            notify: Runtime = dispatcher.apps["/api/v1/notify"].state.runtime
            names = Names()
            notify.adapters.webhook_targets.resolver = names
            transport = httpx.ASGITransport(app=dispatcher)
            async with httpx.AsyncClient(transport=transport, base_url="http://qingling.test") as client:
                yield Guarded(client, clock, notify, names, internal, receiver)


# Each aimed inward: loopback (where the internal service listens), cloud metadata, private
# networks, the local names, a public-looking name that resolves to loopback, our own services.
INWARD = [
    "http://127.0.0.1:{port}/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5:{port}/hooks",
    "http://192.168.1.10:{port}/hooks",
    "http://localhost.:{port}/hooks",
    "http://127.0.0.1.nip.io:{port}/hooks",
    "http://identity:{port}/api/v1/identity/accounts",
    "http://postgres:5432/",
]
ALSO_INWARD = [
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::ffff:a9fe:a9fe]/",  # 169.254.169.254, IPv4-mapped
    "http://[64:ff9b::a9fe:a9fe]/",  # the same through NAT64
    "http://[2002:7f00:1::1]:{port}/",  # 127.0.0.1 in 6to4
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0:{port}/",
    "http://224.0.0.1/",
    "http://2130706433:{port}/",  # 127.0.0.1 as one number
    "http://LOCALHOST:{port}/",
    "http://erp.localhost:{port}/",
    "http://hazards.internal/",
    "http://qingling.internal/",  # the gateway of the embedded deployment (peer_url)
    "http://notify/",
]


def _resolving(guarded: Guarded) -> None:
    guarded.names.set("127.0.0.1.nip.io", LOOPBACK)


@pytest.mark.asyncio
@pytest.mark.parametrize("url", INWARD + ALSO_INWARD)
async def test_a_subscription_aimed_inward_is_refused_and_nothing_is_kept(guarded: Guarded, url: str):
    _resolving(guarded)
    before = (await guarded.client.get(WEBHOOKS, headers=await guarded.admin())).json()
    refused = await guarded.subscribe(url.format(port=guarded.port))
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["code"] == "webhook-url-not-allowed" and "公网" in problem["title"]
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [("/url", problem["errors"][0]["message"])]
    assert "公网" in problem["errors"][0]["message"]
    assert (await guarded.client.get(WEBHOOKS, headers=await guarded.admin())).json() == before
    assert guarded.internal.connections == 0


async def _delivered_ping(guarded: Guarded, name: str) -> tuple[int, str]:
    """An endpoint on a name that resolves to the trusted receiver, and its ping, delivered."""
    guarded.names.set(name, TRUSTED)
    created = await guarded.subscribe(f"http://{name}:{guarded.port}/hooks")
    assert created.status_code == 201, created.text
    endpoint = created.json()
    guarded.receiver.secrets.append(endpoint["secret"])
    ping = await guarded.client.post(f"{WEBHOOKS}/{endpoint['id']}/ping", headers=await guarded.admin())
    assert ping.status_code == 202, ping.text
    msg_id = ping.json()["msg_id"]

    async def delivered():
        return (await guarded.message(endpoint["id"], msg_id))["state"] == "delivered"

    await until(delivered)
    return endpoint["id"], msg_id


@pytest.mark.asyncio
@pytest.mark.parametrize("url", INWARD)
async def test_a_delivery_aimed_inward_fails_with_one_text_and_connects_to_nothing(guarded: Guarded, url: str):
    """Endpoints subscribed before the check existed (embedded mode took any URL) are still
    checked at every delivery: the message fails with the same text whatever the cause."""
    _resolving(guarded)
    endpoint, msg_id = await _delivered_ping(guarded, f"erp-{abs(hash(url))}.example.com")
    async with guarded.notify.unit_of_work() as session:  # as an old subscription had it
        (await session.get(WebhookEndpoint, endpoint)).url = url.format(port=guarded.port)

    replayed = await guarded.client.post(f"{WEBHOOKS}/messages/{msg_id}/replay", headers=await guarded.admin())
    assert replayed.status_code == 202

    async def attempted():
        message = await guarded.message(endpoint, msg_id)
        return message if message["last_error"] else None  # a replay starts the count again

    message = await until(attempted)
    assert (message["state"], message["last_status"], message["last_error"]) == ("pending", None, CONNECT_FAILED)
    log = await guarded.delivery_log(msg_id)
    assert [(d.status, d.error) for d in log] == [("delivered", None), ("failed", CONNECT_FAILED)]
    assert guarded.internal.connections == 0
    pinged = await guarded.client.post(f"{WEBHOOKS}/{endpoint}/ping", headers=await guarded.admin())
    assert pinged.status_code == 422 and pinged.json()["code"] == "webhook-url-not-allowed"


@pytest.mark.asyncio
async def test_a_dns_answer_swapped_between_check_and_connect_reaches_nothing_inside(guarded: Guarded):
    """The name answers the trusted receiver's address for the subscription's check, the ping's
    check and one more look-up — then loopback. A delivery that looked the name up again to
    connect would reach the internal service on loopback (same port); this one connects to the
    address it checked, and looks the name up once."""
    name = "rebinding.example.com"
    guarded.names.set(name, TRUSTED, TRUSTED, TRUSTED, LOOPBACK)
    created = await guarded.subscribe(f"http://{name}:{guarded.port}/hooks")
    assert created.status_code == 201, created.text
    endpoint = created.json()
    guarded.receiver.secrets.append(endpoint["secret"])
    ping = await guarded.client.post(f"{WEBHOOKS}/{endpoint['id']}/ping", headers=await guarded.admin())
    assert ping.status_code == 202, ping.text
    msg_id = ping.json()["msg_id"]

    async def attempted():
        message = await guarded.message(endpoint["id"], msg_id)
        return message if message["attempts"] else None

    assert (await until(attempted))["state"] == "delivered"
    assert guarded.internal.connections == 0
    (arrival,) = [a for a in guarded.receiver.arrivals if a.msg_id == msg_id]
    assert arrival.verified and arrival.headers["host"] == f"{name}:{guarded.port}"  # the name, not the address
    assert guarded.names.asked.count(name) == 3  # subscription, ping, and one for the delivery

    # From now on the name answers loopback: a replay fails, connecting to nothing; a ping is refused.
    replayed = await guarded.client.post(f"{WEBHOOKS}/messages/{msg_id}/replay", headers=await guarded.admin())
    assert replayed.status_code == 202

    async def failed():
        message = await guarded.message(endpoint["id"], msg_id)
        return message if message["last_error"] else None  # a replay starts the count again

    assert (await until(failed))["last_error"] == CONNECT_FAILED
    assert guarded.internal.connections == 0
    assert len([a for a in guarded.receiver.arrivals if a.msg_id == msg_id]) == 1
    pinged = await guarded.client.post(f"{WEBHOOKS}/{endpoint['id']}/ping", headers=await guarded.admin())
    assert pinged.status_code == 422


@pytest.mark.asyncio
async def test_an_unreachable_receiver_and_a_refused_one_read_the_same_in_the_log(guarded: Guarded):
    """A closed port on the trusted network and a refused address leave the same text: the log
    does not tell open from closed or allowed from refused."""
    endpoint, msg_id = await _delivered_ping(guarded, "closed-port.example.com")
    with socket.create_server((TRUSTED, 0)) as spare:
        closed_port = spare.getsockname()[1]  # free again once closed: nothing listens there
    async with guarded.notify.unit_of_work() as session:
        (await session.get(WebhookEndpoint, endpoint)).url = f"http://{TRUSTED}:{closed_port}/hooks"
    await guarded.client.post(f"{WEBHOOKS}/messages/{msg_id}/replay", headers=await guarded.admin())

    async def attempted():
        message = await guarded.message(endpoint, msg_id)
        return message if message["last_error"] else None  # a replay starts the count again

    assert (await until(attempted))["last_error"] == CONNECT_FAILED


# ------------------------------------------------------------------------- production settings

PRODUCTION = {
    "environment": Environment.PRODUCTION,
    "service_client_secret": "a-production-service-secret",
    "sealing_keys": {"k1": "a-production-sealing-key"},
    "sealing_key_id": "k1",
    "reporter_contact_keys": {"c1": "a-production-contact-key"},
    "reporter_contact_key_id": "c1",
    "database_url": "sqlite+aiosqlite:///:memory:",
}


@pytest.mark.asyncio
@pytest.mark.parametrize("url", [u.replace("http://", "https://") for u in INWARD + ALSO_INWARD])
async def test_production_settings_refuse_every_inward_url(url: str):
    names = Names()
    names.set("127.0.0.1.nip.io", LOOPBACK)
    targets = WebhookTargets(TargetPolicy.of(Settings(**PRODUCTION)), resolver=names)
    with pytest.raises(TargetRefused):
        await targets.check(url.format(port=8443), resolve_within=5)


@pytest.mark.asyncio
async def test_production_settings_want_https_and_refuse_to_allow_private_targets():
    names = Names()
    names.set("erp.example.com", "203.0.113.10", "8.8.8.8")
    targets = WebhookTargets(TargetPolicy.of(Settings(**PRODUCTION)), resolver=names)
    with pytest.raises(TargetRefused) as refused:
        await targets.check("http://erp.example.com/hooks", resolve_within=5)
    assert refused.value.reason == HTTPS_ONLY
    with pytest.raises(TargetRefused):  # a documentation range is not a receiver
        await targets.check("https://erp.example.com/hooks", resolve_within=5)
    await targets.check("https://erp.example.com/hooks", resolve_within=5)  # now a public address
    with pytest.raises(ValidationError, match="WEBHOOK_ALLOW_PRIVATE_TARGETS"):
        Settings(**PRODUCTION, webhook_allow_private_targets=True)
