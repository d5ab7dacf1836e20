"""The quarterly report: who reads and writes it, its figures against hand-made data, the
narratives' limit, and the PDF and CSV downloads (their text holds the figures and narratives)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from pmhc.conftest import Cast
from pmhc.evaluation import report_selectors
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import QuarterlyReport
from pmhc.evaluation.tests.helpers import member, rollup
from pmhc.people.models import Person
from pmhc.platform.models import AuditEvent, Role
from pmhc.response.models import Encounter, EncounterPerson, EncounterStatus
from pmhc.response.tests.factories import make_call
from pmhc.training.models import CertificationKind
from pmhc.training.tests.factories import TraineeFactory, certify

pytestmark = pytest.mark.django_db

YEAR, QUARTER = 2026, 2
Q = f"?year={YEAR}&quarter={QUARTER}"
PAGE = reverse("measure_reports")


def quarter_data(cast: Cast) -> None:
    april, may, june = (dt.date(YEAR, m, 1) for m in (4, 5, 6))
    rollup(cast.agency, april, district="North", calls=120, mental_health=40, cit_or_clinician=30,
           clinician=12, reported=35, connected=20, repeat_90d=5, arrest_eligible=10, diverted=6,
           force_above_presence=2, referred=9, referral_attended_30d=4)  # fmt: skip
    rollup(cast.agency, june, district="South", calls=80, mental_health=20, cit_or_clinician=10,
           clinician=3, reported=15, connected=7, repeat_90d=3, arrest_eligible=4, diverted=2,
           force_above_presence=1, referred=3, referral_attended_30d=2)  # fmt: skip
    # Outside the quarter, and another organization's: never counted.
    rollup(cast.agency, dt.date(YEAR, 7, 1), calls=999, mental_health=999)
    rollup(cast.outsider_org, may, calls=555, mental_health=555)
    # People served: two people, one of them in two encounters; a family member not counted.
    zone = cast.agency.zone
    ada = Person.objects.create(organization=cast.agency, family_name="Okafor")
    ben = Person.objects.create(organization=cast.agency, family_name="Lindqvist")
    kin = Person.objects.create(organization=cast.agency, family_name="Family")
    for person, when in ((ada, may), (ada, june), (ben, may)):
        call = make_call(cast.agency)
        call.received_at = dt.datetime.combine(when, dt.time(12), tzinfo=zone)
        call.save()
        encounter = Encounter.objects.create(
            organization=cast.agency, call=call, status=EncounterStatus.ACCEPTED
        )
        EncounterPerson.objects.create(encounter=encounter, person=person)
        EncounterPerson.objects.create(encounter=encounter, person=kin, role="family")
    # Training: two CIT certifications in the quarter, one before it.
    for issued in (dt.date(YEAR, 4, 10), dt.date(YEAR, 6, 30), dt.date(YEAR, 3, 31)):
        certify(TraineeFactory.create(organization=cast.agency), issued_on=issued)


def test_anonymous_visitors_are_sent_to_sign_in(cast: Cast) -> None:
    for name in ("measure_reports", "measure_report_pdf", "measure_report_csv"):
        response = cast.client(None).get(reverse(name) + Q)
        assert response.status_code == 302 and "login" in response["Location"]


def test_an_officer_gets_not_found_and_writes_nothing(cast: Cast) -> None:
    client = cast.client(cast.colleague)
    for name in ("measure_reports", "measure_report_pdf", "measure_report_csv"):
        assert client.get(reverse(name) + Q).status_code == 404
    assert client.post(PAGE + Q, {"people": "x"}).status_code == 404
    assert not QuarterlyReport.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="evaluation.").exists()


def test_another_organization_sees_only_its_own_figures(cast: Cast) -> None:
    quarter_data(cast)
    response = cast.client(cast.outsider).get(PAGE + Q)
    assert response.status_code == 200
    body = response.content.decode()
    assert "555" in body and "120" not in body and "Unrelated PD" in body


def test_an_analyst_reads_and_downloads_but_writes_no_narrative(cast: Cast) -> None:
    analyst = member(cast.agency, Role.ANALYST, "analyst")
    client = cast.client(analyst)
    response = client.get(PAGE + Q)
    assert response.status_code == 200
    assert "Save the narratives" not in response.content.decode()
    assert client.post(PAGE + Q, {"people": "x"}).status_code == 404
    assert client.get(reverse("measure_report_csv") + Q).status_code == 200
    assert not QuarterlyReport.objects.exists()


def test_the_figures_of_the_quarter(cast: Cast) -> None:
    quarter_data(cast)
    report = report_selectors.report(cast.actor(cast.member), cast.agency, YEAR, QUARTER)
    rows = {s.key: {r.label: r.value for r in s.rows} for s in report.sections}
    # Counts of people and calls under the smallest count shown (11) are given in words.
    assert rows["people"] == {
        "People served (distinct people in accepted encounter reports)": "fewer than 11"
    }
    assert rows["calls"]["Calls for service"] == "200"
    assert rows["calls"]["Mental health calls"] == "60"
    assert rows["calls"]["Mental health calls answered by a CIT officer or a clinician"] == (
        "40 (66.7%)"
    )
    assert rows["calls"]["Mental health calls answered by a clinician"] == "15 (25.0%)"
    # Training counts staff: as counted.
    assert rows["training"]["CIT certifications issued"] == "2"
    assert rows["training"]["Course completions"] == "2"
    assert rows["referrals"]["Calls with a referral sent to a service"] == "12"
    assert rows["referrals"]["Referrals attended within 30 days"] == (
        "fewer than 11 (share not shown: too few to count)"
    )
    outcomes = rows["outcomes"]
    assert outcomes["Connected to services"] == "54.0% (27 of 50)"
    hidden = "not shown: too few to count (fewer than 11 of %s)"
    assert outcomes["Repeat crisis within 90 days"] == hidden % 50
    assert outcomes["Diverted from arrest"] == hidden % 14
    assert outcomes["Force above presence, per 100 encounters"] == hidden % 50
    assert str(CertificationKind.CIT.label) == "CIT"


def test_the_report_reads_in_a_pinned_number_of_queries(
    cast: Cast, django_assert_num_queries
) -> None:
    quarter_data(cast)
    client = cast.client(cast.member)
    client.get(PAGE + Q)
    # The page's figures are seven queries (organization, smallest count shown, rollups, saved
    # report, completions, certifications, people served) whatever the data; the rest is the
    # signed-in shell.
    with django_assert_num_queries(15):
        assert client.get(PAGE + Q).status_code == 200


def test_the_coordinator_writes_narratives_audited_and_limited(cast: Cast) -> None:
    client = cast.client(cast.member)
    assert client.get(PAGE + Q).status_code == 200
    too_long = "x" * 4001
    response = client.post(PAGE + Q, {"people": "We served more people.", "calls": too_long})
    assert response.status_code == 400
    body = response.content.decode()
    assert "We served more people." in body  # typed input kept
    assert "4000" in body
    assert not QuarterlyReport.objects.exists()
    response = client.post(
        PAGE + Q, {"people": "We served more people.", "outcomes": "Fewer arrests."}
    )
    assert response.status_code == 302
    saved = QuarterlyReport.objects.get(organization=cast.agency, year=YEAR, quarter=QUARTER)
    assert saved.narratives == {"people": "We served more people.", "outcomes": "Fewer arrests."}
    event = AuditEvent.objects.get(action=EvaluationAudit.REPORT_SAVED)
    assert event.after == {"year": YEAR, "quarter": QUARTER, "sections": ["outcomes", "people"]}
    assert "We served" not in str(event.after) and "We served" not in event.detail


def test_the_pdf_and_csv_hold_the_figures_and_the_narratives(cast: Cast) -> None:
    quarter_data(cast)
    client = cast.client(cast.member)
    client.post(PAGE + Q, {"people": "Two people were served.", "referrals": "Clinic opened."})
    response = client.get(reverse("measure_report_pdf") + Q)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    expected_texts = (
        "People served",
        "Two people were served.",
        "Clinic opened.",
        "54.0% (27 of 50)",
        "Referrals attended within 30 days",
        "fewer than 11 (share not shown: too few to count)",
    )
    for expected in expected_texts:
        assert expected in text, expected
    assert "Okafor" not in text
    response = client.get(reverse("measure_report_csv") + Q)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "measure", "value", "count", "out_of"]
    assert ["Outcomes", "Connected to services", "54.0% (27 of 50)", "27", "50"] in rows
    # A small count is in words in the count columns too, and its share is not given.
    force = "Force above presence, per 100 encounters"
    hidden = "not shown: too few to count (fewer than 11 of 50)"
    assert ["Outcomes", force, hidden, "fewer than 11", "50"] in rows
    assert not any(row[3:5] == ["3", "50"] or row[3:5] == ["8", "14"] for row in rows)
    assert ["People served", "Narrative", "Two people were served."] in rows
    downloads = AuditEvent.objects.filter(action=EvaluationAudit.REPORT_DOWNLOADED)
    assert sorted(downloads.values_list("detail", flat=True)) == ["csv", "pdf"]


def test_a_quarter_out_of_range_is_refused_in_words(cast: Cast) -> None:
    response = cast.client(cast.member).get(PAGE + "?year=1990&quarter=5")
    assert response.status_code == 400
    assert "usa-alert--error" in response.content.decode()
