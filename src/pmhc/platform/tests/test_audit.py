"""The audit trail: written in the same transaction, append-only, hash-chained, verifiable."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from pmhc.platform import audit, context, services
from pmhc.platform.access import actor_for_user, system_actor
from pmhc.platform.models import AuditAction, AuditChainHead, AuditEvent, Role


def _events(n: int) -> list[AuditEvent]:
    actor = system_actor("tester")
    return [
        audit.record(AuditAction.RECORD_CHANGED, actor=actor, object_type="x", object_id=i,
                     before={"n": i}, after={"n": i + 1, "when": "2026-01-01"})
        for i in range(n)
    ]  # fmt: skip


def test_chain_links_each_event_to_the_previous(db):
    events = _events(3)
    assert events[0].prev_hash == audit.GENESIS_HASH
    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert audit.verify().ok
    assert audit.verify().checked == 3


def test_event_carries_request_context_and_frozen_name(cast):
    actor = actor_for_user(cast.member)
    with context.bind(context.RequestContext("req-12345678", "203.0.113.9")):
        event = audit.record(AuditAction.RECORD_READ, actor=actor, object_type="person",
                             object_id=7, purpose="case_management")  # fmt: skip
    event.refresh_from_db()
    assert event.request_id == "req-12345678"
    assert event.client_ip == "203.0.113.9"
    assert event.actor_id == cast.member.pk
    cast.member.first_name = "Renamed"
    cast.member.save()
    event.refresh_from_db()
    assert event.actor_name == actor.name  # frozen at the time of the event
    assert audit.verify().ok


def test_append_only_in_the_orm(db):
    (event,) = _events(1)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="changed")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def _raw(sql: str, params: list[str | int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_names_the_tampered_event(db):
    events = _events(5)
    _raw("UPDATE platform_auditevent SET detail = %s WHERE id = %s", ["edited", events[2].pk])
    result = audit.verify()
    assert not result.ok
    assert result.broken_sequence == 3
    assert result.broken_id == events[2].pk
    assert "content" in result.reason
    assert result.checked == 2


def test_verify_detects_a_removed_event(db):
    events = _events(4)
    _raw("DELETE FROM platform_auditevent WHERE id = %s", [events[1].pk])
    result = audit.verify()
    assert not result.ok
    assert result.broken_sequence == 3
    assert "missing" in result.reason


def test_verify_detects_removed_newest_events(db):
    events = _events(3)
    _raw("DELETE FROM platform_auditevent WHERE id = %s", [events[2].pk])
    result = audit.verify()
    assert not result.ok
    assert "removed" in result.reason


def test_verify_detects_a_rewritten_chain_link(db):
    events = _events(3)
    _raw("UPDATE platform_auditevent SET prev_hash = %s WHERE id = %s", ["f" * 64, events[1].pk])
    result = audit.verify()
    assert not result.ok
    assert result.broken_sequence == 2


def test_command_passes_then_fails_after_tampering(db, capsys):
    events = _events(3)
    call_command("audit", "verify", "--quiet")
    assert "3 events verified" in capsys.readouterr().out
    _raw(
        "UPDATE platform_auditevent SET actor_name = %s WHERE id = %s",
        ["someone else", events[0].pk],
    )
    with pytest.raises(CommandError, match=r"BROKEN at event #1"):
        call_command("audit", "verify", "--quiet")


def test_failed_audit_write_fails_the_operation(cast, monkeypatch):
    """If the event cannot be written, the change it describes does not happen either."""
    admin = actor_for_user(cast.admin)
    before = cast.agency.name

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        services.update_organization(
            admin, organization=cast.agency, name="Renamed", time_zone="UTC"
        )
    cast.agency.refresh_from_db()
    assert cast.agency.name == before


def test_rolled_back_change_leaves_no_event_and_chain_stays_whole(cast):
    admin = actor_for_user(cast.admin)
    count = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.update_organization(admin, organization=cast.agency, name="X", time_zone="UTC")
        raise RuntimeError("later step failed")
    assert AuditEvent.objects.count() == count
    _events(1)
    assert audit.verify().ok


def test_membership_change_records_before_and_after(cast):
    admin = actor_for_user(cast.admin)
    membership = cast.colleague.memberships.get()
    services.change_membership(admin, membership=membership, role=Role.SUPERVISOR, shift="Night",
                               district="North")  # fmt: skip
    event = AuditEvent.objects.filter(action=AuditAction.MEMBERSHIP_CHANGED).get()
    assert event.before is not None and event.after is not None
    assert event.before["role"] == "officer"
    assert event.after["role"] == "supervisor"
    assert event.after["shift"] == "Night"
    assert event.organization_id == cast.agency.pk
    assert event.actor_id == cast.admin.pk
    head = AuditChainHead.objects.get(chain=cast.agency.pk)
    assert head.last_hash == AuditEvent.objects.order_by("-sequence")[0].hash


@pytest.mark.django_db
def test_an_unregistered_audit_code_is_refused() -> None:
    from pmhc.platform import audit_codes

    with pytest.raises(audit_codes.UnknownAuditCode):
        audit.record("nobody.registered_this", actor=None)
    assert not AuditEvent.objects.filter(action="nobody.registered_this").exists()


def test_every_app_registers_its_codes_with_their_labels() -> None:
    from pmhc.people.audit_codes import PeopleAudit
    from pmhc.platform import audit_codes

    assert audit_codes.label(PeopleAudit.PERSON_READ) == PeopleAudit.PERSON_READ.label
    assert audit_codes.codes()[0] == AuditAction.LOGIN_SUCCEEDED
    assert audit_codes.codes()[-1] == "demo.loaded"
    assert len(audit_codes.codes()) == len(set(audit_codes.codes())) == 192


@pytest.mark.django_db
def test_record_read_names_the_fields_shown_and_keeps_no_values() -> None:
    event = audit.record_read(
        AuditAction.RECORD_READ,
        actor=system_actor("reader"),
        organization_id=None,
        purpose="administration",
        object_type="x",
        object_id=7,
        fields=["family_name", "given_name"],
    )
    assert event.detail == "read: family_name, given_name"
    assert event.before is None and event.after is None


def test_selectors_audit_reads_only_through_record_read() -> None:
    """Selectors do not write: an audited read goes through ``audit.record_read``."""
    from pathlib import Path

    package = Path(audit.__file__).resolve().parent.parent
    readers = [
        *package.glob("*/selectors.py"),
        *package.glob("*/*_selectors.py"),
        *package.glob("*/selectors/*.py"),
        package / "platform" / "restricted.py",
    ]
    offenders = [str(p) for p in readers if "audit.record(" in p.read_text()]
    assert offenders == []
