"""Reading CAD files: line numbers, encodings, odd bytes, mappings and EIDD-style JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from pmhc.conftest import Cast
from pmhc.dispatch import import_services
from pmhc.dispatch.cad_mapping import parse_config
from pmhc.dispatch.models import Call, CallImport, ImportStatus

pytestmark = pytest.mark.django_db


def run(cast: Cast, tmp_path: Path, content: bytes | str, **kwargs: Any) -> CallImport:
    path = tmp_path / kwargs.pop("name", "cad.csv")
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return import_services.import_file(
        cast.actor(cast.member), organization=cast.agency, path=path, **kwargs
    )


def rejects(batch: CallImport) -> dict[int, str]:
    return dict(batch.rejections.order_by("line").values_list("line", "reason"))


def test_quoted_cells_spanning_lines_keep_later_line_numbers(cast: Cast, tmp_path: Path) -> None:
    batch = run(
        cast,
        tmp_path,
        "cad_event_id,received_at,narrative\r\n"
        'A,2026-01-01T00:00,"one\r\ntwo\r\nthree"\r\n'
        "B,not a date,x\r\n"
        '"C",2026-01-01T00:00,"a ""quoted"" word"\r\n'
        ",2026-01-01T00:00,x\r\n",
    )
    assert rejects(batch) == {
        5: 'received_at: "not a date" is not a valid date in the format ISO 8601 '
        "(2026-02-28T14:30:00).",
        7: "The CAD event id is missing.",
    }
    assert Call.objects.get(cad_event_id="A").narrative == "one\r\ntwo\r\nthree"
    assert Call.objects.get(cad_event_id="C").narrative == 'a "quoted" word'


def test_byte_order_mark_is_skipped(cast: Cast, tmp_path: Path) -> None:
    batch = run(cast, tmp_path, b"\xef\xbb\xbfcad_event_id,received_at\nA,2026-01-01T00:00\n")
    assert (batch.status, batch.imported) == (ImportStatus.DONE, 1)


def test_empty_file_is_refused(cast: Cast, tmp_path: Path) -> None:
    batch = run(cast, tmp_path, b"")
    assert batch.status == ImportStatus.FAILED
    assert "empty" in batch.error


def test_missing_required_column_refuses_the_whole_file(cast: Cast, tmp_path: Path) -> None:
    batch = run(cast, tmp_path, "cad_event_id,address\nA,1 Main St\n")
    assert batch.status == ImportStatus.FAILED
    assert "“received_at” (for received_at)" in batch.error
    assert "nothing was imported" in batch.error
    assert Call.objects.count() == 0
    assert batch.rejections.count() == 0


def test_nul_bytes_and_wrong_encoding_reject_their_rows(cast: Cast, tmp_path: Path) -> None:
    batch = run(
        cast,
        tmp_path,
        b"cad_event_id,received_at,address\n"
        b"A,2026-01-01T00:00,1 Main\n"
        b"B,2026-01-01T00:00,Caf\xe9 Street\n"
        b"C,2026-01-01T00:00,2 M\x00ain\n"
        b"D,2026-01-01T00:00,3 Main\n",
    )
    found = rejects(batch)
    assert set(found) == {3, 4}
    assert found[3] == (
        "Line 3 is not valid UTF-8 text (at character 23); save the file as UTF-8 or name its "
        "encoding in the mapping."
    )
    assert "NUL" in found[4]
    assert set(Call.objects.values_list("cad_event_id", flat=True)) == {"A", "D"}


def test_mapping_encoding_reads_latin_1(cast: Cast, tmp_path: Path) -> None:
    run(
        cast,
        tmp_path,
        b"cad_event_id,received_at,address\nB,2026-01-01T00:00,Caf\xe9 Street\n",
        mapping={"encoding": "latin-1"},
    )
    assert Call.objects.get().address == "Café Street"


def test_short_and_long_records_and_too_long_text(cast: Cast, tmp_path: Path) -> None:
    batch = run(
        cast,
        tmp_path,
        "cad_event_id,received_at,beat\nA,2026-01-01T00:00\nB,2026-01-01T00:00,1,2\n"
        f"C,2026-01-01T00:00,{'x' * 31}\n",
    )
    assert rejects(batch) == {
        2: "The record has 2 cells; the header has 3.",
        3: "The record has 4 cells; the header has 3.",
        4: "beat is 31 characters long; at most 30 fit.",
    }


def test_values_are_checked_against_what_is_allowed(cast: Cast, tmp_path: Path) -> None:
    batch = run(
        cast,
        tmp_path,
        "cad_event_id,received_at,source,mh_indicators,cit_requested,latitude\n"
        "A,2026-01-01T00:00,radio,,no,\n"
        "B,2026-01-01T00:00,911,hallucinating,no,\n"
        "C,2026-01-01T00:00,911,,maybe,\n"
        "D,2026-01-01T00:00,911,,no,91\n"
        "E,2026-01-01T00:00,988,suicide,yes,41.5\n",
    )
    found = rejects(batch)
    assert found[2].startswith('source: "radio" is not one of 911, 988, officer')
    assert found[3].startswith('mh_indicators: "hallucinating" is not one of suicide')
    assert found[4].startswith('cit_requested: "maybe" is not yes or no')
    assert found[5] == 'latitude: "91" is outside -90 to 90.'
    call = Call.objects.get()
    assert (call.source, call.mh_indicators, call.cit_requested) == ("988", ["suicide"], True)


def test_times_without_offset_are_read_in_the_agency_zone(cast: Cast, tmp_path: Path) -> None:
    cast.agency.time_zone = "America/Chicago"
    cast.agency.save()
    run(cast, tmp_path, "cad_event_id,received_at\nA,2026-07-01T10:00\nB,2026-07-01T10:00Z\n")
    times = dict(Call.objects.values_list("cad_event_id", "received_at"))
    assert times["A"].isoformat() == "2026-07-01T15:00:00+00:00"
    assert times["B"].isoformat() == "2026-07-01T10:00:00+00:00"


MAPPED = (
    "Incident,Call Date,Call Time,Yr,Mo,Dy,Hr,Mi,Nature,Pri,How,Cleared,CIT\n"
    "24-1,02/28/2026,14:30:00,2026,2,28,15,5,10-96,P1,E911,02/28/2026 16:00,X\n"
    "24-2,02/31/2026,14:30:00,2026,2,28,15,5,10-96,P2,SELF,,-\n"
    "24-3,03/01/2026,09:00:00,2026,3,1,9,5,WELF,3,e911,,-\n"
)
MAPPING = {
    "columns": {
        "cad_event_id": "Incident",
        "call_type": "Nature",
        "priority": "Pri",
        "source": "How",
        "cleared_at": "Cleared",
        "cit_requested": "CIT",
    },
    "date_parts": {
        "received_at": {
            "date": "Call Date",
            "time": "Call Time",
            "date_format": "%m/%d/%Y",
            "time_format": "%H:%M:%S",
        },
        "dispatched_at": {"year": "Yr", "month": "Mo", "day": "Dy", "hour": "Hr", "minute": "Mi"},
    },
    "date_formats": {"cleared_at": "%m/%d/%Y %H:%M"},
    "values": {"source": {"E911": "911", "SELF": "officer"}, "priority": {"P1": "1", "P2": "2"}},
    "apco_types": {"10-96": "PSYCH"},
    "booleans": {"true": ["X"], "false": ["-"]},
    "time_zone": "UTC",
}


def test_a_mapping_reads_another_cad_export(cast: Cast, tmp_path: Path) -> None:
    batch = run(cast, tmp_path, MAPPED, mapping=MAPPING)
    assert rejects(batch) == {
        3: 'received_at: "02/31/2026" is not a valid date in the format %m/%d/%Y.'
    }
    first = Call.objects.get(cad_event_id="24-1")
    assert first.received_at.isoformat() == "2026-02-28T14:30:00+00:00"
    assert first.dispatched_at is not None
    assert first.dispatched_at.isoformat() == "2026-02-28T15:05:00+00:00"
    assert first.cleared_at is not None
    assert first.cleared_at.isoformat() == "2026-02-28T16:00:00+00:00"
    assert (first.priority, first.source, first.apco_type, first.cit_requested) == (
        1,
        "911",
        "PSYCH",
        True,
    )
    third = Call.objects.get(cad_event_id="24-3")
    assert (third.source, third.apco_type, third.cit_requested) == ("911", "", False)


def test_a_saved_mapping_is_used_by_name(cast: Cast, tmp_path: Path) -> None:
    saved = import_services.save_mapping(
        cast.actor(cast.member), organization=cast.agency, name="county", config=MAPPING
    )
    batch = run(cast, tmp_path, MAPPED, mapping=saved)
    assert batch.mapping == saved
    assert batch.imported == 2


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([], "A mapping is a JSON object."),
        ({"colums": {}}, "Unknown setting “colums”."),
        ({"columns": {"caller_name": "Name"}}, "“caller_name” is not a field of a call."),
        ({"date_formats": {"received_at": "%Q"}}, "“%Q” is not a date format"),
        ({"date_parts": {"received_at": {"year": "Y"}}}, "needs either “date”"),
        ({"values": {"priority": {"P0": "0"}}}, "“0” is not a priority from 1 to 9."),
        ({"values": {"narrative": {"a": "b"}}}, "“narrative” takes no value map"),
        ({"time_zone": "Mars/Olympus"}, "“Mars/Olympus” is not a time zone."),
        ({"encoding": "klingon"}, "“klingon” is not a text encoding."),
        ({"booleans": {"true": ["x"], "false": ["x"]}}, "cannot mean both yes and no"),
    ],
)
def test_mapping_problems_are_named(config: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_config(config)
    assert any(message in text for text in caught.value.messages), caught.value.messages


def test_eidd_array_and_json_lines(cast: Cast, tmp_path: Path) -> None:
    documents = [
        {
            "incident": {"id": "X-1", "type": "MH", "priority": 2, "mentalHealth": True},
            "call": {"receivedAt": "2026-05-01T08:00:00Z", "source": "911"},
            "location": {"address": "1 Elm St", "latitude": 41.1, "longitude": -87.6},
            "units": [{"id": "A12"}, {"id": "B3"}],
            "notes": {"text": "Line one\nline two"},
        },
        {"incident": {"id": "X-2"}, "call": {"receivedAt": "yesterday"}},
        {"incident": {"id": "X-3"}, "call": {"receivedAt": "2026-05-01T09:00:00Z"}},
    ]
    pretty = json.dumps(documents, indent=2)
    batch = run(cast, tmp_path, pretty, format="eidd", name="cad.json")
    starts = [n for n, text in enumerate(pretty.splitlines(), start=1) if text == "  {"]
    second_line = starts[1]
    assert list(rejects(batch)) == [second_line]
    call = Call.objects.get(cad_event_id="X-1")
    assert (call.units, call.priority, call.is_mental_health) == (["A12", "B3"], 2, True)
    assert call.address == "1 Elm St"
    assert str(call.latitude) == "41.100000"

    lines = "\n".join(json.dumps(d) for d in documents) + "\n"
    again = run(cast, tmp_path, lines, format="eidd", name="cad.jsonl")
    assert (again.duplicates, again.rejected) == (2, 1)
    assert list(rejects(again)) == [2]


@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_a_json_array_on_one_line_repeats_only_what_repeats(
    cast: Cast, tmp_path: Path, all_or_nothing: bool
) -> None:
    """``json.dump`` writes an array on one line, so every incident is on line 1: a repeat in a
    later batch rejects that incident alone, not the batch it shares a line with."""
    ids = ["X-1", "X-2", "X-3", "X-1", "X-5", "X-6"]
    documents = [
        {"incident": {"id": cad}, "call": {"receivedAt": "2026-05-01T08:00:00Z"}} for cad in ids
    ]
    batch = run(
        cast,
        tmp_path,
        json.dumps(documents),
        format="eidd",
        name="cad.json",
        batch_size=2,
        all_or_nothing=all_or_nothing,
    )
    assert batch.rejected == 1
    assert list(batch.rejections.values_list("line", "reason")) == [
        (1, "The CAD event id repeats line 1 of this file.")
    ]
    imported = set(Call.objects.values_list("cad_event_id", flat=True))
    if all_or_nothing:
        assert batch.status == ImportStatus.ROLLED_BACK and imported == set()
    else:
        assert (batch.status, batch.imported) == (ImportStatus.DONE, 5)
        assert imported == {"X-1", "X-2", "X-3", "X-5", "X-6"}


def test_eidd_that_is_not_json_is_refused(cast: Cast, tmp_path: Path) -> None:
    batch = run(cast, tmp_path, '[{"incident": {"id": "X"}}, {oops}]', format="eidd")
    assert batch.status == ImportStatus.FAILED
    assert "not valid JSON" in batch.error


def test_every_kind_of_value_is_stored_as_given(cast: Cast, tmp_path: Path) -> None:
    """Times with and without an offset, across a clock change, lists, booleans, decimals and
    text come out of the database as they went in."""
    cast.agency.time_zone = "America/Chicago"
    cast.agency.save()
    run(
        cast,
        tmp_path,
        "cad_event_id,received_at,dispatched_at,cleared_at,mh_indicators,units,"
        "cit_requested,latitude,priority,narrative\n"
        "A,2026-03-08T01:59:30,2026-03-08T03:01:00,2026-03-08T09:15:20.250000+00:00,"
        'suicide;distress,1N12;2N14,yes,41.878114,2,"Said ""help""; then left"\n',
    )
    call = Call.objects.get(cad_event_id="A")
    utc = dt.UTC
    # 01:59:30 CST is 07:59:30 UTC; 03:01 is after the clocks went forward (CDT): 08:01 UTC.
    assert call.received_at == dt.datetime(2026, 3, 8, 7, 59, 30, tzinfo=utc)
    assert call.dispatched_at == dt.datetime(2026, 3, 8, 8, 1, tzinfo=utc)
    assert call.cleared_at == dt.datetime(2026, 3, 8, 9, 15, 20, 250000, tzinfo=utc)
    assert call.mh_indicators == ["suicide", "distress"]
    assert call.units == ["1N12", "2N14"]
    assert call.cit_requested is True and call.cit_dispatched is False
    assert str(call.latitude) == "41.878114"
    assert call.priority == 2
    assert call.narrative == 'Said "help"; then left'
