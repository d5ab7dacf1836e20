"""Importing the directory from CSV: who may, rejected rows with their line numbers (and then
nothing imported), and the same file twice changing nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pmhc.care import directory_import_services as importer
from pmhc.care.audit_codes import CareAudit
from pmhc.care.models import Service
from pmhc.conftest import Cast
from pmhc.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

HEADER = (
    "external_id,name,kind,latitude,longitude,open_all_hours,police_drop_off,conditions,provider"
)
GOOD = (
    f"{HEADER}\r\n"
    "CC-1,Lakeside Crisis Center,crisis_center,40.01,-90.0,yes,yes,"
    "mental_health;substance_use,partner\r\n"
    "ED-1,County Emergency Department,emergency_department,40.02,-90.01,yes,yes,,\r\n"
)


def _file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("services.csv", text.encode(), content_type="text/csv")


def test_import_adds_then_the_same_file_changes_nothing(cast: Cast) -> None:
    actor = cast.actor(cast.member)
    first = importer.import_directory(actor, organization=cast.agency, upload=_file(GOOD))
    assert (first.created, first.changed, first.unchanged, first.rejected) == (2, 0, 0, [])
    center = Service.objects.get(organization=cast.agency, external_id="CC-1")
    assert center.provider_id == cast.partner.pk and center.open_all_hours
    assert center.conditions == ["mental_health", "substance_use"]
    again = importer.import_directory(actor, organization=cast.agency, upload=_file(GOOD))
    assert (again.created, again.changed, again.unchanged) == (0, 0, 2)
    assert Service.objects.filter(organization=cast.agency).count() == 2
    assert AuditEvent.objects.filter(action=CareAudit.SERVICES_IMPORTED).count() == 1
    renamed = importer.import_directory(
        actor, organization=cast.agency, upload=_file(GOOD.replace("Lakeside", "Hillside"))
    )
    assert (renamed.created, renamed.changed, renamed.unchanged) == (0, 1, 1)
    assert Service.objects.get(pk=center.pk).name == "Hillside Crisis Center"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(cast: Cast) -> None:
    text = (
        f"{HEADER}\r\n"
        "CC-1,Fine,crisis_center,40.01,-90.0,yes,yes,,\r\n"
        "CC-2,,spa,40.01,,maybe,yes,,\r\n"
        "CC-1,Twice,crisis_center,,,no,no,,\r\n"
        "CC-3,Bad provider,shelter,,,no,no,,nowhere\r\n"
    )
    result = importer.import_directory(
        cast.actor(cast.member), organization=cast.agency, upload=_file(text)
    )
    assert [r.line for r in result.rejected] == [3, 4, 5]
    assert "name is empty" in result.rejected[0].reason
    assert "kind must be one of" in result.rejected[0].reason
    assert "both latitude and longitude" in result.rejected[0].reason
    assert "already on line 2" in result.rejected[1].reason
    assert "nowhere" in result.rejected[2].reason
    assert not Service.objects.exists()


def test_only_keepers_import(cast: Cast) -> None:
    for refused in (cast.colleague, cast.partner_user):
        with pytest.raises(PermissionDenied):
            importer.import_directory(
                cast.actor(refused), organization=cast.agency, upload=_file(GOOD)
            )
    assert not Service.objects.exists()


def test_import_page_boundary_and_rejections_shown(cast: Cast) -> None:
    url = reverse("care_directory_import")
    for refused in (cast.colleague, cast.partner_user):
        assert cast.client(refused).get(url).status_code == 404
        assert cast.client(refused).get(reverse("care_directory_template")).status_code == 404
    keeper = cast.client(cast.member)
    page = keeper.get(url)
    assert page.status_code == 200 and "external_id" in page.text
    template = keeper.get(reverse("care_directory_template"))
    assert template.status_code == 200
    assert template.content.decode().startswith(",".join(importer.COLUMNS))
    bad = keeper.post(url, {"file": _file(f"{HEADER}\r\nX,,crisis_center,,,no,no,,\r\n")})
    assert bad.status_code == 400 and "name is empty" in bad.text
    good = keeper.post(url, {"file": _file(GOOD)})
    assert good.status_code == 302
    assert Service.objects.filter(organization=cast.agency).count() == 2


def test_the_template_imports_as_it_is(cast: Cast) -> None:
    result = importer.import_directory(
        cast.actor(cast.admin), organization=cast.agency, upload=_file(importer.template_csv())
    )
    assert (result.created, result.rejected) == (1, [])


def test_an_import_names_only_the_keeper_or_its_partners_as_providers(cast: Cast) -> None:
    actor = cast.actor(cast.member)
    refused = (
        f"{HEADER}\r\n"
        "A-1,One,crisis_center,,,yes,yes,,expired\r\n"
        "A-2,Two,crisis_center,,,yes,yes,,outsider\r\n"
        "A-3,Three,crisis_center,,,yes,yes,,nowhere\r\n"
        "A-4,Four,crisis_center,,,yes,yes,,partner\r\n"
        "A-5,Five,crisis_center,,,yes,yes,,agency\r\n"
    )
    result = importer.import_directory(actor, organization=cast.agency, upload=_file(refused))
    assert [r.line for r in result.rejected] == [2, 3, 4]
    reasons = {
        r.reason.replace(slug, "SLUG")
        for r, slug in zip(result.rejected, ("expired", "outsider", "nowhere"), strict=True)
    }
    assert reasons == {"provider SLUG is not one of your partner organizations."}
    assert not Service.objects.exists()
