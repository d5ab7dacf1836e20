"""The columnar import path gives the same calls and the same rejections as the row path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmhc.conftest import Cast
from pmhc.dispatch import import_services
from pmhc.dispatch.models import Call, CallImport, ImportStatus
from pmhc.dispatch.services import CALL_FIELDS
from pmhc.platform.access import system_actor
from pmhc.platform.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

#: Values a call keeps from its file, compared between the two paths.
KEPT = ("cad_event_id", "received_at", "received_precision", *CALL_FIELDS)
HEADER = (
    "cad_event_id,received_at,dispatched_at,address,latitude,longitude,priority,source,"
    "is_mental_health,mh_indicators,units,narrative"
)
MAPPING = {
    "time_zone": "America/Chicago",
    "values": {"priority": {"urgent": "1"}, "source": {"phone": "911"}},
    "apco_types": {"": "MISC"},
}


def mixed_file(*, stray_quote: bool) -> bytes:
    lines = [
        HEADER,
        "A1,2025-03-01T10:00:00,2025-03-01T10:05:00,1 Main St,41.5,-87.25,urgent,phone,yes,"
        "distress;substance,A12;B3,plain",
        'A2,2025-03-01T11:00:00Z,,2 Main St,,,2,911,no,,,"first line\r\nsecond line"',
        "A3,2025-03-01 12:00,,3 Main St,95,-87,3,911,no,,,bad latitude",
        "A4,not a date,,4 Main St,41,-87,3,911,no,,,bad date",
        "A5,2025-03-09T02:30:00,,5 Main St,41,-87,3,911,no,,,spring forward",
        "A6,2025-11-02T01:30:00,,6 Main St,41,-87,3,911,no,,,fall back",
        "A7,2025-03-01T10:00:00+02:00,2025-03-01T09:00:00+01:00,7 Main St,41,-87,12,911,"
        "maybe,joy,,bad values",
        "A1,2025-03-01T13:00:00,,8 Main St,41,-87,3,911,no,,,repeats A1",
        "OLD,2025-02-01T13:00:00.25,,9 Main St,41.123456,-87.1,3,officer,no,,,already there",
        "A8,1066-01-01T00:00:00,,10 Main St,41,-87,3,911,no,,,too early",
        "A9,2099-01-01T00:00:00,,11 Main St,41,-87,3,911,no,,,too late",
        "A10,2025-03-01T10:00:00,2025-03-01T09:00:00,12 Main St,41,-87,3,911,no,,,backwards",
        ",2025-03-01T10:00:00,,13 Main St,41,-87,3,911,no,,,no id",
        "  A11  ,  2025-03-01T10:00  ,,  14 Main St  ,  41.1  ,-87,3,911,no,,,  padded  ",
    ]
    if stray_quote:
        lines.insert(5, 'A12,2025-03-01T10:00:00,,"15 Main St,41,-87,3,911,no,,,stray')
    return b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n"


def outcome(batch: CallImport) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], tuple]:
    calls = list(
        Call.objects.filter(organization_id=batch.organization_id)
        .order_by("cad_event_id")
        .values_list(*KEPT)
    )
    rejected = list(batch.rejections.order_by("line").values_list("line", "cad_event_id", "reason"))
    counts = (batch.status, batch.rows_seen, batch.imported, batch.duplicates, batch.rejected)
    return calls, rejected, (*counts, batch.last_line)


@pytest.mark.parametrize("stray_quote", [False, True])
@pytest.mark.parametrize("batch_size", [3, 5000])
def test_both_paths_give_the_same_calls_and_rejections(
    cast: Cast, tmp_path: Path, settings: Any, stray_quote: bool, batch_size: int, monkeypatch: Any
) -> None:
    path = tmp_path / "cad.csv"
    path.write_bytes(mixed_file(stray_quote=stray_quote))
    results = []
    taken: list[list[str]] = []
    paths_taken: list[str] = []
    real_columns, real_rows = import_services._run_columns, import_services._run

    def spy(name: str, real: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            paths_taken.append(name)
            return real(*args, **kwargs)

        return run

    monkeypatch.setattr(import_services, "_run_columns", spy("columns", real_columns))
    monkeypatch.setattr(import_services, "_run", spy("rows", real_rows))
    for columnar in (True, False):
        settings.PMHC_IMPORT_COLUMNAR = columnar
        agency = OrganizationFactory.create(
            slug=f"pd-{columnar}", name=f"PD {columnar}", time_zone="America/Chicago"
        )
        old = tmp_path / "old.csv"
        old.write_text(f"{HEADER}\nOLD,2025-02-01T13:00:00,,old,,,,,,,,kept\n")
        import_services.import_file(system_actor("test"), organization=agency, path=old)
        paths_taken.clear()
        batch = import_services.import_file(
            system_actor("test"),
            organization=agency,
            path=path,
            mapping=MAPPING,
            batch_size=batch_size,
        )
        assert batch.status == ImportStatus.DONE, batch.error
        results.append(outcome(batch))
        taken.append(list(paths_taken))
    assert results[0] == results[1]
    calls, rejected, counts = results[0]
    if stray_quote:
        # The row reader takes over from the batch with the record it cannot number.
        assert taken == [["columns", "rows"], ["rows"]]
    else:
        assert taken == [["columns"], ["rows"]]
        lines = [line for line, _, _ in rejected]
        # Local times that do not exist or happen twice (lines 7 and 8) are the row
        # converter's to decide, on both paths.
        assert set(lines) - {7, 8} == {5, 6, 9, 10, 12, 13, 14, 15}
        assert counts[-1] == 16
        assert counts[3] == 1  # OLD, already on file
        by_id = {row[0]: row for row in calls}
        assert by_id["A2"][KEPT.index("narrative")] == "first line\r\nsecond line"
        assert by_id["A11"][KEPT.index("address")] == "14 Main St"
        assert by_id["A1"][KEPT.index("priority")] == 1
        assert by_id["A1"][KEPT.index("mh_indicators")] == ["distress", "substance"]
        assert by_id["A1"][KEPT.index("apco_type")] == "MISC"
    assert rejected, "the file has rows every path refuses"


def test_the_columnar_path_is_taken_for_a_plain_file(
    cast: Cast, tmp_path: Path, monkeypatch: Any, settings: Any
) -> None:
    settings.PMHC_IMPORT_COLUMNAR = True

    def no_rows(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the row path ran")

    monkeypatch.setattr(import_services, "_run", no_rows)
    path = tmp_path / "cad.csv"
    path.write_text("cad_event_id,received_at\nA,2026-01-01T00:00\nB,2026-01-01T00:01\n")
    batch = import_services.import_file(
        cast.actor(cast.member), organization=cast.agency, path=path
    )
    assert (batch.status, batch.imported, batch.last_line) == (ImportStatus.DONE, 2, 3)


def plain_file(path: Path, rows: int) -> None:
    body = "".join(
        f"C{n},2026-01-01T00:{n % 60:02d},{n} Main St,2,911,yes,distress\n" for n in range(rows)
    )
    path.write_text(
        "cad_event_id,received_at,address,priority,source,is_mental_health,mh_indicators\n" + body
    )


@pytest.mark.parametrize("columnar", [True, False])
def test_queries_of_a_batch_do_not_grow_with_its_rows(
    cast: Cast, tmp_path: Path, settings: Any, columnar: bool
) -> None:
    settings.PMHC_IMPORT_COLUMNAR = columnar
    counts = []
    for rows in (1, 5, 60):
        path = tmp_path / f"cad-{rows}.csv"
        plain_file(path, rows)
        Call.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            batch = import_services.import_file(
                cast.actor(cast.member), organization=cast.agency, path=path, batch_size=1000
            )
        assert batch.imported == rows
        counts.append(len(queries))
    # The first import also reads what the process caches; the batches after it are compared.
    assert counts[1] == counts[2]
    assert counts[1] <= 40


IMPOSSIBLE_DATES = (
    b"cad_event_id,received_at,address\nA,2025-02-30T10:00:00,x\nB,2025-02-29T10:00,x\n"
    b"C,2025-04-31T10:00:00,x\nD,2025-03-01T10:00:60,x\nE,2025-03-01T10:00:00+99:99,x\n"
    b"F,2025-03-01T10:00:00+24:00,x\nG,2025-03-01T23:59:60,x\nH,2025-03-01T10:00:00+20:00,x\n"
    b"I,2025-03-01T10:00:00+14:00,x\nJ,2025-03-01T10:00:00,x\n"
)
ODD_FILES = {
    "impossible dates": IMPOSSIBLE_DATES,
    "nul byte": b"cad_event_id,received_at,address\nA,2026-01-01T00:00,1 Main\n"
    b"B,2026-01-01T00:00,2 M\x00ain\nC,2026-01-01T00:00,3 Main\n",
    "not utf-8": b"cad_event_id,received_at,address\nA,2026-01-01T00:00,1 Main\n"
    b"B,2026-01-01T00:00,Caf\xe9\nC,2026-01-01T00:00,3 Main\n",
    "blank lines": b"cad_event_id,received_at\nA,2026-01-01T00:00\n\n\nB,2026-01-01T00:01\n\n",
    "wrong cells": b"cad_event_id,received_at\nA,2026-01-01T00:00\nB,2026-01-01T00:01,x\n"
    b"C\nD,2026-01-01T00:02\n",
    "carriage returns only": b"cad_event_id,received_at\rA,2026-01-01T00:00\r",
    "quoted header": b'"cad_event_id\nid",received_at\nA,2026-01-01T00:00\n',
    "odd cells": b"cad_event_id,received_at,latitude,priority\n"
    + ("X" * 70).encode()
    + b',2026-01-01T00:00,,\n"B",2026-01-01T00:00:00.5-05:30,+41.5,\n'
    b"C,2026-01-01T00:00:00.123456789,041.5,3\nD,20260101T0000,90.0000001,0\n"
    b"E,2026-01-01T00:00Z,-90,\nF,2026-13-01T00:00,1e2,\n",
}


@pytest.mark.parametrize("name", sorted(ODD_FILES))
def test_odd_files_give_the_same_outcome_on_both_paths(
    cast: Cast, tmp_path: Path, settings: Any, name: str
) -> None:
    path = tmp_path / "cad.csv"
    path.write_bytes(ODD_FILES[name])
    results = []
    for columnar in (True, False):
        settings.PMHC_IMPORT_COLUMNAR = columnar
        agency = OrganizationFactory.create(slug=f"odd-{columnar}", name=f"Odd {columnar}")
        batch = import_services.import_file(
            system_actor("test"), organization=agency, path=path, batch_size=2
        )
        results.append((batch.error, *outcome(batch)))
    assert results[0] == results[1]


def test_dates_that_do_not_exist_are_rejected_not_rolled_over(
    cast: Cast, tmp_path: Path, settings: Any
) -> None:
    path = tmp_path / "cad.csv"
    path.write_bytes(IMPOSSIBLE_DATES)
    settings.PMHC_IMPORT_COLUMNAR = True
    batch = import_services.import_file(system_actor("test"), organization=cast.agency, path=path)
    assert batch.status == ImportStatus.DONE
    assert batch.imported == 2
    assert set(Call.objects.values_list("cad_event_id", flat=True)) == {"I", "J"}
    reasons = dict(batch.rejections.values_list("cad_event_id", "reason"))
    assert set(reasons) == set("ABCDEFGH")
    assert "no time zone is more than 14 hours from UTC" in reasons["H"]
    (moment,) = Call.objects.filter(cad_event_id="I").values_list("received_at", flat=True)
    assert moment == dt.datetime(2025, 2, 28, 20, 0, tzinfo=dt.UTC)
