"""``kill -9`` of a real process part way through an import: ``pmhc import calls`` and the
worker running an upload. The child process works on the test database (PostgreSQL: the same
database; SQLite: a copy in a file, copied back once the child is dead) and is killed with
SIGKILL once it has committed a batch. What it committed must be there with its audit
events, and the watch must resume the upload (and delete its file at the end) or fail the
command line's import with what it committed."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from pmhc.conftest import Cast
from pmhc.dispatch import import_recovery_services, import_selectors, import_upload_services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call, CallImport, ImportStatus
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditEvent, Outcome

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 20_000
CHILD_BATCH = 50
#: The worker, as ``pmhc worker --batch`` runs it, with small batches and the test's uploads.
WORKER = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhc.settings")
import django
django.setup()
from django.conf import settings
settings.MEDIA_ROOT = sys.argv[1]
settings.PMHC_IMPORT_BATCH_SIZE = int(sys.argv[2])
from django.core.management import call_command
call_command("worker", "--batch", verbosity=0)
"""


def _content() -> str:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    lines = ["cad_event_id,received_at,narrative"]
    for n in range(ROWS):
        lines.append(f"K-{n:06d},{(start + dt.timedelta(minutes=n)).isoformat()},Private note {n}")
    return "\n".join(lines) + "\n"


@contextmanager
def _shared_database(tmp_path: Path) -> Iterator[tuple[dict[str, str], Any]]:
    """The environment that brings a child process to the test database, and a function
    that reads how many rows the running import has committed."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        url = (
            f"postgres://{quote(settings['USER'] or '')}:{quote(settings['PASSWORD'] or '')}"
            f"@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
        )

        def committed() -> int:
            return sum(CallImport.objects.values_list("rows_seen", flat=True))

        yield {"DATABASE_URL": url}, committed
        return
    path = tmp_path / "shared.sqlite3"
    connection.ensure_connection()
    memory = connection.connection
    with sqlite3.connect(path) as copy:
        memory.backup(copy)

    def committed_in_file() -> int:
        with sqlite3.connect(path, timeout=10) as reader:
            row = reader.execute("SELECT COALESCE(SUM(rows_seen), 0) FROM dispatch_callimport")
            return int(row.fetchone()[0])

    try:
        yield {"DATABASE_URL": f"sqlite:///{path}"}, committed_in_file
    finally:
        with sqlite3.connect(path) as copy:
            copy.backup(memory)


def _kill_after_first_batch(command: list[str], env: dict[str, str], committed: Any) -> None:
    child = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        command,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while committed() == 0:
            if child.poll() is not None:
                said = child.stderr.read().decode() if child.stderr else ""
                pytest.fail(f"the child ended first: {said[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("the child committed no batch in two minutes")
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=30)
        if child.stderr is not None:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL


def _audited_batches(batch: CallImport) -> list[dict[str, Any]]:
    events = AuditEvent.objects.filter(
        action=DispatchAudit.CALLS_IMPORT_BATCH, object_id=str(batch.pk)
    ).order_by("sequence")
    return [event.after or {} for event in events]


def _after_the_stale_period(batch: CallImport) -> dt.datetime:
    assert batch.heartbeat_at is not None
    return batch.heartbeat_at + import_selectors.stale_after() + dt.timedelta(seconds=1)


def _left_by_the_killed_process() -> CallImport:
    batch = CallImport.objects.get()
    assert batch.status == ImportStatus.RUNNING
    assert 0 < batch.rows_seen < ROWS
    assert batch.rows_seen % CHILD_BATCH == 0
    # Every committed batch has its event, and together they account for every call.
    batches = _audited_batches(batch)
    assert len(batches) == batch.rows_seen // CHILD_BATCH
    assert sum(b["new"] for b in batches) == batch.imported == Call.objects.count()
    assert [b["first_line"] for b in batches] == [2 + CHILD_BATCH * i for i in range(len(batches))]
    assert not AuditEvent.objects.filter(action=DispatchAudit.CALLS_IMPORTED).exists()
    return batch


def test_kill_9_of_the_command_line_import(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "cad.csv"
    path.write_text(_content(), encoding="utf-8")
    with _shared_database(tmp_path) as (env, committed):
        command = [sys.executable, "-m", "pmhc.cli", "import", "calls", str(path)]
        options = ["--agency", "agency", "--batch-size", str(CHILD_BATCH), "--quiet"]
        _kill_after_first_batch([*command, *options], env, committed)

    batch = _left_by_the_killed_process()
    done = import_recovery_services.recover_stalled_imports(
        system_actor("watch"), now=_after_the_stale_period(batch)
    )

    assert done.failed == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert f"{batch.rows_seen} rows read" in batch.error
    assert f"{batch.imported} new calls" in batch.error
    ended = AuditEvent.objects.get(action=DispatchAudit.CALLS_IMPORTED)
    assert ended.outcome == Outcome.FAILURE
    assert path.exists()  # the user's own file


def test_kill_9_of_the_worker_running_an_upload(cast: Cast, tmp_path: Path, settings: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.PMHC_IMPORT_BATCH_SIZE = 5000
    queued = import_upload_services.queue_import(
        cast.actor(cast.member),
        organization=cast.agency,
        upload=SimpleUploadedFile("cad.csv", _content().encode(), content_type="text/csv"),
    )
    with _shared_database(tmp_path) as (env, committed):
        command = [sys.executable, "-c", WORKER, str(settings.MEDIA_ROOT), str(CHILD_BATCH)]
        _kill_after_first_batch(command, env, committed)

    batch = _left_by_the_killed_process()
    assert default_storage.exists(batch.stored_path)
    done = import_recovery_services.recover_stalled_imports(
        system_actor("watch"), now=_after_the_stale_period(batch)
    )
    assert done.resumed == [batch.pk]

    import_upload_services.run_queued_import(cast.actor(cast.member), batch_id=queued.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.rows_seen, batch.rejected) == (ImportStatus.DONE, ROWS, 0)
    assert batch.imported == ROWS == Call.objects.count()
    assert sum(b["new"] for b in _audited_batches(batch)) == ROWS
    assert not default_storage.exists(batch.stored_path)
