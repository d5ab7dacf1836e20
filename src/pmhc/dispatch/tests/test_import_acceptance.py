"""The issue's acceptance test: 100,000 rows, 1% of them bad in several ways and spread through
the file; every bad row is reported with its line and reason, the rest are imported, and a
second run adds nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pmhc.conftest import Cast
from pmhc.dispatch import import_services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call, CallImportRejection, ImportStatus
from pmhc.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

ROWS = 100_000
HEADER = (
    "cad_event_id,received_at,dispatched_at,address,district,call_type,priority,source,"
    "is_mental_health,mh_indicators,narrative,units,cit_requested\n"
)
#: Each bad row's kind, in turn, with the words its reason must hold.
BAD_KINDS = ("missing_id", "bad_date", "priority", "source", "too_long", "repeat", "cells")
REASON_WORDS = {
    "missing_id": "CAD event id is missing",
    "bad_date": '"31/02/2026" is not a valid date',
    "priority": "not a priority from 1 to 9",
    "source": "is not one of 911, 988",
    "too_long": "at most 200 fit",
    "repeat": "repeats line",
    "cells": "cells; the header has 13",
}


def write_file(path: Path, rows: int, *, every: int = 100) -> dict[int, str]:
    """Write ``rows`` data rows; one in ``every`` is bad. Returns {line: kind} of the bad rows.
    Every 50th good row has a narrative spanning two lines, so line numbers must follow
    physical lines, not records. The times run from April, clear of the spring-forward hour."""
    start = dt.datetime(2026, 4, 1, 0, 0)
    bad: dict[int, str] = {}
    line = 1
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER)
        for n in range(rows):
            line += 1
            received = (start + dt.timedelta(minutes=n)).isoformat()
            cad = f"E{n:07d}"
            narrative = "Caller worried about a neighbor"
            if n % 50 == 7:
                narrative = '"First line of the note,\nsecond line"'
            cells = [
                cad,
                received,
                received,
                f"{n} Main St",
                "North",
                "MH",
                str(1 + n % 5),
                "911",
                "true",
                "distress;substance",
                narrative,
                "A12;B3",
                "false",
            ]
            if n % every == every // 2:
                kind = BAD_KINDS[(n // every) % len(BAD_KINDS)]
                bad[line] = kind
                if kind == "missing_id":
                    cells[0] = ""
                elif kind == "bad_date":
                    cells[1] = "31/02/2026"
                elif kind == "priority":
                    cells[6] = "12"
                elif kind == "source":
                    cells[7] = "radio"
                elif kind == "too_long":
                    cells[3] = "x" * 201
                elif kind == "repeat":
                    cells[0] = "E0000000"
                else:
                    cells = cells[:-2]
            handle.write(",".join(cells) + "\n")
            line += cells[10].count("\n")
    return bad


def test_hundred_thousand_rows_with_one_percent_bad(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "cad.csv"
    bad = write_file(path, ROWS)
    assert len(bad) == ROWS // 100
    actor = cast.actor(cast.member)

    batch = import_services.import_file(actor, organization=cast.agency, path=path)

    assert batch.status == ImportStatus.DONE
    assert batch.rows_seen == ROWS
    assert batch.rejected == len(bad)
    assert batch.imported == ROWS - len(bad)
    assert batch.duplicates == 0
    assert Call.objects.filter(organization=cast.agency).count() == ROWS - len(bad)
    rejected = {
        r.line: r.reason for r in CallImportRejection.objects.filter(batch=batch).order_by("line")
    }
    assert set(rejected) == set(bad)
    for line, kind in bad.items():
        assert REASON_WORDS[kind] in rejected[line], (line, kind, rejected[line])
    assert "repeats line 2 " in rejected[next(ln for ln, k in bad.items() if k == "repeat")]
    # Progress was kept on the row as it went.
    assert batch.bytes_done == batch.bytes_total == path.stat().st_size
    event = AuditEvent.objects.get(action=DispatchAudit.CALLS_IMPORTED, object_id=str(batch.pk))
    assert event.after is not None
    assert event.after["imported"] == ROWS - len(bad)
    assert event.after["rejected"] == len(bad)

    again = import_services.import_file(actor, organization=cast.agency, path=path)

    assert again.status == ImportStatus.DONE
    assert again.imported == 0
    assert again.duplicates == ROWS - len(bad)
    assert again.rejected == len(bad)
    assert Call.objects.filter(organization=cast.agency).count() == ROWS - len(bad)


def test_all_or_nothing_rolls_back_and_still_reports(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "cad.csv"
    bad = write_file(path, 3_000, every=500)
    actor = cast.actor(cast.member)

    batch = import_services.import_file(
        actor, organization=cast.agency, path=path, all_or_nothing=True, batch_size=700
    )

    assert batch.status == ImportStatus.ROLLED_BACK
    assert batch.imported == 0
    assert Call.objects.count() == 0
    assert sorted(batch.rejections.values_list("line", flat=True)) == sorted(bad)
    event = AuditEvent.objects.get(action=DispatchAudit.CALLS_IMPORTED, object_id=str(batch.pk))
    assert event.after is not None
    assert event.after["status"] == ImportStatus.ROLLED_BACK


def test_all_or_nothing_imports_a_clean_file_whole(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "cad.csv"
    write_file(path, 2_000, every=10**9)
    actor = cast.actor(cast.member)

    batch = import_services.import_file(
        actor, organization=cast.agency, path=path, all_or_nothing=True, batch_size=300
    )

    assert batch.status == ImportStatus.DONE
    assert batch.imported == 2_000
    assert Call.objects.filter(import_batch=batch).count() == 2_000
