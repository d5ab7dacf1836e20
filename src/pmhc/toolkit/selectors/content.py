"""Reads for the Learn pages: program types, essential elements, what links to them, and who
may edit them.

Page content, active learning sites and published library items are public; only the fields
meant for the public are read here (never a site's or a submitter's contact details). The edit
page and its version history are for TTA staff of the handling organization only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.db import connection
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmhc.platform import access
from pmhc.platform.models import Membership, Organization, Purpose, Role
from pmhc.toolkit.models import (
    ContentVersion,
    LearningSite,
    LibraryItem,
    PageContent,
    ProgramTypeCode,
    ReviewStatus,
)
from pmhc.toolkit.selectors.common import handling_organization, toolkit_target

Kind = PageContent.Kind
M = TypeVar("M", bound=Model)

# --- The four key outcomes and the benefits the field expects -------------------------------


@dataclass(frozen=True)
class Outcome:
    code: str
    label: str | Promise


#: The four key outcomes (CSG Justice Center, 2019 Police–Mental Health Collaboration
#: Framework), in the framework's order.
OUTCOMES: tuple[Outcome, ...] = (
    Outcome("connections", _("More connections to resources")),
    Outcome("repeat", _("Fewer repeat encounters with law enforcement")),
    Outcome("arrests", _("Fewer arrests of people with mental illness where diversion fits")),
    Outcome("force", _("Less use of force and injury")),
)
OUTCOME_BY_CODE = {outcome.code: outcome for outcome in OUTCOMES}


@dataclass(frozen=True)
class Benefit:
    """A benefit the field expects. ``outcome`` is the key outcome that measures it; when it is
    not one of the four, ``outcome`` is empty, ``closest`` names the nearest one (if any) and
    ``note`` says how the benefit is seen instead."""

    label: str | Promise
    outcome: str = ""
    closest: str = ""
    note: str | Promise = ""

    @property
    def measured_by(self) -> Outcome | None:
        return OUTCOME_BY_CODE.get(self.outcome)

    @property
    def closest_outcome(self) -> Outcome | None:
        return OUTCOME_BY_CODE.get(self.closest)


#: The benefits the toolkit lists (seed: "Benefits of Police-Mental Health Collaborations").
BENEFITS: tuple[Benefit, ...] = (
    Benefit(_("Fewer uses of force"), outcome="force"),
    Benefit(_("Fewer injuries to officers"), outcome="force"),
    Benefit(_("Fewer injuries to people in crisis"), outcome="force"),
    Benefit(_("More use of crisis services"), outcome="connections"),
    Benefit(_("More referrals to behavioral health services"), outcome="connections"),
    Benefit(_("Continuity of care"), outcome="connections"),
    Benefit(_("Fewer arrests"), outcome="arrests"),
    Benefit(_("More jail diversions"), outcome="arrests"),
    Benefit(_("Fewer repeat calls for service"), outcome="repeat"),
    Benefit(
        _("Fewer SWAT call-outs"),
        closest="force",
        note=_("Credited to officers de-escalating situations that could turn violent."),
    ),
    Benefit(
        _("Fewer civil lawsuits"),
        closest="force",
        note=_("Follows from less use of force and fewer injuries."),
    ),
    Benefit(
        _("Less time spent on mental health calls"),
        note=_(
            "Seen in the time and method of custodial transfer, which essential element 10 "
            "asks agencies to record."
        ),
    ),
    Benefit(
        _("Better community relations"),
        note=_(
            "Seen in officer and community perceptions, which essential element 10 asks "
            "agencies to collect."
        ),
    ),
)

# --- Program types ----------------------------------------------------------------------------

#: The rows of the comparison table: the keys of a program type's ``facts``, with labels.
FACT_ROWS: tuple[tuple[str, str | Promise], ...] = (
    ("who_responds", _("Who responds")),
    ("training", _("Training")),
    ("staffing", _("Staffing")),
    ("depends_on", _("Depends on")),
    ("fits", _("Fits")),
)
PROGRAM_ORDER = {code: index for index, code in enumerate(ProgramTypeCode.values)}


def program_types() -> list[PageContent]:
    """The five program types, in the toolkit's order (CIT first)."""
    found = PageContent.objects.filter(kind=Kind.PROGRAM_TYPE)
    return sorted(found, key=lambda c: (PROGRAM_ORDER.get(c.slug, len(PROGRAM_ORDER)), c.title))


def program_type(slug: str) -> PageContent:
    return get_object_or_404(PageContent, kind=Kind.PROGRAM_TYPE, slug=slug)


@dataclass(frozen=True)
class ComparisonRow:
    key: str
    label: str | Promise
    cells: tuple[str, ...]


def comparison(types: Sequence[PageContent]) -> list[ComparisonRow]:
    """One row per fact, one cell per program type; a missing fact is an empty cell."""
    return [
        ComparisonRow(key, label, tuple(str((t.facts or {}).get(key, "")) for t in types))
        for key, label in FACT_ROWS
    ]


# --- Essential elements and the modules that support them -----------------------------------


def elements() -> QuerySet[PageContent]:
    return PageContent.objects.filter(kind=Kind.ELEMENT).order_by("number")


