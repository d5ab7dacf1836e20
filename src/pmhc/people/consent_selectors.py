"""Reads of consent: the check the access policy asks (registered in ``PeopleConfig.ready``),
the consent records a carer may see (each page, printed copy and signed copy an audited read),
and what a reader across organizations is told about the consent that let the data reach them.

``consent_allows`` reads the database every time it is asked, so a revocation takes effect at
the next decision; nothing is cached across requests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import CONSENT_DATA_CLASSES, CONSENT_KEEPERS, Consent, Person
from pmhc.people.selectors import person_detail
from pmhc.platform import restricted
from pmhc.platform.access import (
    Action,
    Actor,
    Basis,
    BasisKind,
    Target,
    decide,
    get_or_404,
    restrict,
)
from pmhc.platform.models import Classification, Organization, Purpose

#: The consent pages are case work: those who keep consent read and write them for it.
PURPOSE = Purpose.CASE_MANAGEMENT
#: A person's consents, newest first, a page at a time.
ORDER = ("-pk",)
ORDER_KINDS = (int,)
PAGE_SIZE = 20
#: How many organizations the form offers as recipients at most.
RECIPIENTS_LIMIT = 200


def consent_target(person: Person) -> Target:
    """A person's consents as the policy sees them, before one exists."""
    return Target(
        organization_ids=frozenset({person.organization_id}),
        access_classification=Classification.PERSONAL,
        access_write_roles=CONSENT_KEEPERS,
        access_read_roles=CONSENT_KEEPERS,
        scope=Consent.access_scope,
    )


def _in_force(today: dt.date) -> Q:
    return Q(revoked_at__isnull=True, valid_from__lte=today) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def consent_allows(
    person_id: int, organization_id: int, purpose: str, classification: str, today: dt.date
) -> Consent | None:
    """The consent in force today that lets ``person_id``'s data of ``classification`` reach
    ``organization_id`` for ``purpose`` (the newest, when several do), or ``None``.
    Substance-use data needs a Part 2 consent that names the organization; clinical data takes
    a named recipient or a general consent."""
    if classification not in CONSENT_DATA_CLASSES:
        return None
    consents = Consent.objects.filter(_in_force(today), person_id=person_id)
    if classification == Classification.SUBSTANCE_USE:
        consents = consents.filter(part2=True, recipients=organization_id)
    else:
        consents = consents.filter(Q(recipients=organization_id) | Q(any_recipient=True))
    # The lists are short JSON arrays; SQLite cannot query inside them, so they are read here.
    for consent in consents.order_by("-valid_from", "-pk"):
        if purpose in consent.purposes and classification in consent.data_classes:
            return consent
    return None


def consents_for(actor: Actor, person: Person, *, purpose: str) -> QuerySet[Consent]:
    """A person's consents, newest first, as far as the actor may read them."""
    return (
        restrict(actor, Consent.objects.filter(person=person), Action.VIEW, purpose)
        .prefetch_related("recipients")
        .order_by("-valid_from", "-pk")
    )


def person_for_consents(actor: Actor, pk: int) -> Person:
    """The person whose consents the actor keeps or reads (an audited read of the person);
    404 for anyone who may not read their consents. Consents are kept by the organization
    that holds the person's record: a partner learns of one only as the basis shown beside
    what it reads (``basis_shown``)."""
    # Whether the actor keeps this person's consents is known from the record's organization
    # alone: anyone else is refused before any read is recorded, as for a missing person.
    found = Person.objects.filter(pk=pk).only("pk", "organization_id").first()
    if found is None or not keeps_consents(actor, found):
        raise Http404("Not found")
    return person_detail(actor, pk, purpose=PURPOSE)


def keeps_consents(actor: Actor, person: Person) -> bool:
    """Whether the actor keeps this person's consents: a keeper of the holder organization."""
    return person.organization_id == actor.organization_id and bool(
        decide(actor, Action.VIEW, consent_target(person), PURPOSE)
    )


def can_give(actor: Actor, person: Person) -> bool:
    return bool(decide(actor, Action.CREATE, consent_target(person), PURPOSE))


def can_revoke(actor: Actor, consent: Consent) -> bool:
    return consent.revoked_at is None and bool(decide(actor, Action.CHANGE, consent, PURPOSE))


def consent_list(actor: Actor, person: Person) -> QuerySet[Consent]:
    """A person's consents as far as the actor may read them, for keyset pages in ``ORDER``.
    Only the terms are listed (no representative's name): the list itself is no read of
    personal fields."""
    return (
        restrict(actor, Consent.objects.filter(person=person), Action.VIEW, PURPOSE)
        .prefetch_related("recipients")
        .order_by(*ORDER)
    )


