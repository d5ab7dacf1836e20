"""The roster import: every rejected row with its line number and reason, the preview's
counts, an atomic apply, and a re-import of the same file that changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pmhc.platform.models import AuditEvent
from pmhc.training import import_services, roster_csv, selectors
from pmhc.training.audit_codes import TrainingAudit
from pmhc.training.models import (
    Certification,
    Completion,
    Course,
    ImportStatus,
    RosterImport,
    Trainee,
)
from pmhc.training.tasks import apply_roster_import_task
from pmhc.training.tests.factories import TraineeFactory

TODAY = dt.date(2026, 6, 1)
HEADER = "badge_number,last_name,first_name,role,shift,district,cit_volunteer,cit,mhfa_ps\n"
GOOD = (
    HEADER + "101,Alder,Alex,patrol_officer,Day,North,yes,2024-03-15,\n"
    "102,Birch,Blake,Patrol Officer,Night,South,,,2023-11-02\n"
    "103,Cedar,Casey,supervisor,Evening,Central,no,2022-06-10;2025-06-12,\n"
    "201,Dale,Dana,call_taker_dispatcher,Day,,,,\n"
)
BAD = (
    HEADER + "101,Alder,Alex,patrol_officer,Day,North,yes,2024-03-15,\n"  # line 2: good
    ",Nobadge,Ned,patrol_officer,Day,North,,,\n"  # line 3
    "104,Ford,Finley,sheriff,Day,North,,,\n"  # line 4
    "105,Glen,Gale,patrol_officer,,North,,,\n"  # line 5
    '106,"Hale\nHale",Harper,non_sworn,Day,North,maybe,2031-01-01,\n'  # lines 6-7
    "101,Again,Alex,patrol_officer,Day,North,,,\n"  # line 8: duplicate badge
    "107,Hill,Hollis,patrol_officer,Day,North,,yesterday,\n"  # line 9
    "108,Short,Row\n"  # line 10
    "\n"  # line 11: blank, skipped
    "109,Isle,Ivy,other_sworn,Day,East,,,2020-02-02\n"  # line 12: good
)


def parse(text, known=("cit", "mhfa_ps")):
    return roster_csv.parse(text, known, TODAY)


def test_every_bad_row_is_rejected_with_its_line_number_and_reason():
    parsed = parse(BAD)
    assert parsed.errors == []
    assert [row.badge_number for row in parsed.rows] == ["101", "109"]
    assert [row.line for row in parsed.rows] == [2, 12]
    rejected = {r.line: (r.badge_number, r.reason) for r in parsed.rejections}
    assert sorted(rejected) == [3, 4, 5, 6, 8, 9, 10]
    assert "badge_number is empty" in rejected[3][1]
    assert "role “sheriff” is not one of" in rejected[4][1]
    assert "a patrol officer needs a shift and a district" in rejected[5][1]
    # A quoted cell spanning two lines: the row is reported at the line where it starts,
    # with every reason.
    assert "cit_volunteer must be yes, no or empty" in rejected[6][1]
    assert "cit: 2031-01-01 is in the future" in rejected[6][1]
    assert rejected[8] == ("101", "badge number 101 already appears on line 2")
    assert "cit: “yesterday” is not a date" in rejected[9][1]
    assert rejected[10][1] == "expected 9 values, found 3"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("badge_number,last_name\n1,A\n", "the header lacks these columns: first_name, role"),
        (HEADER.strip() + ",firearms\n", "not course codes of your catalogue: firearms"),
        (HEADER.strip() + ",cit\n", "appear more than once: cit"),
    ],
)
def test_problems_with_the_header_stop_the_whole_file(text, message):
    parsed = parse(text)
    assert parsed.rows == []
    assert any(message in error for error in parsed.errors), parsed.errors


def test_accepted_rows_carry_their_values():
    rows = parse(GOOD).rows
    assert rows[1].role == "patrol_officer" and rows[1].cit_selection == ""
    assert rows[0].cit_selection == "volunteer" and rows[2].cit_selection == "assigned"
    assert rows[2].completions == (("cit", dt.date(2022, 6, 10)), ("cit", dt.date(2025, 6, 12)))
    assert rows[3].role == "call_taker_dispatcher"


def test_the_sample_file_parses_cleanly():
    known = {"cit", "mhfa_ps", "dispatcher_cit"}
    parsed = roster_csv.parse(roster_csv.SAMPLE_CSV, known, TODAY)
    assert parsed.errors == [] and parsed.rejections == [] and len(parsed.rows) == 4


def test_a_file_that_is_not_utf8_is_refused(cast):
    with pytest.raises(ValidationError, match="not UTF-8"):
        import_services.upload_roster(
            cast.actor(cast.member),
            organization=cast.agency,
            file_name="r.csv",
            content="badge_number,last_name\n1,Müller\n".encode("latin-1"),
        )
    assert RosterImport.objects.count() == 0


def _upload(cast, text, user=None):
    return import_services.upload_roster(
        cast.actor(user or cast.member),
        organization=cast.agency,
        file_name="roster.csv",
        content=text.encode(),
    )


def _state():
    return (
        list(
            Trainee.objects.order_by("badge_number").values_list(
                "badge_number", "last_name", "role", "shift", "district", "cit_selection"
            )
        ),
        Completion.objects.count(),
        Certification.objects.count(),
        AuditEvent.objects.filter(
            action__in=[TrainingAudit.TRAINEE_SAVED, TrainingAudit.COMPLETION_RECORDED]
        ).count(),
    )


def test_preview_counts_then_apply_then_the_same_file_changes_nothing(cast):
    actor = cast.actor(cast.member)
    first = _upload(cast, GOOD)
    preview = selectors.import_preview(actor, first.pk)
    assert (preview.new, preview.changed, preview.unchanged) == (4, 0, 0)
    assert preview.completions == 4
    assert preview.new_courses == ["cit", "mhfa_ps"]
    assert Trainee.objects.count() == 0  # a preview writes nothing to the roster

    result = import_services.apply_roster_import(actor, roster_import=first)
    assert (result.created, result.changed, result.unchanged, result.completions) == (4, 0, 0, 4)
    assert set(Course.objects.values_list("code", flat=True)) == {"cit", "mhfa_ps"}
    after_first = _state()
    assert after_first[1:3] == (4, 4)
    assert AuditEvent.objects.filter(action=TrainingAudit.ROSTER_IMPORTED).count() == 1

    again = _upload(cast, GOOD)
    preview = selectors.import_preview(actor, again.pk)
    assert (preview.new, preview.changed, preview.unchanged, preview.completions) == (0, 0, 4, 0)
    result = import_services.apply_roster_import(actor, roster_import=again)
    assert (result.created, result.changed, result.unchanged, result.completions) == (0, 0, 4, 0)
    assert _state() == after_first


def test_fixing_rejected_rows_and_importing_again_adds_only_them(cast):
    actor = cast.actor(cast.member)
    import_services.apply_roster_import(actor, roster_import=_upload(cast, BAD))
    assert sorted(Trainee.objects.values_list("badge_number", flat=True)) == ["101", "109"]
    fixed = BAD.replace(",Nobadge,", "110,Nobadge,").replace(",sheriff,", ",supervisor,")
    preview = selectors.import_preview(actor, _upload(cast, fixed).pk)
    assert (preview.new, preview.unchanged) == (2, 2)
    assert {r.line for r in preview.parsed.rejections} == {5, 6, 8, 9, 10}


def test_a_changed_row_updates_the_entry_and_adds_new_dates(cast):
    actor = cast.actor(cast.member)
    import_services.apply_roster_import(actor, roster_import=_upload(cast, GOOD))
    moved = GOOD.replace(
        "101,Alder,Alex,patrol_officer,Day,North,yes,2024-03-15,",
        ("101,Alder,Alex,patrol_officer,Night,North,yes,2024-03-15,2026-01-05"),
    )
    preview = selectors.import_preview(actor, _upload(cast, moved).pk)
    assert (preview.new, preview.changed, preview.unchanged, preview.completions) == (0, 1, 3, 1)
    changed = next(p for p in preview.plans if p.outcome == "changed")
    assert changed.changed_fields == ("shift",)
    import_services.apply_roster_import(actor, roster_import=preview.roster_import)
    alder = Trainee.objects.get(badge_number="101")
    assert alder.shift == "Night" and alder.completions.count() == 2


def test_apply_is_all_or_nothing(cast, monkeypatch):
    """A failure in the second batch undoes the first batch too."""
    actor = cast.actor(cast.member)
    upload = _upload(cast, GOOD)
    before = _state()
    calls = {"n": 0}
    real = import_services.certify_many

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(import_services, "BATCH_ROWS", 2)
    monkeypatch.setattr(import_services, "certify_many", failing)
    with pytest.raises(RuntimeError):
        import_services.apply_roster_import(actor, roster_import=upload)
    assert calls["n"] == 2
    assert _state() == before
    assert Course.objects.count() == 0
    upload.refresh_from_db()
    assert upload.status == ImportStatus.PREVIEWED


def test_an_import_is_applied_once(cast):
    actor = cast.actor(cast.member)
    upload = _upload(cast, GOOD)
    import_services.apply_roster_import(actor, roster_import=upload)
    with pytest.raises(ValidationError, match="already been applied"):
        import_services.apply_roster_import(actor, roster_import=upload)


def test_only_coordinators_and_administrators_import(cast):
    with pytest.raises(PermissionDenied):
        _upload(cast, GOOD, user=cast.colleague)
    upload = _upload(cast, GOOD)
    with pytest.raises(PermissionDenied):
        import_services.apply_roster_import(cast.actor(cast.outsider), roster_import=upload)
    assert Trainee.objects.count() == 0


def test_the_import_keeps_a_linked_account_and_reactivates(cast):
    actor = cast.actor(cast.member)
    TraineeFactory.create(
        organization=cast.agency,
        badge_number="101",
        last_name="Alder",
        first_name="Alex",
        shift="Day",
        district="North",
        cit_selection="volunteer",
        user=cast.colleague,
        is_active=False,
    )
    import_services.apply_roster_import(actor, roster_import=_upload(cast, GOOD))
    alder = Trainee.objects.get(badge_number="101")
    assert alder.user == cast.colleague and alder.is_active


def test_the_pages_upload_preview_queue_and_follow_the_import(
    cast, django_capture_on_commit_callbacks
):
    client = cast.client(cast.member)
    response = client.post(
        reverse("training_import"),
        {"file": SimpleUploadedFile("roster.csv", BAD.encode(), content_type="text/csv")},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Rejected rows" in page
    assert (
        '<th scope="row">8</th><td>101</td><td>badge number 101 already appears on line 2' in page
    )
    assert "2 new roster entries" in page
    upload = RosterImport.objects.get()
    status_url = reverse("training_import_preview", args=[upload.pk])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(reverse("training_import_apply", args=[upload.pk]))
    assert response.status_code == 302 and response["Location"] == status_url
    assert len(queued) == 1
    upload.refresh_from_db()
    assert upload.status == ImportStatus.QUEUED and upload.applied_by == cast.member
    assert Trainee.objects.count() == 0  # the worker applies it, not the request
    task = DBTaskResult.objects.get(task_path=apply_roster_import_task.module_path)
    assert task.args_kwargs["args"] == [upload.pk]

    page = client.get(status_url).content.decode()
    assert "Waiting to start" in page and 'hx-trigger="every 2s"' in page
    assert "Apply the import" not in page
    partial = client.get(status_url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and b"<html" not in partial.content
    assert "the import starts as soon as the worker is free" in partial.content.decode()

    # A second click on the button while it waits: the same page, nothing queued again.
    with django_capture_on_commit_callbacks(execute=True) as again:
        response = client.post(reverse("training_import_apply", args=[upload.pk]))
    assert response.status_code == 302 and response["Location"] == status_url
    assert again == []

    assert apply_roster_import_task.call(upload.pk) == ImportStatus.APPLIED
    assert Trainee.objects.count() == 2
    done = client.get(status_url, HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    page = client.get(status_url).content.decode()
    assert "Applied on" in page and "Apply the import" not in page
    assert "Roster imported: 2 new, 0 changed, 0 unchanged, 7 rejected" in page
    assert (
        '<th scope="row">8</th><td>101</td><td>badge number 101 already appears on line 2' in page
    )
    # Running the task again, or sending the form again, changes nothing.
    events = AuditEvent.objects.count()
    assert apply_roster_import_task.call(upload.pk) == ImportStatus.APPLIED
    response = client.post(reverse("training_import_apply", args=[upload.pk]))
    assert response.status_code == 302 and response["Location"] == status_url
    assert AuditEvent.objects.count() == events and Trainee.objects.count() == 2


def test_a_failed_run_says_why_and_can_be_queued_again(cast, monkeypatch):
    actor = cast.actor(cast.member)
    upload = import_services.queue_roster_import(actor, roster_import=_upload(cast, GOOD))

    def broken(*args, **kwargs):
        raise ValidationError("Line 2 (badge number 101): refused.")

    monkeypatch.setattr(import_services, "apply_roster_import", broken)
    assert apply_roster_import_task.call(upload.pk) == ImportStatus.FAILED
    upload.refresh_from_db()
    assert upload.status == ImportStatus.FAILED
    assert upload.error == "Line 2 (badge number 101): refused."
    failure = AuditEvent.objects.get(action=TrainingAudit.ROSTER_IMPORTED)
    assert failure.outcome == "failure"
    page = cast.client(cast.member).get(reverse("training_import_preview", args=[upload.pk]))
    text = page.content.decode()
    assert "nothing of it was saved. Line 2 (badge number 101): refused." in text
    assert "Apply the import" in text
    monkeypatch.undo()
    import_services.queue_roster_import(actor, roster_import=upload)
    assert apply_roster_import_task.call(upload.pk) == ImportStatus.APPLIED
    assert Trainee.objects.count() == 4


def test_a_run_that_died_can_be_queued_again(cast):
    actor = cast.actor(cast.member)
    upload = import_services.queue_roster_import(actor, roster_import=_upload(cast, GOOD))
    RosterImport.objects.filter(pk=upload.pk).update(
        status=ImportStatus.RUNNING, started_at=timezone.now() - dt.timedelta(minutes=5)
    )
    upload.refresh_from_db()
    # Still running by the look of it: asking again leaves it alone.
    assert import_services.queue_roster_import(actor, roster_import=upload).status == "running"
    assert apply_roster_import_task.call(upload.pk) == ImportStatus.RUNNING
    RosterImport.objects.filter(pk=upload.pk).update(
        started_at=timezone.now() - selectors.STALE_RUN - dt.timedelta(minutes=1)
    )
    page = cast.client(cast.member).get(reverse("training_import_preview", args=[upload.pk]))
    assert "most likely stopped" in page.content.decode()
    upload.refresh_from_db()
    assert import_services.queue_roster_import(actor, roster_import=upload).status == "queued"
    assert apply_roster_import_task.call(upload.pk) == ImportStatus.APPLIED


def test_a_file_left_waiting_too_long_stops_polling_and_can_be_queued_again(cast):
    actor = cast.actor(cast.member)
    upload = import_services.queue_roster_import(actor, roster_import=_upload(cast, GOOD))
    client = cast.client(cast.member)
    url = reverse("training_import_preview", args=[upload.pk])
    waiting = client.get(url).content.decode()
    assert "hx-trigger" in waiting and "most likely stopped" not in waiting
    # No worker took it: the queue was down when it was asked.
    RosterImport.objects.filter(pk=upload.pk).update(
        queued_at=timezone.now() - selectors.STALE_QUEUE - dt.timedelta(minutes=1)
    )
    polled = client.get(url, headers={"HX-Request": "true"})
    assert polled.status_code == 204 and polled["HX-Refresh"] == "true"
    page = client.get(url).content.decode()
    assert "most likely stopped" in page and "hx-trigger" not in page
    upload.refresh_from_db()
    again = import_services.queue_roster_import(actor, roster_import=upload)
    assert again.status == "queued" and not selectors.is_stale_import(again)
    assert apply_roster_import_task.call(upload.pk) == ImportStatus.APPLIED
    # A second task for the same file, from the first queueing, does nothing.
    assert apply_roster_import_task.call(upload.pk) == ImportStatus.APPLIED
    assert Trainee.objects.count() == 4


def test_writing_a_batch_takes_the_same_queries_for_5_rows_or_40(cast):
    """Set-based: the statements of an import do not grow with its rows (within a batch)."""
    actor = cast.actor(cast.member)

    def roster(first, rows):
        lines = [
            f"{first + n},Surname{n},Given,patrol_officer,Day,North,yes,"
            f"2024-03-{1 + n % 28:02d},2023-11-02"
            for n in range(rows)
        ]
        return HEADER + "\n".join(lines) + "\n"

    import_services.apply_roster_import(actor, roster_import=_upload(cast, roster(1, 2)))
    counted = []
    for first, rows in ((1000, 5), (2000, 40)):
        upload = _upload(cast, roster(first, rows))
        with CaptureQueriesContext(connection) as queries:
            result = import_services.apply_roster_import(actor, roster_import=upload)
        assert result.created == rows and result.completions == 2 * rows
        counted.append(len(queries))
    assert counted[0] == counted[1] == 27
    assert AuditEvent.objects.filter(action=TrainingAudit.ROSTER_IMPORT_BATCH).count() == 3
    assert Certification.objects.count() == 2 * 47


def test_batches_each_leave_one_audit_event_naming_their_lines(cast, monkeypatch):
    monkeypatch.setattr(import_services, "BATCH_ROWS", 3)
    import_services.apply_roster_import(cast.actor(cast.member), roster_import=_upload(cast, GOOD))
    events = list(
        AuditEvent.objects.filter(action=TrainingAudit.ROSTER_IMPORT_BATCH).order_by("pk")
    )
    afters = [e.after or {} for e in events]
    assert [(a["first_line"], a["last_line"]) for a in afters] == [(2, 4), (5, 5)]
    assert [len(a["created"]) for a in afters] == [3, 1]
    assert sum(a["completions"] for a in afters) == 4
    assert not AuditEvent.objects.filter(action=TrainingAudit.TRAINEE_SAVED).exists()


def test_a_refresher_gains_its_certification_when_the_core_course_arrives(cast):
    """The import's set-based certifications follow the rule of one completion at a time."""
    actor = cast.actor(cast.member)
    header = "badge_number,last_name,first_name,role,shift,district,cit_volunteer,cit_refresher\n"
    refresher_only = header + "101,Alder,Alex,patrol_officer,Day,North,yes,2025-01-10\n"
    import_services.apply_roster_import(actor, roster_import=_upload(cast, refresher_only))
    assert Completion.objects.count() == 1 and Certification.objects.count() == 0
    with_core = (
        HEADER.strip() + ",cit_refresher\n"
        "101,Alder,Alex,patrol_officer,Day,North,yes,2023-05-01,,2025-01-10\n"
    )
    import_services.apply_roster_import(actor, roster_import=_upload(cast, with_core))
    assert sorted(Certification.objects.values_list("kind", "issued_on")) == [
        ("cit", dt.date(2023, 5, 1)),
        ("cit", dt.date(2025, 1, 10)),
    ]


