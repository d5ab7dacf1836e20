"""Every write to the routing rules. Coordinators edit a draft and publish it; a published
version never changes, so the calls triaged under it keep pointing at what was applied."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.dispatch import revisions, triage
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import TriageRuleSet
from pmhc.dispatch.selectors import published_rule_set, published_rules, rules_target
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide, system_actor
from pmhc.platform.models import Organization, Purpose

ADMIN = Purpose.ADMINISTRATION
NOTE_MAX = 300


def _authorize(actor: Actor, organization: Organization, action: Action) -> None:
    decision = decide(actor, action, rules_target(organization), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


def _snapshot(rule_set: TriageRuleSet) -> dict[str, Any]:
    return audit.snapshot(rule_set, ("version", "rules", "note", "published_at"))


def _next_version(organization: Organization) -> int:
    latest = TriageRuleSet.objects.filter(organization=organization).aggregate(v=Max("version"))
    return int(latest["v"] or 0) + 1


def _publish_defaults(actor: Actor, organization: Organization) -> TriageRuleSet:
    now = timezone.now()
    rule_set = TriageRuleSet.objects.create(
        organization=organization,
        version=_next_version(organization),
        rules=triage.default_rules(),
        note=_("The product's starting rules, for the agency and its partners to review."),
        created_at=now,
        created_by_id=actor.user_id,
        published_at=now,
        published_by_id=actor.user_id,
    )
    revisions.changed(organization.pk)
    audit.record(
        DispatchAudit.RULES_PUBLISHED,
        actor=actor,
        organization_id=organization.pk,
        obj=rule_set,
        purpose=ADMIN,
        after=_snapshot(rule_set),
    )
    return rule_set


@transaction.atomic
def ensure_default_rules(actor: Actor, *, organization: Organization) -> TriageRuleSet:
    """The agency's published rules; when it has none, publish the product's starting rules
    as its first version."""
    _authorize(actor, organization, Action.CREATE)
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    current = (
        TriageRuleSet.objects.filter(organization=organization, published_at__isnull=False)
        .order_by("-version")
        .first()
    )
    return current or _publish_defaults(actor, organization)


def published_or_default(organization: Organization) -> TriageRuleSet:
    """For triage: the agency's published rules, or the product's starting rules published
    for it in the caller's transaction when it has none yet. The starting rules are the
    product's, so that publication is recorded under the product's name."""
    current = published_rules(organization)
    if current is not None:
        return current
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    current = published_rule_set(organization)
    return current or _publish_defaults(system_actor(_("starting rules")), organization)


def _clean_note(note: str) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Keep it under %(n)d characters.") % {"n": NOTE_MAX}})
    return note


@transaction.atomic
def save_rules_draft(
    actor: Actor, *, organization: Organization, rules: list[dict[str, Any]], note: str = ""
) -> TriageRuleSet:
    """Save the draft the coordinator is editing (creating it, as the next version, if there
    is none). A published version is never changed."""
    _authorize(actor, organization, Action.CHANGE)
    try:
        triage.compile_rules(rules)
    except ValidationError as exc:
        raise ValidationError({"rules": exc.messages}) from exc
    note = _clean_note(note)
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    latest = TriageRuleSet.objects.filter(organization=organization).order_by("-version").first()
    if latest is not None and not latest.is_published:
        before: dict[str, Any] | None = _snapshot(latest)
        draft = latest
    else:
        if latest is None:
            # Versions stay in order: the starting rules become version 1, in use until the
            # agency publishes its own, and the first draft is version 2.
            _publish_defaults(system_actor(_("starting rules")), organization)
        before = None
        draft = TriageRuleSet(
            organization=organization,
            version=_next_version(organization),
            created_by_id=actor.user_id,
        )
    draft.rules = rules
    draft.note = note
    draft.save()
    audit.record(
        DispatchAudit.RULES_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=draft,
        purpose=ADMIN,
        before=before,
        after=_snapshot(draft),
    )
    return draft


@transaction.atomic
def publish_rules(actor: Actor, *, rule_set: TriageRuleSet) -> TriageRuleSet:
    """Make a draft the version new calls use. It can never change after this."""
    organization = rule_set.organization
    _authorize(actor, organization, Action.CHANGE)
    locked = TriageRuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if locked.is_published:
        raise ValidationError(_("This version is already published; it cannot change."))
    newer = TriageRuleSet.objects.filter(organization=organization, version__gt=locked.version)
    if newer.exists():
        raise ValidationError(_("A newer version exists; publish that one instead."))
    try:
        triage.compile_rules(locked.rules)
    except ValidationError as exc:
        raise ValidationError({"rules": exc.messages}) from exc
    before = _snapshot(locked)
    locked.published_at = timezone.now()
    locked.published_by_id = actor.user_id
    locked.save(update_fields=["published_at", "published_by"])
    revisions.changed(organization.pk)
    audit.record(
        DispatchAudit.RULES_PUBLISHED,
        actor=actor,
        organization_id=organization.pk,
        obj=locked,
        purpose=ADMIN,
        before=before,
        after=_snapshot(locked),
    )
    return locked
