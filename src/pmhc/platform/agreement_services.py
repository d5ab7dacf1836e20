"""Every write of data-sharing agreements: propose, accept, decline, amend, narrow, end.

An agreement opens one organization's data to another, so no single party can make one take
effect. A version is in force only when every party's administrator has accepted exactly its
terms (parties, kinds of data, purposes, dates, title, notes and signed document). A change
that widens an agreement in force (more data, another purpose, earlier or later dates), or
that changes its title, notes or signed document, is a new version that every party must
accept, while the old version stays in force unchanged. A change that only narrows its data,
purposes or dates, and ending it, take effect at once whichever party makes them, because they
can only close data.

Every step is written to the audit trail of **each** party and e-mailed to each party's
administrators, so an organization learns of a proposal about its data from its own trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import (
    AgreementAcceptance,
    AgreementStatus,
    AuditAction,
    Classification,
    DataSharingAgreement,
    Membership,
    Organization,
    Purpose,
    Role,
)
from pmhc.platform.uploads import DOCX, JPEG, PDF, PNG, check_upload

AGREEMENT_FIELDS = (
    "title",
    "status",
    "version",
    "classifications",
    "purposes",
    "effective_on",
    "ends_on",
    "document_name",
    "notes",
)
CLOSE_REASON_MAX = 300
AGREEMENT_DOCUMENT_KINDS = (PDF, DOCX, PNG, JPEG)
AGREEMENT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


def _require(decision: object) -> None:
    if not decision:
        raise PermissionDenied(getattr(decision, "reason", ""))


def _require_party_admin(
    actor: Actor, agreement: DataSharingAgreement, organization: Organization
) -> list[Organization]:
    """The actor acts for ``organization``, which must be a party they administer."""
    parties = list(agreement.parties.all())
    if organization.pk not in {p.pk for p in parties}:
        raise PermissionDenied("The organization is not a party to this agreement.")
    _require(decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION))
    return parties


def _validate_terms(
    *,
    parties: Sequence[Organization],
    title: str,
    classifications: Sequence[str],
    purposes: Sequence[str],
    effective_on: dt.date,
    ends_on: dt.date | None,
) -> None:
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Give the agreement a title.")
    if len({p.pk for p in parties}) < 2:
        errors["parties"] = _("An agreement needs at least two organizations.")
    allowed = set(Classification.values) - {Classification.PUBLIC}
    if not classifications or not set(classifications) <= allowed:
        errors["classifications"] = _("Choose the kinds of data the agreement covers.")
    if not purposes or not set(purposes) <= set(Purpose.values):
        errors["purposes"] = _("Choose the purposes the agreement covers.")
    if ends_on is not None and ends_on < effective_on:
        errors["ends_on"] = _("The end date must be on or after the effective date.")
    if errors:
        raise ValidationError(errors)


def _store_document(agreement: DataSharingAgreement, document: UploadedFile) -> None:
    checked = check_upload(
        document,
        AGREEMENT_DOCUMENT_KINDS,
        field="document",
        max_bytes=AGREEMENT_DOCUMENT_MAX_BYTES,
        allowed_message=_("Upload the signed agreement as a PDF, Word document, PNG or JPEG."),
    )
    agreement.document_name = checked.name
    agreement.document_content_type = checked.content_type
    agreement.document.save(agreement.document_name, document, save=False)


def _terms(agreement: DataSharingAgreement) -> dict[str, object]:
    return {
        **audit.snapshot(agreement, AGREEMENT_FIELDS),
        "parties": sorted(p.pk for p in agreement.parties.all()),
    }


def widens(
    current: DataSharingAgreement,
    *,
    classifications: Iterable[str],
    purposes: Iterable[str],
    effective_on: dt.date,
    ends_on: dt.date | None,
) -> list[str]:
    """How new terms would open more than ``current`` does: what every party must accept."""
    reasons: list[str] = []
    if set(classifications) - set(current.classifications):
        reasons.append(_("more kinds of data"))
    if set(purposes) - set(current.purposes):
        reasons.append(_("another purpose"))
    if effective_on < current.effective_on:
        reasons.append(_("an earlier start"))
    if current.ends_on is not None and (ends_on is None or ends_on > current.ends_on):
        reasons.append(_("a later end"))
    return reasons


def _record_for_each_party(
    action: AuditAction,
    *,
    actor: Actor,
    agreement: DataSharingAgreement,
    parties: Iterable[Organization],
    before: dict[str, object] | None = None,
    after: dict[str, object] | None = None,
    detail: str = "",
) -> None:
    for party in parties:
        audit.record(
            action,
            actor=actor,
            organization_id=party.pk,
            obj=agreement,
            purpose=Purpose.ADMINISTRATION,
            before=before,
            after=after,
            detail=detail,
        )


def _notify_parties(
    actor: Actor,
    *,
    agreement: DataSharingAgreement,
    parties: Iterable[Organization],
    subject: str,
    lead: str,
) -> None:
    """E-mail each party's administrators, each with the link to their own copy."""
    from pmhc.platform.services import queue_email

    parties = list(parties)
    admins = (
        Membership.objects.filter(organization__in=parties, role=Role.ADMINISTRATOR, is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )
    by_org: dict[int, list[str]] = {}
    for membership in admins:
        by_org.setdefault(membership.organization_id, []).append(membership.user.email)
    base = str(getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    names = "; ".join(p.name for p in parties)
    for party in parties:
        recipients = by_org.get(party.pk)
        if not recipients:
            continue
        link = base + reverse("agreement_detail", kwargs={"slug": party.slug, "pk": agreement.pk})
        body = "\n\n".join(
            [
                lead,
                _("Agreement: %(title)s (version %(version)s)")
                % {"title": agreement.title, "version": agreement.version},
                _("Parties: %(names)s") % {"names": names},
                _("Status: %(status)s") % {"status": agreement.get_status_display()},
                _("Review it, and accept or decline it if it waits for you, here: %(link)s")
                % {"link": link},
                _(
                    "If you do not know why you received this, tell your organization's "
                    "administrator."
                ),
            ]
        )
        queue_email(
            actor,
            to=recipients,
            subject=subject,
            body=body,
            purpose="agreement",
            organization=party,
        )


def _new_version(
    *,
    actor: Actor,
    proposer: Organization,
    parties: Sequence[Organization],
    previous: DataSharingAgreement | None,
    title: str,
    classifications: Sequence[str],
    purposes: Sequence[str],
    effective_on: dt.date,
    ends_on: dt.date | None,
    notes: str,
    document: UploadedFile | None,
    status: AgreementStatus,
) -> DataSharingAgreement:
    agreement = DataSharingAgreement(
        title=title.strip(),
        classifications=sorted(set(classifications)),
        purposes=sorted(set(purposes)),
        effective_on=effective_on,
        ends_on=ends_on,
        notes=notes,
        status=status,
        version=(previous.version + 1) if previous is not None else 1,
        root_id=(previous.root_id or previous.pk) if previous is not None else None,
        previous=previous,
        proposed_by_organization=proposer,
        created_by_id=actor.user_id,
    )
    if document is not None:
        _store_document(agreement, document)
    elif previous is not None and previous.document:
        # The signed document stays with the agreement until a party uploads another.
        agreement.document = previous.document.name
        agreement.document_name = previous.document_name
        agreement.document_content_type = previous.document_content_type
    if status == AgreementStatus.IN_FORCE:
        agreement.in_force_at = timezone.now()
    agreement.full_clean(exclude=["document", "root", "previous"])
    agreement.save()
    agreement.parties.set(parties)
    AgreementAcceptance.objects.create(
        agreement=agreement,
        organization=proposer,
        accepted_by_id=actor.user_id,
        accepted_by_name=actor.name[:200],
    )
    return agreement


def _close(
    version: DataSharingAgreement,
    status: AgreementStatus,
    *,
    by: Organization | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> None:
    """Take a version out of force or out of consideration: replaced, declined, withdrawn or
    ended, when, by which party and why. The one place a version is closed."""
    version.status = status
    version.closed_at = at or timezone.now()
    version.closed_by_organization = by
    version.close_reason = reason.strip()
    version.updated_at = version.closed_at
    version.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by_organization",
            "close_reason",
            "updated_at",
        ]
    )


def _withdraw_pending(
    actor: Actor,
    *,
    replaced: DataSharingAgreement,
    parties: Sequence[Organization],
    keep: int | None = None,
) -> None:
    """Proposals made against a version that is no longer in force are withdrawn: accepting
    one later would silently undo the change that replaced it."""
    pending = (
        DataSharingAgreement.objects.select_for_update()
        .filter(previous=replaced, status=AgreementStatus.PROPOSED)
        .order_by("pk")
    )
    if keep is not None:
        pending = pending.exclude(pk=keep)
    for proposal in pending:
        _close(
            proposal,
            AgreementStatus.WITHDRAWN,
            reason=_("The version it would have changed was replaced or ended."),
        )
        _record_for_each_party(
            AuditAction.AGREEMENT_DECLINED,
            actor=actor,
            agreement=proposal,
            parties=parties,
            after={"status": proposal.status},
            detail=proposal.close_reason,
        )


@transaction.atomic
def propose_agreement(
    actor: Actor,
    *,
    organization: Organization,
    title: str,
    partners: Sequence[Organization],
    classifications: Sequence[str],
    purposes: Sequence[str],
    effective_on: dt.date,
    ends_on: dt.date | None = None,
    notes: str = "",
    document: UploadedFile | None = None,
) -> DataSharingAgreement:
    """``organization`` proposes an agreement to ``partners``. It has accepted it by
    proposing it; it opens nothing until every partner's administrator has accepted it."""
    _require(decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION))
    parties = [organization, *{p.pk: p for p in partners if p.pk != organization.pk}.values()]
    _validate_terms(
        parties=parties,
        title=title,
        classifications=classifications,
        purposes=purposes,
        effective_on=effective_on,
        ends_on=ends_on,
    )
    if document is None:
        repeated = _open_proposal(
            proposer=organization,
            previous=None,
            parties=parties,
            title=title,
            classifications=classifications,
            purposes=purposes,
            effective_on=effective_on,
            ends_on=ends_on,
            notes=notes,
        )
        if repeated is not None:
            return repeated
    agreement = _new_version(
        actor=actor,
        proposer=organization,
        parties=parties,
        previous=None,
        title=title,
        classifications=classifications,
        purposes=purposes,
        effective_on=effective_on,
        ends_on=ends_on,
        notes=notes,
        document=document,
        status=AgreementStatus.PROPOSED,
    )
    _record_for_each_party(
        AuditAction.AGREEMENT_PROPOSED,
        actor=actor,
        agreement=agreement,
        parties=parties,
        after=_terms(agreement),
        detail=_("Proposed by %(org)s") % {"org": organization.name},
    )
    _notify_parties(
        actor,
        agreement=agreement,
        parties=[p for p in parties if p.pk != organization.pk],
        subject=_("A data-sharing agreement waits for your acceptance"),
        lead=_(
            "%(org)s proposed a data-sharing agreement with your organization. It opens no "
            "data until your administrator accepts exactly these terms."
        )
        % {"org": organization.name},
    )
    return agreement


