"""The one primitive that moves person records between identities.

Linkage (automatic links) and the people who review pairs (links, take-outs, merges, undo) all
change identities through ``move_records``, which writes the ``IdentityChange`` that can undo
it. It checks nothing about who asks: the services that call it (``linkage_services``,
``identity_services``) authorize and audit first, inside their own transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction

from pmhc.people.identity_models import (
    Identity,
    IdentityChange,
    IdentityChangeKind,
    LinkageRun,
    MatchCandidate,
)
from pmhc.people.models import Person
from pmhc.platform.models import Organization


def give_identities(organization: Organization, person_pks: Iterable[int]) -> int:
    """Give each listed record of ``organization`` that has no identity one of its own (a
    person known by that record alone). Returns how many were given one."""
    pks = list(
        Person.objects.filter(
            organization=organization, pk__in=list(person_pks), identity__isnull=True
        ).values_list("pk", flat=True)
    )
    if not pks:
        return 0
    with transaction.atomic():
        identities = Identity.objects.bulk_create(
            [Identity(organization=organization) for _ in pks], batch_size=1000
        )
        people = [
            Person(pk=pk, identity_id=identity.pk)
            for pk, identity in zip(pks, identities, strict=True)
        ]
        Person.objects.bulk_update(people, ["identity"], batch_size=1000)
    return len(pks)


def move_records(
    organization: Organization,
    kind: IdentityChangeKind,
    moves: Mapping[int, int | None],
    *,
    made_by: Any = None,
    candidate: MatchCandidate | None = None,
    run: LinkageRun | None = None,
    undoes: IdentityChange | None = None,
) -> IdentityChange:
    """Set each record's identity (``{person pk: identity pk or None}``) and keep what each was
    before. Records of another organization, and identities of another organization, are
    refused. Identities left with no record stay (an undo may need them again)."""
    person_pks = sorted(moves)
    current = dict(
        Person.objects.select_for_update()
        .filter(organization=organization, pk__in=person_pks)
        .values_list("pk", "identity_id")
    )
    if len(current) != len(person_pks):
        raise ValueError("a record moved is not one of the organization's")
    targets = {identity for identity in moves.values() if identity is not None}
    if targets:
        found = Identity.objects.filter(organization=organization, pk__in=targets).count()
        if found != len(targets):
            raise ValueError("an identity named is not one of the organization's")
    by_target: dict[int | None, list[int]] = {}
    for pk in person_pks:
        by_target.setdefault(moves[pk], []).append(pk)
    for identity_pk, pks in by_target.items():
        Person.objects.filter(pk__in=pks).update(identity_id=identity_pk)
    return IdentityChange.objects.create(
        organization=organization,
        kind=kind,
        before={str(pk): current[pk] for pk in person_pks},
        after={str(pk): moves[pk] for pk in person_pks},
        made_by=made_by,
        candidate=candidate,
        run=run,
        undoes=undoes,
    )


def restore(change: IdentityChange, *, made_by: Any = None) -> IdentityChange:
    """Undo ``change``: put every record it touched back in the identity it had before, as a
    new change of kind ``undo`` that names it. A record moved again since is refused (undo the
    later change first), so an undo never silently overwrites someone else's decision."""
    if IdentityChange.objects.filter(undoes=change).exists():
        raise ValueError("this change has already been undone")
    moves = {int(pk): identity for pk, identity in change.before.items()}
    now = dict(
        Person.objects.filter(
            organization_id=change.organization_id, pk__in=list(moves)
        ).values_list("pk", "identity_id")
    )
    for pk, identity in change.after.items():
        if now.get(int(pk)) != identity:
            raise ValueError("a record has been moved again since; undo that change first")
    return move_records(
        change.organization,
        IdentityChangeKind.UNDO,
        moves,
        made_by=made_by,
        candidate=change.candidate,
        run=change.run,
        undoes=change,
    )
