"""Every read of the service directory, narrowed to what the actor may see.

The directory is about places, not people: agency data of the organization that keeps it.
Who reads a directory:

- every member of the organization that keeps it;
- members of an organization with a data-sharing agreement in force with the keeper that
  covers agency data for administration or for active calls (a co-responder's clinician reads
  the police department's directory under their agreement);
- the staff of a service's provider, who read the services they run (to keep their capacity
  current) even without an agreement.

Capacity (open beds or chairs and the wait) is given by the provider's staff (coordinator,
clinician, case manager, administrator) and by the keeper's coordinator.

"Where can I take this person now?" lists the places a responder can take someone that are
open now and fit the person, ordered by straight-line (great-circle) distance from the scene.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone

from pmhc.care.models import DIRECTORY_KEEPERS, Condition, Service, ServiceKind
from pmhc.platform import keyset
from pmhc.platform.access import (
    EVERY_ORGANIZATION,
    Action,
    Actor,
    Target,
    decide,
    organization_scope,
)
from pmhc.platform.models import (
    AgreementStatus,
    Classification,
    DataSharingAgreement,
    Organization,
    Purpose,
    Role,
)

ADMINISTRATION = Purpose.ADMINISTRATION
ACTIVE_CALL = Purpose.ACTIVE_CALL
#: The purposes under which a directory is read: browsing it, and finding a place on a call.
READ_PURPOSES = (ADMINISTRATION, ACTIVE_CALL)
#: The provider's staff who keep a service's capacity current.
CAPACITY_STAFF = frozenset(
    {Role.COORDINATOR, Role.CLINICIAN, Role.CASE_MANAGER, Role.ADMINISTRATOR}
)
#: The keeper's roles that may give capacity too.
KEEPER_CAPACITY = frozenset({Role.COORDINATOR})
#: Places a responder can take a person to now (the others are programs, lines or homes).
TAKE_NOW_KINDS = (
    ServiceKind.CRISIS_CENTER,
    ServiceKind.PSYCH_EMERGENCY,
    ServiceKind.EMERGENCY_DEPARTMENT,
    ServiceKind.DETOX,
    ServiceKind.SOBERING,
    ServiceKind.SHELTER,
)
#: Rows a directory page shows.
PAGE_SIZE = 50
#: Candidates "where now" reads at most, and how many it shows.
NOW_CANDIDATES = 500
NOW_SHOWN = 20
EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344


def stale_after() -> dt.timedelta:
    return dt.timedelta(hours=settings.CAPACITY_STALE_HOURS)


def _readable_ids(actor: Actor) -> set[int] | None:
    """The organizations whose directory the actor reads (None: every one, the system)."""
    ids: set[int] = set()
    for purpose in READ_PURPOSES:
        scope = organization_scope(actor, Service, Action.VIEW, purpose)
        if scope is EVERY_ORGANIZATION:
            return None
        ids.update(scope)
    return ids


def _providing_ids(actor: Actor) -> list[int]:
    """The organizations whose services the actor keeps current as their provider's staff."""
    if actor.kind != "user":
        return []
    return sorted(g.organization_id for g in actor.grants if g.role in CAPACITY_STAFF)


def readable_services(actor: Actor) -> QuerySet[Service]:
    """Every service the actor may read, listed or not."""
    ids = _readable_ids(actor)
    if ids is None:
        return Service.objects.all()
    condition = Q(organization_id__in=sorted(ids))
    providing = _providing_ids(actor)
    if providing:
        condition |= Q(provider_id__in=providing)
    if not ids and not providing:
        return Service.objects.none()
    return Service.objects.filter(condition)


def directory_target(organization_id: int) -> Target:
    """An organization's directory as the policy sees it, before a service exists."""
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGENCY,
        access_write_roles=DIRECTORY_KEEPERS,
    )