@pytest.mark.parametrize(
    ("who", "upload_status", "page_status"),
    [
        ("anonymous", 302, 302),
        ("colleague", 404, 404),
        ("outsider", 200, 404),
        ("member", 200, 200),
    ],
)
def test_who_may_upload_and_follow_an_import(cast, who, upload_status, page_status):
    upload = _upload(cast, GOOD)
    user = None if who == "anonymous" else getattr(cast, who)
    client = cast.client(user)
    response = client.get(reverse("training_import"))
    assert response.status_code == upload_status
    if upload_status == 302:
        assert "/login" in response["Location"] or "login" in response["Location"]
    status_url = reverse("training_import_preview", args=[upload.pk])
    assert client.get(status_url).status_code == page_status
    # The status region's own look (the import is not running: the page is to reload).
    region = client.get(status_url, HTTP_HX_REQUEST="true").status_code
    assert region == (204 if page_status == 200 else page_status)
    response = client.post(reverse("training_import_apply", args=[upload.pk]))
    assert response.status_code == (page_status if page_status != 200 else 302)
    upload.refresh_from_db()
    assert upload.status == (ImportStatus.QUEUED if who == "member" else ImportStatus.PREVIEWED)


def test_the_sample_downloads(cast):
    response = cast.client(cast.member).get(reverse("training_import_sample"))
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.decode().startswith("badge_number,last_name,first_name")
    assert cast.client(None).get(reverse("training_import_sample")).status_code == 302


