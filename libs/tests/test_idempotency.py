"""The idempotency-key store: a retry replays, twins running at the same moment get the one
answer committed first (the other's work undone), a reused key is refused, failed work leaves
the key free; answers are forgotten after the retention, oldest first."""

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

import sample_apps
from qingling.errors import ValidationFailed
from qingling.idempotency import IdempotencyKeyReused, fingerprint, forget_old_answers, run_once

pytestmark = pytest.mark.asyncio

BATCH = fingerprint("POST", "/api/v1/alpha/notes", b'{"text": "batch"}')


def writing(
    text: str,
    went: list[str],
    *,
    wrote: asyncio.Event | None = None,
    wait: asyncio.Event | None = None,
    fail: bool = False,
):
    """Work that writes a note (then sets ``wrote``) and answers 201 with its id (after ``wait``)."""

    async def work(session):
        went.append(text)
        note = sample_apps.Note(text=text)
        session.add(note)
        await session.flush()
        if wrote is not None:
            wrote.set()
        if wait is not None:
            await wait.wait()
        if fail:
            raise ValidationFailed.for_field("text", "按请求拒绝")
        return 201, {"note": note.id}

    return work


async def notes(runtime) -> list[str]:
    async with runtime.unit_of_work() as session:
        return list((await session.execute(select(sample_apps.Note.text).order_by(sample_apps.Note.id))).scalars())


async def test_a_retry_replays_the_stored_response_and_the_work_is_done_once(pair):
    runtime, went = pair.alpha.state.runtime, []
    first = await run_once(runtime, "client:erp-1", "key-1", BATCH, writing("第一次", went))

    retry = await run_once(runtime, "client:erp-1", "key-1", BATCH, writing("重试", went))

    assert (retry.status_code, retry.body) == (first.status_code, first.body) == (201, first.body)
    assert went == ["第一次"] and await notes(runtime) == ["第一次"]


async def test_the_same_key_with_another_body_is_refused(pair):
    runtime, went = pair.alpha.state.runtime, []
    await run_once(runtime, "client:erp-1", "key-2", BATCH, writing("第一次", went))

    other = fingerprint("POST", "/api/v1/alpha/notes", b"{}")
    with pytest.raises(IdempotencyKeyReused):
        await run_once(runtime, "client:erp-1", "key-2", other, writing("另一个请求", went))
    assert await notes(runtime) == ["第一次"]


async def test_failed_work_leaves_nothing_and_the_key_free(pair):
    runtime, went = pair.alpha.state.runtime, []
    with pytest.raises(ValidationFailed):
        await run_once(runtime, "client:erp-1", "key-3", BATCH, writing("失败", went, fail=True))

    again = await run_once(runtime, "client:erp-1", "key-3", BATCH, writing("重试成功", went))

    assert again.status_code == 201 and await notes(runtime) == ["重试成功"]


async def test_twins_running_at_the_same_moment_get_one_answer_and_one_work_stands(pair):
    runtime, went = pair.alpha.state.runtime, []
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: the twin starts after the first has committed (the retry above)")
    hold, first_wrote = asyncio.Event(), asyncio.Event()
    first_work = writing("第一个", went, wrote=first_wrote, wait=hold)
    first = asyncio.create_task(run_once(runtime, "client:erp-1", "key-4", BATCH, first_work))
    await first_wrote.wait()  # the first has written its note and waits, uncommitted

    twin = await run_once(runtime, "client:erp-1", "key-4", BATCH, writing("孪生", went))  # commits first
    hold.set()

    assert went == ["第一个", "孪生"]  # both worked …
    assert (await first).body == twin.body  # … the first gets the answer that was committed …
    assert await notes(runtime) == ["孪生"]  # … and its own work was rolled back


async def test_keys_belong_to_their_caller(pair):
    runtime, went = pair.alpha.state.runtime, []
    await run_once(runtime, "client:erp-1", "shared-key", BATCH, writing("一号企业", went))

    await run_once(runtime, "client:erp-2", "shared-key", BATCH, writing("二号企业", went))

    assert await notes(runtime) == ["一号企业", "二号企业"]


async def test_a_claim_left_by_an_earlier_version_does_not_hold_the_key(pair):
    runtime, went = pair.alpha.state.runtime, []
    model = runtime.service.tables.idempotency
    async with runtime.unit_of_work() as session:  # claimed before the work, by a process that died
        row = {"owner": "client:erp-1", "key": "key-5", "fingerprint": BATCH, "created_at": runtime.clock.now()}
        await session.execute(insert(model).values(row))

    answer = await run_once(runtime, "client:erp-1", "key-5", BATCH, writing("升级之后", went))

    assert answer.status_code == 201 and await notes(runtime) == ["升级之后"]
    async with runtime.unit_of_work() as session:
        assert await session.scalar(select(func.count()).select_from(model)) == 1


async def keys(runtime) -> list[str]:
    model = runtime.service.tables.idempotency
    async with runtime.unit_of_work() as session:
        return list((await session.execute(select(model.key).order_by(model.key))).scalars())


async def test_an_answer_older_than_the_retention_is_forgotten_and_its_retry_is_a_new_request(pair):
    runtime, went = pair.alpha.state.runtime, []
    retention = timedelta(hours=runtime.settings.idempotency_retention_hours)
    await run_once(runtime, "client:erp-1", "old", BATCH, writing("三天前", went))
    async with runtime.unit_of_work() as session:  # and a claim an earlier version left at that time
        row = {"owner": "client:erp-1", "key": "old-claim", "fingerprint": BATCH, "created_at": runtime.clock.now()}
        await session.execute(insert(runtime.service.tables.idempotency).values(row))
    pair.clock.advance(timedelta(hours=1))
    await run_once(runtime, "client:erp-1", "young", BATCH, writing("两天多前", went))

    pair.clock.advance(retention - timedelta(minutes=30))  # the first ones kept longer than the retention
    async with runtime.unit_of_work() as session:
        swept = await forget_old_answers(session, runtime, runtime.clock.now())

    assert swept.done == 2 and not swept.full
    assert await keys(runtime) == ["young"]
    retried = await run_once(runtime, "client:erp-1", "young", BATCH, writing("重试较新的", went))
    assert retried.status_code == 201 and went == ["三天前", "两天多前"]  # replayed
    await run_once(runtime, "client:erp-1", "old", BATCH, writing("三天后重试", went))
    assert await notes(runtime) == ["三天前", "两天多前", "三天后重试"]  # a new request: done again


async def test_sweeping_workers_skip_the_answers_another_is_deleting(pair):
    runtime, went = pair.alpha.state.runtime, []
    if runtime.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: one sweep at a time")
    for key in ("first", "second"):
        await run_once(runtime, "client:erp-1", key, BATCH, writing(key, went))
    pair.clock.advance(timedelta(hours=runtime.settings.idempotency_retention_hours + 1))
    model = runtime.service.tables.idempotency
    async with AsyncSession(runtime.engine) as other:  # another worker's pass, holding "first"
        await other.execute(select(model).where(model.key == "first").with_for_update())

        async with runtime.unit_of_work() as session:  # does not wait for it
            swept = await forget_old_answers(session, runtime, runtime.clock.now())

        assert swept.done == 1 and await keys(runtime) == ["first"]
