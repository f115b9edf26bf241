"""Chaos on the process stack (issue 24, acceptance 2): a client drives flows through the gateway —
tip-offs taken in, signed, accepted and concluded into hazards; hazards reported in a batch and
taken through their whole general path — while a killer SIGKILLs one hazards API replica and one
reports worker at moments drawn from a seed, and starts each again. Every state-changing request
carries an ``Idempotency-Key`` and is sent again with the same key after a connection error or a
5xx, until it answers. Once the outboxes have drained, what was done is checked:

- each request applied exactly once: one tip-off per intake, one hazard per batch item, one
  hazard per concluded tip-off, one trail entry per lifecycle action;
- no outbox event lost or applied twice: every row delivered, and each in its destination's inbox;
  notify's reminders of each tip-off planned once per step;
- every audit chain intact: the tip-offs', the hazards' and identity's.

Used by tests/test_scale_out.py (a few seeds) and bench/chaos.py (twenty).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from qingling.clock import FileClock
from qlstack.services import SERVICE_NAMES
from qlstack.stack import Stack

DEMO_PASSWORD = "Qingling@2026"
TIP_OFFS = "/api/v1/reports/tip-offs"
HAZARDS = "/api/v1/hazards/hazards"
ENTERPRISE = "91330521MA2B3C4D5Q"  # the demo enterprise in 德清县; demo-enterprise is its admin
HANDLER, COUNTY = "deqing-yjj", "deqing-yjj"  # the county's emergency bureau handles both
FINDING = {
    "outcome": "true",
    "findings": "现场核查：二号车间确有未经审批的电气焊作业，周边堆放易燃物",
    "hazard": {
        "title": "易燃物旁违规动火作业", "description": "二号车间在易燃物旁进行电气焊作业，未办理动火审批，无人监护",
        "grade": "major", "basis_standard": "GM2023", "basis_clause": "第三条(二)", "tags": ["welding"],
        "report": {"condition": "车间违规动火，易燃物未清理", "harm": "可能引发火灾爆炸，须停止动火作业",
                   "plan": "停止动火，清理易燃物，建立动火审批制度"},
    },
}  # fmt: skip
ORDER = {"measures": "限期整改", "responsible_person": "王强", "funds": "自筹", "acceptor": "李安"}
GENERAL_PATH = (  # a general hazard from acceptance to close-out: who acts, and with what
    ("accept_general", COUNTY, ORDER),
    ("apply_completion", "demo-enterprise",
     {"summary": "已整改完毕", "evaluated_by": "in_house_experts", "evaluation": "隐患已消除"}),
    ("start_review", COUNTY, None),
    ("pass_review", COUNTY, {"findings": "复核合格"}),
    ("check_close_out", COUNTY, {"findings": "整改到位"}),
    ("close", COUNTY, {"opinion": "同意销号"}),
)  # fmt: skip
TIP_OFF_PATH = (("sign", None), ("accept", None), ("conclude", FINDING))
ATTEMPTS = 60  # a request answered by nothing but failures this often is a failure of its own
RETRY_PAUSE = 0.25  # seconds between attempts: a killed replica's port refuses, nginx moves on


@dataclass
class Tally:
    """What one seed's client and killer did."""

    requests: int = 0  # state-changing requests, each with its own key
    retried: int = 0  # of them, sent more than once
    replayed: int = 0  # of those, answered with the first attempt's stored answer: it had committed
    failures: int = 0  # attempts answered by a connection error or a 5xx
    kills: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.requests += other.requests
        self.retried += other.retried
        self.replayed += other.replayed
        self.failures += other.failures
        self.kills += other.kills