@dataclass(frozen=True)
class ConsentRead:
    consent: Consent
    fields: restricted.FieldsRead

    @property
    def recipients(self) -> list[Organization]:
        return list(self.consent.recipients.all())


def _get(actor: Actor, person: Person, pk: int, action: Action) -> Consent:
    return get_or_404(
        actor,
        Consent.objects.select_related("organization", "person").prefetch_related("recipients"),
        action,
        PURPOSE,
        pk=pk,
        person=person,
    )


def consent_detail(actor: Actor, person: Person, pk: int) -> ConsentRead:
    """One consent, whole: who gave it, to whom, what, for what, until when. The fields shown
    are an audited read; 404 when missing or not allowed."""
    consent = _get(actor, person, pk, Action.VIEW)
    fields = restricted.read(actor, consent, PURPOSE, audit_action=PeopleAudit.CONSENT_READ)
    return ConsentRead(consent, fields)


def consent_for_revoke(actor: Actor, person: Person, pk: int) -> Consent:
    """A consent the actor may revoke (its page shows its terms, no personal field)."""
    return _get(actor, person, pk, Action.CHANGE)


def consent_document(actor: Actor, person: Person, pk: int) -> Consent:
    """A consent whose signed copy the actor downloads: an audited read of the copy."""
    consent = _get(actor, person, pk, Action.VIEW)
    restricted.read(
        actor, consent, PURPOSE, audit_action=PeopleAudit.CONSENT_READ, shown=["document_name"]
    )
    return consent


def recipient_choices(actor: Actor) -> list[Organization]:
    """The organizations a consent given in the actor's organization may name: itself (the
    partners' records of the person may then reach it) and its partners under an agreement in
    force (a consent opens nothing to any other), by name."""
    ids = {cover.partner_organization_id for cover in actor.partners}
    if actor.organization_id is not None:
        ids.add(actor.organization_id)
    return list(Organization.objects.filter(pk__in=sorted(ids)).order_by("name")[:RECIPIENTS_LIMIT])


@dataclass(frozen=True)
class BasisShown:
    """What a reader across organizations is told about the basis of what they read."""

    emergency: bool
    given_on: dt.date | None = None
    given_by: str = ""
    until: dt.date | None = None
    part2: bool = False


def basis_shown(basis: Basis | None) -> BasisShown | None:
    """The consent or emergency behind a read across organizations, as its page shows it:
    the consent's date, whether the person or their legal representative gave it (never a
    name), and its end: the recipient needs to know what it relies on and for how long."""
    if basis is None:
        return None
    if basis.kind is BasisKind.EMERGENCY:
        return BasisShown(emergency=True)
    consent = Consent.objects.filter(pk=basis.consent_id).first() if basis.consent_id else None
    if consent is None:
        return None
    return BasisShown(
        emergency=False,
        given_on=consent.valid_from,
        given_by=consent.get_given_by_display(),
        until=consent.valid_until,
        part2=consent.part2,
    )


def consent_link_panel(*, actor: Actor, person: Person, **_: object) -> dict[str, object]:
    """The person's page's link to their consents, for those who may read them."""
    return {
        "person": person,
        "show": keeps_consents(actor, person),
    }


def person_for_api(actor: Actor, pk: int, action: Action = Action.VIEW) -> Person:
    """The person whose consents an API caller reads or records: for a key, a person of its
    own organization and the ``consents`` scope (no personal field of the person is shown, so
    no read of them is recorded); for a signed-in keeper, as on the pages. 404 otherwise."""
    if actor.kind != "api_key":
        return person_for_consents(actor, pk)
    key_organization = actor.key_organization_id
    if key_organization is None:
        raise Http404("Not found")
    person = Person.objects.filter(pk=pk, organization_id=key_organization).first()
    if person is None or not decide(actor, action, consent_target(person), PURPOSE):
        raise Http404("Not found")
    return person


def consents_for_export(actor: Actor, person: Person) -> list[ConsentRead]:
    """The person's newest consents (at most ``BUNDLE_LIMIT``) for an export, each one whose
    representative is named an audited read."""
    from pmhc.people.consent_fhir import BUNDLE_LIMIT

    rows = list(consent_list(actor, person).select_related("organization")[:BUNDLE_LIMIT])
    return [
        ConsentRead(
            row, restricted.read(actor, row, PURPOSE, audit_action=PeopleAudit.CONSENT_READ)
        )
        for row in rows
    ]
