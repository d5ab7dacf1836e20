"""The one audit trail: append-only, hash-chained, written in the caller's transaction.

Every event carries the hash of its predecessor, so changing or removing any row — even
with raw SQL, outside this code — breaks the chain at that row, and ``pmhc audit verify``
names it. A failed audit write raises, which rolls back the operation it describes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from pmhc.platform import context
from pmhc.platform.models import AuditAction, AuditChainHead, AuditEvent, Outcome

if TYPE_CHECKING:
    from pmhc.platform.access import Actor

GENESIS_HASH = "0" * 64


def to_json(value: Any) -> Any:
    """Make a value JSON-native so that it hashes the same before and after storage."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a model as JSON-native values, for before/after."""
    data: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif isinstance(value, models.fields.files.FieldFile):
            value = value.name or ""
        data[name] = value
    return to_json(data)


def _canonical(fields: Mapping[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    occurred = event.occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    payload = {
        "sequence": event.sequence,
        "occurred_at": occurred,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "organization_id": event.organization_id,
        "action": event.action,
        "outcome": event.outcome,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "purpose": event.purpose,
        "before": event.before,
        "after": event.after,
        "detail": event.detail,
        "request_id": event.request_id,
        "client_ip": event.client_ip,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical(payload)).hexdigest()


def record(
    action: AuditAction,
    *,
    actor: Actor | None,
    organization_id: int | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    purpose: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    outcome: Outcome = Outcome.SUCCESS,
    detail: str = "",
    actor_name: str | None = None,
) -> AuditEvent:
    """Append one event. Joins the caller's transaction; raises rather than lose the event."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    request = context.current()
    with transaction.atomic():
        # The head row is the chain's lock: concurrent appends queue here (and SQLite's
        # IMMEDIATE transactions already hold the write lock).
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            singleton=1, defaults={"sequence": 0, "last_hash": GENESIS_HASH}
        )
        event = AuditEvent(
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            actor_id=actor.user_id if actor is not None else None,
            actor_name=(actor_name or (actor.name if actor is not None else "anonymous"))[:200],
            organization_id=organization_id,
            action=action,
            outcome=outcome,
            object_type=object_type,
            object_id=str(object_id)[:150],
            purpose=purpose,
            before=to_json(before),
            after=to_json(after),
            detail=detail[:500],
            request_id=request.request_id,
            client_ip=request.client_ip,
            prev_hash=head.last_hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(singleton=1).update(
            sequence=event.sequence, last_hash=event.hash
        )
    return event


def recent_times(
    action: AuditAction,
    *,
    since: dt.datetime,
    client_ip: str | None = None,
    object_id: str | None = None,
    limit: int | None = None,
) -> list[dt.datetime]:
    """When ``action`` happened since ``since`` (newest first), from one address or about one
    object. Throttles count from here, so they hold across every process with no other store."""
    events = AuditEvent.objects.filter(action=action, occurred_at__gte=since)
    if client_ip is not None:
        events = events.filter(client_ip=client_ip)
    if object_id is not None:
        events = events.filter(object_id=object_id)
    times = events.order_by("-occurred_at").values_list("occurred_at", flat=True)
    return list(times[:limit] if limit is not None else times)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_sequence: int | None = None
    broken_id: int | None = None
    reason: str = ""

    def message(self) -> str:
        if self.ok:
            return f"Audit trail intact: {self.checked} events verified."
        return (
            f"Audit trail BROKEN at event #{self.broken_sequence} (id {self.broken_id}): "
            f"{self.reason}. {self.checked} events before it verified."
        )


def verify(progress: Callable[[int], object] | None = None) -> VerifyResult:
    """Walk the whole chain in order; name the first event that does not fit."""
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    events = AuditEvent.objects.order_by("sequence").iterator(chunk_size=2000)
    for event in events:
        reason = ""
        if event.sequence != expected_sequence:
            reason = f"expected sequence {expected_sequence}: an event is missing"
        elif event.prev_hash != expected_prev:
            reason = "its link to the previous event does not match"
        elif compute_hash(event) != event.hash:
            reason = "its content no longer matches its hash"
        if reason:
            return VerifyResult(False, checked, event.sequence, event.pk, reason)
        expected_prev = event.hash
        expected_sequence += 1
        checked += 1
        if progress is not None:
            progress(1)
    head = AuditChainHead.objects.filter(singleton=1).first()
    if head is not None and (head.sequence != checked or head.last_hash != expected_prev):
        return VerifyResult(
            False,
            checked,
            checked + 1,
            None,
            f"the chain head says {head.sequence} events but {checked} were found "
            "(the newest events were removed)",
        )
    return VerifyResult(True, checked)
