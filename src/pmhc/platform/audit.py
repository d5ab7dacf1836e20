"""The one audit trail: append-only, hash-chained, written in the caller's transaction.

Every event carries the hash of its predecessor, so changing or removing any row — even
with raw SQL, outside this code — breaks the chain at that row, and ``pmhc audit verify``
names it. A failed audit write raises, which rolls back the operation it describes.

**What the trail keeps of a value.** Administrators read the trail (its page and its CSV
export) and hold no grant for personal, safety, clinical or substance-use data, so the trail
must not become a second copy of what the access policy keeps from them. ``record`` keeps
ids, field names, and for a value of any such field only a digest (``hmac-sha256:…``). Each
key of ``before``/``after`` is classified from the model named by the event's object type,
first match wins:

1. the model's ``restricted_fields`` (``platform/restricted.py``, the declaration every page
   already uses), when it names a level stricter than AGENCY;
2. the model's ``audit_classifications``: keys of its events whose level in the trail differs
   from the record's (a TA request's status is AGENCY, a review comment on an encounter is
   SAFETY, an encounter's reason for an amendment too);
3. the model's primary key and relation fields, and ``count``/``ids``, while they hold ids;
4. the model's ``access_classification``.

A value stays as it is only when that answer is PUBLIC or AGENCY, the levels an administrator
may read. Everything else fails closed: a PERSONAL record (a person, a TA request) keeps in
clear only the keys it lists in ``audit_classifications``, and an object type that names no
model, or a model with no classification, keeps ids only. A module that forgets a declaration
shows less than it could; it does not leak. Empty values (None, "", [], {}) are kept: they say
nothing about anyone. ``detail`` is shown as it is: put no typed text about a person in it.

The digest is an HMAC with a key derived from ``SECRET_KEY``, which is not in the database,
over the object type and id, the key and the value. A plain hash of a date of birth, a short
name or a yes/no is reversed by hashing every candidate; a keyed one is not, for anyone
holding the trail (or a dump of it) without the key. Taking the object into the HMAC stops
frequency analysis across records (the most common digest of ``veteran`` would otherwise
mean "unknown"), while within one object the same value gives the same digest, so before and
after still show whether a field changed. Rotating ``SECRET_KEY`` changes digests from then.

Events written before this rule may hold values. The trail is append-only and its hashes
cover them, so they are not rewritten: ``redacted(event)`` applies the same rule when an
event is shown (``platform.selectors`` runs it for every page and export). Only the raw rows
in the database still hold those older values.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from pmhc.platform import audit_codes, context
from pmhc.platform.models import (
    AuditChainAnchor,
    AuditChainHead,
    AuditEvent,
    Classification,
    Outcome,
)

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


# --- What the trail keeps of a value (see the module's docstring) ----------------------------

#: The levels an administrator may read for administration: their values stay in clear.
CLEAR_LEVELS = frozenset({Classification.PUBLIC.value, Classification.AGENCY.value})
DIGEST_PREFIX = "hmac-sha256:"
#: 64 bits: enough to tell values apart within one object's events, and the key, not the
#: length, is what stops guessing.
DIGEST_LENGTH = 16
_DIGEST = re.compile(rf"^{re.escape(DIGEST_PREFIX)}[0-9a-f]{{{DIGEST_LENGTH}}}$")
_DIGEST_SALT = "pmhc.platform.audit.value-digest"
#: Keys that hold ids or a count in any event, kept while they hold nothing else.
_ID_KEYS = frozenset({"id", "pk", "ids", "count"})


def typed_detail_actions() -> frozenset[str]:
    """Actions whose ``detail`` once held typed text about a person (it now goes in ``after``
    under a declared key), as their apps registered them; shown as a digest for the events
    written before."""
    return audit_codes.typed_detail_codes()


def is_digest(value: Any) -> bool:
    return isinstance(value, str) and _DIGEST.match(value) is not None


def digest(value: Any, *, object_type: str, object_id: str, key: str) -> str:
    """The marker the trail keeps in place of a sensitive value."""
    message = _canonical(
        {"type": object_type, "id": str(object_id), "key": key, "value": to_json(value)}
    )
    mac = salted_hmac(_DIGEST_SALT, message, algorithm="sha256").hexdigest()
    return DIGEST_PREFIX + mac[:DIGEST_LENGTH]


@functools.cache
def event_model(object_type: str) -> type[models.Model] | None:
    """The model an event's object type names (``app_label.modelname``), if any."""
    app_label, _, model_name = object_type.partition(".")
    if not app_label or not model_name:
        return None
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        return None


