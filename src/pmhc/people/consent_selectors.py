"""Reads of consent: the check the access policy asks (registered in ``PeopleConfig.ready``)
and the consent records a carer may see.

``consent_allows`` reads the database every time it is asked, so a revocation takes effect at
the next decision; nothing is cached across requests.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from pmhc.people.models import CONSENT_DATA_CLASSES, Consent, Person
from pmhc.platform.access import Action, Actor, restrict
from pmhc.platform.models import Classification


def _in_force(today: dt.date) -> Q:
    return Q(revoked_at__isnull=True, valid_from__lte=today) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=today)
    )


def consent_allows(
    person_id: int, organization_id: int, purpose: str, classification: str, today: dt.date
) -> bool:
    """Whether a consent in force today lets ``person_id``'s data of ``classification`` reach
    ``organization_id`` for ``purpose``. Substance-use data needs a Part 2 consent that names
    the organization; clinical data takes a named recipient or a general consent."""
    if classification not in CONSENT_DATA_CLASSES:
        return False
    consents = Consent.objects.filter(_in_force(today), person_id=person_id)
    if classification == Classification.SUBSTANCE_USE:
        consents = consents.filter(part2=True, recipients=organization_id)
    else:
        consents = consents.filter(Q(recipients=organization_id) | Q(any_recipient=True))
    # The lists are short JSON arrays; SQLite cannot query inside them, so they are read here.
    return any(
        purpose in terms["purposes"] and classification in terms["data_classes"]
        for terms in consents.values("purposes", "data_classes")
    )


def consents_for(actor: Actor, person: Person, *, purpose: str) -> QuerySet[Consent]:
    """A person's consents, newest first, as far as the actor may read them."""
    return (
        restrict(actor, Consent.objects.filter(person=person), Action.VIEW, purpose)
        .prefetch_related("recipients")
        .order_by("-valid_from", "-pk")
    )