class Client:
    """Requests through the gateway as the demo accounts, each sent again with the same
    ``Idempotency-Key`` after a connection error or a 5xx until it answers."""

    def __init__(self, http: httpx.AsyncClient, tally: Tally) -> None:
        self.http, self.tally = http, tally
        self.tokens: dict[str, str] = {}

    async def headers(self, username: str | None) -> dict[str, str]:
        if username is None:
            return {}
        if username not in self.tokens:
            form = {"grant_type": "password", "username": username, "password": DEMO_PASSWORD}
            answer = await self.answered("POST", "/api/v1/identity/oauth/token", data=form)
            assert answer.status_code == 200, answer.text
            self.tokens[username] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    async def answered(self, method: str, url: str, **kw: Any) -> httpx.Response:
        """The first answer that is neither a connection error nor a 5xx; counts the attempts."""
        for attempt in range(ATTEMPTS):
            try:
                response = await self.http.request(method, url, **kw)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code < 500:
                if attempt and "Idempotency-Key" in kw.get("headers", {}):
                    self.tally.retried += 1
                    self.tally.replayed += response.headers.get("Idempotent-Replayed") == "true"
                return response
            self.tally.failures += 1
            await asyncio.sleep(RETRY_PAUSE)
        raise AssertionError(f"{method} {url}: no answer after {ATTEMPTS} attempts")

    async def change(self, url: str, username: str | None, body: Any = None) -> Any:
        """A state-changing POST under a key of its own, retried with that key."""
        self.tally.requests += 1
        headers = await self.headers(username) | {"Idempotency-Key": str(uuid.uuid4())}
        response = await self.answered("POST", url, json=body, headers=headers)
        assert response.status_code in (200, 201), f"POST {url} as {username}: {response.text}"
        return response.json()

    async def read(self, url: str, username: str, **params: Any) -> Any:
        response = await self.answered("GET", url, params=params, headers=await self.headers(username))
        assert response.status_code == 200, f"GET {url}: {response.text}"
        return response.json()


@dataclass
class Done:
    """What the client did in a seed: the tip-offs and hazards it changed, and each action once."""

    intakes: int = 0
    tip_offs: dict[int, list[str]] = field(default_factory=dict)  # id → the actions sent
    hazards: dict[int, list[str]] = field(default_factory=dict)
    reported: int = 0  # hazards in the batches


async def tip_off_flow(client: Client, done: Done, marker: str) -> None:
    notice = await client.read("/api/v1/reports/privacy-notice", HANDLER)
    body = {
        "channel": "miniprogram", "category": "major_hazard", "enterprise_code": ENTERPRISE, "region_code": "330521",
        "facts": f"厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批（{marker}）",
        "consent": {"notice_version": notice["version"], "agreed": True},
    }  # fmt: skip
    receipt = await client.change(TIP_OFFS, None, body)
    done.intakes += 1
    found = await client.read(TIP_OFFS, HANDLER, receipt_code=receipt["receipt_code"])
    [tip_off] = [t["id"] for t in found["items"]]
    done.tip_offs[tip_off] = []
    for action, action_body in TIP_OFF_PATH:
        await client.change(f"{TIP_OFFS}/{tip_off}/{action}", HANDLER, action_body)
        done.tip_offs[tip_off].append(action)


async def hazard_flow(client: Client, done: Done, marker: str, count: int = 2) -> None:
    items = [{"title": f"配电室门口堆放杂物 {marker}-{n}", "description": "配电室门口堆放纸箱，影响应急通行",
              "grade": "general", "found_at": "2025-11-03T08:30:00+08:00"} for n in range(count)]  # fmt: skip
    batch = await client.change(f"{HAZARDS}/batch", "demo-enterprise", {"items": items})
    done.reported += count
    for hazard in batch["hazard_ids"]:
        done.hazards[hazard] = []
    for action, username, body in GENERAL_PATH:
        for hazard in batch["hazard_ids"]:
            await client.change(f"{HAZARDS}/{hazard}/{action}", username, body)
            done.hazards[hazard].append(action)


class Killer(threading.Thread):
    """SIGKILLs a process of the stack at a moment drawn from the seed, leaves it dead a moment
    (drawn too), and starts it again — on a thread, as the stack's calls block."""

    def __init__(self, stack: Stack, target: str, rng: random.Random, tally: Tally, window: tuple[float, float]):
        super().__init__(daemon=True)
        self.stack, self.target, self.tally = stack, target, tally
        self.at, self.dead_for = rng.uniform(*window), rng.uniform(0.2, 1.5)
        self.which = rng.randrange(2)  # which of the two replicas, or of the two workers
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            time.sleep(self.at)
            if self.target == "hazards-api":
                self.stack.kill(self.stack.replica("hazards", self.which))
                self.tally.kills.append(f"hazards-api-{self.which} at {self.at:.1f}s")
                time.sleep(self.dead_for)
                self.stack.restart_replica("hazards", self.which)
            else:
                self.stack.kill(self.stack.worker("reports", self.which + 1))
                self.tally.kills.append(f"reports-worker-{self.which + 1} at {self.at:.1f}s")
                time.sleep(self.dead_for)
                self.stack.add_worker("reports")
        except BaseException as exc:  # reported by the seed's run
            self.error = exc