def provider_ids(organization_id: int, today: dt.date | None = None) -> frozenset[int]:
    """The organizations that may run a service of ``organization_id``'s directory (receive
    its referrals): the keeper itself, and each partner under a data-sharing agreement in
    force on the keeper's date ``today``."""
    if today is None:
        keeper = Organization.objects.only("time_zone").get(pk=organization_id)
        today = keeper.today()
    in_force = DataSharingAgreement.objects.filter(
        status=AgreementStatus.IN_FORCE, parties=organization_id, effective_on__lte=today
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    partners = Organization.objects.filter(agreements__in=in_force.values("pk")).values_list(
        "pk", flat=True
    )
    return frozenset({organization_id, *partners})


def keeps_directory(actor: Actor) -> bool:
    """Whether the actor keeps their acting organization's directory (add, import, unlist)."""
    org = actor.organization_id
    return org is not None and bool(
        decide(actor, Action.CREATE, directory_target(org), ADMINISTRATION)
    )


def may_update_capacity(actor: Actor, service: Service) -> bool:
    """The provider's staff, or the keeper's coordinator, may give a service's capacity."""
    if not service.active or not service.capacity_unit:
        return False
    if service.provider_id is not None and bool(
        decide(
            actor,
            Action.CREATE,
            Target(
                organization_ids=frozenset({service.provider_id}),
                access_write_roles=CAPACITY_STAFF,
            ),
            ADMINISTRATION,
        )
    ):
        return True
    return bool(
        decide(
            actor,
            Action.CREATE,
            Target(
                organization_ids=frozenset({service.organization_id}),
                access_write_roles=KEEPER_CAPACITY,
            ),
            ADMINISTRATION,
        )
    )


def may_change_service(actor: Actor, service: Service) -> bool:
    return bool(decide(actor, Action.CHANGE, service, ADMINISTRATION))


def reads_directory(actor: Actor) -> bool:
    """Whether the actor has a directory to read at all (the Operate link)."""
    return actor.is_authenticated and readable_services(actor).exists()


def service_detail(actor: Actor, pk: int) -> Service:
    """One service the actor may read; 404 otherwise (missing and forbidden look the same)."""
    try:
        return readable_services(actor).select_related("organization", "provider").get(pk=pk)
    except (Service.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc


def service_for_capacity(actor: Actor, pk: int) -> Service:
    """A service whose capacity the actor may give; 404 otherwise."""
    service = service_detail(actor, pk)
    if not may_update_capacity(actor, service):
        raise Http404("Not found")
    return service


def service_for_change(actor: Actor, pk: int) -> Service:
    service = service_detail(actor, pk)
    if not may_change_service(actor, service):
        raise Http404("Not found")
    return service


@dataclass(frozen=True)
class Freshness:
    """How current a service's capacity is."""

    updated_at: dt.datetime | None
    age: dt.timedelta | None
    stale: bool

    @property
    def minutes(self) -> int | None:
        return None if self.age is None else max(0, int(self.age.total_seconds() // 60))


def freshness(service: Service, now: dt.datetime | None = None) -> Freshness:
    if service.capacity_updated_at is None:
        return Freshness(None, None, stale=True)
    age = (now or timezone.now()) - service.capacity_updated_at
    return Freshness(service.capacity_updated_at, age, stale=age > stale_after())


@dataclass(frozen=True)
class Listed:
    service: Service
    fresh: Freshness


def directory_page(
    actor: Actor, params: QueryDict, *, kind: str = "", show_unlisted: bool = False
) -> tuple[keyset.KeysetPage[Service], list[Listed]]:
    """A page of the directory the actor reads, in the order services were added, and each
    service's freshness."""
    query = readable_services(actor).select_related("organization", "provider")
    if not show_unlisted:
        query = query.filter(active=True)
    if kind in ServiceKind.values:
        query = query.filter(kind=kind)
    page = keyset.paginate(query, params, order=["pk"], kinds=[int], size=PAGE_SIZE)
    now = timezone.now()
    return page, [Listed(s, freshness(s, now)) for s in page.rows]


def condition_labels(service: Service) -> list[str]:
    return [str(Condition(c).label) for c in service.conditions or [] if c in Condition.values]


def capacity_history(service: Service, limit: int = 20) -> list[object]:
    """The last figures given for a service (read after ``service_detail``)."""
    return list(service.capacity_updates.select_related("updated_by").all()[:limit])


# --- Where can I take this person now? ---------------------------------------------------------


@dataclass(frozen=True)
class NeedFor:
    """What the person needs of a place: their age, their conditions, police drop-off, and
    where the scene is."""

    latitude: float
    longitude: float
    age: int | None = None
    conditions: tuple[str, ...] = ()
    police_drop_off: bool = False
    kind: str = ""


@dataclass(frozen=True)
class Place:
    service: Service
    fresh: Freshness
    km: float
    #: The place said it has no bed or chair open (shown after those with room).
    full: bool

    @property
    def miles(self) -> float:
        return self.km / KM_PER_MILE


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (straight-line) distance between two points, in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _fits(service: Service, need: NeedFor) -> bool:
    if need.age is not None:
        if service.min_age is not None and need.age < service.min_age:
            return False
        if service.max_age is not None and need.age > service.max_age:
            return False
    taken = set(service.conditions or [])
    return not taken or set(need.conditions) <= taken


def is_open_now(service: Service, fresh: Freshness) -> bool:
    """Open now: open all hours, or its staff said it has room (a current figure)."""
    if service.open_all_hours:
        return True
    return not fresh.stale and (service.capacity_open or 0) > 0


def places_now(actor: Actor, need: NeedFor) -> list[Place]:
    """The places open now that fit the person, those with room first, each group nearest
    first by straight-line distance; those that said they are full come after. One query."""
    query = readable_services(actor).filter(
        active=True,
        kind__in=[need.kind] if need.kind else list(TAKE_NOW_KINDS),
        latitude__isnull=False,
        longitude__isnull=False,
    )
    if need.police_drop_off:
        query = query.filter(police_drop_off=True)
    if need.age is not None:
        query = query.filter(Q(min_age__isnull=True) | Q(min_age__lte=need.age)).filter(
            Q(max_age__isnull=True) | Q(max_age__gte=need.age)
        )
    now = timezone.now()
    # Open now, in SQL: open all hours, or a current figure with room (see ``is_open_now``).
    query = query.filter(
        Q(open_all_hours=True)
        | Q(capacity_open__gt=0, capacity_updated_at__gte=now - stale_after())
    )
    # The nearest first, before the cap: an approximate squared distance (a plain local
    # projection around the scene) orders the candidates; the great-circle one sorts them.
    stretch = math.cos(math.radians(need.latitude))
    query = query.annotate(
        near=(F("latitude") - need.latitude) * (F("latitude") - need.latitude)
        + (F("longitude") - need.longitude)
        * (F("longitude") - need.longitude)
        * (stretch * stretch)
    )
    places: list[Place] = []
    for service in query.select_related("provider").order_by("near", "pk")[:NOW_CANDIDATES]:
        fresh = freshness(service, now)
        if not _fits(service, need) or not is_open_now(service, fresh):
            continue
        assert service.latitude is not None and service.longitude is not None
        km = haversine_km(need.latitude, need.longitude, service.latitude, service.longitude)
        full = not fresh.stale and service.capacity_open == 0
        places.append(Place(service, fresh, km, full))
    places.sort(key=lambda p: (p.full, p.km, p.service.pk))
    return places[:NOW_SHOWN]


def conditions_of(choice: str) -> tuple[str, ...]:
    """The conditions a person has, from the form's single choice."""
    if choice == "both":
        return (Condition.MENTAL_HEALTH, Condition.SUBSTANCE_USE)
    return (choice,) if choice in Condition.values else ()


def reads_call(actor: Actor, call: object) -> bool:
    return bool(decide(actor, Action.VIEW, call, ACTIVE_CALL))  # type: ignore[arg-type]


def call_scene(actor: Actor, pk: int) -> tuple[Decimal, Decimal] | None:
    """Where a call is, when the actor may read the call and it has coordinates."""
    from pmhc.dispatch.models import Call
    from pmhc.platform.access import get_or_404

    call = get_or_404(
        actor,
        Call.objects.only("pk", "organization_id", "latitude", "longitude"),
        Action.VIEW,
        ACTIVE_CALL,
        pk=pk,
    )
    if call.latitude is None or call.longitude is None:
        return None
    return call.latitude, call.longitude


# --- The small map -------------------------------------------------------------------------------

MAP_WIDTH = 600
MAP_HEIGHT = 400
MAP_MARGIN = 30


@dataclass(frozen=True)
class MapPoint:
    number: int
    x: float
    y: float
    place: Place


@dataclass(frozen=True)
class SmallMap:
    width: int
    height: int
    origin: tuple[float, float]
    points: list[MapPoint]
    #: Kilometres the scale bar stands for, and its length in the drawing.
    scale_km: float
    scale_px: float


def small_map(need: NeedFor, places: Sequence[Place]) -> SmallMap | None:
    """The scene and the places on a plain local projection (equirectangular around the
    scene), fitted to the drawing: enough to see which way each place lies."""
    if not places:
        return None
    cos_lat = math.cos(math.radians(need.latitude))

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (lon - need.longitude) * cos_lat * 111.32, (lat - need.latitude) * 110.57

    coords = [project(p.service.latitude or 0.0, p.service.longitude or 0.0) for p in places]
    xs = [0.0, *(c[0] for c in coords)]
    ys = [0.0, *(c[1] for c in coords)]
    span_x = max(max(xs) - min(xs), 0.5)
    span_y = max(max(ys) - min(ys), 0.5)
    scale = min((MAP_WIDTH - 2 * MAP_MARGIN) / span_x, (MAP_HEIGHT - 2 * MAP_MARGIN) / span_y)
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def to_px(x: float, y: float) -> tuple[float, float]:
        return MAP_WIDTH / 2 + (x - mid_x) * scale, MAP_HEIGHT / 2 - (y - mid_y) * scale

    points = [
        MapPoint(n, *to_px(*xy), place)
        for n, (xy, place) in enumerate(zip(coords, places, strict=True), start=1)
    ]
    bar_km = _round_km(max(span_x, span_y) / 4)
    return SmallMap(MAP_WIDTH, MAP_HEIGHT, to_px(0.0, 0.0), points, bar_km, bar_km * scale)


def _round_km(km: float) -> float:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500):
        if km <= step:
            return float(step)
    return 1000.0
