"""An import that stops part way: each committed batch is audited in its own transaction, an
import whose process died is found by its heartbeat and resumed (or failed with what it had
committed), and the uploaded file is deleted however the import ends.

A process killed outright runs no ``except`` and no ``finally``. The tests in this file that
simulate it in-process stop the import from its progress callback (called after a batch
commits) and switch off what a killed process would never reach: the record of its end and
the deletion of its file. ``test_import_kill.py`` kills a real process with SIGKILL.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pmhc.conftest import Cast
from pmhc.dispatch import (
    import_recovery_services,
    import_selectors,
    import_services,
    import_upload_services,
    tasks,
)
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call, CallImport, ImportStatus
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditAction, AuditEvent, Outcome
from pmhc.platform.worker_hooks import STARTUP_CHECKS

pytestmark = pytest.mark.django_db

#: Ten rows; line 9 repeats line 3's CAD id, so a repeat crosses the batches of three.
ROWS = "".join(
    f"{'C-2' if n == 8 else f'C-{n}'},2026-02-0{1 + n % 9}T10:00,Caller said: private {n}\n"
    for n in range(1, 11)
)
CONTENT = "cad_event_id,received_at,narrative\n" + ROWS


class Killed(BaseException):
    """What the simulated process dies of."""


@pytest.fixture(autouse=True)
def _small_batches(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.PMHC_IMPORT_BATCH_SIZE = 3


def _upload(cast: Cast, content: str = CONTENT, **kwargs: Any) -> CallImport:
    upload = SimpleUploadedFile("cad.csv", content.encode(), content_type="text/csv")
    return import_upload_services.queue_import(
        cast.actor(cast.member), organization=cast.agency, upload=upload, **kwargs
    )


def _batch_events(batch: CallImport) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=DispatchAudit.CALLS_IMPORT_BATCH, object_id=str(batch.pk)
        ).order_by("sequence")
    )


def _die_after_batches(count: int) -> Any:
    seen = {"batches": 0}

    def progress(batch: CallImport) -> None:
        seen["batches"] += 1
        if seen["batches"] >= count:
            raise Killed

    return progress


@pytest.fixture
def killed_after(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``killed_after(n)``: from now on an import's process dies once ``n`` batches have
    committed, as ``kill -9`` would leave it: nothing records its end or deletes its file."""

    def arm(count: int) -> None:
        original = import_services.import_file
        monkeypatch.setattr(
            import_services,
            "import_file",
            functools.partial(original, progress=_die_after_batches(count)),
        )
        monkeypatch.setattr(import_services, "_fail", lambda *args, **kwargs: None)
        monkeypatch.setattr(import_upload_services, "delete_upload", lambda batch: None)

    yield arm
    monkeypatch.undo()


def _later(batch: CallImport) -> dt.datetime:
    """A moment when the import's heartbeat is stale."""
    batch.refresh_from_db()
    assert batch.heartbeat_at is not None
    return batch.heartbeat_at + import_selectors.stale_after() + dt.timedelta(seconds=1)


def _watch(now: dt.datetime) -> import_recovery_services.Recovery:
    return import_recovery_services.recover_stalled_imports(system_actor("watch"), now=now)


# --- Each batch is audited in its own transaction ------------------------------------------


