"""Deciding who is who: link, keep apart, take out, merge, undo and the settings; who may, what
the audit trail keeps, and that undo restores exactly."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import QueryDict

from pmhc.conftest import Cast
from pmhc.people import identity_selectors, identity_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.identity_models import (
    CandidateStatus,
    Identity,
    IdentityChange,
    IdentityChangeKind,
    LinkageSettings,
)
from pmhc.people.models import Person
from pmhc.people.tests.identity_world import build, identity_of, member, pair_of
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def _where(records: list[Person]) -> dict[int, int | None]:
    return dict(
        Person.objects.filter(pk__in=[r.pk for r in records]).values_list("pk", "identity_id")
    )


def test_link_moves_every_record_of_one_identity_into_the_other_and_is_audited(
    cast: Cast,
) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    a, b, c = world.records
    change = identity_services.link_pair(actor, candidate=world.pair)
    assert change is not None and change.kind == IdentityChangeKind.LINK
    assert identity_of(c) == a.identity_id
    assert identity_of(b) == b.identity_id  # untouched
    world.pair.refresh_from_db()
    assert world.pair.status == CandidateStatus.LINKED
    assert world.pair.decided_by_id == world.case_manager.pk
    assert change.made_by_id == world.case_manager.pk
    event = AuditEvent.objects.get(action=PeopleAudit.IDENTITY_LINKED)
    assert event.after is not None
    assert event.object_id == str(change.pk) and event.organization_id == cast.agency.pk
    assert event.after["candidate"] == world.pair.pk
    assert event.after["after"] == {str(c.pk): a.identity_id}


def test_a_decided_pair_cannot_be_decided_again(cast: Cast) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    identity_services.keep_apart(actor, candidate=world.other_pair)
    with pytest.raises(ValidationError):
        identity_services.link_pair(actor, candidate=world.other_pair)
    assert identity_of(world.stranger) != identity_of(world.records[0])
    assert AuditEvent.objects.filter(action=PeopleAudit.PAIR_KEPT_APART).count() == 1
    assert not AuditEvent.objects.filter(action=PeopleAudit.IDENTITY_LINKED).exists()


@pytest.mark.parametrize("who", ["officer", "admin", "outsider", "partner_user", "analyst"])
def test_only_those_who_manage_cases_in_the_organization_decide(cast: Cast, who: str) -> None:
    world = build(cast)
    users = {
        "officer": cast.colleague,
        "admin": cast.admin,
        "outsider": cast.outsider,
        "partner_user": cast.partner_user,
        "analyst": member(cast, Role.ANALYST, "ana"),
    }
    actor = cast.actor(users[who])
    before = _where([*world.records, world.stranger])
    events = AuditEvent.objects.count()
    for attempt in (
        lambda: identity_services.link_pair(actor, candidate=world.pair),
        lambda: identity_services.keep_apart(actor, candidate=world.pair),
        lambda: identity_services.take_out(actor, person=world.records[0]),
        lambda: identity_services.merge(
            actor,
            into=Identity.objects.get(records=world.records[0]),
            other=Identity.objects.get(records=world.stranger),
        ),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    assert _where([*world.records, world.stranger]) == before
    world.pair.refresh_from_db()
    assert world.pair.status == CandidateStatus.PENDING
    assert AuditEvent.objects.count() == events


def test_undo_of_a_merge_restores_both_people_exactly(cast: Cast) -> None:
    world = build(cast)
    actor = cast.actor(cast.member)  # the coordinator
    a, b, c = world.records
    identity_services.link_pair(actor, candidate=world.pair)  # a and c
    start = _where([a, b, c, world.stranger])
    merge = identity_services.merge(
        actor,
        into=Identity.objects.get(records=b),
        other=Identity.objects.get(records=a),
    )
    assert set(_where([a, b, c]).values()) == {b.identity_id}
    undone = identity_services.undo(actor, change=merge)
    assert undone.kind == IdentityChangeKind.UNDO and undone.undoes_id == merge.pk
    assert _where([a, b, c, world.stranger]) == start
    assert AuditEvent.objects.filter(action=PeopleAudit.IDENTITIES_MERGED).count() == 1
    assert AuditEvent.objects.filter(action=PeopleAudit.IDENTITY_CHANGE_UNDONE).count() == 1
    with pytest.raises(ValidationError, match="already been undone"):
        identity_services.undo(actor, change=merge)


def test_undo_is_refused_while_a_later_change_moved_a_record(cast: Cast) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    a, _b, c = world.records
    link = identity_services.link_pair(actor, candidate=world.pair)
    assert link is not None
    later = identity_services.take_out(actor, person=c)
    moved = _where([a, c])
    with pytest.raises(ValidationError, match="undo the later change first"):
        identity_services.undo(actor, change=link)
    assert _where([a, c]) == moved
    identity_services.undo(actor, change=later)
    identity_services.undo(actor, change=link)
    assert identity_of(c) != identity_of(a)
    world.pair.refresh_from_db()
    # Undoing the link sends the pair back for review.
    assert world.pair.status == CandidateStatus.PENDING and world.pair.decided_at is None


def test_undoing_an_undo_links_the_pair_again(cast: Cast) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    link = identity_services.link_pair(actor, candidate=world.pair)
    assert link is not None
    unlink = identity_services.undo(actor, change=link)
    identity_services.undo(actor, change=unlink)
    assert identity_of(world.records[2]) == identity_of(world.records[0])
    world.pair.refresh_from_db()
    assert world.pair.status == CandidateStatus.LINKED


def test_a_chain_of_undos_leaves_the_pair_as_its_records_are(cast: Cast) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    link = identity_services.link_pair(actor, candidate=world.pair)
    assert link is not None
    unlink = identity_services.undo(actor, change=link)
    relink = identity_services.undo(actor, change=unlink)
    identity_services.undo(actor, change=relink)
    # Link, undo, redo, undo: the records are apart, so the pair waits for review again.
    assert identity_of(world.records[2]) != identity_of(world.records[0])
    world.pair.refresh_from_db()
    assert world.pair.status == CandidateStatus.PENDING
    assert world.pair.decided_at is None
    assert world.pair in identity_selectors.review_queue(actor, QueryDict()).rows


def test_take_out_refuses_a_record_alone(cast: Cast) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    with pytest.raises(ValidationError, match="only record"):
        identity_services.take_out(actor, person=world.stranger)
    assert not IdentityChange.objects.exists()


def test_merge_refuses_the_same_person_and_another_organizations(cast: Cast) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    mine = Identity.objects.get(records=world.records[0])
    with pytest.raises(ValidationError):
        identity_services.merge(actor, into=mine, other=mine)
    theirs = Identity.objects.create(organization=cast.outsider_org)
    with pytest.raises(PermissionDenied):
        identity_services.merge(actor, into=mine, other=theirs)


def test_a_pair_of_records_already_one_person_is_linked_without_a_change(cast: Cast) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    a, _b, c = world.records
    identity_services.merge(
        actor,
        into=Identity.objects.get(records=a),
        other=Identity.objects.get(records=c),
    )
    assert identity_services.link_pair(actor, candidate=world.pair) is None
    world.pair.refresh_from_db()
    assert world.pair.status == CandidateStatus.LINKED


def test_settings_are_the_coordinators_within_bounds(cast: Cast) -> None:
    world = build(cast)
    values: dict[str, Any] = {
        "auto_link_at": 0.95,
        "review_from": 0.7,
        "utilizer_contacts": 3,
        "utilizer_days": 30,
    }
    with pytest.raises(PermissionDenied):
        identity_services.update_settings(
            cast.actor(world.case_manager), organization=cast.agency, **values
        )
    assert not LinkageSettings.objects.exists()
    coordinator = cast.actor(cast.member)
    saved = identity_services.update_settings(coordinator, organization=cast.agency, **values)
    assert (saved.auto_link_at, saved.utilizer_days) == (0.95, 30)
    event = AuditEvent.objects.get(action=PeopleAudit.LINKAGE_SETTINGS_CHANGED)
    assert event.before is not None and event.after is not None
    assert event.before["auto_link_at"] == 0.99 and event.after["auto_link_at"] == 0.95
    for wrong in (
        {"review_from": 0.96},  # above linking at once
        {"auto_link_at": 1.5},
        {"utilizer_contacts": 1},
        {"utilizer_days": 1000},
    ):
        with pytest.raises(ValidationError):
            identity_services.update_settings(
                coordinator, organization=cast.agency, **{**values, **wrong}
            )
    saved.refresh_from_db()
    assert (saved.auto_link_at, saved.review_from, saved.utilizer_contacts) == (0.95, 0.7, 3)


def test_review_queue_is_most_likely_first_paginated_and_pinned(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    extra = [
        pair_of(world.records[1], world.stranger, 0.5 + i / 100) for i in range(1)
    ]  # one more pair
    page = identity_selectors.review_queue(actor, QueryDict())
    assert [p.pk for p in page.rows] == [world.pair.pk, world.other_pair.pk, extra[0].pk]
    many = [Person.objects.create(organization=cast.agency, family_name=f"N{i}") for i in range(30)]
    for i, person in enumerate(many):
        pair_of(world.stranger, person, 0.81 + (i % 7) / 1000)
    with django_assert_max_num_queries(1):  # type: ignore[operator]
        first = identity_selectors.review_queue(actor, QueryDict())
    assert len(first.rows) == identity_selectors.QUEUE_PAGE and first.next_query
    second = identity_selectors.review_queue(actor, QueryDict(first.next_query))
    seen = [p.pk for p in first.rows] + [p.pk for p in second.rows]
    assert len(seen) == len(set(seen)) == 33
    probabilities = [p.probability for p in [*first.rows, *second.rows]]
    assert probabilities == sorted(probabilities, reverse=True)
    # Another organization's coordinator sees none of them.
    assert not identity_selectors.review_queue(cast.actor(cast.outsider), QueryDict()).rows


def test_evidence_is_told_in_plain_words_and_a_bad_cursor_gives_the_first_page(
    cast: Cast,
) -> None:
    world = build(cast)
    world.other_pair.evidence = {
        **world.other_pair.evidence,
        "match_weight": 2.2,
        "rule": "deterministic",
        "date_of_birth": {"level": "Day and month swapped", "weight": 1.5},
    }
    lines = {a.label: a.comparison for a in identity_selectors.evidence_of(world.other_pair)}
    assert lines == {
        "Family name": "different (points to two people)",
        "Date of birth": "Day and month swapped (points to one person)",
    }
    actor = cast.actor(world.case_manager)
    for cursor in ("after=abc~1", "after=nan~1", "after=0.9", "before=inf~2"):
        page = identity_selectors.review_queue(actor, QueryDict(cursor))
        assert [p.pk for p in page.rows][:1] == [world.pair.pk], cursor


def test_a_pair_already_one_person_leaves_the_queue_until_undone(cast: Cast) -> None:
    world = build(cast)
    actor = cast.actor(world.case_manager)
    a, _b, c = world.records
    merged = identity_services.merge(
        actor,
        into=Identity.objects.get(records=a),
        other=Identity.objects.get(records=c),
    )
    waiting = [p.pk for p in identity_selectors.review_queue(actor, QueryDict()).rows]
    assert waiting == [world.other_pair.pk]
    assert identity_selectors.pending_count(actor) == (1, False)
    identity_services.undo(actor, change=merged)
    waiting = [p.pk for p in identity_selectors.review_queue(actor, QueryDict()).rows]
    assert waiting == [world.pair.pk, world.other_pair.pk]
