"""Reads of the learning-site directory.

Active sites are public: anyone may list and open them, so those reads need no policy (and a
site holds no personal data: its contact is the one the site publishes). Inactive sites are
seen only by the TTA staff who keep the directory, through the policy.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, TextChoices
from django.http import Http404

from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Purpose
from pmhc.toolkit import geo
from pmhc.toolkit.models import REGIONS, LearningSite, Specialty
from pmhc.toolkit.selectors.common import handling_organization, toolkit_target


@dataclass(frozen=True)
class SiteFilters:
    """What a visitor narrowed the directory to; an empty string means "any"."""

    state: str = ""
    region: str = ""
    program_type: str = ""
    specialty: str = ""

    def __bool__(self) -> bool:
        return any((self.state, self.region, self.program_type, self.specialty))


@dataclass(frozen=True)
class SiteRow:
    """A site as the directory shows it: its number on the map and in the list, its distance
    from the visitor's point (if they chose one) and its position on the map (if it has one)."""

    number: int
    site: LearningSite
    distance_miles: float | None
    x: float | None
    y: float | None

    @property
    def on_map(self) -> bool:
        return self.x is not None

    @property
    def specialty_labels(self) -> list[str]:
        return labels(self.site.specialties, Specialty)


def labels(codes: list[str] | None, choices: type[TextChoices]) -> list[str]:
    """The display labels of the stored codes, skipping any no longer offered."""
    known = dict(choices.choices)
    return [str(known[code]) for code in codes or [] if code in known]


def active_sites(filters: SiteFilters | None = None) -> list[LearningSite]:
    """Active sites matching ``filters``, by state then agency. Public.

    Program types and specialties are JSON lists, which SQLite cannot search inside; the
    directory is a few dozen rows, so those two filters run here."""
    filters = filters or SiteFilters()
    queryset: QuerySet[LearningSite] = LearningSite.objects.current()
    if filters.state:
        queryset = queryset.filter(state=filters.state)
    if filters.region:
        queryset = queryset.filter(state__in=REGIONS.get(filters.region, []))
    sites = list(queryset.order_by("state", "agency", "pk"))
    if filters.program_type:
        sites = [s for s in sites if filters.program_type in (s.program_types or [])]
    if filters.specialty:
        sites = [s for s in sites if filters.specialty in (s.specialties or [])]
    return sites


def site_point(site: LearningSite) -> geo.Point | None:
    if site.latitude is None or site.longitude is None:
        return None
    return float(site.latitude), float(site.longitude)


def directory(filters: SiteFilters, origin: geo.Point | None = None) -> list[SiteRow]:
    """The filtered active sites, numbered for the map and the list. With an ``origin``
    (latitude, longitude), nearest first by great-circle distance; sites without a position
    come last ("distance unknown")."""
    entries: list[tuple[LearningSite, float | None]] = []
    for site in active_sites(filters):
        point = site_point(site)
        distance = geo.haversine_miles(origin, point) if origin and point else None
        entries.append((site, distance))
    if origin is not None:
        entries.sort(key=lambda e: (e[1] is None, e[1] or 0.0))  # stable: ties keep A-Z
    rows: list[SiteRow] = []
    for number, (site, distance) in enumerate(entries, start=1):
        point = site_point(site)
        projected = geo.project(*point) if point else None
        rows.append(
            SiteRow(
                number=number,
                site=site,
                distance_miles=distance,
                x=projected[0] if projected else None,
                y=projected[1] if projected else None,
            )
        )
    return rows


def public_site(pk: int) -> LearningSite:
    """An active site, for its public page; anything else is "not found"."""
    site = LearningSite.objects.filter(pk=pk, is_active=True).first()
    if site is None:
        raise Http404("Not found")
    return site


def can_manage_sites(actor: Actor) -> bool:
    """Whether ``actor`` keeps the directory: TTA staff of the organization handling requests."""
    organization = handling_organization()
    if organization is None:
        return False
    target = toolkit_target(organization)
    return bool(decide(actor, Action.CHANGE, target, Purpose.ADMINISTRATION))


def require_site_manager(actor: Actor) -> None:
    """Staff pages of the directory: anyone else gets the same 404 as a missing page."""
    if not can_manage_sites(actor):
        raise Http404("Not found")


def site_for_change(actor: Actor, pk: int) -> LearningSite:
    """Any site, active or not, for the staff who keep the directory; 404 for anyone else."""
    require_site_manager(actor)
    site = LearningSite.objects.filter(pk=pk).first()
    if site is None:
        raise Http404("Not found")
    return site


def site_page(actor: Actor, pk: int) -> LearningSite:
    """A site's page: active sites for everyone, inactive ones only for the directory's staff."""
    site = LearningSite.objects.filter(pk=pk).first()
    if site is None or (not site.is_active and not can_manage_sites(actor)):
        raise Http404("Not found")
    return site


def former_sites() -> list[LearningSite]:
    """Public: the sites the program no longer lists, apart from the directory."""
    return list(LearningSite.objects.former().order_by("state", "agency", "pk"))


def inactive_sites(actor: Actor) -> list[LearningSite]:
    """Sites hidden from the public, for the staff who may bring them back; else empty."""
    if not can_manage_sites(actor):
        return []
    return list(LearningSite.objects.filter(is_active=False).order_by("state", "agency", "pk"))
