"""Every read of resolved people: the pairs waiting for review, one pair side by side, one
person (identity) with their records and the changes that made them, and the history of
changes.

Lists of pairs and changes show numbers and scores, never a person's details; a page that shows
a record's details reads it through ``selectors.read_people``, which checks each record against
the policy and writes one audited read for each. All of it is case management.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F
from django.http import Http404, QueryDict

from pmhc.people import selectors
from pmhc.people.identity_models import (
    CandidateStatus,
    Identity,
    IdentityChange,
    LinkageRun,
    LinkageSettings,
    MatchCandidate,
)
from pmhc.people.models import Person
from pmhc.platform import keyset
from pmhc.platform.access import Action, Actor, decide, get_or_404, organization_scope, restrict
from pmhc.platform.models import Organization, Purpose

PURPOSE = Purpose.CASE_MANAGEMENT
#: Pairs on one page of the review queue, changes on one page of the history.
QUEUE_PAGE = 25
HISTORY_PAGE = 50
#: How many records and changes one person's page shows at most.
RECORDS_SHOWN = 50
CHANGES_SHOWN = 20
#: The queue's count is taken no further than this.
COUNT_BOUND = 1000
QUEUE_ORDER = ("-probability", "pk")
HISTORY_ORDER = ("-made_at", "-pk")

#: Plain names of the fields linkage compares, for the evidence beside a pair.
FIELD_NAMES = {
    "family_name": "Family name",
    "given_name": "Given name",
    "name": "Name",
    "date_of_birth": "Date of birth",
    "dob": "Date of birth",
    "approximate_age": "Age",
    "age": "Age",
    "sex": "Sex",
    "address": "Address",
    "description": "Description",
}


#: Evidence entries that are about the whole pair, not one field.
NOT_FIELDS = frozenset({"match_weight", "rule"})


def can_resolve(actor: Actor) -> bool:
    """Whether the actor reviews pairs and reads resolved people in some organization."""
    return bool(organization_scope(actor, MatchCandidate, Action.VIEW, PURPOSE))


def can_run_linkage(actor: Actor, organization: Organization) -> bool:
    return bool(decide(actor, Action.CREATE, LinkageRun(organization=organization), PURPOSE))


def can_change_settings(actor: Actor, organization: Organization) -> bool:
    return bool(decide(actor, Action.CHANGE, LinkageSettings(organization=organization), PURPOSE))


def _acting_id(actor: Actor) -> int:
    """The organization the actor acts for: resolved people are read and changed only there,
    never in a partner's records (an agreement shares people, not their resolution); else 404."""
    if actor.organization_id is None:
        raise Http404("Not found")
    return int(actor.organization_id)


def _own(actor: Actor, queryset: Any) -> Any:
    """``queryset`` narrowed to the organization the actor acts for (nothing when none)."""
    if actor.organization_id is None:
        return queryset.none()
    return queryset.filter(organization_id=actor.organization_id)


def _waiting(actor: Actor) -> Any:
    """Pending pairs of the actor's organization, in the actor's reach, whose two records are
    not one person already (a link of another pair may have joined them; undone, the pair
    waits again)."""
    pending = MatchCandidate.objects.filter(status=CandidateStatus.PENDING).exclude(
        left__identity__isnull=False, left__identity=F("right__identity")
    )
    return restrict(actor, _own(actor, pending), Action.VIEW, PURPOSE)


def review_queue(actor: Actor, params: QueryDict) -> keyset.KeysetPage[MatchCandidate]:
    """Pairs waiting for review that the actor may decide, most likely first."""
    pairs = _waiting(actor)
    return keyset.paginate(pairs, params, order=QUEUE_ORDER, kinds=(float, int), size=QUEUE_PAGE)


def pending_count(actor: Actor) -> tuple[int, bool]:
    """How many pairs wait for the actor (up to ``COUNT_BOUND``), and whether there are more."""
    return keyset.count_up_to(_waiting(actor), COUNT_BOUND)


@dataclass(frozen=True)
class Agreement:
    """One line of a pair's evidence: which field, and how the two records compared on it."""

    field: str
    label: str
    comparison: str