def element(number: int) -> PageContent:
    return get_object_or_404(PageContent, kind=Kind.ELEMENT, number=number)


@dataclass(frozen=True)
class Module:
    code: str
    section: str | Promise
    label: str | Promise
    url_name: str

    @property
    def url(self) -> str | None:
        """The module's page once it is built; None until then (never a dead link)."""
        try:
            return reverse(self.url_name)
        except NoReverseMatch:
            return None


#: The product modules named in README "Modules and the 10 essential elements". Each is linked
#: once a URL of its name exists.
MODULES: dict[str, Module] = {
    m.code: m
    for m in (
        Module(
            "assessment",
            _("Assess"),
            _("Self-assessment: scoring, report and action plan"),
            "assess_home",
        ),
        Module(
            "planning",
            _("Plan"),
            _("Planning: community profile, program-type advisor, staffing model"),
            "plan_home",
        ),
        Module(
            "training",
            _("Train"),
            _("Training: courses, completions, certifications, coverage by shift and district"),
            "training_home",
        ),
        Module(
            "dispatch",
            _("Operate"),
            _("Dispatch: calls for service, call-taker protocol, routing"),
            "dispatch_index",
        ),
        Module(
            "response",
            _("Operate"),
            _("Response: encounters, disposition, transport and custodial transfer"),
            "response_index",
        ),
        Module(
            "people",
            _("Operate"),
            _("People: response plans, consent, information sharing"),
            "people_index",
        ),
        Module(
            "care",
            _("Operate"),
            _("Care: service directory, referrals, case management"),
            "care_index",
        ),
        Module(
            "evaluation",
            _("Measure"),
            _("Evaluation: the four key outcomes, dashboards, reports"),
            "evaluation_index",
        ),
    )
}


def module_for(content: PageContent) -> Module | None:
    return MODULES.get(content.module)


# --- What links to a program type or an element -----------------------------------------------

#: What the public may see of a library item.
LIBRARY_PUBLIC_FIELDS = ("pk", "reference", "kind", "title", "summary", "published_at", "elements")
#: What the public may see of a learning site here (no contact details).
SITE_PUBLIC_FIELDS = ("pk", "agency", "city", "state", "program_types", "is_active")


def _tagged(qs: QuerySet[M], field: str, value: str | int) -> list[M]:
    """Rows whose JSON list ``field`` holds ``value``. The database does it where it can
    (PostgreSQL); SQLite has no JSON containment, so the list is filtered here instead."""
    if connection.features.supports_json_field_contains:
        return list(qs.filter(**{f"{field}__contains": [value]}))
    return [row for row in qs if value in (getattr(row, field) or [])]


def published_library(*, program_type: str = "", element: int | None = None) -> list[LibraryItem]:
    """Published library items tagged with a program type or an element number."""
    items = LibraryItem.objects.filter(status=ReviewStatus.PUBLISHED).order_by(
        "-published_at", "title"
    )
    if program_type:
        return _tagged(
            items.only(*LIBRARY_PUBLIC_FIELDS, "program_types"), "program_types", program_type
        )
    if element is not None:
        return _tagged(items.only(*LIBRARY_PUBLIC_FIELDS), "elements", element)
    return []


def sites_practising(program_type: str) -> list[LearningSite]:
    """Active learning sites that practise ``program_type``."""
    sites = LearningSite.objects.current().only(*SITE_PUBLIC_FIELDS)
    return _tagged(sites.order_by("state", "agency"), "program_types", program_type)


# --- The signed-in person's own organizations ------------------------------------------------


def own_memberships(actor: access.Actor) -> list[Membership]:
    """The actor's active memberships (organization and role), for their home page."""
    if actor.user_id is None:
        return []
    return list(
        Membership.objects.filter(user_id=actor.user_id, is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


# --- Editing ----------------------------------------------------------------------------------


def editing_organization(actor: access.Actor) -> Organization | None:
    """The handling TTA organization, if ``actor`` may edit toolkit pages for it."""
    if not actor.has_role(Role.TTA_STAFF):
        return None  # most visitors: no query needed
    organization = handling_organization()
    if organization is None:
        return None
    decision = access.decide(
        actor, access.Action.CHANGE, toolkit_target(organization), Purpose.ADMINISTRATION
    )
    return organization if decision else None


def may_edit_content(actor: access.Actor) -> bool:
    return editing_organization(actor) is not None


#: Every kind of toolkit text that TTA staff edit on the edit page.
EDITABLE_KINDS = frozenset({Kind.PROGRAM_TYPE, Kind.ELEMENT, Kind.PAGE, Kind.FAQ, Kind.EXPERIENCE})


def editable_content(actor: access.Actor, kind: str, slug: str) -> PageContent:
    """A page to edit; missing and not allowed give the same 404."""
    if kind not in EDITABLE_KINDS or not may_edit_content(actor):
        raise Http404("Not found")
    return get_object_or_404(PageContent, kind=kind, slug=slug)


def content_history(actor: access.Actor, content: PageContent) -> QuerySet[ContentVersion]:
    """Every saved version of ``content``, newest first, with who saved it."""
    if not may_edit_content(actor):
        return ContentVersion.objects.none()
    return content.versions.select_related("edited_by").order_by("-version")
