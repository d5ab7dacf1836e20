"""The Measure dashboard: who reads it, what it counts, what it hides, and that its downloads
are exactly what it shows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook  # type: ignore[import-untyped]

from pmhc.evaluation import dashboard_selectors as selectors
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import Grain, MeasureSettings, Rollup
from pmhc.evaluation.tests.helpers import summarize
from pmhc.platform.dates import today_in
from pmhc.platform.models import AuditEvent, Role
from pmhc.response.tests.factories import member

URLS = ("evaluation_dashboard", "evaluation_dashboard_csv", "evaluation_dashboard_xlsx")


def rollup(organization, month, **counts):
    """A month's rollup row, as the rollups' builder would keep it."""
    dims = {k: counts.pop(k) for k in list(counts) if k in selectors.DIMENSIONS}
    row = Rollup.objects.create(
        organization=organization, grain=Grain.MONTH, period=month, **dims, **counts
    )
    summarize(organization, month)
    return row


def this_month(cast):
    return selectors.first_of_month(today_in(cast.agency.time_zone))


@pytest.fixture
def world(cast):
    """Two years of months: each month 40 reported calls, 20 connected; last year 10 of them."""
    current = this_month(cast)
    for back in range(0, 25):
        month = selectors.add_months(current, -back)
        connected = 20 if back <= 12 else 10
        rollup(
            cast.agency,
            month,
            shift="day",
            district="North",
            calls=50,
            mental_health=45,
            reported=30,
            connected=connected - 5,
        )
        # A second cell of the month: a small district.
        rollup(
            cast.agency,
            month,
            shift="night",
            district="Hamlet",
            calls=12,
            mental_health=10,
            reported=10,
            connected=5,
            force_above_presence=1,
        )
    rollup(cast.outsider_org, current, district="Elsewhere", calls=999, reported=999)
    return current


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_boundary(cast, world):
    analyst = member(cast.agency, Role.ANALYST)
    for name in URLS:
        anonymous = cast.client(None).get(reverse(name))
        assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
        # The wrong role, and a partner under an agreement in force: the one 404.
        for user in (cast.colleague, cast.partner_user, member(cast.agency, Role.SUPERVISOR)):
            assert cast.client(user).get(reverse(name)).status_code == 404
    assert not AuditEvent.objects.filter(action=EvaluationAudit.DASHBOARD_DOWNLOADED).exists()
    # Another organization's analyst reads only their own figures.
    outsider_analyst = member(cast.outsider_org, Role.ANALYST)
    page = cast.client(outsider_analyst).get(reverse("evaluation_dashboard")).content.decode()
    assert "999" in page and "Hamlet" not in page
    text = cast.client(outsider_analyst).get(reverse("evaluation_dashboard_csv")).content.decode()
    assert "Hamlet" not in text and "North" not in text
    for user in (analyst, cast.member, cast.admin):
        assert cast.client(user).get(reverse("evaluation_dashboard")).status_code == 200
        for name in URLS[1:]:
            assert cast.client(user).get(reverse(name)).status_code == 200


def test_the_four_outcomes_this_period_against_last_year(cast, world):
    page = cast.client(cast.member).get(reverse("evaluation_dashboard"))
    assert page.status_code == 200
    board = page.context["board"]
    assert [f.metric.key for f in board.headline] == [
        "connected",
        "repeat_90d",
        "diverted",
        "force",
    ]
    connected = board.headline[0]
    # Thirteen months of 40 reported, 20 connected; the year before, 10 of 40.
    assert (connected.current.numerator, connected.current.denominator) == (260, 520)
    assert connected.current.figure_text == "50.0%"
    assert (connected.last_year.numerator, connected.last_year.denominator) == (130 + 10, 520)
    assert len(connected.months) == 13 and connected.months[-1].month == world
    text = page.content.decode()
    assert "Definition version 1" in text and "How this is counted" in text
    assert "Higher than the same period last year" in text and "better" in text
    assert "<svg" in text and 'scope="row"' in text


def test_small_counts_are_hidden_in_words(cast, world):
    client = cast.client(cast.member)
    page = client.get(reverse("evaluation_dashboard"), {"by": "district"})
    board = page.context["board"]
    connected = board.headline[0]
    groups = {g.label: g.cell for g in connected.breakdown}
    assert groups["North"].figure_text == "50.0%"
    # Hamlet: 65 connected of 130 over the period: shown.
    assert groups["Hamlet"].figure_text == "50.0%"
    force = board.headline[3]
    by_district = {g.label: g.cell for g in force.breakdown}
    # 13 encounters with force in Hamlet but none in North: the zero is under 11, hidden.
    assert by_district["North"].numerator_text == "fewer than 11"
    assert by_district["North"].figure is None
    # One month: one encounter with force, hidden; its month says so in words.
    point = force.months[-1].cell
    assert point.numerator_text == "fewer than 11" and point.figure_text.startswith("not shown")
    text = page.content.decode()
    assert "fewer than 11" in text
    # An organization that chose a larger minimum hides more.
    MeasureSettings.objects.create(organization=cast.agency, min_cell_size=150)
    board = client.get(reverse("evaluation_dashboard"), {"by": "district"}).context["board"]
    assert board.min_cell == 150
    # Hamlet is under 150; North beside it would give Hamlet back from the total: both hide.
    assert {g.cell.figure for g in board.headline[0].breakdown} == {None}


def test_filters_narrow_the_figures(cast, world):
    client = cast.client(cast.member)
    board = client.get(reverse("evaluation_dashboard"), {"shift": "night"}).context["board"]
    assert board.headline[0].current.denominator == 130
    page = client.get(reverse("evaluation_dashboard"), {"district": "Nowhere"})
    assert page.context["board"].headline[0].current.figure_text == "no calls counted"
    # The filters offer the values the period holds.
    assert ("Hamlet", "Hamlet") in page.context["board"].choices["district"]
    since = selectors.add_months(world, -2)
    board = client.get(
        reverse("evaluation_dashboard"),
        {"since": f"{since:%Y-%m}", "until": f"{world:%Y-%m}"},
    ).context["board"]
    assert len(board.headline[0].months) == 3
    assert board.headline[0].current.denominator == 120


def test_a_period_out_of_bounds_is_refused_with_a_summary(cast, world):
    client = cast.client(cast.member)
    too_long = selectors.add_months(world, -30)
    for query in (
        {"since": f"{too_long:%Y-%m}", "until": f"{world:%Y-%m}"},
        {"since": f"{world:%Y-%m}", "until": f"{selectors.add_months(world, -1):%Y-%m}"},
        {"since": f"{world:%Y-%m}", "until": f"{selectors.add_months(world, 1):%Y-%m}"},
        {"since": "yesterday", "until": f"{world:%Y-%m}"},
    ):
        for name in URLS:
            page = client.get(reverse(name), query)
            assert page.status_code == 400 and "pmhc-error-summary" in page.content.decode()
    assert (
        "A period is at most 24 months."
        in client.get(
            reverse("evaluation_dashboard"),
            {"since": f"{too_long:%Y-%m}", "until": f"{world:%Y-%m}"},
        ).content.decode()
    )
    assert not AuditEvent.objects.filter(action=EvaluationAudit.DASHBOARD_DOWNLOADED).exists()


def _page_rows(text):
    """The body rows of the page's tables: the header cell and the three figures."""
    found = []
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", text, re.S):
        cells = re.findall(r"<td>(.*?)</td>", row)
        found.append(tuple(cells))
    return found