@transaction.atomic
def accept_agreement(
    actor: Actor, *, agreement: DataSharingAgreement, organization: Organization
) -> DataSharingAgreement:
    """``organization`` accepts this version. When it is the last party to do so, the version
    comes into force and replaces the one it amends. Accepting twice changes nothing."""
    # Rows are locked in one order everywhere, the version in force before its proposals (as
    # narrowing and ending do), so two administrators acting at once queue instead of
    # deadlocking; the lock on the proposal makes two parties accepting at once see each other.
    previous_id = (
        DataSharingAgreement.objects.filter(pk=agreement.pk)
        .values_list("previous_id", flat=True)
        .first()
    )
    previous = (
        DataSharingAgreement.objects.select_for_update().get(pk=previous_id)
        if previous_id is not None
        else None
    )
    agreement = DataSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    parties = _require_party_admin(actor, agreement, organization)
    if agreement.status != AgreementStatus.PROPOSED:
        if agreement.status == AgreementStatus.IN_FORCE:
            return agreement
        raise ValidationError(
            _("This version can no longer be accepted: it is %(status)s.")
            % {"status": agreement.get_status_display().lower()}
        )
    _acceptance, created = AgreementAcceptance.objects.get_or_create(
        agreement=agreement,
        organization=organization,
        defaults={"accepted_by_id": actor.user_id, "accepted_by_name": actor.name[:200]},
    )
    if not created:
        return agreement
    _record_for_each_party(
        AuditAction.AGREEMENT_ACCEPTED,
        actor=actor,
        agreement=agreement,
        parties=parties,
        after=_terms(agreement),
        detail=_("Accepted by %(org)s") % {"org": organization.name},
    )
    accepted = set(agreement.acceptances.values_list("organization_id", flat=True))
    if not {p.pk for p in parties} <= accepted:
        _notify_parties(
            actor,
            agreement=agreement,
            parties=parties,
            subject=_("A party accepted a data-sharing agreement"),
            lead=_(
                "%(org)s accepted this version. It comes into force when every party has "
                "accepted it."
            )
            % {"org": organization.name},
        )
        return agreement
    if previous is not None and previous.status != AgreementStatus.IN_FORCE:
        # Replaced or ended underneath: the change has nothing left to change, and bringing
        # it into force would put two versions of one agreement in force.
        raise ValidationError(
            _("The version this one would change is no longer in force, so it cannot be accepted.")
        )
    now = timezone.now()
    if previous is not None:
        before = _terms(previous)
        # The version in force steps down first: one version of an agreement is in force at a
        # time, which a database constraint also holds.
        _close(previous, AgreementStatus.SUPERSEDED, at=now)
        _record_for_each_party(
            AuditAction.AGREEMENT_CHANGED,
            actor=actor,
            agreement=previous,
            parties=parties,
            before=before,
            after=_terms(previous),
            detail=_("Replaced by version %(v)s") % {"v": agreement.version},
        )
        _withdraw_pending(actor, replaced=previous, parties=parties, keep=agreement.pk)
    agreement.status = AgreementStatus.IN_FORCE
    agreement.in_force_at = now
    agreement.updated_at = now
    agreement.save(update_fields=["status", "in_force_at", "updated_at"])
    _record_for_each_party(
        AuditAction.AGREEMENT_IN_FORCE,
        actor=actor,
        agreement=agreement,
        parties=parties,
        after=_terms(agreement),
        detail=_("Every party accepted version %(v)s") % {"v": agreement.version},
    )
    _notify_parties(
        actor,
        agreement=agreement,
        parties=parties,
        subject=_("A data-sharing agreement is in force"),
        lead=_(
            "Every party has accepted this version, so it is in force between its dates. "
            "Partners now see the data it covers, for the purposes it names."
        ),
    )
    return agreement


