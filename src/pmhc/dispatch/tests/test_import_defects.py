"""Foreign CAD exports that used to import wrongly: garbled and impossible dates, local times
the clocks skipped or passed twice, a cell too long, a stray quote, UTF-16 and odd files,
dates known only to the month, and an EIDD incident with several calls."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from pmhc.conftest import Cast
from pmhc.dispatch.cad_mapping import Mapping, RowError, parse_config
from pmhc.dispatch.cad_rows import RowConverter
from pmhc.dispatch.models import Call, CallImport, DatePrecision, ImportFormat, ImportStatus
from pmhc.dispatch.tests.test_cad_import import rejects, run

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def converter(config: dict[str, Any] | None = None, zone: str = "America/Chicago") -> RowConverter:
    header = ["cad_event_id", "received_at", "cleared_at", "Yr", "Mo", "Wd", "Hr"]
    return RowConverter(parse_config(config or {}), default_zone=zone, header=header, now=NOW)


# --- 1. Impossible dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["1388-03-01T09:00", "1066-10-14T09:00", "2099-01-01T09:00", "1989-12-31T12:00"],
)
def test_a_date_outside_the_plausible_range_rejects_its_row(value: str) -> None:
    with pytest.raises(RowError) as caught:
        converter().convert({"cad_event_id": "A", "received_at": value})
    assert caught.value.reason == (
        f'received_at: "{value}" is outside the dates this import accepts, 1990-01-01 to '
        "2026-12-03; check the year and the date format."
    )


def test_garbled_dates_never_become_ancient_years_at_local_mean_time() -> None:
    # A garbled year in date parts, and a two-digit year read with %Y's four digits.
    convert = converter({"date_parts": {"cleared_at": {"year": "Yr", "month": "Mo", "day": "Mo"}}})
    with pytest.raises(RowError) as caught:
        convert.convert(
            {"cad_event_id": "A", "received_at": "2026-03-01T09:00", "Yr": "1388", "Mo": "3"}
        )
    assert "cleared_at" in caught.value.reason and "outside the dates" in caught.value.reason
    with pytest.raises(RowError):
        converter({"date_formats": {"*": "%m/%d/%Y %H:%M"}}).convert(
            {"cad_event_id": "A", "received_at": "3/1/26 09:00"}
        )


def test_plausible_dates_are_a_mapping_setting() -> None:
    convert = converter({"plausible_dates": {"earliest": "1960-01-01", "days_ahead": 0}})
    values = convert.convert({"cad_event_id": "A", "received_at": "1975-06-01T09:00Z"})
    assert values["received_at"] == dt.datetime(1975, 6, 1, 9, tzinfo=dt.UTC)
    with pytest.raises(RowError, match="1960-01-01 to 2026-12-02"):
        convert.convert({"cad_event_id": "A", "received_at": "1959-12-31T09:00Z"})


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"earliest": "1990-13-01"}, "is not a date like 1990-01-01"),
        ({"days_ahead": -1}, "days_ahead is a whole number of days"),
        ({"days_ahead": "1"}, "days_ahead is a whole number of days"),
        ({"latest": "2030-01-01"}, "plausible_dates takes"),
        ({"earliest": "1066-01-01"}, "cannot be before 1900"),
    ],
)
def test_plausible_dates_are_checked(setting: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_config({"plausible_dates": setting})
    assert any(message in text for text in caught.value.messages)


def test_an_import_rejects_the_year_2099_and_keeps_it_off_the_calls(
    cast: Cast, tmp_path: Path
) -> None:
    batch = run(
        cast, tmp_path, "cad_event_id,received_at\nA,2026-01-01T09:00\nB,2099-01-01T09:00\n"
    )
    assert set(rejects(batch)) == {3}
    assert "outside the dates this import accepts" in rejects(batch)[3]
    assert list(Call.objects.values_list("cad_event_id", flat=True)) == ["A"]


# --- 2. Local times the clocks skipped or passed twice ------------------------------------

SKIPPED = "2026-03-08T02:30"  # Chicago moves from 02:00 CST to 03:00 CDT
TWICE = "2026-11-01T01:30"  # Chicago passes 01:00 to 02:00 twice


def test_skipped_and_repeated_times_are_rejected_by_default() -> None:
    convert = converter()
    with pytest.raises(RowError) as skipped:
        convert.convert({"cad_event_id": "A", "received_at": SKIPPED})
    assert skipped.value.reason.startswith(
        f'received_at: "{SKIPPED}" did not happen in America/Chicago: the clocks moved forward'
    )
    assert "nonexistent_times" in skipped.value.reason
    with pytest.raises(RowError) as twice:
        convert.convert({"cad_event_id": "B", "received_at": TWICE})
    assert "happened twice in America/Chicago" in twice.value.reason
    assert "ambiguous_times" in twice.value.reason
    assert convert.flagged == 0
    # An hour either side is read as it is, unflagged.
    values = convert.convert({"cad_event_id": "C", "received_at": "2026-03-08T03:30"})
    assert values["received_at"] == dt.datetime(2026, 3, 8, 8, 30, tzinfo=dt.UTC)
    assert convert.flagged == 0


@pytest.mark.parametrize(
    ("rule", "skipped_utc", "twice_utc"),
    [
        ("earlier", dt.datetime(2026, 3, 8, 7, 30), dt.datetime(2026, 11, 1, 6, 30)),
        ("later", dt.datetime(2026, 3, 8, 8, 30), dt.datetime(2026, 11, 1, 7, 30)),
    ],
)
def test_skipped_and_repeated_times_taken_as_the_mapping_says_are_flagged(
    rule: str, skipped_utc: dt.datetime, twice_utc: dt.datetime
) -> None:
    convert = converter({"nonexistent_times": rule, "ambiguous_times": rule})
    skipped = convert.convert({"cad_event_id": "A", "received_at": SKIPPED})["received_at"]
    twice = convert.convert({"cad_event_id": "B", "received_at": TWICE})["received_at"]
    assert skipped == skipped_utc.replace(tzinfo=dt.UTC)
    assert twice == twice_utc.replace(tzinfo=dt.UTC)
    assert convert.flagged == 2
    assert convert.notes[0].startswith(f'A: received_at: "{SKIPPED}" did not happen')
    assert convert.notes[1].startswith(f'B: received_at: "{TWICE}" happened twice')
    assert "; read as 2026-" in convert.notes[1]
    convert.convert({"cad_event_id": "C", "received_at": TWICE}, line=7)
    assert convert.notes[2].startswith(f'line 7 (C): received_at: "{TWICE}" happened twice')


@pytest.mark.parametrize(
    ("value", "problem"),
    [("2026-04-04T23:30", "happened twice"), ("2026-09-06T00:30", "did not happen")],
)
def test_a_zone_that_changes_its_clocks_at_midnight(value: str, problem: str) -> None:
    convert = converter(zone="America/Santiago")
    with pytest.raises(RowError, match=problem):
        convert.convert({"cad_event_id": "A", "received_at": value})
    # The hours around are read as they are.
    convert.convert({"cad_event_id": "B", "received_at": "2026-04-04T21:30"})
    convert.convert({"cad_event_id": "C", "received_at": "2026-09-06T01:30"})


def test_an_import_keeps_the_flagged_rows_and_says_so(cast: Cast, tmp_path: Path) -> None:
    cast.agency.time_zone = "America/Chicago"
    cast.agency.save()
    path = tmp_path / "cad.csv"
    path.write_text(f"cad_event_id,received_at\nA,{SKIPPED}\nB,2026-03-09T10:00\n")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"nonexistent_times": "later"}))
    out = StringIO()
    call_command(
        "import", "calls", str(path), agency="agency", mapping_file=str(mapping), stdout=out
    )
    batch = CallImport.objects.get()
    assert (batch.imported, batch.rejected, batch.flagged) == (2, 0, 1)
    assert batch.notes.startswith('line 2 (A): received_at: "2026-03-08T02:30" did not happen')
    assert "Flagged:        1" in out.getvalue()
    assert batch.notes in out.getvalue()
    from django.urls import reverse

    page = cast.client(cast.member).get(reverse("dispatch_import", args=[batch.pk]))
    body = page.content.decode()
    assert "Rows imported with a time the mapping chose" in body
    assert "did not happen in America/Chicago" in body


@pytest.mark.parametrize("key", ["nonexistent_times", "ambiguous_times"])
def test_local_time_rules_are_checked(key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_config({key: "shift"})
    assert caught.value.messages == [f"{key} must be one of reject, earlier, later."]


# --- 3. A failure mid-file, and a cell too long ---------------------------------------------


def test_a_huge_cell_rejects_its_row_and_the_report_matches_the_calls(
    cast: Cast, tmp_path: Path
) -> None:
    path = tmp_path / "cad.csv"
    lines = ["cad_event_id,received_at,narrative"]
    lines += [f"E{n},2026-01-01T00:00,x" for n in range(30)]
    lines.append("BIG,2026-01-01T00:00," + "y" * 200_000)
    lines += [f"F{n},2026-01-01T00:00,x" for n in range(5)]
    path.write_text("\n".join(lines) + "\n")
    out = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("import", "calls", str(path), agency="agency", batch_size=10, stdout=out)
    assert exited.value.code == 3
    batch = CallImport.objects.get()
    assert batch.status == ImportStatus.DONE
    assert (batch.imported, batch.rejected) == (35, 1) == (Call.objects.count(), 1)
    assert rejects(batch) == {
        32: "Line 32 cannot be read as CSV: a cell is longer than 131,072 characters."
    }
    assert "New calls:      35" in out.getvalue()


def test_a_file_that_fails_midway_says_what_was_committed(cast: Cast, tmp_path: Path) -> None:
    path = tmp_path / "cad.json"
    documents = [
        json.dumps({"incident": {"id": f"E{n}"}, "call": {"receivedAt": "2026-01-01T00:00Z"}})
        for n in range(25)
    ]
    path.write_text("\n".join([*documents, "{not json"]) + "\n")
    with pytest.raises(CommandError) as caught:
        call_command(
            "import",
            "calls",
            str(path),
            agency="agency",
            format=ImportFormat.EIDD,
            batch_size=10,
            stdout=StringIO(),
        )
    batch = CallImport.objects.get()
    committed = Call.objects.count()
    assert committed == batch.imported == 20
    assert batch.status == ImportStatus.FAILED
    assert "What was committed stays" in batch.error and "20 new calls" in batch.error
    assert str(caught.value).startswith("The import failed. Line 26")
    assert "Nothing was imported" not in str(caught.value)
    assert "20 new calls" in str(caught.value)


def test_all_or_nothing_failing_midway_says_no_call_was_imported(
    cast: Cast, tmp_path: Path
) -> None:
    path = tmp_path / "cad.json"
    document = {"incident": {"id": "E"}, "call": {"receivedAt": "2026-01-01T00:00Z"}}
    documents = [json.dumps({**document, "incident": {"id": f"E{n}"}}) for n in range(15)]
    path.write_text("\n".join([*documents, "{not json"]) + "\n")
    with pytest.raises(CommandError) as caught:
        call_command(
            "import",
            "calls",
            str(path),
            agency="agency",
            format=ImportFormat.EIDD,
            all_or_nothing=True,
            batch_size=10,
            stdout=StringIO(),
        )
    assert Call.objects.count() == 0
    assert str(caught.value).startswith("No call was imported. Line 16")
    assert str(caught.value).endswith("All or nothing: no call was imported.")


# --- 4. A stray quote ----------------------------------------------------------------------


def test_a_stray_quote_names_every_line_it_swallows(cast: Cast, tmp_path: Path) -> None:
    batch = run(
        cast,
        tmp_path,
        "cad_event_id,received_at,narrative\n"
        "A,2026-01-01T00:00,fine\n"
        'B,2026-01-01T00:00,"open\n'
        "C,2026-01-01T00:00,x\n"
        "D,2026-01-01T00:00,x\n",
    )
    assert rejects(batch) == {
        3: "Lines 3 to 5 were read as one record: a quote opened on line 3 is not closed where "
        "the line ends. Check the quotes on line 3."
    }
    assert list(Call.objects.values_list("cad_event_id", flat=True)) == ["A"]


def test_a_stray_quote_closed_further_down_names_the_lines_between(
    cast: Cast, tmp_path: Path
) -> None:
    batch = run(
        cast,
        tmp_path,
        "cad_event_id,received_at,narrative\n"
        'B,2026-01-01T00:00,"open\n'
        "C,2026-01-01T00:00,x\n"
        'D,2026-01-01T00:00,"quoted"\n'
        "E,2026-01-01T00:00,x\n",
    )
    found = rejects(batch)
    assert found[2].startswith("Lines 2 to 4 were read as one record")
    assert set(Call.objects.values_list("cad_event_id", flat=True)) == {"E"}
    # Every physical line is accounted for: imported (5) or named in a reason (2 to 4).
    assert set(found) == {2}


def test_a_quoted_narrative_over_several_lines_is_still_one_call(
    cast: Cast, tmp_path: Path
) -> None:
    batch = run(
        cast,
        tmp_path,
        'cad_event_id,received_at,narrative\nA,2026-01-01T00:00,"one\ntwo ""x""\nthree"\n',
    )
    assert rejects(batch) == {}
    assert Call.objects.get().narrative == 'one\ntwo "x"\nthree'


# --- 5. UTF-16 and unreadable files ---------------------------------------------------------

TEXT = "cad_event_id,received_at,address\nA,2026-01-01T00:00,Café\nB,2026-01-02T00:00,Ñ\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-16"), "utf-8"),  # a byte-order mark wins over the mapping
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.replace("\n", "\r\n").encode("utf-16-le"), "utf-16-le"),
    ],
)
def test_utf_16_files_import(cast: Cast, tmp_path: Path, data: bytes, encoding: str) -> None:
    batch = run(cast, tmp_path, data, mapping={"encoding": encoding})
    assert (batch.status, batch.imported, batch.rejected) == (ImportStatus.DONE, 2, 0)
    assert dict(Call.objects.values_list("cad_event_id", "address")) == {"A": "Café", "B": "Ñ"}


def test_utf_16_eidd_imports(cast: Cast, tmp_path: Path) -> None:
    document = {"incident": {"id": "A"}, "call": {"receivedAt": "2026-01-01T00:00Z"}}
    batch = run(
        cast,
        tmp_path,
        json.dumps([document]).encode("utf-16"),
        name="cad.json",
        format=ImportFormat.EIDD,
    )
    assert (batch.status, batch.imported) == (ImportStatus.DONE, 1)


def test_lines_ending_in_cr_alone_import(cast: Cast, tmp_path: Path) -> None:
    batch = run(cast, tmp_path, TEXT.replace("\n", "\r").encode())
    assert (batch.status, batch.imported, batch.rejected) == (ImportStatus.DONE, 2, 0)


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 20,
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(200),
    ],
)
def test_a_file_that_is_not_text_is_refused_in_plain_words(
    cast: Cast, tmp_path: Path, data: bytes
) -> None:
    batch = run(cast, tmp_path, data)
    assert batch.status == ImportStatus.FAILED
    assert batch.error.startswith("The file is not a text file")
    assert "codec" not in batch.error and "0x" not in batch.error


def test_a_header_that_cannot_be_read_is_refused_in_plain_words(cast: Cast, tmp_path: Path) -> None:
    batch = run(cast, tmp_path, b'"cad_event_id,received_at\n' + b"x" * 140_000 + b"\n")
    assert batch.status == ImportStatus.FAILED
    assert batch.error == (
        "The header line cannot be read: a cell is longer than 131,072 characters."
    )


# --- 6. Dates known to the month ----------------------------------------------------------

OPEN_DATA = {
    "date_parts": {"received_at": {"year": "Yr", "month": "Mo", "weekday": "Wd", "hour": "Hr"}}
}


@pytest.mark.parametrize("month", ["March", "mar", "Mar.", "3", "MARCH"])
def test_a_month_name_and_no_day_store_the_month(month: str) -> None:
    values = converter(OPEN_DATA).convert(
        {"cad_event_id": "A", "Yr": "2025", "Mo": month, "Wd": "Tuesday", "Hr": "14"}
    )
    assert values["received_at"] == dt.datetime(2025, 3, 1, 20, tzinfo=dt.UTC)  # 14:00 CST
    assert values["received_precision"] == DatePrecision.MONTH


@pytest.mark.parametrize(
    ("month", "weekday", "problem"),
    [("Marz", "Tue", '"Marz" is not a month'), ("3", "Funday", '"Funday" is not a day')],
)
def test_an_unknown_month_or_weekday_rejects_the_row(
    month: str, weekday: str, problem: str
) -> None:
    with pytest.raises(RowError) as caught:
        converter(OPEN_DATA).convert(
            {"cad_event_id": "A", "Yr": "2025", "Mo": month, "Wd": weekday, "Hr": "1"}
        )
    assert problem in caught.value.reason


def test_pages_show_only_the_month_of_a_call_known_to_the_month(cast: Cast) -> None:
    from django.urls import reverse

    from pmhc.dispatch import services
    from pmhc.dispatch.tests.helpers import member
    from pmhc.platform.models import Role

    taker = member(cast.agency, Role.CALL_TAKER)
    call = services.create_call(
        cast.actor(taker),
        organization=cast.agency,
        cad_event_id="OPEN-1",
        received_at=dt.datetime(2025, 3, 1, 20, tzinfo=dt.UTC),
    )
    Call.objects.filter(pk=call.pk).update(received_precision=DatePrecision.MONTH)
    client = cast.client(taker)
    detail = client.get(reverse("dispatch_call", args=[call.pk])).content.decode()
    listed = client.get(reverse("dispatch_calls")).content.decode()
    for body in (detail, listed):
        assert "2025-03" in body and "2025-03-01" not in body
    Call.objects.filter(pk=call.pk).update(received_precision=DatePrecision.DAY)
    detail = client.get(reverse("dispatch_call", args=[call.pk])).content.decode()
    assert "2025-03-01" in detail


def test_a_full_date_keeps_the_day_precision() -> None:
    values = converter().convert({"cad_event_id": "A", "received_at": "2025-03-04T14:00"})
    assert "received_precision" not in values  # the column's default: day


def test_only_received_at_may_leave_out_the_day() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_config({"date_parts": {"cleared_at": {"year": "Yr", "month": "Mo"}}})
    assert "only received_at may leave out the day" in caught.value.messages[0]


def test_an_open_data_export_imports_with_month_precision(cast: Cast, tmp_path: Path) -> None:
    batch = run(
        cast,
        tmp_path,
        "Id,Year,Month,Weekday,Hour\nA,2025,January,Friday,9\nB,2025,Feb,Mon,23\n",
        mapping={
            "columns": {"cad_event_id": "Id"},
            "date_parts": {
                "received_at": {
                    "year": "Year",
                    "month": "Month",
                    "weekday": "Weekday",
                    "hour": "Hour",
                }
            },
            "time_zone": "UTC",
        },
    )
    assert (batch.imported, batch.rejected) == (2, 0)
    assert dict(Call.objects.values_list("cad_event_id", "received_precision")) == {
        "A": "month",
        "B": "month",
    }
    assert Call.objects.get(cad_event_id="B").received_at == dt.datetime(
        2025, 2, 1, 23, tzinfo=dt.UTC
    )


# --- 7. EIDD: several calls in one incident ------------------------------------------------


def test_an_incident_with_several_calls_takes_the_earliest(cast: Cast, tmp_path: Path) -> None:
    document = {
        "incident": {"id": "A"},
        "calls": [
            {"receivedAt": "2026-01-01T10:05:00Z"},
            {"receivedAt": "2026-01-01T10:01:00Z"},
            {"receivedAt": "2026-01-01T10:09:00Z"},
        ],
    }
    batch = run(
        cast,
        tmp_path,
        json.dumps([document]),
        name="cad.json",
        format=ImportFormat.EIDD,
        mapping={"columns": {"received_at": {"path": "calls.receivedAt", "pick": "earliest"}}},
    )
    assert (batch.imported, batch.rejected) == (1, 0)
    assert Call.objects.get().received_at == dt.datetime(2026, 1, 1, 10, 1, tzinfo=dt.UTC)


def test_latest_pick_and_a_single_value() -> None:
    mapping = parse_config({"columns": {"cleared_at": {"path": "c", "pick": "latest"}}})
    convert = RowConverter(
        mapping, default_zone="UTC", header=["cad_event_id", "received_at", "c"], now=NOW
    )
    record = {"cad_event_id": "A", "received_at": "2026-01-01T10:00Z"}
    both = convert.convert({**record, "c": ["2026-01-01T11:00Z", "2026-01-01T12:00Z"]})
    assert both["cleared_at"] == dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    one = convert.convert({**record, "c": "2026-01-01T11:00Z"})
    assert one["cleared_at"] == dt.datetime(2026, 1, 1, 11, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "spec",
    [{"path": "calls.receivedAt", "pick": "first"}, {"pick": "earliest"}],
)
def test_a_pick_is_checked(spec: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        parse_config({"columns": {"received_at": spec}})
    with pytest.raises(ValidationError):
        parse_config({"columns": {"address": {"path": "a", "pick": "earliest"}}})


def test_the_default_mapping_reads_as_before() -> None:
    assert parse_config({}) == Mapping()


@pytest.mark.parametrize("columnar", [True, False])
def test_an_inch_mark_before_a_quoted_narrative_is_not_a_stray_quote(
    cast: Cast, tmp_path: Path, settings: Any, columnar: bool
) -> None:
    settings.PMHC_IMPORT_COLUMNAR = columnar
    batch = run(
        cast,
        tmp_path,
        "cad_event_id,received_at,address,narrative\n"
        'A,2025-03-01T10:00:00,12" pipe st,"line one\nline two"\n'
        "B,2025-03-01T10:01:00,x,y\n",
    )
    assert rejects(batch) == {}
    assert set(Call.objects.values_list("cad_event_id", flat=True)) == {"A", "B"}


@pytest.mark.parametrize("columnar", [True, False])
def test_a_line_swallowed_by_a_quote_is_named_not_lost(
    cast: Cast, tmp_path: Path, settings: Any, columnar: bool
) -> None:
    settings.PMHC_IMPORT_COLUMNAR = columnar
    batch = run(
        cast,
        tmp_path,
        "cad_event_id,received_at,address\n"
        'A,2025-03-01T10:00:00,"x\n'
        'B,2025-03-01T10:00:01,y" z\n'
        "C,2025-03-01T10:00:02,w\n",
    )
    assert rejects(batch) == {
        2: "Lines 2 to 3 were read as one record: a quote opened on line 2 is not closed where "
        "the line ends. Check the quotes on line 2."
    }
    assert set(Call.objects.values_list("cad_event_id", flat=True)) == {"C"}


@pytest.mark.parametrize("columnar", [True, False])
def test_a_few_nul_bytes_reject_their_rows_not_the_file(
    cast: Cast, tmp_path: Path, settings: Any, columnar: bool
) -> None:
    settings.PMHC_IMPORT_COLUMNAR = columnar
    good = "".join(f"G{n},2025-03-01T10:00:00,x\n" for n in range(200))
    bad = "".join(f"N{n},2025-03-01T10:00:00,x\x00y\n" for n in range(3))
    batch = run(cast, tmp_path, "cad_event_id,received_at,address\n" + good + bad)
    assert batch.status == ImportStatus.DONE
    assert (batch.imported, batch.rejected) == (200, 3)
    assert set(rejects(batch)) == {202, 203, 204}