def test_a_row_with_a_nul_character_is_rejected_with_its_line_number():
    text = (
        HEADER + "101,Alder,Alex,patrol_officer,Day,North,yes,2024-03-15,\n"
        "102,Bir\x00ch,Blake,patrol_officer,Night,South,,,\n"  # line 3
        "103,Cedar,Casey,supervisor,Evening,Central,no,,\n"
    )
    parsed = parse(text)
    assert parsed.errors == []
    assert [row.badge_number for row in parsed.rows] == ["101", "103"]
    (rejection,) = parsed.rejections
    assert (rejection.line, rejection.badge_number) == (3, "102")
    assert "last_name: contains a NUL character" in rejection.reason


def test_an_upload_with_a_nul_character_is_kept_without_it_and_its_row_rejected(cast):
    """PostgreSQL refuses NUL in text: the upload keeps a stand-in, and applying imports
    every other row."""
    text = HEADER + "101,Alder,Alex,patrol_officer,Day,No\x00rth,yes,,\n" + GOOD[len(HEADER) :]
    upload = _upload(cast, text)
    assert "\x00" not in RosterImport.objects.get(pk=upload.pk).content
    result = import_services.apply_roster_import(cast.actor(cast.member), roster_import=upload)
    assert (result.created, result.rejected) == (4, 1)
    assert not Trainee.objects.filter(district__contains=roster_csv.NUL_STAND_IN).exists()
    assert Trainee.objects.get(badge_number="101").district == "North"  # from the later line


