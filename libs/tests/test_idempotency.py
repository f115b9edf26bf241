"""The idempotency-key store: a retry replays, a twin in flight waits, a reused key is refused."""

from datetime import timedelta

import pytest

from qingling.idempotency import IdempotencyKeyInUse, IdempotencyKeyReused, claim, fingerprint

pytestmark = pytest.mark.asyncio

BATCH = fingerprint("POST", "/api/v1/alpha/notes", b'{"text": "batch"}')


async def test_a_retry_replays_the_stored_response(pair):
    runtime = pair.alpha.state.runtime
    first = await claim(runtime, "client:erp-1", "key-1", BATCH)
    assert first.replay is None
    async with runtime.unit_of_work() as session:
        await first.store(session, 201, {"created": 1000})

    retry = await claim(runtime, "client:erp-1", "key-1", BATCH)

    assert (retry.replay.status_code, retry.replay.body) == (201, {"created": 1000})


async def test_the_same_key_with_another_body_is_refused(pair):
    runtime = pair.alpha.state.runtime
    first = await claim(runtime, "client:erp-1", "key-2", BATCH)
    async with runtime.unit_of_work() as session:
        await first.store(session, 201, {"created": 1000})

    with pytest.raises(IdempotencyKeyReused):
        await claim(runtime, "client:erp-1", "key-2", fingerprint("POST", "/api/v1/alpha/notes", b"{}"))


async def test_a_twin_in_flight_gets_409_until_the_first_finishes_or_fails(pair):
    runtime = pair.alpha.state.runtime
    first = await claim(runtime, "client:erp-1", "key-3", BATCH)

    with pytest.raises(IdempotencyKeyInUse):
        await claim(runtime, "client:erp-1", "key-3", BATCH)

    await first.release()  # the first request failed and was rolled back
    assert (await claim(runtime, "client:erp-1", "key-3", BATCH)).replay is None


async def test_a_claim_abandoned_by_a_dead_process_can_be_taken_over(pair):
    runtime = pair.alpha.state.runtime
    await claim(runtime, "client:erp-1", "key-4", BATCH)

    pair.clock.advance(timedelta(minutes=11))

    assert (await claim(runtime, "client:erp-1", "key-4", BATCH)).replay is None


async def test_keys_belong_to_their_caller(pair):
    runtime = pair.alpha.state.runtime
    await claim(runtime, "client:erp-1", "shared-key", BATCH)

    assert (await claim(runtime, "client:erp-2", "shared-key", BATCH)).replay is None