def _holds_ids(value: Any) -> bool:
    def one(v: Any) -> bool:
        return v is None or (isinstance(v, int) and not isinstance(v, bool))

    return one(value) or (isinstance(value, list) and all(one(v) for v in value))


@dataclass(frozen=True)
class KeyRule:
    """How one model's event keys are kept: built once per model from its declarations."""

    restricted: frozenset[str]
    declared: Mapping[str, str]
    id_keys: frozenset[str]
    default_clear: bool

    def keeps(self, key: str, value: Any) -> bool:
        """Whether ``value`` under ``key`` may stay in clear."""
        if key in self.restricted:
            return False
        if key in self.declared:
            return self.declared[key] in CLEAR_LEVELS
        if key in self.id_keys and _holds_ids(value):
            return True
        return self.default_clear


@functools.cache
def key_rule(model: type[models.Model] | None) -> KeyRule:
    if model is None:
        return KeyRule(frozenset(), {}, _ID_KEYS, default_clear=False)
    restricted = getattr(model, "restricted_fields", None) or {}
    relations = {
        name
        for field in model._meta.concrete_fields
        if field.is_relation or field.primary_key
        for name in (field.name, field.attname)
    }
    return KeyRule(
        restricted=frozenset(k for k, level in restricted.items() if level not in CLEAR_LEVELS),
        declared=dict(getattr(model, "audit_classifications", None) or {}),
        id_keys=_ID_KEYS | relations,
        default_clear=getattr(model, "access_classification", None) in CLEAR_LEVELS,
    )


def _hide(value: Any, *, object_type: str, object_id: str, key: str) -> Any:
    if value in (None, "", [], {}) or is_digest(value):
        return value
    return digest(value, object_type=object_type, object_id=object_id, key=key)


def redact(values: Any, *, object_type: str, object_id: str) -> Any:
    """``before`` or ``after`` (JSON-native) with every sensitive value replaced by its
    digest; keys stay. Applying it twice changes nothing."""
    if values is None:
        return None
    if not isinstance(values, dict):
        return _hide(values, object_type=object_type, object_id=object_id, key="")
    rule = key_rule(event_model(object_type))
    return {
        key: value
        if rule.keeps(key, value)
        else _hide(value, object_type=object_type, object_id=object_id, key=key)
        for key, value in values.items()
    }


def redacted(event: AuditEvent) -> AuditEvent:
    """The event as it may be shown: the rule of ``record`` applied to what it holds, for the
    events written before that rule. Changes the instance in memory only (events are never
    saved twice)."""
    where = {"object_type": event.object_type, "object_id": event.object_id}
    event.before = redact(event.before, **where)
    event.after = redact(event.after, **where)
    if event.action in typed_detail_actions():
        event.detail = _hide(event.detail, key="detail", **where)
    return event


#: The events written before the chain was keyed: a plain SHA-256 of content and link.
SCHEME_PLAIN = "sha256"
#: Every event since: an HMAC-SHA-256 keyed with ``settings.AUDIT_KEY``, held outside the
#: database, so that write access to the database alone cannot recompute the links.
SCHEME_KEYED = "hmac-sha256"
SCHEMES = (SCHEME_PLAIN, SCHEME_KEYED)


def _chain_key() -> bytes:
    return settings.AUDIT_KEY.encode()


#: The chain of events that belong to no organization, and of every event written before
#: chains were per organization.
PLATFORM_CHAIN = 0


def chain_of(organization_id: int | None) -> int:
    return organization_id or PLATFORM_CHAIN


def head_mac(chain: int, sequence: int, last_hash: str) -> str:
    """A chain head's seal: only the key's holder can move the head."""
    message = _canonical({"chain": chain, "sequence": sequence, "last_hash": last_hash})
    return hmac.new(_chain_key(), message, hashlib.sha256).hexdigest()


def anchor_mac(chain: int, sequence: int, last_hash: str, removed: int) -> str:
    """An anchor's seal: only the key's holder can say where a shortened chain starts."""
    message = _canonical(
        {"anchor": chain, "sequence": sequence, "last_hash": last_hash, "removed": removed}
    )
    return hmac.new(_chain_key(), message, hashlib.sha256).hexdigest()