@transaction.atomic
def decline_agreement(
    actor: Actor,
    *,
    agreement: DataSharingAgreement,
    organization: Organization,
    reason: str = "",
) -> DataSharingAgreement:
    """A party declines a proposal (the proposer withdraws it). Any version in force stays."""
    agreement = DataSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    parties = _require_party_admin(actor, agreement, organization)
    if len(reason) > CLOSE_REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason to %(n)s characters.") % {"n": CLOSE_REASON_MAX}}
        )
    if agreement.status in {AgreementStatus.DECLINED, AgreementStatus.WITHDRAWN}:
        return agreement
    if agreement.status != AgreementStatus.PROPOSED:
        raise ValidationError(_("Only a proposal can be declined; end an agreement in force."))
    withdrawn = organization.pk == agreement.proposed_by_organization_id
    _close(
        agreement,
        AgreementStatus.WITHDRAWN if withdrawn else AgreementStatus.DECLINED,
        by=organization,
        reason=reason,
    )
    _record_for_each_party(
        AuditAction.AGREEMENT_DECLINED,
        actor=actor,
        agreement=agreement,
        parties=parties,
        after={"status": agreement.status},
        detail=(
            _("%(status)s by %(org)s")
            % {"status": agreement.get_status_display(), "org": organization.name}
        )[:500],
    )
    _notify_parties(
        actor,
        agreement=agreement,
        parties=parties,
        subject=_("A data-sharing agreement proposal was declined or withdrawn"),
        lead=_("%(org)s did not accept this proposal. Nothing it proposed is in force.")
        % {"org": organization.name},
    )
    return agreement


