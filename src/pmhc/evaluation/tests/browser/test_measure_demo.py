"""On the built demo: the coordinator reads the four outcomes of the demo's year, and they are the
figures a count written here over the calls, reports and referrals gives; the analyst downloads
them and finds no one in the file; the before-and-after page on the demo's program change finds
the jump the demo was generated with inside its interval. axe checks every page.

The demo is built once, for the one test, on today (as the demo's users see it): its draw moves
with the calendar, and a 95% interval misses the truth on about one draw in twenty
(``test_demo_change`` checks a fixed draw, ``test_analysis_statistics`` how often the intervals
cover).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

import pytest
from django.db.models import Exists, OuterRef, Q, Subquery
from playwright.sync_api import Page, expect

from pmhc.care.models import Referral
from pmhc.dispatch.demo import CO_RESPONDER_LEVEL_CHANGE
from pmhc.dispatch.models import Call, CallPerson
from pmhc.evaluation.demo_changes import NAME
from pmhc.people.models import Person
from pmhc.platform.models import Organization
from pmhc.response.models import Encounter, EncounterPerson, EncounterStatus
from pmhc.testing.browser import DEMO_PASSWORD, follow, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TREATMENT = ("crisis_center", "psychiatric_hospital", "detox")
#: The four headline outcomes: key, counted, out of, per 100 (a rate) or a share.
HEADLINE = (
    ("connected", "connected", "reported", False),
    ("repeat_90d", "repeat_90d", "reported", False),
    ("diverted", "diverted", "arrest_eligible", False),
    ("force", "force_above_presence", "reported", True),
)
#: The dashboard download's columns: what was counted, never who.
AGGREGATE_COLUMNS = [
    "outcome",
    "measure",
    "definition_version",
    "table",
    "group",
    "numerator",
    "denominator",
    "figure",
    "unit",
]


def counted(organization: Organization, since: dt.date, until: dt.date) -> dict[str, int]:
    """The headline counts of the calls received in the months ``since`` to ``until`` (local
    time), straight from the calls, reports and referrals: the newest accepted report of each
    call."""
    zone = organization.zone
    start = dt.datetime.combine(since, dt.time(), tzinfo=zone)
    after = until.replace(year=until.year + until.month // 12, month=until.month % 12 + 1)
    end = dt.datetime.combine(after, dt.time(), tzinfo=zone)
    newest = Encounter.objects.filter(
        call=OuterRef("pk"), status=EncounterStatus.ACCEPTED
    ).order_by("-pk")
    calls = Call.objects.filter(
        organization=organization, received_at__gte=start, received_at__lt=end
    ).annotate(report=Subquery(newest.values("pk")[:1]))
    report_ids = [pk for pk in calls.values_list("report", flat=True) if pk is not None]
    reports = Encounter.objects.filter(pk__in=report_ids)
    connected = reports.filter(
        Q(disposition__outcome="connected")
        | (~Q(transport="none") & Q(destination_kind__in=TREATMENT))
        | Exists(Referral.objects.filter(encounter=OuterRef("pk")))
    ).count()

    # A repeat: the report's first person in crisis was on another of the agency's calls in the
    # 90 days before (calls before the period count too); records that identity resolution
    # linked are one person.
    def whom(person: int, identity: int | None) -> tuple[str, int]:
        return ("identity", identity) if identity is not None else ("person", person)

    seen: dict[tuple[str, int], list[tuple[int, dt.datetime]]] = defaultdict(list)
    for person, identity, call, received in CallPerson.objects.filter(
        call__organization=organization
    ).values_list("person_id", "person__identity_id", "call_id", "call__received_at"):
        seen[whom(person, identity)].append((call, received))
    for person, identity, call, received in EncounterPerson.objects.filter(
        encounter__call__organization=organization
    ).values_list(
        "person_id", "person__identity_id", "encounter__call_id", "encounter__call__received_at"
    ):
        seen[whom(person, identity)].append((call, received))
    first_subject = {
        encounter: whom(person, identity)
        for encounter, person, identity in EncounterPerson.objects.filter(
            encounter__in=reports, role="subject"
        )
        .order_by("-pk")
        .values_list("encounter_id", "person_id", "person__identity_id")
    }
    repeat = 0
    for encounter, call, received in reports.values_list("pk", "call_id", "call__received_at"):
        subject = first_subject.get(encounter)
        if subject is not None and any(
            other != call and received - dt.timedelta(days=90) <= at < received
            for other, at in seen[subject]
        ):
            repeat += 1
    return {
        "calls": calls.count(),
        "reported": len(report_ids),
        "connected": connected,
        "repeat_90d": repeat,
        "arrest_eligible": reports.filter(arrest_eligible=True).count(),
        "diverted": reports.filter(arrest_eligible=True, law_outcome="diverted").count(),
        "force_above_presence": reports.filter(
            highest_force__in=("hands_on", "less_lethal", "lethal")
        ).count(),
    }


def show_period(page: Page, since: dt.date, until: dt.date) -> None:
    page.get_by_label("From month").fill(f"{since:%Y-%m}")
    page.get_by_label("To month").fill(f"{until:%Y-%m}")
    follow(page, page.get_by_role("button", name="Show"))


def test_the_measures_of_the_demo(new_page: Any, demo: Any) -> None:
    pd = demo.organizations["pd"]
    # The demo's year: the months of its calls, up to the day it was built on (today).
    first = Call.objects.filter(organization=pd).order_by("received_at").first()
    assert first is not None
    since = first.received_at.astimezone(pd.zone).date().replace(day=1)
    until = demo.today.replace(day=1)
    expected = counted(pd, since, until)
    assert expected["calls"] == Call.objects.filter(organization=pd).count()
    assert all(expected[name] > 0 for name in ("connected", "repeat_90d", "diverted"))

    # 1. The coordinator reads the four outcomes of the demo's year.
    page = new_page()
    sign_in(page, "coordinator", DEMO_PASSWORD)
    visit(page, "/measure/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Measure")
    show_period(page, since, until)
    for key, numerator, denominator, per_100 in HEADLINE:
        section = page.locator(f"section[aria-labelledby='measure-{key}']")
        expect(section.get_by_role("heading", level=3)).to_be_visible()
        row = section.get_by_role("row", name=re.compile(r"^This period\b"))
        n, d = expected[numerator], expected[denominator]
        figure = f"{100 * n / d:.1f} per 100" if per_100 else f"{100 * n / d:.1f}%"
        expect(row.get_by_role("cell")).to_have_text([str(n), str(d), figure])
        expect(section).to_contain_text(f"This period: {figure} (n = {d})")
    sign_out(page)

    # 2. The analyst downloads the figures: aggregates only, no one in the file.
    sign_in(page, "analyst", DEMO_PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Measure")
    show_period(page, since, until)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = download.value.path().read_text()
    lines = text.splitlines()
    assert lines[0].split(",") == AGGREGATE_COLUMNS
    assert f"{expected['connected']},{expected['reported']}" in text
    people = Person.objects.filter(organization=pd)
    assert people.exists()
    found: list[str] = []
    for given, family, address in people.values_list("given_name", "family_name", "address"):
        if given and family and f"{given} {family}" in text:
            found.append(f"{given} {family}")
        if family and re.search(rf"\b{re.escape(family)}\b", text):
            found.append(family)
        if address and address in text:
            found.append(address)
    for cad_id, address in Call.objects.filter(organization=pd).values_list(
        "cad_event_id", "address"
    ):
        if cad_id in text or (address and address in text):
            found.append(cad_id)
    assert not found, found
    assert "ECPD-" not in text and " block of " not in text
    sign_out(page)

    # 3. The coordinator reads the demo's program change: the jump it was generated with
    # lies inside the interval the page gives.
    sign_in(page, "coordinator", DEMO_PASSWORD)
    # The page fits its lines on each request, over the demo's year of weeks: several seconds
    # on a busy machine, so it gets a longer wait than the other pages.
    page.set_default_timeout(60_000)
    visit(page, "/measure/before-after/")
    change = page.get_by_label("Program change")
    label = f"{NAME} ({demo.program_start.isoformat()})"
    change.select_option(label=label)
    page.get_by_label("Measure").select_option(label="Answered by a clinician")
    page.get_by_label("Counted by").select_option("week")
    follow(page, page.get_by_role("button", name="Show"))
    expect(page.get_by_role("heading", level=2).first).to_contain_text(
        f"Answered by a clinician: {NAME}"
    )
    level = page.get_by_test_id("estimates").get_by_role(
        "row", name=re.compile("Change in level at the start")
    )
    interval = level.get_by_role("cell").nth(1).inner_text()
    match = re.fullmatch(r"\s*(-?[\d.,]+) to (-?[\d.,]+)\s*", interval)
    assert match, interval
    low, high = (float(x.replace(",", "")) for x in match.groups())
    assert 0 < low <= CO_RESPONDER_LEVEL_CHANGE <= high, (low, high, CO_RESPONDER_LEVEL_CHANGE)
    sign_out(page)