def test_each_committed_batch_has_its_audit_event(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "cad.csv"
    path.write_text(CONTENT.replace("C-5,", ",", 1), encoding="utf-8")

    batch = import_services.import_file(
        cast.actor(cast.member), organization=cast.agency, path=path
    )

    assert (batch.status, batch.rows_seen, batch.imported, batch.rejected) == ("done", 10, 8, 2)
    events = _batch_events(batch)
    assert [(e.after or {})["first_line"] for e in events] == [2, 5, 8, 11]
    assert [(e.after or {})["last_line"] for e in events] == [4, 7, 10, 11]
    assert [(e.after or {})["rows"] for e in events] == [3, 3, 3, 1]
    assert [(e.after or {})["rejected"] for e in events] == [0, 1, 1, 0]
    assert sum((e.after or {})["new"] for e in events) == Call.objects.count() == 8
    assert all(e.organization_id == cast.agency.pk for e in events)
    assert "lines 5 to 7" in events[1].detail
    # Lines and counts, never a value of the file.
    for event in events:
        assert "private" not in str(event.after) + event.detail
        assert "C-" not in str(event.after) + event.detail
    ended = AuditEvent.objects.get(action=DispatchAudit.CALLS_IMPORTED, object_id=str(batch.pk))
    assert ended.sequence > events[-1].sequence


def test_a_batch_whose_audit_event_fails_is_not_committed(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cad.csv"
    path.write_text(CONTENT, encoding="utf-8")
    record = import_services.audit.record
    batches = {"n": 0}

    def failing_second_batch(action: AuditAction, **kwargs: Any) -> Any:
        if action == DispatchAudit.CALLS_IMPORT_BATCH:
            batches["n"] += 1
            if batches["n"] == 2:
                raise RuntimeError("the audit trail is full")
        return record(action, **kwargs)

    monkeypatch.setattr(import_services.audit, "record", failing_second_batch)

    with pytest.raises(RuntimeError):
        import_services.import_file(cast.actor(cast.member), organization=cast.agency, path=path)

    assert sorted(Call.objects.values_list("cad_event_id", flat=True)) == ["C-1", "C-2", "C-3"]
    batch = CallImport.objects.get()
    assert (batch.status, batch.rows_seen, batch.imported, batch.last_line) == ("failed", 3, 3, 4)
    assert "3 rows read, up to line 4; 3 new calls" in batch.error


# --- A process that died --------------------------------------------------------------------


def test_a_dead_upload_is_resumed_after_its_last_committed_row(
    cast: Cast, killed_after: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    queued = _upload(cast)
    killed_after(1)
    with pytest.raises(Killed):
        import_upload_services.run_queued_import(cast.actor(cast.member), batch_id=queued.pk)

    batch = CallImport.objects.get()
    # What the killed process left: one committed, audited batch; still "importing"; the file.
    assert (batch.status, batch.rows_seen, batch.last_line, batch.attempt) == ("running", 3, 4, 1)
    assert Call.objects.count() == 3
    assert [(e.after or {})["new"] for e in _batch_events(batch)] == [3]
    assert default_storage.exists(batch.stored_path)
    # Not yet stale: left alone.
    assert _watch(timezone.now()).resumed == []

    done = _watch(_later(batch))

    assert done.resumed == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.resumed_after, batch.attempt) == ("queued", 4, 1)
    changed = AuditEvent.objects.get(action=DispatchAudit.IMPORT_RECOVERED, object_id=str(batch.pk))
    before = changed.before or {}
    assert (before["status"], before["rows_seen"], before["last_line"]) == ("running", 3, 4)
    assert (changed.after or {})["status"] == "queued"
    page = cast.client(cast.member).get(reverse("dispatch_import", args=[batch.pk]))
    assert "stopped after line 4; the worker resumed the import from there" in (
        page.content.decode()
    )

    monkeypatch.undo()  # the next run lives
    import_upload_services.run_queued_import(cast.actor(cast.member), batch_id=batch.pk)

    batch.refresh_from_db()
    # As one run would have ended: line 9 still repeats line 3, across the crash.
    assert (batch.status, batch.rows_seen, batch.imported, batch.rejected) == ("done", 10, 9, 1)
    assert list(batch.rejections.values_list("line", "reason")) == [
        (9, "The CAD event id repeats line 3 of this file.")
    ]
    assert Call.objects.count() == 9
    events = _batch_events(batch)
    assert [(e.after or {})["first_line"] for e in events] == [2, 5, 8, 11]
    assert [(e.after or {})["run"] for e in events] == [1, 2, 2, 2]
    assert not default_storage.exists(batch.stored_path)
    ended = AuditEvent.objects.get(action=DispatchAudit.CALLS_IMPORTED, object_id=str(batch.pk))
    assert (ended.after or {})["resumed_after"] == 4


def test_a_dead_all_or_nothing_import_fails_with_nothing_imported(
    cast: Cast, killed_after: Any
) -> None:
    queued = _upload(cast, all_or_nothing=True)
    killed_after(2)
    with pytest.raises(Killed):
        import_upload_services.run_queued_import(cast.actor(cast.member), batch_id=queued.pk)
    assert Call.objects.count() == 0

    done = _watch(_later(queued))

    assert done.failed == [queued.pk]
    batch = CallImport.objects.get()
    assert (batch.status, batch.imported, batch.rows_seen) == ("failed", 0, 6)
    assert "All or nothing: no call was imported." in batch.error
    assert not default_storage.exists(batch.stored_path)
    ended = AuditEvent.objects.get(action=DispatchAudit.CALLS_IMPORTED, object_id=str(batch.pk))
    assert ended.outcome == Outcome.FAILURE


def _killed_command_line(cast: Cast, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``pmhc import calls`` killed once two batches have committed."""
    with monkeypatch.context() as patched, pytest.raises(Killed):
        patched.setattr(import_services, "_fail", lambda *args, **kwargs: None)
        import_services.import_file(
            system_actor("pmhc import calls"),
            organization=cast.agency,
            path=path,
            progress=_die_after_batches(2),
        )


def test_a_dead_command_line_import_fails_with_what_it_committed(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "cad.csv"
    path.write_text(CONTENT, encoding="utf-8")
    _killed_command_line(cast, path, monkeypatch)
    batch = CallImport.objects.get()
    assert batch.status == ImportStatus.RUNNING

    done = _watch(_later(batch))

    assert done.failed == [batch.pk]
    batch.refresh_from_db()
    assert (batch.status, batch.rows_seen, batch.imported) == ("failed", 6, 6)
    assert "What was committed stays: 6 rows read, up to line 7; 6 new calls" in batch.error
    assert "run the command again" in batch.error
    assert path.exists()  # the user's file
    ended = AuditEvent.objects.get(action=DispatchAudit.CALLS_IMPORTED, object_id=str(batch.pk))
    assert (ended.outcome, (ended.after or {})["imported"]) == (Outcome.FAILURE, 6)
    page = cast.client(cast.member).get(reverse("dispatch_import", args=[batch.pk]))
    assert "What was committed stays: 6 rows read" in page.content.decode()


def test_a_process_given_up_for_dead_commits_nothing_more(cast: Cast) -> None:
    queued = _upload(cast)
    actor = cast.actor(cast.member)
    taken: list[CallImport | None] = []

    def stuck_after_first_batch(batch: CallImport) -> None:
        if not taken:
            # While this process is stuck, the watch takes the import over.
            later = timezone.now() + import_selectors.stale_after() * 2
            taken.append(
                import_recovery_services.take_over_import(
                    system_actor("watch"), batch_id=batch.pk, cutoff=later, now=later
                )
            )

    with pytest.raises(import_services.ImportTakenOver):
        import_services.import_file(
            actor,
            organization=cast.agency,
            path=Path(default_storage.path(queued.stored_path)),
            batch=queued,
            progress=stuck_after_first_batch,
        )

    batch = CallImport.objects.get()
    assert taken[0] is not None
    assert (batch.status, batch.rows_seen, batch.attempt) == ("queued", 3, 1)
    assert Call.objects.count() == 3  # its second batch was rolled back
    assert len(_batch_events(batch)) == 1
    assert not AuditEvent.objects.filter(action=DispatchAudit.CALLS_IMPORTED).exists()
    assert default_storage.exists(batch.stored_path)  # the new run reads it


def test_a_queued_import_whose_task_was_lost_is_queued_again(cast: Cast) -> None:
    queued = _upload(cast)
    assert _watch(timezone.now()).requeued == []

    done = _watch(_later(queued))

    assert done.requeued == [queued.pk]
    waiting = DBTaskResult.objects.filter(
        task_path=tasks.run_import_task.module_path, status=TaskResultStatus.READY
    )
    assert [r.args_kwargs["args"] for r in waiting] == [[queued.pk]]
    # Once per stale period, not at every look.
    assert _watch(_later(queued) - dt.timedelta(seconds=2)).requeued == []


def test_the_status_page_says_when_an_import_has_stalled(cast: Cast) -> None:
    batch = CallImport.objects.create(
        organization=cast.agency,
        format="csv",
        file_name="big.csv",
        status=ImportStatus.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(hours=1),
        rows_seen=40,
    )
    partial = cast.client(cast.member).get(
        reverse("dispatch_import", args=[batch.pk]), HTTP_HX_REQUEST="true"
    )
    text = partial.content.decode()
    assert "No progress since" in text
    assert "mark it failed with what was committed, within 10 minutes" in text
    batch.heartbeat_at = timezone.now()
    batch.save()
    partial = cast.client(cast.member).get(
        reverse("dispatch_import", args=[batch.pk]), HTTP_HX_REQUEST="true"
    )
    assert "No progress since" not in partial.content.decode()


# --- The uploaded file goes when the import ends --------------------------------------------


@pytest.mark.parametrize(
    ("content", "all_or_nothing", "status"),
    [
        (CONTENT, False, "done"),
        (CONTENT, True, "rolled_back"),
        ("no,header\n", False, "failed"),
    ],
)
def test_the_uploaded_file_is_deleted_when_the_import_ends(
    cast: Cast, content: str, all_or_nothing: bool, status: str
) -> None:
    queued = _upload(cast, content, all_or_nothing=all_or_nothing)
    assert default_storage.exists(queued.stored_path)
    batch = import_upload_services.run_queued_import(cast.actor(cast.member), batch_id=queued.pk)
    assert batch is not None and batch.status == status
    assert not default_storage.exists(queued.stored_path)


@pytest.mark.parametrize("error", [RuntimeError("disk"), KeyboardInterrupt()])
def test_the_uploaded_file_is_deleted_when_the_import_stops(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    queued = _upload(cast)

    def stop(batch: CallImport) -> None:
        raise error

    original = import_services.import_file
    monkeypatch.setattr(import_services, "import_file", functools.partial(original, progress=stop))
    with pytest.raises(type(error)):
        import_upload_services.run_queued_import(cast.actor(cast.member), batch_id=queued.pk)
    batch = CallImport.objects.get()
    assert (batch.status, batch.rows_seen, batch.imported) == ("failed", 3, 3)
    expected = "stopped before the end" if isinstance(error, KeyboardInterrupt) else "unexpected"
    assert expected in batch.error and "3 new calls" in batch.error
    assert not default_storage.exists(queued.stored_path)


def test_the_watch_deletes_files_left_by_imports_that_ended(cast: Cast) -> None:
    done = _upload(cast)
    CallImport.objects.filter(pk=done.pk).update(status=ImportStatus.DONE)
    waiting = _upload(cast)
    orphan = default_storage.save(
        f"{import_upload_services.UPLOAD_FOLDER}/{cast.agency.pk}/999999-cad.csv",
        SimpleUploadedFile("x.csv", b"x"),
    )
    young = default_storage.save(
        f"{import_upload_services.UPLOAD_FOLDER}/{cast.agency.pk}/999998-cad.csv",
        SimpleUploadedFile("y.csv", b"y"),
    )
    hour_ago = (timezone.now() - dt.timedelta(hours=1)).timestamp()
    for name in (done.stored_path, waiting.stored_path, orphan):
        os.utime(default_storage.path(name), (hour_ago, hour_ago))

    result = _watch(timezone.now())

    assert result.files_deleted == 2
    assert not default_storage.exists(done.stored_path)
    assert not default_storage.exists(orphan)
    assert default_storage.exists(waiting.stored_path)
    assert default_storage.exists(young)


# --- The worker runs the watch --------------------------------------------------------------


def test_the_watch_is_queued_once(cast: Cast) -> None:
    assert tasks.schedule_import_watch()
    assert not tasks.schedule_import_watch()
    waiting = DBTaskResult.objects.filter(task_path=tasks.watch_imports_task.module_path)
    assert waiting.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_takes_over_a_dead_import(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert any(check.__name__ == "_start_import_watch" for check in STARTUP_CHECKS)
    path = tmp_path / "cad.csv"
    path.write_text(CONTENT, encoding="utf-8")
    _killed_command_line(cast, path, monkeypatch)
    batch = CallImport.objects.get()
    long_ago = timezone.now() - import_selectors.stale_after() - dt.timedelta(minutes=1)
    CallImport.objects.filter(pk=batch.pk).update(heartbeat_at=long_ago)
    out = StringIO()

    call_command("worker", "--batch", stdout=out)

    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert f"CAD import watch: imports resumed: none; failed: [{batch.pk}]" in out.getvalue()
