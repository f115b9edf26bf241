"""Sealed personal data: unreadable without the key, tamper-evident, bound to its record, and
readable across a key rotation."""

import pytest

from qingling.sealing import SealBroken, Sealer, derive_key, keyed_hash, same_secret

OLD, NEW = derive_key("old secret", "seal"), derive_key("new secret", "seal")


def test_a_sealed_phone_number_is_not_in_the_stored_value_and_comes_back():
    sealer = Sealer({"k1": OLD}, current="k1")

    sealed = sealer.seal("13812345678", context="tip-off/42")

    assert "13812345678" not in sealed and sealed.startswith("k1:")
    assert sealer.unseal(sealed, context="tip-off/42") == "13812345678"
    assert sealer.seal("13812345678", context="tip-off/42") != sealed  # a fresh nonce every time


def test_a_changed_byte_or_another_record_is_refused():
    sealer = Sealer({"k1": OLD}, current="k1")
    sealed = sealer.seal("张三 13812345678", context="tip-off/42")
    key_id, body = sealed.split(":")
    tampered = f"{key_id}:{body[:-4]}{'A' if body[-4] != 'A' else 'B'}{body[-3:]}"

    with pytest.raises(SealBroken):
        sealer.unseal(tampered, context="tip-off/42")
    with pytest.raises(SealBroken):
        sealer.unseal(sealed, context="tip-off/43")


def test_values_sealed_before_a_rotation_stay_readable():
    before = Sealer({"k1": OLD}, current="k1").seal("李四", context="tip-off/7")
    rotated = Sealer({"k1": OLD, "k2": NEW}, current="k2")

    assert rotated.unseal(before, context="tip-off/7") == "李四"
    assert rotated.seal("王五", context="tip-off/8").startswith("k2:")
    with pytest.raises(SealBroken, match="unknown sealing key"):
        Sealer({"k2": NEW}, current="k2").unseal(before, context="tip-off/7")


def test_receipt_secrets_are_kept_as_keyed_hashes():
    key = derive_key("receipt secret", "receipt")
    stored = keyed_hash(key, "Kp7-2xQm-9Lw4")

    assert stored != keyed_hash(derive_key("other", "receipt"), "Kp7-2xQm-9Lw4")  # the key matters
    assert same_secret(key, "Kp7-2xQm-9Lw4", stored)
    assert not same_secret(key, "Kp7-2xQm-9Lw5", stored)