def test_the_downloads_are_the_rows_shown(cast, world):
    analyst = member(cast.agency, Role.ANALYST)
    client = cast.client(analyst)
    query = {"by": "shift", "district": "Hamlet"}
    page = client.get(reverse("evaluation_dashboard"), query).content.decode()
    rows = _csv(client.get(reverse("evaluation_dashboard_csv"), query))
    assert tuple(rows[0]) == selectors.HEADER
    # No column and no value names a person, a call or a place below a district.
    assert not {"name", "address", "person", "call_id", "narrative"} & set(rows[0])
    shown = _page_rows(page)
    assert len(rows) - 1 == len(shown)
    # The counted, out-of cells of each row, in the page's order.
    assert [tuple(r[5:7]) for r in rows[1:]] == [
        tuple(cell.replace("&#x27;", "'") for cell in r[:2]) for r in shown
    ]
    event = AuditEvent.objects.get(action=EvaluationAudit.DASHBOARD_DOWNLOADED)
    assert event.actor_id == analyst.pk and event.organization_id == cast.agency.pk
    assert "by shift" in event.detail and "district=Hamlet" in event.detail

    book = load_workbook(
        io.BytesIO(client.get(reverse("evaluation_dashboard_xlsx"), query).content)
    )
    sheet = book.active

    def same(value):
        # A number is a number in both (the spreadsheet keeps 50.0 as 50).
        try:
            return float(value)
        except (TypeError, ValueError):
            return "" if value is None else str(value)

    values = [[same(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert values == [[same(v) for v in row] for row in rows]


@pytest.mark.parametrize("by", ["", "district"])
def test_the_page_reads_the_rollups_in_two_sums(cast, world, by, django_assert_num_queries):
    client = cast.client(cast.member)
    client.get(reverse("evaluation_dashboard"))  # the session is warm
    # Session, user, memberships, agreements (the actor), organization, settings, two sums.
    with django_assert_num_queries(QUERIES):
        assert client.get(reverse("evaluation_dashboard"), {"by": by}).status_code == 200


QUERIES = 12


def test_the_navigation_leads_to_measure(cast, world):
    analyst = member(cast.agency, Role.ANALYST)
    page = cast.client(analyst).get(reverse("home")).content.decode()
    assert f'href="{reverse("evaluation_dashboard")}"' in page
    page = cast.client(cast.colleague).get(reverse("home")).content.decode()
    assert f'href="{reverse("evaluation_dashboard")}"' not in page
    dashboard = cast.client(cast.member).get(reverse("evaluation_dashboard")).content.decode()
    assert reverse("response_deidentified") in dashboard


def test_the_hub_links_only_pages_the_reader_may_open(cast):
    from pmhc.evaluation.dashboard_views import HUB, _hub

    routed = [reverse(name) for name, _label in HUB]
    coordinator = cast.actor(member(cast.agency, Role.COORDINATOR))
    assert [url for url, _label in _hub(coordinator)] == routed
    analyst = member(cast.agency, Role.ANALYST)
    links = [url for url, _label in _hub(cast.actor(analyst))]
    assert links == [url for url in routed if url != reverse("measure_public_settings")]
    # Every page the analyst is led to opens for them.
    client = cast.client(analyst)
    assert all(client.get(url).status_code == 200 for url in links)


def test_the_figures_of_rebuilt_rollups_equal_a_count_of_the_facts(cast):
    from pmhc.evaluation import rollup_services
    from pmhc.evaluation.models import CallFact
    from pmhc.evaluation.tests import world as made
    from pmhc.platform.access import system_actor

    agency = made.utc_org(cast.agency)
    today = dt.datetime.now(dt.UTC)
    for n in range(14):
        received = today - dt.timedelta(days=n)
        made.report(made.call(agency, received), outcome="connected" if n % 3 == 0 else "resolved")
    rollup_services.rebuild(system_actor("test"), organization=agency)
    board = cast.client(cast.member).get(reverse("evaluation_dashboard")).context["board"]
    since, until = board.filters.since, selectors.add_months(board.filters.until, 1)
    facts = CallFact.objects.filter(organization=agency, month__gte=since, month__lt=until)
    assert facts.count() == 14
    connected = board.headline[0]
    assert connected.current.denominator == facts.filter(reported=True).count()
    assert connected.current.numerator == facts.filter(connected=True).count() == 5