def _plain(level: Any) -> str:
    """A comparison level's label in plain words (linkage names them as Splink does)."""
    text = str(level).strip()
    lower = text.casefold()
    if "null" in lower or "missing" in lower:
        return "missing on one record or both"
    if lower == "same" or lower.startswith("exact") or "exact match" in lower:
        return "the same on both records"
    if "all other" in lower or lower in {"else", "different", "disagree"}:
        return "different"
    return text


def evidence_of(pair: MatchCandidate) -> list[Agreement]:
    """The pair's evidence, field by field, in plain words. Linkage keeps each field as its
    comparison level's label and the weight it added (``{"level": ..., "weight": ...}``);
    a weight above zero pointed to one person, below zero to two. Other entries (the overall
    match weight, the rule used) are not about a field and are left out."""
    evidence = pair.evidence if isinstance(pair.evidence, dict) else {}
    lines = []
    for name, value in evidence.items():
        if name in NOT_FIELDS:
            continue
        if isinstance(value, dict):
            level, weight = value.get("level", ""), value.get("weight")
        elif isinstance(value, str):
            level, weight = value, None
        else:
            continue
        comparison = _plain(level)
        if isinstance(weight, int | float) and weight > 0:
            comparison += " (points to one person)"
        elif isinstance(weight, int | float) and weight < 0:
            comparison += " (points to two people)"
        lines.append(
            Agreement(
                field=str(name),
                label=FIELD_NAMES.get(str(name), str(name).replace("_", " ").capitalize()),
                comparison=comparison,
            )
        )
    return lines


@dataclass(frozen=True)
class PairView:
    pair: MatchCandidate
    left: Person
    right: Person
    evidence: list[Agreement]
    #: Whether the reader may decide (a partner's reader sees the pair, its holder decides).
    may_decide: bool


def _people(pks: list[int]) -> Any:
    return Person.objects.filter(pk__in=pks).prefetch_related("aliases").order_by("pk")


def pair_detail(actor: Actor, pk: int) -> PairView:
    """One pair with both records side by side; 404 when missing, not allowed, or when either
    record is not one the actor may read. Each record shown is an audited read."""
    pair = get_or_404(
        actor,
        MatchCandidate.objects.select_related("organization").filter(
            organization_id=_acting_id(actor)
        ),
        Action.VIEW,
        PURPOSE,
        pk=pk,
    )
    both = list(_people([pair.left_id, pair.right_id]))
    # Both records are checked before either is read: no audited read of one, then a 404.
    if len(both) != 2 or not all(decide(actor, Action.VIEW, p, PURPOSE) for p in both):
        raise Http404("Not found")
    shown = selectors.read_people(actor, both, purpose=PURPOSE)
    if len(shown) != 2:
        raise Http404("Not found")
    left, right = shown
    return PairView(
        pair=pair,
        left=left,
        right=right,
        evidence=evidence_of(pair),
        may_decide=bool(decide(actor, Action.CHANGE, pair, PURPOSE)),
    )


def pair_for_decision(actor: Actor, pk: int) -> MatchCandidate:
    """A pair the actor may decide (the service checks again, and that it is still pending)."""
    pairs = MatchCandidate.objects.filter(organization_id=_acting_id(actor))
    return get_or_404(actor, pairs, Action.CHANGE, PURPOSE, pk=pk)


@dataclass(frozen=True)
class IdentityView:
    identity: Identity
    records: list[Person]
    more_records: bool
    changes: list[IdentityChange]
    #: The changes that can be undone now (not undone already, no record moved since), when
    #: the reader may change this person.
    undoable: frozenset[int] = field(default_factory=frozenset)
    #: Whether the reader may take records out, merge and undo (the policy's CHANGE).
    may_change: bool = False