def remove_oldest(chain: int, *, through_sequence: int) -> int:
    """Remove a chain's events up to ``through_sequence`` (the retention schedule's purge,
    ``platform/retention_services.py``), and move the chain's anchor to the last one removed,
    in the caller's transaction: verification then starts after it. The only way events
    leave the trail; returns how many left."""
    if chain == PLATFORM_CHAIN:
        raise ValueError("The platform chain is kept whole.")
    _locked_head(chain)
    last = AuditEvent.objects.filter(chain=chain, sequence=through_sequence).first()
    if last is None:
        return 0
    anchor = AuditChainAnchor.objects.select_for_update().filter(chain=chain).first()
    if anchor is not None and anchor.sequence >= through_sequence:
        return 0
    doomed = AuditEvent.objects.filter(chain=chain, sequence__lte=through_sequence)
    # The trail's own guard refuses every delete; this is the one that the schedule allows.
    removed = doomed._raw_delete(doomed.db)
    total = (anchor.removed if anchor is not None else 0) + removed
    AuditChainAnchor.objects.update_or_create(
        chain=chain,
        defaults={
            "sequence": last.sequence,
            "last_hash": last.hash,
            "cut_before": last.occurred_at,
            "removed": total,
            "mac": anchor_mac(chain, last.sequence, last.hash, total),
        },
    )
    return removed


def compute_hash(event: AuditEvent) -> str:
    """The event's link: over its content and its predecessor's hash, keyed or not as its
    ``scheme`` says (an unknown scheme raises)."""
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
    if event.scheme == SCHEME_PLAIN:
        return hashlib.sha256(_canonical(payload)).hexdigest()
    if event.scheme == SCHEME_KEYED:
        payload["scheme"] = event.scheme
        payload["chain"] = event.chain
        return hmac.new(_chain_key(), _canonical(payload), hashlib.sha256).hexdigest()
    raise ValueError(f"unknown audit hash scheme {event.scheme!r}")


def _under_break_glass(actor: Actor | None, purpose: str, detail: str) -> str:
    """Every event written for the emergency purpose names the break-glass use it relied on;
    the use holds the typed reason (kept out of ``detail``, which is shown as it is)."""
    use = actor.break_glass if actor is not None else None
    named = f"break-glass use {use.id}" if use is not None else ""
    if purpose != "emergency" or use is None or named in detail:
        return detail
    return named + (f"; {detail}" if detail else "")


def _locked_head(chain: int) -> AuditChainHead:
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(
        chain=chain, defaults={"sequence": 0, "last_hash": GENESIS_HASH}
    )
    return head


def hold_chain(organization_id: int | None) -> None:
    """Take the organization's chain lock now, in the caller's transaction, as ``record``
    would later. A service that locks rows another transaction may lock in another order
    (two teams sent to one call, and one of them changing its status) takes this first:
    with one lock order, chain then rows, two such transactions queue instead of
    deadlocking."""
    _locked_head(chain_of(organization_id))


