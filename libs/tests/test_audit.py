"""The audit trail is a hash chain: changing any entry, or deleting the last ones, is detected
and the first entry that does not hold is named."""

from datetime import UTC, datetime, timedelta

from qingling.audit import AuditEntryBase, Head, trail_entry, verify
from qingling.auth.principal import Principal
from qingling.auth.roles import Role

CLERK = Principal(subject="account:7", roles=frozenset({Role.REGULATOR}), region_code="330521")
START = datetime(2024, 9, 30, 9, tzinfo=UTC)


def _trail(length: int = 4) -> tuple[list[AuditEntryBase], Head]:
    entries, head = [], Head()
    for seq in range(length):
        entry = trail_entry(
            AuditEntryBase, 42, head, action=f"step{seq}", actor=CLERK, at=START + timedelta(days=seq),
            payload={"deadline": "2024-10-31", "step": seq}, reason="依法处理",
        )  # fmt: skip
        entries.append(entry)
        head = Head(entry.seq, entry.hash)
    return entries, head


def test_an_untouched_trail_holds():
    entries, head = _trail()

    result = verify(entries, head)

    assert (result.intact, result.entries, result.first_broken_seq) == (True, 4, None)


def test_a_changed_payload_is_named():
    entries, head = _trail()
    entries[1].payload = {"deadline": "2025-12-31", "step": 1}  # someone moves a deadline

    result = verify(entries, head)

    assert (result.intact, result.first_broken_seq) == (False, 2)
    assert result.problem == "第 2 条记录的内容被改动"


def test_a_changed_actor_with_a_recomputed_digest_still_breaks_the_chain():
    entries, head = _trail()
    entries[2].actor = "account:1"

    assert verify(entries, head).first_broken_seq == 3


def test_a_deleted_tail_is_detected_through_the_head():
    entries, head = _trail()

    result = verify(entries[:-1], head)

    assert (result.intact, result.first_broken_seq) == (False, 4)
    assert "删除" in result.problem


def test_a_gap_in_the_middle():
    entries, head = _trail()

    assert verify([entries[0], entries[2], entries[3]], head).first_broken_seq == 2
