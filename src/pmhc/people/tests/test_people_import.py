"""A coordinator imports people from a CSV file of past records: all or nothing, every rejected
row named by its line, the same ids twice add nothing, the limits enforced, and only the
coordinator of the organization may."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.people import import_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.people.tests.identity_world import member
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db

GOOD = (
    "external_id,family_name,given_name,date_of_birth,approximate_age,sex,address\n"
    "R-1,Okafor,Chidinma,1984-03-09,,F,12 Elm Street\n"
    "R-2,Okafer,Chidi,,41,f,12 Elm St\n"
    'R-3,"Lindqvist",Bo,,,U,"4 Pine Road, Apt 2"\n'
)


def _file(text: str, name: str = "people.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_import_is_idempotent_by_external_id_and_audited(cast: Cast) -> None:
    actor = cast.actor(cast.member)
    first = import_services.import_people_file(actor, organization=cast.agency, upload=_file(GOOD))
    assert (first.rows, first.created, first.already, first.rejected) == (3, 3, 0, [])
    okafer = Person.objects.get(organization=cast.agency, external_id="R-2")
    assert (okafer.sex, okafer.approximate_age, okafer.date_of_birth) == ("F", 41, None)
    more = GOOD + "R-4,Vale,Robin,,,,\n"
    again = import_services.import_people_file(actor, organization=cast.agency, upload=_file(more))
    assert (again.created, again.already) == (1, 3)
    assert Person.objects.filter(organization=cast.agency).count() == 4
    events = AuditEvent.objects.filter(action=PeopleAudit.PEOPLE_IMPORTED)
    assert [e.after["count"] for e in events.order_by("pk") if e.after] == [3, 1]


def test_two_imports_into_one_organization_take_turns(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    actor = cast.actor(cast.member)
    with CaptureQueriesContext(connection) as seen:
        import_services.import_people_file(actor, organization=cast.agency, upload=_file(GOOD))
    # The organization's row is locked before the ids already held are read (SQLite has no
    # row locks: it lets one writer in at a time anyway).
    sql = [q["sql"] for q in seen.captured_queries]
    read = next(i for i, q in enumerate(sql) if '"external_id" IN' in q)
    locks = [i for i, q in enumerate(sql) if '"platform_organization"' in q and "FOR UPDATE" in q]
    if connection.features.has_select_for_update:
        assert locks and locks[0] < read
    assert Person.objects.filter(organization=cast.agency).count() == 3


def test_every_rejected_row_is_named_by_its_line_and_nothing_is_imported(cast: Cast) -> None:
    text = (
        "external_id,family_name,date_of_birth,approximate_age,sex\n"
        "A-1,Okafor,1984-03-09,,F\n"
        ",Nobody,,,\n"  # line 3: no id
        "A-3,Late,2999-01-01,,\n"  # line 4: future
        "A-4,Old,,130,Q\n"  # line 5: age and sex
        "A-1,Again,,,\n"  # line 6: id repeated
        '"A-6","multi\nline name",,,\n'  # lines 7-8: fine (a quoted line break)
        "A-7,Extra,,,,surplus\n"  # line 9: too many cells
    )
    result = import_services.import_people_file(
        cast.actor(cast.member), organization=cast.agency, upload=_file(text)
    )
    lines = {r.line: r.reason for r in result.rejected}
    assert sorted(lines) == [3, 4, 5, 6, 9]
    assert "external_id is empty" in lines[3]
    assert "future" in lines[4]
    assert "0 to 120" in lines[5] and "F, M, X or U" in lines[5]
    assert "already on line 2" in lines[6]
    assert result.created == 0
    assert not Person.objects.filter(organization=cast.agency).exists()
    assert not AuditEvent.objects.filter(action=PeopleAudit.PEOPLE_IMPORTED).exists()


def test_limits_and_headers_are_enforced(cast: Cast, monkeypatch: pytest.MonkeyPatch) -> None:
    actor = cast.actor(cast.member)
    with pytest.raises(ValidationError, match="2 MB"):
        big = "external_id,description\n" + "x,".ljust(1000, "y") + "\n"
        import_services.import_people_file(
            actor, organization=cast.agency, upload=_file(big * 2200)
        )
    monkeypatch.setattr(import_services, "MAX_ROWS", 3)
    with pytest.raises(ValidationError, match="more than 3 rows"):
        rows = "".join(f"M-{i},Name\n" for i in range(4))
        import_services.import_people_file(
            actor, organization=cast.agency, upload=_file("external_id,family_name\n" + rows)
        )
    with pytest.raises(ValidationError, match="external_id"):
        import_services.import_people_file(
            actor, organization=cast.agency, upload=_file("family_name\nOkafor\n")
        )
    with pytest.raises(ValidationError, match="Unknown columns: ssn"):
        import_services.import_people_file(
            actor, organization=cast.agency, upload=_file("external_id,ssn\nA,1\n")
        )
    with pytest.raises(ValidationError):
        import_services.import_people_file(
            actor, organization=cast.agency, upload=_file(GOOD, name="people.exe")
        )
    assert not Person.objects.exists()


@pytest.mark.parametrize("who", ["officer", "case_manager", "admin", "outsider"])
def test_only_the_coordinator_imports(cast: Cast, who: str) -> None:
    user = {
        "officer": cast.colleague,
        "case_manager": member(cast, Role.CASE_MANAGER, "casey"),
        "admin": cast.admin,
        "outsider": cast.outsider,
    }[who]
    with pytest.raises(PermissionDenied):
        import_services.import_people_file(
            cast.actor(user), organization=cast.agency, upload=_file(GOOD)
        )
    response = cast.client(user).post(reverse("people_import"), {"file": _file(GOOD)})
    assert response.status_code == 404
    assert not Person.objects.exists()


def test_the_page_reports_rejections_and_a_repeat_submit_adds_nothing(cast: Cast) -> None:
    client = cast.client(cast.member)
    url = reverse("people_import")
    page = client.get(url)
    assert page.status_code == 200
    assert "5000 rows" in page.content.decode() and "2 MB" in page.content.decode()
    bad = client.post(url, {"file": _file("external_id,sex\nA,F\nB,Q\n")})
    assert bad.status_code == 400
    assert "<td>3</td>" in bad.content.decode()
    assert not Person.objects.exists()
    for _ in range(2):
        done = client.post(url, {"file": _file(GOOD)})
        assert done.status_code == 302
    assert Person.objects.filter(organization=cast.agency).count() == 3
    assert cast.client(None).get(url).status_code == 302
