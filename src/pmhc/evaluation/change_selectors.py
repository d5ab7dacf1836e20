"""Reads of an organization's program changes: the dated starts (a CIT program, a co-responder
team) that the before-and-after analysis is run on. Those who read the organization's figures
read them; its coordinators and administrators also write them."""

from __future__ import annotations

from django.http import Http404

from pmhc.evaluation.models import ProgramChange
from pmhc.evaluation.rollup_selectors import MEASURE_READERS, check
from pmhc.platform.access import NOT_FOUND, Action, Actor, Target, decide
from pmhc.platform.models import Classification, Purpose, Role

#: Who records, changes and removes program changes.
CHANGE_WRITERS = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})
#: The most program changes a page lists; the page says when there are more.
LIST_LIMIT = 200
PURPOSE = Purpose.EVALUATION


def target(organization_id: int) -> Target:
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGENCY,
        access_read_roles=MEASURE_READERS,
        access_write_roles=CHANGE_WRITERS,
    )


def may_write(actor: Actor, organization_id: int | None) -> bool:
    return organization_id is not None and bool(
        decide(actor, Action.CHANGE, target(organization_id), PURPOSE)
    )


def changes(actor: Actor, organization_id: int | None) -> tuple[list[ProgramChange], bool]:
    """The organization's changes, newest start first, at most ``LIST_LIMIT``; and whether
    there are more."""
    organization_id = check(actor, organization_id)
    rows = list(
        ProgramChange.objects.filter(organization_id=organization_id).order_by(
            "-started_on", "-pk"
        )[: LIST_LIMIT + 1]
    )
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def change_for_read(actor: Actor, organization_id: int | None, pk: int) -> ProgramChange:
    organization_id = check(actor, organization_id)
    change = ProgramChange.objects.filter(organization_id=organization_id, pk=pk).first()
    if change is None:
        raise Http404(NOT_FOUND)
    return change


def change_for_write(actor: Actor, organization_id: int | None, pk: int) -> ProgramChange:
    """A change the actor may edit or remove; anything else is the one 404."""
    if not may_write(actor, organization_id):
        raise Http404(NOT_FOUND)
    return change_for_read(actor, organization_id, pk)