def record(
    action: str,
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
    """Append one event. Joins the caller's transaction; raises rather than lose the event.
    Sensitive values of ``before``/``after`` are kept as digests (see the module). An
    ``action`` that no app registered (``platform/audit_codes.py``) raises."""
    action = audit_codes.check(action)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    object_id = str(object_id)[:150]
    where = {"object_type": object_type, "object_id": object_id}
    detail = _under_break_glass(actor, purpose, detail)
    request = context.current()
    with transaction.atomic():
        # The head row is the chain's lock: concurrent appends to one organization's chain
        # queue here, other organizations' do not (SQLite's IMMEDIATE transactions already
        # hold the database's write lock).
        chain = chain_of(organization_id)
        head = _locked_head(chain)
        event = AuditEvent(
            chain=chain,
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            actor_id=actor.user_id if actor is not None else None,
            actor_name=(actor_name or (actor.name if actor is not None else "anonymous"))[:200],
            organization_id=organization_id,
            action=action,
            outcome=outcome,
            object_type=object_type,
            object_id=object_id,
            purpose=purpose,
            before=redact(to_json(before), **where),
            after=redact(to_json(after), **where),
            detail=detail[:500],
            request_id=request.request_id,
            client_ip=request.client_ip,
            prev_hash=head.last_hash,
            scheme=SCHEME_KEYED,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(chain=chain).update(
            sequence=event.sequence,
            last_hash=event.hash,
            mac=head_mac(chain, event.sequence, event.hash),
        )
    return event


def record_read(
    action: str,
    *,
    actor: Actor | None,
    organization_id: int | None,
    purpose: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    fields: Iterable[str] = (),
    detail: str = "",
) -> AuditEvent:
    """Record that ``actor`` read something for ``purpose``: the one way selectors audit a
    read (they never call ``record``, the path of writes). A read changes nothing, so it has
    no before or after; ``fields`` names what was shown (``detail`` becomes ``read: a, b``)."""
    names = list(fields)
    if names and not detail:
        detail = "read: " + ", ".join(names)
    return record(
        action,
        actor=actor,
        organization_id=organization_id,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        purpose=purpose,
        detail=detail,
    )


def recent_times(
    action: str,
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
    #: Events hashed before the chain was keyed (the oldest ones); none may follow a keyed one.
    unkeyed: int = 0
    #: The chain of the broken event (an organization's id, or 0 for the platform chain).
    broken_chain: int | None = None
    chains: int = 0

    def message(self) -> str:
        if self.ok:
            unkeyed = (
                f" ({self.unkeyed} of them from before the chain was keyed)" if self.unkeyed else ""
            )
            return (
                f"Audit trail intact: {self.checked} events verified in {self.chains} "
                f"chain{'s' if self.chains != 1 else ''}{unkeyed}."
            )
        where = (
            "the platform chain"
            if self.broken_chain == PLATFORM_CHAIN
            else f"the chain of organization {self.broken_chain}"
        )
        return (
            f"Audit trail BROKEN at event #{self.broken_sequence} (id {self.broken_id}) of "
            f"{where}: {self.reason}. {self.checked} events before it verified."
        )


def verify(progress: Callable[[int], object] | None = None) -> VerifyResult:
    """Walk every chain in order; name the first event that does not fit, and its chain."""
    chains = set(AuditEvent.objects.values_list("chain", flat=True).distinct())
    chains |= set(AuditChainHead.objects.values_list("chain", flat=True))
    checked = 0
    unkeyed = 0
    for chain in sorted(chains):
        result = _verify_chain(chain, progress)
        checked += result.checked
        unkeyed += result.unkeyed
        if not result.ok:
            return replace(result, checked=checked, unkeyed=unkeyed, chains=len(chains))
    return VerifyResult(True, checked, unkeyed=unkeyed, chains=len(chains))


def _verify_chain(chain: int, progress: Callable[[int], object] | None) -> VerifyResult:
    """One chain. Events hashed without the key are accepted only in the platform chain and
    only before its first keyed event: they are the trail as it was before the key, and a
    plain hash anywhere else is a rewrite without the key."""
    expected_prev = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    unkeyed = 0
    keyed_seen = chain != PLATFORM_CHAIN
    events = AuditEvent.objects.filter(chain=chain).order_by("sequence")

    def broken(sequence: int | None, pk: int | None, reason: str) -> VerifyResult:
        return VerifyResult(False, checked, sequence, pk, reason, unkeyed, chain)

    # Events removed by the retention schedule: the chain starts after its sealed anchor.
    anchor = AuditChainAnchor.objects.filter(chain=chain).first()
    start = 0
    if anchor is not None:
        seal = anchor_mac(chain, anchor.sequence, anchor.last_hash, anchor.removed)
        if not hmac.compare_digest(anchor.mac, seal):
            return broken(
                anchor.sequence,
                None,
                "the anchor left by the retention schedule does not match the audit key "
                "(it was moved without the key)",
            )
        start = anchor.sequence
        expected_prev = anchor.last_hash
        expected_sequence = anchor.sequence + 1

    for event in events.iterator(chunk_size=2000):
        reason = ""
        if event.sequence != expected_sequence:
            reason = f"expected sequence {expected_sequence}: an event is missing"
        elif event.prev_hash != expected_prev:
            reason = "its link to the previous event does not match"
        elif event.scheme not in SCHEMES:
            reason = f"its hash scheme {event.scheme!r} is unknown"
        elif keyed_seen and event.scheme == SCHEME_PLAIN:
            reason = "it is hashed without the key where the chain is keyed"
        elif not hmac.compare_digest(compute_hash(event), event.hash):
            reason = "its content no longer matches its hash"
        if reason:
            return broken(event.sequence, event.pk, reason)
        keyed_seen = keyed_seen or event.scheme == SCHEME_KEYED
        unkeyed += event.scheme == SCHEME_PLAIN
        expected_prev = event.hash
        expected_sequence += 1
        checked += 1
        if progress is not None:
            progress(1)
    head = AuditChainHead.objects.filter(chain=chain).first()
    if head is None:
        return broken(checked, None, "the chain head is missing")
    if not hmac.compare_digest(head.mac, head_mac(chain, head.sequence, head.last_hash)):
        return broken(
            head.sequence,
            None,
            "the chain head's seal does not match the audit key (the head was moved without "
            "the key, or PMHC_AUDIT_KEY is not the key the trail was written with)",
        )
    if head.sequence != start + checked or head.last_hash != expected_prev:
        return broken(
            start + checked + 1,
            None,
            f"the chain head says {head.sequence} events but {start + checked} were found "
            "(the newest events were removed)",
        )
    return VerifyResult(True, checked, unkeyed=unkeyed)
