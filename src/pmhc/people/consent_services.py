"""Every write of consent: giving it and revoking it, each audited in the same transaction.

A consent is given by those who care for the person in the organization that holds their
record. Its terms never change once given: a new consent is given and the old one revoked,
so the trail shows what was in force when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.consent_selectors import consent_target
from pmhc.people.models import CONSENT_DATA_CLASSES, Consent, GivenBy, Person
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Classification, Organization, Purpose
from pmhc.platform.uploads import JPEG, PDF, PNG, check_upload

__all__ = ["consent_target", "give_consent", "revoke_consent"]


#: What a signed copy may be: a scan or a photograph of the signed form.
SIGNED_COPY_KINDS = (PDF, PNG, JPEG)
SIGNED_COPY_MAX_BYTES = 10 * 1024 * 1024


def _authorize(actor: Actor, action: Action, obj: Any, purpose: str) -> None:
    if purpose not in Purpose.values:
        raise PermissionDenied(f"unknown purpose {purpose!r}")
    decision = decide(actor, action, obj, purpose)
    if not decision:
        raise PermissionDenied(decision.reason)


def _snapshot(consent: Consent, recipient_ids: Iterable[int]) -> dict[str, Any]:
    data = audit.snapshot(
        consent,
        (
            "person",
            "given_by",
            "representative_name",
            "representative_relationship",
            "document_name",
            "any_recipient",
            "purposes",
            "data_classes",
            "part2",
            "valid_from",
            "valid_until",
            "revoked_at",
        ),
    )
    data["recipients"] = sorted(recipient_ids)
    return data


@transaction.atomic
def give_consent(
    actor: Actor,
    *,
    person: Person,
    purpose: str,
    recipients: Iterable[Organization] = (),
    any_recipient: bool = False,
    purposes: Iterable[str],
    data_classes: Iterable[str],
    part2: bool = False,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    given_by: str = GivenBy.PERSON,
    representative_name: str = "",
    representative_relationship: str = "",
    document: UploadedFile | None = None,
) -> Consent:
    """Record the person's consent, given by them or by their legal representative (named,
    with their relationship), with the signed copy when there is one. A Part 2 consent names
    each recipient organization and is the only kind that covers substance-use data."""
    _authorize(actor, Action.CREATE, consent_target(person), purpose)
    representative_name = representative_name.strip()
    representative_relationship = representative_relationship.strip()
    recipient_ids = sorted({org.pk for org in recipients})
    covered = sorted(set(purposes))
    classes = sorted(set(data_classes))
    errors: dict[str, str] = {}
    if not covered or not set(covered) <= set(Purpose.values):
        errors["purposes"] = _("Choose the purposes the consent covers.")
    if not classes or not set(classes) <= set(CONSENT_DATA_CLASSES):
        errors["data_classes"] = _("Choose the kinds of data the consent covers.")
    if Classification.SUBSTANCE_USE in classes and not part2:
        errors["part2"] = _("Substance-use records need a 42 CFR Part 2 consent.")
    if part2 and (any_recipient or not recipient_ids):
        errors["recipients"] = _("A 42 CFR Part 2 consent must name each recipient.")
    if not any_recipient and not recipient_ids:
        errors.setdefault("recipients", _("Name the organizations that may receive the data."))
    start = valid_from or timezone.localdate()
    if valid_until is not None and valid_until < start:
        errors["valid_until"] = _("The consent cannot end before it starts.")
    if given_by not in GivenBy.values:
        errors["given_by"] = _("Say who gave the consent.")
    elif given_by == GivenBy.REPRESENTATIVE:
        if not representative_name:
            errors["representative_name"] = _("Name the legal representative who gave it.")
        if not representative_relationship:
            errors["representative_relationship"] = _(
                "Say how the representative is related to the person."
            )
    else:
        # Only a representative is named: a stale entry from a changed choice is dropped.
        representative_name = representative_relationship = ""
    checked = None
    if document is not None:
        try:
            checked = check_upload(
                document,
                SIGNED_COPY_KINDS,
                field="document",
                max_bytes=SIGNED_COPY_MAX_BYTES,
                allowed_message=_("Upload the signed copy as a PDF, PNG or JPEG file."),
            )
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    consent = Consent.objects.create(
        organization_id=person.organization_id,
        person=person,
        any_recipient=any_recipient,
        purposes=covered,
        data_classes=classes,
        part2=part2,
        valid_from=start,
        valid_until=valid_until,
        given_by=given_by,
        representative_name=representative_name,
        representative_relationship=representative_relationship,
        created_by_id=actor.user_id,
    )
    if document is not None and checked is not None:
        consent.document_name = checked.name
        consent.document_content_type = checked.content_type
        consent.document.save(checked.name, document, save=False)
        consent.save(update_fields=["document", "document_name", "document_content_type"])
    consent.recipients.set(recipient_ids)
    audit.record(
        PeopleAudit.CONSENT_GIVEN,
        actor=actor,
        organization_id=person.organization_id,
        obj=consent,
        purpose=purpose,
        after=_snapshot(consent, recipient_ids),
    )
    return consent


@transaction.atomic
def revoke_consent(actor: Actor, *, consent: Consent, purpose: str) -> Consent:
    """Revoke a consent; the policy stops relying on it at its next decision."""
    _authorize(actor, Action.CHANGE, consent, purpose)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    _authorize(actor, Action.CHANGE, consent, purpose)
    if consent.revoked_at is not None:
        return consent
    recipient_ids = list(consent.recipients.values_list("pk", flat=True))
    before = _snapshot(consent, recipient_ids)
    consent.revoked_at = timezone.now()
    consent.revoked_by_id = actor.user_id
    consent.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        PeopleAudit.CONSENT_REVOKED,
        actor=actor,
        organization_id=consent.organization_id,
        obj=consent,
        purpose=purpose,
        before=before,
        after=_snapshot(consent, recipient_ids),
    )
    return consent