class _Terms(TypedDict):
    title: str
    classifications: Sequence[str]
    purposes: Sequence[str]
    effective_on: dt.date
    ends_on: dt.date | None
    notes: str


def _open_proposal(
    *,
    proposer: Organization,
    previous: DataSharingAgreement | None,
    parties: Sequence[Organization],
    title: str,
    classifications: Sequence[str],
    purposes: Sequence[str],
    effective_on: dt.date,
    ends_on: dt.date | None,
    notes: str,
) -> DataSharingAgreement | None:
    """The same organization's open proposal of exactly these terms, if it made one already:
    a repeated submit returns it instead of proposing (and e-mailing) twice."""
    candidates = DataSharingAgreement.objects.filter(
        status=AgreementStatus.PROPOSED,
        proposed_by_organization=proposer,
        previous=previous,
        title=title.strip(),
        effective_on=effective_on,
        ends_on=ends_on,
        notes=notes,
    ).prefetch_related("parties")[:20]
    wanted = {p.pk for p in parties}
    for candidate in candidates:
        if (
            sorted(candidate.classifications) == sorted(set(classifications))
            and sorted(candidate.purposes) == sorted(set(purposes))
            and {p.pk for p in candidate.parties.all()} == wanted
        ):
            return candidate
    return None


@transaction.atomic
def amend_agreement(
    actor: Actor,
    *,
    agreement: DataSharingAgreement,
    organization: Organization,
    title: str,
    classifications: Sequence[str],
    purposes: Sequence[str],
    effective_on: dt.date,
    ends_on: dt.date | None,
    notes: str = "",
    document: UploadedFile | None = None,
) -> DataSharingAgreement:
    """Change an agreement in force. A change that opens anything more, or that changes the
    title, notes or signed document, is proposed as the next version for every party to
    accept, while this one stays in force. A change that only narrows the data, purposes or
    dates replaces it at once. Returns the new version."""
    current = DataSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    parties = _require_party_admin(actor, current, organization)
    if current.status != AgreementStatus.IN_FORCE:
        raise ValidationError(
            _(
                "This version is %(status)s, so it cannot be changed. Open the version in "
                "force to change it."
            )
            % {"status": current.get_status_display().lower()}
        )
    _validate_terms(
        parties=parties,
        title=title,
        classifications=classifications,
        purposes=purposes,
        effective_on=effective_on,
        ends_on=ends_on,
    )
    wording_changed = (
        title.strip() != current.title or notes != current.notes or document is not None
    )
    unchanged = (
        not wording_changed
        and sorted(set(classifications)) == sorted(current.classifications)
        and sorted(set(purposes)) == sorted(current.purposes)
        and effective_on == current.effective_on
        and ends_on == current.ends_on
    )
    if unchanged:
        raise ValidationError(_("Nothing was changed."))
    wider = widens(
        current,
        classifications=classifications,
        purposes=purposes,
        effective_on=effective_on,
        ends_on=ends_on,
    )
    if wording_changed:
        # The title, notes and signed document are what every party signed: another wording
        # needs every party's acceptance even when it opens no more data.
        wider.append(_("another title, notes or signed document"))
    terms = _Terms(
        title=title,
        classifications=classifications,
        purposes=purposes,
        effective_on=effective_on,
        ends_on=ends_on,
        notes=notes,
    )
    if wider:
        if document is None:
            repeated = _open_proposal(
                proposer=organization, previous=current, parties=parties, **terms
            )
            if repeated is not None:
                return repeated
        version = _new_version(
            actor=actor,
            proposer=organization,
            parties=parties,
            previous=current,
            document=document,
            status=AgreementStatus.PROPOSED,
            **terms,
        )
        _record_for_each_party(
            AuditAction.AGREEMENT_PROPOSED,
            actor=actor,
            agreement=version,
            parties=parties,
            before=_terms(current),
            after=_terms(version),
            detail=(
                _("Version %(v)s proposed by %(org)s: %(what)s")
                % {"v": version.version, "org": organization.name, "what": ", ".join(wider)}
            )[:500],
        )
        _notify_parties(
            actor,
            agreement=version,
            parties=[p for p in parties if p.pk != organization.pk],
            subject=_("A change to a data-sharing agreement waits for your acceptance"),
            lead=_(
                "%(org)s proposed a change to an agreement with your organization "
                "(%(what)s). The version in force stays as it is until your administrator "
                "accepts the change."
            )
            % {"org": organization.name, "what": ", ".join(wider)},
        )
        return version
    before = _terms(current)
    # The version in force steps down before the narrower one takes its place: one version
    # of an agreement is in force at a time, which a database constraint also holds.
    _close(current, AgreementStatus.SUPERSEDED, by=organization)
    _withdraw_pending(actor, replaced=current, parties=parties)
    version = _new_version(
        actor=actor,
        proposer=organization,
        parties=parties,
        previous=current,
        document=None,
        status=AgreementStatus.IN_FORCE,
        **terms,
    )
    _record_for_each_party(
        AuditAction.AGREEMENT_NARROWED,
        actor=actor,
        agreement=version,
        parties=parties,
        before=before,
        after=_terms(version),
        detail=(
            _("Version %(v)s in force at once: it opens nothing more (changed by %(org)s)")
            % {"v": version.version, "org": organization.name}
        )[:500],
    )
    _notify_parties(
        actor,
        agreement=version,
        parties=[p for p in parties if p.pk != organization.pk],
        subject=_("A data-sharing agreement was narrowed"),
        lead=_(
            "%(org)s narrowed the data, purposes or dates of an agreement with your "
            "organization. It opens no more data, so the change is in force at once."
        )
        % {"org": organization.name},
    )
    return version


