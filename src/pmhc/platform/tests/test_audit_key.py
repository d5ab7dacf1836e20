"""The chain is keyed: a trail rewritten with database access alone does not verify."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import override_settings

from pmhc.platform import audit
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditAction, AuditChainHead, AuditEvent

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    actor = system_actor("tester")
    return [
        audit.record(AuditAction.RECORD_CHANGED, actor=actor, object_type="x", object_id=i,
                     after={"n": i})
        for i in range(n)
    ]  # fmt: skip


def _raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rewrite_without_the_key(events: list[AuditEvent], start: int) -> None:
    """What someone with write access to the database but not the key can do: change an
    event, then recompute every link from there with plain SHA-256, and move the head."""
    prev = events[start - 1].hash if start else audit.GENESIS_HASH
    for i, event in enumerate(events[start:], start=start):
        fresh = AuditEvent.objects.get(pk=event.pk)
        if i == start:
            fresh.detail = "rewritten"
        fresh.prev_hash, fresh.scheme = prev, audit.SCHEME_PLAIN
        fresh.hash = audit.compute_hash(fresh)
        _raw(
            "UPDATE platform_auditevent SET detail = %s, prev_hash = %s, scheme = %s, hash = %s "
            "WHERE id = %s",
            [fresh.detail, fresh.prev_hash, fresh.scheme, fresh.hash, fresh.pk],
        )
        prev = fresh.hash
    _raw("UPDATE platform_auditchainhead SET last_hash = %s", [prev])


def test_new_events_are_keyed_and_verify() -> None:
    events = _events(3)
    assert {e.scheme for e in events} == {audit.SCHEME_KEYED}
    assert audit.verify().ok


def test_a_tail_rewritten_without_the_key_names_the_first_rewritten_event() -> None:
    events = _events(4)
    _rewrite_without_the_key(events, 2)
    result = audit.verify()
    assert not result.ok
    assert result.broken_id == events[2].pk
    assert "without the key" in result.reason


def test_a_whole_trail_rewritten_without_the_key_fails_at_the_head() -> None:
    events = _events(3)
    _rewrite_without_the_key(events, 0)
    result = audit.verify()
    assert not result.ok
    assert "seal" in result.reason


def test_a_different_key_does_not_verify_the_trail() -> None:
    _events(2)
    with override_settings(AUDIT_KEY="another-key-" + "x" * 60):
        result = audit.verify()
    assert not result.ok
    assert result.broken_sequence == 1


def test_events_from_before_the_key_still_verify_and_keyed_ones_follow() -> None:
    """Events written before the chain was keyed (plain SHA-256) keep verifying."""
    old = _events(2)
    _rewrite_without_the_key(old, 0)  # stands in for the trail as it was written then
    prev = AuditEvent.objects.get(pk=old[1].pk).hash
    # The upgrade seals the head with the key, as the migration does.
    _raw(
        "UPDATE platform_auditchainhead SET last_hash = %s, mac = %s",
        [prev, audit.head_mac(0, 2, prev)],
    )
    assert audit.verify().ok
    _events(2)
    result = audit.verify()
    assert result.ok, result.reason
    assert result.unkeyed == 2
    assert "2 of them from before the chain was keyed" in result.message()


def test_a_missing_head_is_reported() -> None:
    _events(2)
    AuditChainHead.objects.all().delete()
    assert not audit.verify().ok


def test_each_organization_has_its_own_chain_and_verify_names_it(cast) -> None:
    actor = system_actor("tester")

    def one(organization_id: int | None) -> AuditEvent:
        return audit.record(
            AuditAction.RECORD_CHANGED,
            actor=actor,
            organization_id=organization_id,
            object_type="x",
            object_id=1,
        )

    a1, p1, a2, b1, p2 = (one(cast.agency.pk), one(None), one(cast.agency.pk),
                          one(cast.partner.pk), one(None))  # fmt: skip
    assert [(e.chain, e.sequence) for e in (a1, a2, b1, p1, p2)] == [
        (cast.agency.pk, 1), (cast.agency.pk, 2), (cast.partner.pk, 1),
        (audit.PLATFORM_CHAIN, 1), (audit.PLATFORM_CHAIN, 2),
    ]  # fmt: skip
    assert a2.prev_hash == a1.hash and p2.prev_hash == p1.hash
    result = audit.verify()
    assert result.ok and result.checked == 5 and result.chains == 3
    _raw("UPDATE platform_auditevent SET detail = 'edited' WHERE id = %s", [a2.pk])
    result = audit.verify()
    assert not result.ok
    assert (result.broken_chain, result.broken_sequence, result.broken_id) == (
        cast.agency.pk, 2, a2.pk,
    )  # fmt: skip
    assert f"chain of organization {cast.agency.pk}" in result.message()
