"""``pmhc import calls``: summary, rejects, exit status and refusals."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pmhc.conftest import Cast
from pmhc.dispatch import import_services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call, CallImport, ImportStatus
from pmhc.platform.models import AuditEvent

pytestmark = pytest.mark.django_db

CONTENT = (
    "cad_event_id,received_at,priority\n"
    "A,2026-01-01T00:00,1\n"
    "B,2026-01-01T00:00,0\n"
    "C,2026-01-01T00:00,2\n"
)


def _file(tmp_path: Path, content: str = CONTENT) -> Path:
    path = tmp_path / "cad.csv"
    path.write_text(content, encoding="utf-8")
    return path


def test_summary_lists_rejects_and_exits_3(cast: Cast, tmp_path: Path) -> None:
    out = StringIO()
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(SystemExit) as exited:
        call_command(
            "import",
            "calls",
            str(_file(tmp_path)),
            agency="agency",
            rejects=str(rejects),
            stdout=out,
        )
    assert exited.value.code == 3
    text = out.getvalue()
    assert "Rows read:      3" in text
    assert "New calls:      2" in text
    assert "Already there:  0" in text
    assert "Rejected:       1" in text
    assert 'line 3 (B): priority: "0" is not a priority from 1 to 9.' in text
    assert rejects.read_text().splitlines() == [
        "line,cad_event_id,reason",
        '3,B,"priority: ""0"" is not a priority from 1 to 9."',
    ]
    event = AuditEvent.objects.get(action=DispatchAudit.CALLS_IMPORTED)
    assert event.actor_name == "pmhc import calls"


def test_a_clean_file_twice_exits_0_and_adds_nothing(cast: Cast, tmp_path: Path) -> None:
    path = _file(tmp_path, "cad_event_id,received_at\nA,2026-01-01T00:00\n")
    call_command("import", "calls", str(path), agency="agency", stdout=StringIO())
    out = StringIO()
    call_command("import", "calls", str(path), agency="agency", stdout=out)
    assert "Already there:  1" in out.getvalue()
    assert Call.objects.count() == 1


def test_all_or_nothing_exits_1_and_imports_nothing(cast: Cast, tmp_path: Path) -> None:
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import",
            "calls",
            str(_file(tmp_path)),
            agency="agency",
            all_or_nothing=True,
            stdout=out,
        )
    assert caught.value.returncode == 1
    assert "line 3 (B)" in out.getvalue()
    assert Call.objects.count() == 0
    assert CallImport.objects.get().status == ImportStatus.ROLLED_BACK


def test_a_refused_file_exits_1(cast: Cast, tmp_path: Path) -> None:
    with pytest.raises(CommandError) as caught:
        call_command("import", "calls", str(_file(tmp_path, "x,y\n1,2\n")), agency="agency")
    assert caught.value.returncode == 1
    assert "has no column “cad_event_id”" in str(caught.value)


def test_unknown_agency_mapping_or_file_is_refused(cast: Cast, tmp_path: Path) -> None:
    path = _file(tmp_path)
    with pytest.raises(CommandError, match="No agency with the short name 'nowhere'"):
        call_command("import", "calls", str(path), agency="nowhere")
    import_services.save_mapping(
        cast.actor(cast.member), organization=cast.agency, name="county", config={}
    )
    with pytest.raises(
        CommandError, match=r"has no mapping named 'other' \(its mappings: county\)"
    ):
        call_command("import", "calls", str(path), agency="agency", mapping="other")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import", "calls", str(tmp_path / "missing.csv"), agency="agency")
    bad = tmp_path / "mapping.json"
    bad.write_text(json.dumps({"colums": {}}))
    with pytest.raises(CommandError, match="Unknown setting"):
        call_command("import", "calls", str(path), agency="agency", mapping_file=str(bad))
    assert CallImport.objects.filter(status=ImportStatus.DONE).count() == 0
    assert Call.objects.count() == 0


def test_mapping_file_and_saved_mapping(cast: Cast, tmp_path: Path) -> None:
    path = _file(tmp_path, "Incident;When\nZ-1;2026-01-01T00:00\n")
    config = {"columns": {"cad_event_id": "Incident", "received_at": "When"}, "delimiter": ";"}
    mapping_file = tmp_path / "mapping.json"
    mapping_file.write_text(json.dumps(config))
    call_command(
        "import",
        "calls",
        str(path),
        agency="agency",
        mapping_file=str(mapping_file),
        stdout=StringIO(),
    )
    assert Call.objects.get().cad_event_id == "Z-1"
    import_services.save_mapping(
        cast.actor(cast.member), organization=cast.agency, name="semi", config=config
    )
    out = StringIO()
    call_command("import", "calls", str(path), agency="agency", mapping="semi", stdout=out)
    assert "Already there:  1" in out.getvalue()
    assert CallImport.objects.latest("pk").mapping is not None