def _undoable(changes: list[IdentityChange]) -> frozenset[int]:
    """Which of ``changes`` may be undone now: not undone yet, and every record it touched is
    still where it left it. Two queries whatever the number of changes."""
    if not changes:
        return frozenset()
    ids = [change.pk for change in changes]
    undone = set(
        IdentityChange.objects.filter(undoes_id__in=ids).values_list("undoes_id", flat=True)
    )
    touched = {int(pk) for change in changes for pk in change.after}
    now = dict(Person.objects.filter(pk__in=touched).values_list("pk", "identity_id"))
    return frozenset(
        change.pk
        for change in changes
        if change.pk not in undone
        and all(now.get(int(pk)) == identity for pk, identity in change.after.items())
    )


def identity_detail(actor: Actor, pk: int) -> IdentityView:
    """One person: their records (each an audited read; at most ``RECORDS_SHOWN``) and the
    latest changes that moved any of those records (at most ``CHANGES_SHOWN``)."""
    identity = get_or_404(
        actor,
        Identity.objects.select_related("organization").filter(organization_id=_acting_id(actor)),
        Action.VIEW,
        PURPOSE,
        pk=pk,
    )
    found = list(
        Person.objects.filter(identity=identity)
        .prefetch_related("aliases")
        .order_by("pk")[: RECORDS_SHOWN + 1]
    )
    records = selectors.read_people(actor, found[:RECORDS_SHOWN], purpose=PURPOSE)
    keys = [str(person.pk) for person in found[:RECORDS_SHOWN]]
    changes: list[IdentityChange] = []
    if keys:
        changes = list(
            IdentityChange.objects.filter(
                organization_id=identity.organization_id, before__has_any_keys=keys
            ).order_by(*HISTORY_ORDER)[:CHANGES_SHOWN]
        )
    may_change = bool(decide(actor, Action.CHANGE, identity, PURPOSE))
    return IdentityView(
        identity=identity,
        records=records,
        more_records=len(found) > RECORDS_SHOWN,
        changes=changes,
        undoable=_undoable(changes) if may_change else frozenset(),
        may_change=may_change,
    )


def identity_for_change(actor: Actor, pk: int) -> Identity:
    identities = Identity.objects.select_related("organization")
    return get_or_404(
        actor,
        identities.filter(organization_id=_acting_id(actor)),
        Action.CHANGE,
        PURPOSE,
        pk=pk,
    )


def record_for_change(actor: Actor, pk: int) -> Person:
    """A record whose identity the actor may change (it is taken out of that identity)."""
    people = Person.objects.filter(organization_id=_acting_id(actor))
    person = get_or_404(actor, people, Action.VIEW, PURPOSE, pk=pk)
    identity = person.identity
    if identity is None or not decide(actor, Action.CHANGE, identity, PURPOSE):
        raise Http404("Not found")
    return person


def change_for_undo(actor: Actor, pk: int) -> IdentityChange:
    changes = IdentityChange.objects.filter(organization_id=_acting_id(actor))
    return get_or_404(actor, changes, Action.CHANGE, PURPOSE, pk=pk)


def history(actor: Actor, params: QueryDict) -> keyset.KeysetPage[IdentityChange]:
    """Every change of who is who in the actor's organization, newest first."""
    changes = restrict(actor, _own(actor, IdentityChange.objects.all()), Action.VIEW, PURPOSE)
    return keyset.paginate(
        changes, params, order=HISTORY_ORDER, kinds=(dt.datetime, int), size=HISTORY_PAGE
    )


def linkage_settings(actor: Actor, organization: Organization) -> LinkageSettings:
    """The organization's settings (the defaults until changed), if the actor may read them."""
    found = LinkageSettings.objects.filter(organization=organization).first()
    settings = found or LinkageSettings(organization=organization)
    if not decide(actor, Action.VIEW, settings, PURPOSE):
        raise Http404("Not found")
    return settings


def opens_review(actor: Actor) -> bool:
    """Whether the actor resolves the people of the organization they act for (the pages'
    entry, and the navigation's)."""
    organization_id = actor.organization_id
    return organization_id is not None and bool(
        decide(actor, Action.VIEW, Identity(organization_id=organization_id), PURPOSE)
    )


def acting_organization(actor: Actor) -> Organization:
    """The organization the actor acts for, if they resolve its people; else the one 404."""
    if not opens_review(actor):
        raise Http404("Not found")
    return Organization.objects.get(pk=int(actor.organization_id or 0))