@transaction.atomic
def end_agreement(
    actor: Actor,
    *,
    agreement: DataSharingAgreement,
    organization: Organization,
    reason: str = "",
) -> DataSharingAgreement:
    """Either party ends the agreement in force, at once; its proposals are withdrawn."""
    current = DataSharingAgreement.objects.select_for_update().get(pk=agreement.pk)
    parties = _require_party_admin(actor, current, organization)
    if len(reason) > CLOSE_REASON_MAX:
        raise ValidationError(
            {"reason": _("Keep the reason to %(n)s characters.") % {"n": CLOSE_REASON_MAX}}
        )
    if current.status == AgreementStatus.ENDED:
        return current
    if current.status != AgreementStatus.IN_FORCE:
        raise ValidationError(
            _(
                "This version is %(status)s. Open the version in force to end the agreement, "
                "or decline a proposal."
            )
            % {"status": current.get_status_display().lower()}
        )
    before = _terms(current)
    _close(current, AgreementStatus.ENDED, by=organization, reason=reason)
    _withdraw_pending(actor, replaced=current, parties=parties)
    _record_for_each_party(
        AuditAction.AGREEMENT_ENDED,
        actor=actor,
        agreement=current,
        parties=parties,
        before=before,
        after=_terms(current),
        detail=(_("Ended by %(org)s") % {"org": organization.name})[:500],
    )
    _notify_parties(
        actor,
        agreement=current,
        parties=[p for p in parties if p.pk != organization.pk],
        subject=_("A data-sharing agreement has ended"),
        lead=_(
            "%(org)s ended this agreement. From now on neither party sees the other's data "
            "through it."
        )
        % {"org": organization.name},
    )
    return current