UNCLOSED = (
    HEADER + "101,Alder,Alex,patrol_officer,Day,North,yes,2024-03-15,\n"
    '102,"Birch,Blake,patrol_officer,Night,South,,,\n'  # line 3: the quote is never closed
    "103,Cedar,Casey,supervisor,Evening,Central,no,,\n"
    "104,Dale,Dana,patrol_officer,Day,North,,,\n"
)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (UNCLOSED, 3),
        # A stray character after a closing quote: the reader cannot say where the row ends.
        (GOOD + '301,"Elm"x,Eden,patrol_officer,Day,North,,,\n' + GOOD[len(HEADER) :], 6),
    ],
)
def test_an_unreadable_row_refuses_the_whole_file_naming_its_line(cast, text, line):
    parsed = parse(text)
    assert parsed.rows == [] and parsed.rejections == []
    (error,) = parsed.errors
    assert error.startswith(f"Line {line} cannot be read")
    assert "nothing was imported" in error
    upload = _upload(cast, text)
    before = _state()
    with pytest.raises(ValidationError) as caught:
        import_services.apply_roster_import(cast.actor(cast.member), roster_import=upload)
    assert f"Line {line} cannot be read" in caught.value.messages[0]
    assert _state() == before and Trainee.objects.count() == 0


def test_an_entry_linked_to_a_former_member_does_not_block_the_import(cast):
    """The account linked to badge 101 has since left the agency: the import still updates
    the entry (keeping its link), and every later import runs too."""
    from pmhc.platform.models import Membership

    TraineeFactory.create(
        organization=cast.agency,
        badge_number="101",
        last_name="Alder",
        first_name="Alexander",  # the file changes the first name
        shift="Day",
        district="North",
        user=cast.colleague,
    )
    Membership.objects.filter(user=cast.colleague, organization=cast.agency).update(is_active=False)
    actor = cast.actor(cast.member)
    result = import_services.apply_roster_import(actor, roster_import=_upload(cast, GOOD))
    assert (result.created, result.changed) == (3, 1)
    alder = Trainee.objects.get(badge_number="101")
    assert alder.first_name == "Alex" and alder.user == cast.colleague
    changed = GOOD.replace(
        "101,Alder,Alex,patrol_officer,Day,", "101,Alder,Alex,patrol_officer,Night,"
    )
    result = import_services.apply_roster_import(actor, roster_import=_upload(cast, changed))
    assert result.changed == 1 and Trainee.objects.get(badge_number="101").shift == "Night"


