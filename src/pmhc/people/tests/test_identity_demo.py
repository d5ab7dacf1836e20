"""The demo runs the department's linkage on its records and keeps what linkage decides: the
coordinator has pairs to decide, each one linkage made, and a person on the high-utilizer list
whose count includes the calls of a second record linkage linked."""

from __future__ import annotations

from django.http import QueryDict

from pmhc.demo import generator
from pmhc.people import identity_selectors, identity_services, utilizer_selectors
from pmhc.people.identity_models import (
    IdentityChange,
    IdentityChangeKind,
    LinkageRun,
    LinkageRunStatus,
    LinkageSettings,
    MatchCandidate,
)
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import User


def _count(found: utilizer_selectors.UtilizerList, identity: int) -> int:
    return next((p.contact_count for p in found.people if p.identity_id == identity), 0)


def test_demo_leaves_pairs_for_review_and_a_high_utilizer(db: None) -> None:
    ctx = generator.build(password="demo-password-for-tests", log=lambda _: None)
    pd = ctx.organizations["pd"]
    coordinator = actor_for_user(User.objects.get(username="coordinator"))
    (run,) = LinkageRun.objects.filter(organization=pd)
    assert run.status == LinkageRunStatus.DONE and run.auto_linked >= 1 and run.to_review >= 1
    kept = LinkageSettings.objects.get(organization=pd)
    queue = identity_selectors.review_queue(coordinator, QueryDict())
    assert queue.rows
    # Every pair waiting is one the run made, between the department's thresholds, with the
    # evidence linkage kept for it (each field's comparison level).
    waiting = MatchCandidate.objects.filter(organization=pd)
    assert waiting.count() == run.to_review
    assert all(pair.run_id == run.pk for pair in waiting)
    assert all(kept.review_from <= pair.probability < kept.auto_link_at for pair in queue.rows)
    assert all(pair.evidence["family_name"]["level"] for pair in queue.rows)
    # The department's pairs are the department's: the health center's case manager, a
    # partner, does not see them.
    partner = actor_for_user(User.objects.get(username="case_manager"))
    assert not identity_selectors.review_queue(partner, QueryDict()).rows
    linked = IdentityChange.objects.get(organization=pd, kind=IdentityChangeKind.AUTO_LINK)
    assert linked.run_id == run.pk
    ((_record, identity),) = linked.after.items()
    together = _count(utilizer_selectors.high_utilizers(coordinator, pd), identity)
    assert together >= 4
    # Undone, the second spelling's calls no longer count for the person.
    identity_services.undo(coordinator, change=linked)
    apart = _count(utilizer_selectors.high_utilizers(coordinator, pd), identity)
    assert apart < together
