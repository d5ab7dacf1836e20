"""The quick, public sitting: no account, a private link, results at once, and downloads whose
figures are the page's."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from pypdf import PdfReader

from pmhc.assessment import selectors, services
from pmhc.assessment.audit_codes import AssessmentAudit
from pmhc.assessment.models import Assessment, Mode
from pmhc.assessment.services import AnswerInput
from pmhc.assessment.tests.conftest import answer_element
from pmhc.platform.access import ANONYMOUS
from pmhc.platform.models import AuditEvent

pytestmark = pytest.mark.django_db


def _start(client: Client) -> str:
    response = client.post("/assess/quick/")
    assert response.status_code == 302
    match = re.fullmatch(r"/assess/r/([^/]+)/profile/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def _field_names(html: str, number: int) -> list[str]:
    return sorted(
        set(re.findall(rf'name="(i{number}_\d+)"', html)), key=lambda n: int(n.rsplit("_", 1)[1])
    )


def test_anonymous_sitting_end_to_end(client, edition):
    token = _start(client)
    assessment = Assessment.objects.get()
    assert assessment.mode == Mode.QUICK and assessment.organization is None
    assert token not in str(assessment.token_hash)  # only the hash is kept

    response = client.post(f"/assess/r/{token}/profile/", {"jurisdiction_type": "county"})
    assert response["Location"] == f"/assess/r/{token}/element/1/"

    # Element 1: the first item "established", the second "don't know", the rest blank.
    page = client.get(f"/assess/r/{token}/element/1/").content.decode()
    first, second = _field_names(page, 1)[:2]
    response = client.post(
        f"/assess/r/{token}/element/1/", {first: "3", second: "dk", f"{first}_note": "Signed."}
    )
    assert response["Location"] == f"/assess/r/{token}/element/2/"
    # Element 10, the last: one item "beginning"; the next stop is the results.
    page = client.get(f"/assess/r/{token}/element/10/").content.decode()
    response = client.post(f"/assess/r/{token}/element/10/", {_field_names(page, 10)[0]: "1"})
    assert response["Location"] == f"/assess/r/{token}/results/"

    results = client.get(f"/assess/r/{token}/results/")
    report = results.context["report"]
    assert report.element(1).score == pytest.approx(100.0)
    assert report.element(10).score == pytest.approx(100 / 3)
    assert report.overall == pytest.approx((100 + 100 / 3) / 2)
    assert (report.rated, report.dont_know) == (2, 1)
    html = results.content.decode()
    assert 'data-testid="overall-score">67<' in html
    assert "County" in html  # the profile, in the report

    pdf = client.get(f"/assess/r/{token}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Overall score: 67 of 100 (Developing)" in text
    assert "2 of" in text and "rated; 1 marked" in text

    body = b"".join(client.get(f"/assess/r/{token}/answers.csv").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["element", "item", "statement"]
    assert [(r[1], r[6], r[8]) for r in rows[1:]] == [
        ("1.1", "3", "Signed."),
        ("1.2", "", ""),
        ("10.1", "1", ""),
    ]
    exported = AuditEvent.objects.filter(action=AssessmentAudit.ASSESSMENT_EXPORTED)
    assert sorted(exported.values_list("detail", flat=True)) == ["csv", "pdf"]


def test_the_private_link_is_the_only_way_in(client, edition):
    token = _start(client)
    stranger = Client()
    assert stranger.get(f"/assess/r/{token}/results/").status_code == 200  # the link works
    for guess in ("x" * 43, token[:-1] + ("A" if token[-1] != "A" else "B")):
        assert stranger.get(f"/assess/r/{guess}/").status_code == 404
        assert stranger.get(f"/assess/r/{guess}/report.pdf").status_code == 404


def test_answers_need_the_token_and_known_items(edition):
    assessment, token = services.start_quick(ANONYMOUS)
    respondent = assessment.respondents.get()
    assert answer_element(ANONYMOUS, respondent, edition, 2, {1: 2, 2: "dk"}, token=token) == 2
    # Saving the same answers again changes nothing (and writes no audit event).
    before = AuditEvent.objects.count()
    assert answer_element(ANONYMOUS, respondent, edition, 2, {1: 2, 2: "dk"}, token=token) == 0
    assert AuditEvent.objects.count() == before
    with pytest.raises(PermissionDenied):
        answer_element(ANONYMOUS, respondent, edition, 2, {1: 1}, token="wrong")
    with pytest.raises(ValidationError) as error:
        services.save_answers(
            ANONYMOUS, respondent=respondent, token=token, answers={"99.x": AnswerInput(rating=1)}
        )
    assert "99.x" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.save_answers(
            ANONYMOUS,
            respondent=respondent,
            token=token,
            answers={edition.element(1).items[0].key: AnswerInput(rating=4)},
        )
    report = selectors.report_for(assessment)
    assert report.element(2).score == pytest.approx(200 / 3)


def test_quick_starts_are_limited_per_address(client, settings, edition):
    settings.QUICK_ASSESSMENTS_PER_HOUR = 2
    _start(client)
    _start(client)
    response = client.post("/assess/quick/", follow=True)
    assert "Many self-assessments were started from your network" in response.content.decode()
    assert Assessment.objects.count() == 2