def test_linking_an_account_is_still_checked_when_the_link_changes(cast):
    from pmhc.training import services

    trainee = TraineeFactory.create(organization=cast.agency)
    with pytest.raises(ValidationError) as caught:
        services.update_trainee(
            cast.actor(cast.member),
            trainee=trainee,
            badge_number=trainee.badge_number,
            last_name=trainee.last_name,
            first_name=trainee.first_name,
            role=trainee.role,
            shift=trainee.shift,
            district=trainee.district,
            user=cast.outsider,
        )
    assert "Link only a member of this organization." in caught.value.message_dict["user"]


PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_IMAGE = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


@pytest.mark.parametrize(
    ("content", "declared"),
    [
        (PAGE, "text/csv"),
        (SVG_IMAGE, "application/vnd.ms-excel"),
        # A page after a screenful of rows is still a page.
        (GOOD.encode() + PAGE, "text/csv"),
    ],
)
def test_a_page_named_csv_is_refused_and_nothing_is_kept(cast, content, declared):
    before = (RosterImport.objects.count(), AuditEvent.objects.count())
    response = cast.client(cast.member).post(
        reverse("training_import"),
        {"file": SimpleUploadedFile("roster.csv", content, content_type=declared)},
    )
    assert response.status_code == 400
    assert "Web pages and scripts cannot be attached" in response.content.decode()
    assert (RosterImport.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    ("name", "content", "declared", "message"),
    [
        ("roster.txt", GOOD.encode(), "text/plain", "Choose a .csv file."),
        ("roster.csv", b"", "text/csv", "is empty."),
        ("roster.csv", b"x" * (roster_csv.MAX_BYTES + 1), "text/csv", "larger than 4 MB"),
    ],
)
def test_the_rosters_own_messages_are_kept(cast, name, content, declared, message):
    response = cast.client(cast.member).post(
        reverse("training_import"),
        {"file": SimpleUploadedFile(name, content, content_type=declared)},
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert not RosterImport.objects.exists()


def test_a_real_csv_passes_the_upload_check(cast):
    response = cast.client(cast.member).post(
        reverse("training_import"),
        {"file": SimpleUploadedFile("roster.csv", GOOD.encode(), "application/octet-stream")},
    )
    assert response.status_code == 302 and RosterImport.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2024-03-15", dt.date(2024, 3, 15)),
        ("2024-3-5", dt.date(2024, 3, 5)),
        ("03/15/2024", dt.date(2024, 3, 15)),
        (" 2024-03-15 ", dt.date(2024, 3, 15)),
        ("2024-02-30", None),
        ("2024-13-01", None),
        ("15.03.2024", None),
    ],
)
def test_completion_dates_are_read_in_either_spelling(text, day):
    if day is None:
        with pytest.raises(ValueError, match="is not a date"):
            roster_csv._parse_date(text, TODAY)
    else:
        assert roster_csv._parse_date(text, TODAY) == day


def test_a_double_click_on_apply_leads_to_the_same_status_page(cast):
    """The form carries a submit-once token: the second POST with it is not run again but
    sent where the first went."""
    import re

    client = cast.client(cast.member)
    upload = _upload(cast, GOOD)
    status_url = reverse("training_import_preview", args=[upload.pk])
    page = client.get(status_url).content.decode()
    token = re.search(r'name="pmhc_submit" value="([^"]+)"', page)
    assert token is not None
    data = {"pmhc_submit": token.group(1)}
    first = client.post(reverse("training_import_apply", args=[upload.pk]), data)
    events = AuditEvent.objects.count()
    second = client.post(reverse("training_import_apply", args=[upload.pk]), data)
    assert first.status_code == 302 and second.status_code == 303
    assert first["Location"] == second["Location"] == status_url
    assert AuditEvent.objects.count() == events
    upload.refresh_from_db()
    assert upload.status == ImportStatus.QUEUED
