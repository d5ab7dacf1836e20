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


def test_a_file_without_some_columns_leaves_those_fields_as_they_are(cast: Cast) -> None:
    actor = cast.actor(cast.member)
    full = (
        "external_id,name,kind,capacity_unit,capacity_total,min_age,provider\r\n"
        "CC-1,Lakeside Crisis Center,crisis_center,chairs,16,18,partner\r\n"
    )
    importer.import_directory(actor, organization=cast.agency, upload=_file(full))
    narrow = "external_id,name,kind\r\nCC-1,Lakeside Crisis Centre,crisis_center\r\n"
    result = importer.import_directory(actor, organization=cast.agency, upload=_file(narrow))
    assert (result.changed, result.rejected) == (1, [])
    kept = Service.objects.get(organization=cast.agency, external_id="CC-1")
    assert kept.name == "Lakeside Crisis Centre"
    assert (kept.capacity_unit, kept.capacity_total, kept.min_age) == ("chairs", 16, 18)
    assert kept.provider_id == cast.partner.pk
    # The service as a whole is still checked: a maximum age below the held minimum is not
    # taken.
    refused = importer.import_directory(
        actor,
        organization=cast.agency,
        upload=_file("external_id,name,kind,max_age\r\nCC-1,Lakeside,crisis_center,17\r\n"),
    )
    assert [r.line for r in refused.rejected] == [2]
    assert "min_age is above max_age" in refused.rejected[0].reason


def test_header_names_with_spaces_still_name_the_provider(cast: Cast) -> None:
    text = "external_id, name , kind, provider\r\nCC-1,Lakeside,crisis_center,partner\r\n"
    result = importer.import_directory(
        cast.actor(cast.member), organization=cast.agency, upload=_file(text)
    )
    assert result.rejected == []
    assert Service.objects.get(external_id="CC-1").provider_id == cast.partner.pk


def test_the_import_audit_keeps_each_changed_field_before_and_after(cast: Cast) -> None:
    actor = cast.actor(cast.member)
    importer.import_directory(actor, organization=cast.agency, upload=_file(GOOD))
    center = Service.objects.get(external_id="CC-1")
    moved = GOOD.replace(",partner\r\n", ",agency\r\n").replace("Lakeside", "Hillside")
    importer.import_directory(actor, organization=cast.agency, upload=_file(moved))
    event = AuditEvent.objects.filter(action=CareAudit.SERVICES_IMPORTED).latest("sequence")
    after = event.after or {}
    assert after["changed"] == [center.pk]
    change = after["changes"][str(center.pk)]
    assert change["provider_id"] == [cast.partner.pk, cast.agency.pk]
    assert change["name"] == ["Lakeside Crisis Center", "Hillside Crisis Center"]
    assert set(change) == {"provider_id", "name"}
