"""The upload page, the import's status page, the rejects download and the mapping pages:
who may see them, and the background task that runs an upload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.dispatch import import_services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call, CallImport, ImportMapping, ImportStatus
from pmhc.platform.models import AuditEvent, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = (
    "cad_event_id,received_at,priority,narrative\n"
    "C-1,2026-03-01T10:00:00,2,Caller worried\n"
    "C-2,2026-03-01T11:00:00,12,Priority too high\n"
    "C-3,2026-03-01T12:00:00,3,=HYPERLINK(1)\n"
    "=C-4,31/02/2026,3,Bad date\n"
)


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"


def _user(cast: Cast, role: Role, username: str) -> User:
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, organization=cast.agency, role=role)
    return user


def _counts() -> tuple[int, int, int]:
    return CallImport.objects.count(), Call.objects.count(), AuditEvent.objects.count()


def _upload(name: str = "cad.csv", content: str = GOOD) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


def _finished_import(cast: Cast, tmp_path: Path) -> CallImport:
    path = tmp_path / "cad.csv"
    path.write_text(GOOD, encoding="utf-8")
    return import_services.import_file(cast.actor(cast.member), organization=cast.agency, path=path)


def test_anonymous_is_sent_to_sign_in(cast: Cast, tmp_path: Path) -> None:
    batch = _finished_import(cast, tmp_path)
    client = cast.client(None)
    for url in (
        reverse("dispatch_imports"),
        reverse("dispatch_import", args=[batch.pk]),
        reverse("dispatch_import_rejects", args=[batch.pk]),
        reverse("dispatch_mappings"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("who", ["officer", "call_taker", "partner", "outsider"])
def test_other_roles_and_organizations_get_404(cast: Cast, tmp_path: Path, who: str) -> None:
    batch = _finished_import(cast, tmp_path)
    mapping = import_services.save_mapping(
        cast.actor(cast.member), organization=cast.agency, name="county", config={}
    )
    user = {
        "officer": cast.colleague,
        "call_taker": _user(cast, Role.CALL_TAKER, "ct") if who == "call_taker" else None,
        "partner": cast.partner_user,
        "outsider": cast.outsider,
    }[who]
    assert user is not None
    client = cast.client(user)
    before = _counts()
    for url in (
        reverse("dispatch_import", args=[batch.pk]),
        reverse("dispatch_import_rejects", args=[batch.pk]),
        reverse("dispatch_mapping", args=[mapping.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert b"C-2" not in response.content
    if who == "outsider":
        # An administrator of another agency: these pages are theirs, for their own agency.
        assert not CallImport.objects.exclude(organization=cast.agency).exists()
        assert _counts() == before
        return
    assert client.get(reverse("dispatch_imports")).status_code == 404
    assert client.get(reverse("dispatch_mappings")).status_code == 404
    response = client.post(reverse("dispatch_imports"), {"file": _upload(), "format": "csv"})
    assert response.status_code == 404
    response = client.post(
        reverse("dispatch_mapping", args=[mapping.pk]),
        {"name": "x", "format": "csv", "config": "{}"},
    )
    assert response.status_code == 404
    assert _counts() == before
    mapping.refresh_from_db()
    assert mapping.name == "county"


def test_outsider_administrator_sees_only_their_own_imports(cast: Cast, tmp_path: Path) -> None:
    _finished_import(cast, tmp_path)
    response = cast.client(cast.outsider).get(reverse("dispatch_imports"))
    assert response.status_code == 200
    assert b"cad.csv" not in response.content
    assert "No imports yet" in response.content.decode()


@pytest.mark.parametrize("who", ["coordinator", "administrator"])
def test_coordinator_and_administrator_see_status_and_rejects(
    cast: Cast, tmp_path: Path, who: str
) -> None:
    batch = _finished_import(cast, tmp_path)
    client = cast.client(cast.member if who == "coordinator" else cast.admin)
    listing = client.get(reverse("dispatch_imports"))
    assert listing.status_code == 200
    assert b"cad.csv" in listing.content

    page = client.get(reverse("dispatch_import", args=[batch.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Finished" in text
    assert "priority: &quot;12&quot; is not a priority from 1 to 9." in text
    assert "received_at: &quot;31/02/2026&quot; is not a valid date" in text

    download = client.get(reverse("dispatch_import_rejects", args=[batch.pk]))
    assert download.status_code == 200
    body = b"".join(download.streaming_content).decode()  # type: ignore[attr-defined]
    lines = body.strip().splitlines()
    assert lines[0] == "line,cad_event_id,reason"
    assert lines[1].startswith("3,C-2,")
    # A CAD id that starts like a formula is neutralised for spreadsheets.
    assert lines[2].startswith("5,'=C-4,")


def test_list_page_queries_do_not_grow_with_imports(
    cast: Cast, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    for _ in range(3):
        _finished_import(cast, tmp_path)
    client = cast.client(cast.member)
    client.get(reverse("dispatch_imports"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("dispatch_imports"))
    assert response.content.count(b"cad.csv") == 3


def test_status_partial_polls_while_running_and_refreshes_when_done(
    cast: Cast, tmp_path: Path
) -> None:
    client = cast.client(cast.member)
    batch = CallImport.objects.create(
        organization=cast.agency,
        format="csv",
        file_name="big.csv",
        status=ImportStatus.RUNNING,
        bytes_total=1000,
        bytes_done=400,
        rows_seen=1234,
        rejected=2,
    )
    page = client.get(reverse("dispatch_import", args=[batch.pk]))
    text = page.content.decode()
    assert 'hx-trigger="every 2s"' in text
    assert 'aria-live="polite"' in text
    assert '<progress class="pmhc-progress__bar" max="100" value="40"' in text
    partial = client.get(reverse("dispatch_import", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert "40% of the file, 1234 rows read, 2 rejected so far." in partial.content.decode()
    assert b"<html" not in partial.content
    batch.status = ImportStatus.DONE
    batch.save()
    done = client.get(reverse("dispatch_import", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert done.status_code == 204
    assert done["HX-Refresh"] == "true"


@pytest.mark.django_db(transaction=True)
def test_upload_queues_a_task_that_the_worker_runs(cast: Cast) -> None:
    client = cast.client(cast.member)
    response = client.post(
        reverse("dispatch_imports"), {"file": _upload(), "format": "csv", "all_or_nothing": ""}
    )
    batch = CallImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dispatch_import", args=[batch.pk])
    assert batch.status == ImportStatus.QUEUED
    assert batch.stored_path.startswith("dispatch/imports/")
    assert batch.created_by == cast.member

    call_command("worker", "--batch")

    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE
    assert (batch.rows_seen, batch.imported, batch.rejected) == (4, 2, 2)
    assert set(Call.objects.values_list("cad_event_id", flat=True)) == {"C-1", "C-3"}
    assert batch.stored_path  # the path is kept; the file itself is gone
    from django.core.files.storage import default_storage

    assert not default_storage.exists(batch.stored_path)
    event = AuditEvent.objects.get(action=DispatchAudit.CALLS_IMPORTED)
    assert event.after is not None
    assert event.actor_id == cast.member.pk
    assert event.after["imported"] == 2
    # Running the task again changes nothing.
    from pmhc.dispatch.tasks import run_import_task

    assert run_import_task.call(batch.pk) == ImportStatus.DONE
    assert Call.objects.count() == 2


def test_upload_too_large_is_refused(cast: Cast, settings: Any) -> None:
    settings.PMHC_IMPORT_MAX_BYTES = 10
    response = cast.client(cast.member).post(
        reverse("dispatch_imports"), {"file": _upload(), "format": "csv"}
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert CallImport.objects.count() == 0


def test_mapping_is_saved_audited_and_edited(cast: Cast) -> None:
    client = cast.client(cast.member)
    config = {"columns": {"cad_event_id": "Incident"}, "values": {"priority": {"P1": "1"}}}
    response = client.post(
        reverse("dispatch_mappings"),
        {"name": "county-cad", "description": "", "format": "csv", "config": json.dumps(config)},
    )
    assert response.status_code == 302
    mapping = ImportMapping.objects.get()
    assert mapping.config == config
    assert mapping.organization == cast.agency
    event = AuditEvent.objects.get(action=DispatchAudit.MAPPING_SAVED)
    assert event.after is not None
    assert event.after["name"] == "county-cad"

    page = client.get(reverse("dispatch_mapping", args=[mapping.pk]))
    assert page.status_code == 200
    assert "Incident" in page.content.decode()
    response = client.post(
        reverse("dispatch_mapping", args=[mapping.pk]),
        {"name": "county-cad", "description": "v2", "format": "csv", "config": "{}"},
    )
    assert response.status_code == 302
    mapping.refresh_from_db()
    assert mapping.description == "v2"
    assert AuditEvent.objects.filter(action=DispatchAudit.MAPPING_SAVED).count() == 2


def test_a_bad_mapping_is_refused_with_reasons(cast: Cast) -> None:
    client = cast.client(cast.member)
    before = _counts()
    response = client.post(
        reverse("dispatch_mappings"),
        {
            "name": "bad",
            "format": "csv",
            "config": json.dumps(
                {"date_formats": {"received_at": "day month"}, "values": {"source": {"x": "radio"}}}
            ),
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "is not a date format" in text
    assert "“radio” is not one of" in text
    assert _counts() == before
    assert ImportMapping.objects.count() == 0
    response = client.post(
        reverse("dispatch_mappings"), {"name": "bad", "format": "csv", "config": "{not json"}
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.content.decode()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def _stored_files(settings: Any) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.mark.parametrize(
    ("name", "content", "declared", "format"),
    [
        ("cad.csv", HTML, "text/csv", "csv"),
        ("cad.csv", SVG, "application/vnd.ms-excel", "csv"),
        ("cad.json", HTML, "application/json", "eidd"),
        ("cad.json", SVG, "application/octet-stream", "eidd"),
        ("cad.jsonl", b'{"id": "1"}\n' * 10 + HTML, "", "eidd"),
    ],
)
def test_a_page_under_a_data_name_is_refused_and_nothing_is_stored_or_queued(
    cast: Cast,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    name: str,
    content: bytes,
    declared: str,
    format: str,
) -> None:
    before = _counts()
    upload = SimpleUploadedFile(name, content, content_type=declared)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = cast.client(cast.member).post(
            reverse("dispatch_imports"), {"file": upload, "format": format}
        )
    assert response.status_code == 400
    assert "Web pages and scripts cannot be attached" in response.content.decode()
    assert _counts() == before and callbacks == [] and _stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content", "format", "message"),
    [
        ("cad.json", b'[{"id": "1"}]', "csv", "For the CSV format, choose a CSV file (.csv)."),
        ("cad.csv", GOOD.encode(), "eidd", "choose a JSON file (.json, .jsonl)."),
        ("cad.json", GOOD.encode(), "eidd", "does not look like a JSON file"),
    ],
)
def test_the_file_must_be_of_the_formats_kind(
    cast: Cast, settings: Any, name: str, content: bytes, format: str, message: str
) -> None:
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    response = cast.client(cast.member).post(
        reverse("dispatch_imports"), {"file": upload, "format": format}
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert CallImport.objects.count() == 0 and _stored_files(settings) == []


@pytest.mark.parametrize(
    ("name", "content", "declared", "format"),
    [
        ("cad.csv", GOOD.encode(), "text/csv", "csv"),
        ("cad.json", b'\xef\xbb\xbf[{"cad_event_id": "C-1"}]', "application/json", "eidd"),
        ("cad.jsonl", b'{"cad_event_id": "C-1"}\n{"cad_event_id": "C-2"}\n', "", "eidd"),
    ],
)
def test_real_csv_and_json_are_queued(
    cast: Cast,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    name: str,
    content: bytes,
    declared: str,
    format: str,
) -> None:
    upload = SimpleUploadedFile(name, content, content_type=declared)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = cast.client(cast.member).post(
            reverse("dispatch_imports"), {"file": upload, "format": format}
        )
    batch = CallImport.objects.get()
    assert response.status_code == 302 and batch.status == ImportStatus.QUEUED
    assert len(callbacks) == 2 and len(_stored_files(settings)) == 1


def test_a_large_cad_file_is_checked_at_its_head_only(cast: Cast, settings: Any) -> None:
    """Past ``CHECKED_HEAD_BYTES`` a narrative may quote a tag: the file is parsed, never
    served, and hundreds of MB are not searched in the request."""
    from pmhc.dispatch import import_upload_services

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # kept on disk, as a large upload is
    rows = "".join(f"C-{n},2026-03-01T10:00:00,2,Caller worried\n" for n in range(40_000)).encode()
    assert len(rows) > import_upload_services.CHECKED_HEAD_BYTES
    content = GOOD.encode() + rows + b"C-x,2026-03-01T10:00:00,2,said <p> twice\n"
    response = cast.client(cast.member).post(
        reverse("dispatch_imports"),
        {"file": SimpleUploadedFile("cad.csv", content, "text/csv"), "format": "csv"},
    )
    assert response.status_code == 302 and CallImport.objects.count() == 1


def test_a_utf16_file_is_checked_as_the_mapping_reads_it(cast: Cast, settings: Any) -> None:
    mapping = ImportMapping.objects.create(
        organization=cast.agency, name="utf16", format="csv", config={"encoding": "utf-16"}
    )
    client = cast.client(cast.member)
    for content, status in ((HTML.decode(), 400), (GOOD, 302)):
        upload = SimpleUploadedFile("cad.csv", content.encode("utf-16"), content_type="text/csv")
        response = client.post(
            reverse("dispatch_imports"), {"file": upload, "format": "csv", "mapping": mapping.pk}
        )
        assert response.status_code == status
    assert CallImport.objects.count() == 1


def test_a_utf16_file_with_its_mark_is_checked_as_utf16_without_a_mapping(cast: Cast) -> None:
    client = cast.client(cast.member)
    for content, status in ((HTML.decode(), 400), (GOOD, 302)):
        upload = SimpleUploadedFile("cad.csv", content.encode("utf-16"), content_type="text/csv")
        response = client.post(reverse("dispatch_imports"), {"file": upload, "format": "csv"})
        assert response.status_code == status
    assert CallImport.objects.count() == 1