async def run_seed(stack: Stack, http: httpx.AsyncClient, seed: int, rounds: int = 2) -> tuple[Done, Tally]:
    """One seed: the flows, ``rounds`` rounds of them at least and more while a killer has not
    finished (so each kill lands mid-flow), with both kills at moments drawn from the seed."""
    rng, tally, done = random.Random(seed), Tally(), Done()
    client = Client(http, tally)
    killers = [Killer(stack, target, rng, tally, (0.3, 4.0)) for target in ("hazards-api", "reports-worker")]
    for killer in killers:
        killer.start()
    round_ = 0
    while round_ < rounds or any(killer.is_alive() for killer in killers):
        marker = f"chaos-{seed}-{round_}"
        flows = [flow(client, done, f"{marker}{n}") for flow in (tip_off_flow, hazard_flow) for n in "ab"]
        await asyncio.gather(*flows)
        round_ += 1
    for killer in killers:
        killer.join()
        if killer.error is not None:
            raise killer.error
    return done, tally


# ------------------------------------------------------------------------------------------ checks


def database_urls(stack: Stack) -> dict[str, str]:
    return {name: stack.env[name][f"QL_{name.upper()}_DATABASE_URL"] for name in SERVICE_NAMES}


DRAIN_SECONDS = 90
OUTBOX = text("SELECT event_id, destination, state, available_at FROM outbox_message")
INBOX = text("SELECT event_id FROM inbox_message")


async def _outboxes(stack: Stack) -> tuple[list[tuple[str, Any]], dict[str, set[uuid.UUID]]]:
    """Every outbox row of every service (its source first), and each service's inbox."""
    rows, inboxes = [], {}
    for name, url in database_urls(stack).items():
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                rows += [(name, row) for row in (await connection.execute(OUTBOX)).all()]
                inboxes[name] = set((await connection.execute(INBOX)).scalars())
        finally:
            await engine.dispose()
    return rows, inboxes


async def drained(stack: Stack) -> tuple[list[tuple[str, Any]], dict[str, set[uuid.UUID]]]:
    """Waits until no outbox row of any service is pending — twice running with nothing new, as
    an event delivered may write the next — moving the clock past a killed worker's leases and
    past the backoff of deliveries a killed replica refused. Answers the rows and the inboxes."""
    clock, last = FileClock(stack.clock_file), None
    async with asyncio.timeout(DRAIN_SECONDS):
        while True:
            rows, inboxes = await _outboxes(stack)
            pending = [row for _, row in rows if row.state == "pending"]
            if not pending and last == len(rows):
                return rows, inboxes
            last = None if pending else len(rows)
            if pending and (latest := max(row.available_at for row in pending)) > clock.now():
                clock.advance(latest - clock.now() + timedelta(seconds=1))
            await asyncio.sleep(1)


@dataclass
class Checked:
    events: int = 0  # outbox rows delivered and found in their destination's inbox
    chains: int = 0  # audit chains verified


