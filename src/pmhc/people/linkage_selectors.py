"""Every read of linkage runs: an organization's runs, newest first, a page at a time, and one
run's progress. Runs hold counts and stages, no personal data; they are the organization's own
(``AGENCY``) and read by its members who keep identities."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import QueryDict

from pmhc.people.identity_models import LinkageRun
from pmhc.platform.access import Action, Actor, restrict
from pmhc.platform.keyset import KeysetPage, paginate
from pmhc.platform.models import Organization

RUNS_PER_PAGE = 25


def _runs(actor: Actor, organization: Organization) -> QuerySet[LinkageRun]:
    # Runs are the organization's own work: read by its members whom the policy lets read
    # them, not by partners (an agreement shares people, not how they were resolved).
    if actor.role_in(organization.pk) is None:
        return LinkageRun.objects.none()
    return restrict(actor, LinkageRun.objects.filter(organization=organization), Action.VIEW)


def runs_of(
    actor: Actor,
    *,
    organization: Organization,
    params: QueryDict | None = None,
    size: int = RUNS_PER_PAGE,
) -> KeysetPage[LinkageRun]:
    """The organization's runs that the actor may read, newest first, the page ``params``
    asks for (one query)."""
    return paginate(
        _runs(actor, organization),
        params if params is not None else QueryDict(),
        order=("-created_at", "-id"),
        kinds=(dt.datetime, int),
        size=size,
    )


def run_status(actor: Actor, *, organization: Organization, run_id: int) -> LinkageRun | None:
    """One run, for its progress; None when it does not exist or the actor may not read it
    (the page answers both with 404)."""
    return _runs(actor, organization).filter(pk=run_id).first()


def run_under_way(actor: Actor, *, organization: Organization) -> LinkageRun | None:
    """The run that waits or runs now, if any."""
    return (
        _runs(actor, organization)
        .filter(status__in=("queued", "running"))
        .order_by("created_at", "pk")
        .first()
    )