async def check(stack: Stack, http: httpx.AsyncClient, done: Done, before: dict[str, int]) -> Checked:
    """Asserts that everything the seed's client did was applied exactly once, that no event was
    lost, and that every audit chain is intact; ``before`` is ``totals()`` before the seed."""
    rows, inboxes = await drained(stack)
    client = Client(http, Tally())  # fresh tokens: the clock may have moved past the old ones
    after = await totals(client)
    assert after["tip_offs"] - before["tip_offs"] == done.intakes, (before, after, done.intakes)
    assert after["self_report"] - before["self_report"] == done.reported, (before, after, done.reported)
    assert after["tip_off"] - before["tip_off"] == len(done.tip_offs), (before, after, len(done.tip_offs))
    converted = []
    for tip_off, actions in done.tip_offs.items():
        trail = Counter(e["action"] for e in await client.read(f"{TIP_OFFS}/{tip_off}/history", HANDLER))
        assert {action: trail[action] for action in actions} == dict.fromkeys(actions, 1), (tip_off, trail)
        linked = await client.read(f"{TIP_OFFS}/{tip_off}", HANDLER)
        assert linked["hazard_id"] is not None, linked
        hazard = await client.read(f"{HAZARDS}/{linked['hazard_id']}", HANDLER)
        assert hazard["source_ref"] == f"tip_off:{tip_off}", hazard
        converted.append(hazard["id"])
        reminders = await client.read("/api/v1/notify/reminders", HANDLER, item_type="tip_off", item_id=tip_off)
        pending = Counter(r["step"] for r in reminders if r["state"] == "pending")
        assert all(count == 1 for count in pending.values()), (tip_off, reminders)  # notify took each event once
    for hazard, actions in done.hazards.items():
        trail = Counter(e["action"] for e in await client.read(f"{HAZARDS}/{hazard}/history", HANDLER))
        assert {action: trail[action] for action in ["report", *actions]} == dict.fromkeys(["report", *actions], 1), (
            hazard,
            trail,
        )

    assert [(source, row) for source, row in rows if row.state != "delivered"] == []
    lost = [
        (source, row.destination, row.event_id) for source, row in rows if row.event_id not in inboxes[row.destination]
    ]
    assert lost == [], f"delivered but not in the destination's inbox: {lost[:5]}"

    checked = Checked(events=len(rows))
    chains = [f"{TIP_OFFS}/{tip_off}/verify" for tip_off in done.tip_offs]
    chains += [f"{HAZARDS}/{hazard}/verify" for hazard in [*done.hazards, *converted]]
    for url in chains:
        verified = await client.read(url, HANDLER)
        assert verified["intact"], (url, verified)
    identity = await client.read("/api/v1/identity/audit/verification", "admin")
    assert identity["intact"], identity
    checked.chains = len(chains) + 1
    return checked


async def totals(client: Client) -> dict[str, int]:
    """How many tip-offs the county sees, and hazards by source: a seed's deltas are its own."""
    tip_offs = await client.read(TIP_OFFS, HANDLER, limit=1)
    by_source = {source: (await client.read(HAZARDS, HANDLER, source=source, limit=1))["total"]
                 for source in ("self_report", "tip_off")}  # fmt: skip
    return {"tip_offs": tip_offs["total"], **by_source}


@dataclass
class Outcome:
    seeds: list[int] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    events: int = 0
    chains: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (
            f"chaos: {len(self.seeds)} seeds, {self.tally.requests} keyed requests, {self.tally.retried} retried with "
            f"their key after {self.tally.failures} failed attempts ({self.tally.replayed} answered by replay: "
            f"the first had committed), {len(self.tally.kills)} SIGKILLs "
            f"(a hazards API replica and a reports worker per seed): each applied once, {self.events} outbox "
            f"events delivered once, {self.chains} audit chains intact, {self.seconds:.0f} s"
        )


async def chaos(stack: Stack, seeds: list[int], say=lambda line: None) -> Outcome:
    """Runs each seed on ``stack`` (two hazards API replicas and two reports workers at least)
    and checks it; answers the figures."""
    outcome, started = Outcome(), time.monotonic()
    FileClock(stack.clock_file).reset()  # the clock runs: leases and backoff pass as in production
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as http:
        for seed in seeds:
            seed_started = time.monotonic()
            before = await totals(Client(http, Tally()))
            done, tally = await run_seed(stack, http, seed)
            checked = await check(stack, http, done, before)
            outcome.seeds.append(seed)
            outcome.tally.add(tally)
            outcome.events, outcome.chains = checked.events, outcome.chains + checked.chains
            say(
                f"seed {seed}: {tally.requests} requests, {tally.retried} retried ({tally.replayed} replayed), "
                f"kills {', '.join(tally.kills)}; "
                f"{len(done.tip_offs)} tip-offs, {len(done.hazards)} hazards, {time.monotonic() - seed_started:.1f} s"
            )
    outcome.seconds = time.monotonic() - started
    return outcome
