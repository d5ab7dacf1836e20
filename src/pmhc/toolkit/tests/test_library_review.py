"""The resource library: review by TTA staff, publication, public pages and search."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from pmhc.platform import audit
from pmhc.platform.access import ANONYMOUS, actor_for_user, system_actor
from pmhc.platform.models import (
    AuditAction,
    AuditEvent,
    EmailStatus,
    OutboundEmail,
)
from pmhc.toolkit import demo_library
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LibraryItem, ReviewStatus
from pmhc.toolkit.selectors import library as selectors
from pmhc.toolkit.services import library as services
from pmhc.toolkit.tests.library_support import (
    PDF,
    SECRET_EMAIL,
    SECRET_NAME,
    counts,
    form_data,
    publish,
    search,
    submit,
    titles,
)

# --- Review: the boundary -------------------------------------------------------------------


def review_urls(item: LibraryItem) -> list[str]:
    return [reverse("library_review"), reverse("library_review_item", args=[item.pk])]


def test_review_pages_boundary(cast, tta):
    item, _token = submit()
    for url in review_urls(item):
        anonymous = cast.client(None).get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith(reverse("login"))
        before = counts()
        for user in (cast.colleague, cast.admin, tta.other_reviewer):
            response = cast.client(user).get(url)
            assert response.status_code == 404, (url, user.username)
            assert item.title not in response.content.decode()
            assert SECRET_EMAIL not in response.content.decode()
        assert counts() == before
        allowed = cast.client(tta.reviewer).get(url)
        assert allowed.status_code == 200
        assert item.title in allowed.content.decode()


def test_reading_a_submission_for_review_is_audited(cast, tta):
    item, _token = submit()
    response = cast.client(tta.reviewer).get(reverse("library_review_item", args=[item.pk]))
    assert SECRET_EMAIL in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.RECORD_READ)
    assert (event.actor_id, event.object_id, event.purpose) == (
        tta.reviewer.pk,
        str(item.pk),
        "administration",
    )


@pytest.mark.parametrize(
    "decision",
    [
        {"decision": "publish", "publish-kind": "policy", "publish-elements": ["4"]},
        {"decision": "changes", "changes-note": "Please add dates."},
        {"decision": "reject", "reject-reason": "Out of scope."},
    ],
)
def test_decisions_by_the_wrong_people_write_nothing(cast, tta, decision):
    item, _token = submit()
    url = reverse("library_review_item", args=[item.pk])
    before = counts()
    assert cast.client(None).post(url, decision).status_code == 302
    for user in (cast.colleague, tta.other_reviewer):
        assert cast.client(user).post(url, decision).status_code == 404
    assert counts() == before
    item.refresh_from_db()
    assert (item.status, item.elements, item.review_note) == ("submitted", [], "")


def test_review_services_check_the_policy(cast, tta):
    item, _token = submit()
    before = counts()
    for actor in (ANONYMOUS, actor_for_user(cast.colleague), actor_for_user(tta.other_reviewer)):
        with pytest.raises(PermissionDenied):
            services.publish_item(actor, item=item, kind="policy", elements=[1], program_types=[])
        with pytest.raises(PermissionDenied):
            services.request_changes(actor, item=item, note="x")
        with pytest.raises(PermissionDenied):
            services.reject_item(actor, item=item, reason="x")
    assert counts() == before


def test_queue_lists_only_the_reviewers_items_without_contact_details(cast, tta, settings):
    submit(title="Ours to review")
    settings.TTA_ORGANIZATION = tta.other_org.slug
    theirs, _token = submit(title="Another center's item")
    settings.TTA_ORGANIZATION = tta.org.slug
    page = cast.client(tta.reviewer).get(reverse("library_review")).content.decode()
    assert "Ours to review" in page
    assert "Another center's item" not in page
    assert SECRET_EMAIL not in page and SECRET_NAME not in page
    other_page = cast.client(tta.reviewer).get(reverse("library_review_item", args=[theirs.pk]))
    assert other_page.status_code == 404


# --- Review: the flows ----------------------------------------------------------------------


def test_publish_with_tags_audits_and_tells_the_submitter(cast, tta):
    item, _token = submit()
    response = cast.client(tta.reviewer).post(
        reverse("library_review_item", args=[item.pk]),
        {
            "decision": "publish",
            "publish-kind": "dispatch_protocol",
            "publish-elements": ["4", "1"],
            "publish-program_types": ["cit", "co-responder"],
            "publish-note": "Thank you.",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ReviewStatus.PUBLISHED
    assert (item.kind, item.elements, item.program_types) == (
        "dispatch_protocol",
        [1, 4],
        ["cit", "co-responder"],
    )
    assert item.published_at is not None
    assert item.reviewed_by == tta.reviewer
    event = AuditEvent.objects.get(action=ToolkitAudit.LIBRARY_REVIEWED)
    assert event.before == {
        "status": "submitted",
        "kind": "policy",
        "elements": [],
        "program_types": [],
    }
    assert event.after == {
        "status": "published",
        "kind": "dispatch_protocol",
        "elements": [1, 4],
        "program_types": ["cit", "co-responder"],
    }
    assert event.actor_id == tta.reviewer.pk
    message = OutboundEmail.objects.get(purpose="library_published")
    assert message.to == [SECRET_EMAIL]
    assert f"http://testserver/library/{item.pk}/" in message.body
    assert "Thank you." in message.body


def test_an_unknown_decision_changes_nothing(cast, tta):
    item, _token = submit()
    url = reverse("library_review_item", args=[item.pk])
    response = cast.client(tta.reviewer).post(url, {"decision": "delete"}, follow=True)
    assert "Choose a decision." in response.content.decode()
    item.refresh_from_db()
    assert item.status == "submitted"
    assert not AuditEvent.objects.filter(action=ToolkitAudit.LIBRARY_REVIEWED).exists()


def test_publish_needs_a_tag(cast, tta):
    item, _token = submit()
    before = counts()
    response = cast.client(tta.reviewer).post(
        reverse("library_review_item", args=[item.pk]),
        {"decision": "publish", "publish-kind": "policy"},
    )
    assert response.status_code == 400
    assert "Tag at least one essential element or program type" in response.content.decode()
    # Only the audited read of the page was written.
    assert counts()[0::2] == before[0::2]
    with pytest.raises(ValidationError):
        publish(tta, item, elements=[11])
    with pytest.raises(ValidationError):
        publish(tta, item, program_types=["swat"])


def test_retagging_a_published_item_is_audited_and_sends_no_second_mail(tta):
    item, _token = submit()
    publish(tta, item)
    first = LibraryItem.objects.get(pk=item.pk).published_at
    publish(tta, item, elements=[2, 3], program_types=[])
    item.refresh_from_db()
    assert (item.elements, item.program_types, item.published_at) == ([2, 3], [], first)
    events = AuditEvent.objects.filter(action=ToolkitAudit.LIBRARY_REVIEWED).order_by("sequence")
    assert [e.detail for e in events] == ["published", "tags changed"]
    assert OutboundEmail.objects.filter(purpose="library_published").count() == 1


def test_changes_requested_then_resubmitted_from_the_private_link(client, cast, tta):
    item, token = submit(body="First draft.")
    url = reverse("library_review_item", args=[item.pk])
    refused = cast.client(tta.reviewer).post(url, {"decision": "changes", "changes-note": " "})
    assert refused.status_code == 400
    assert "Say what the submitter should change." in refused.content.decode()

    done = cast.client(tta.reviewer).post(
        url, {"decision": "changes", "changes-note": "Please remove the names of officers."}
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.review_note) == ("changes", "Please remove the names of officers.")
    message = OutboundEmail.objects.get(purpose="library_changes_requested")
    assert message.to == [SECRET_EMAIL]
    assert "Please remove the names of officers." in message.body
    event = AuditEvent.objects.get(action=ToolkitAudit.LIBRARY_REVIEWED)
    assert ((event.before or {}).get("status"), (event.after or {}).get("status")) == (
        "submitted",
        "changes",
    )

    status_url = reverse("library_status", args=[token])
    page = client.get(status_url).content.decode()
    assert "Please remove the names of officers." in page
    assert "Send back for review" in page
    assert SECRET_EMAIL not in page

    resubmitted = client.post(
        status_url,
        {"kind": "policy", "title": "Crisis response policy, second draft",
         "summary": "Revised.", "body": "Second draft without names."},
    )  # fmt: skip
    assert resubmitted.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.title, item.body) == (
        "submitted",
        "Crisis response policy, second draft",
        "Second draft without names.",
    )
    again = list(
        AuditEvent.objects.filter(action=ToolkitAudit.LIBRARY_SUBMITTED).order_by("sequence")
    )
    assert len(again) == 2
    assert (again[1].before or {}).get("status") == "changes"
    assert (again[1].after or {}).get("status") == "submitted"
    assert again[1].detail == "resubmitted after changes were requested"
    assert OutboundEmail.objects.filter(purpose="library_resubmitted").count() == 1
    # Once sent back, the private page no longer takes changes.
    before = counts()
    late = client.post(status_url, {"kind": "policy", "title": "x", "summary": "y", "body": "z"})
    assert late.status_code == 200
    assert "Send back for review" not in late.content.decode()
    assert counts() == before
    with pytest.raises(ValidationError, match="not waiting for changes"):
        services.resubmit_item(
            ANONYMOUS, item=item, kind="policy", title="x", summary="y", body="z"
        )


def test_resubmitting_a_new_file_replaces_the_old_one(tta, django_capture_on_commit_callbacks):
    item, _token = submit(file=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"))
    old = Path(item.file.path)
    services.request_changes(actor_for_user(tta.reviewer), item=item, note="Newer version?")
    with django_capture_on_commit_callbacks(execute=True):
        item = services.resubmit_item(
            ANONYMOUS,
            item=item,
            kind="policy",
            title=item.title,
            summary=item.summary,
            body="",
            file=SimpleUploadedFile("b.pdf", PDF + b"%v2", content_type="application/pdf"),
        )
    assert item.file_name == "b.pdf"
    assert Path(item.file.path).read_bytes() == PDF + b"%v2"
    assert not old.exists()


def test_reject_needs_a_reason_and_the_submitter_reads_it(client, cast, tta):
    item, token = submit()
    url = reverse("library_review_item", args=[item.pk])
    refused = cast.client(tta.reviewer).post(url, {"decision": "reject", "reject-reason": ""})
    assert refused.status_code == 400
    assert "Give the reason the submitter will read." in refused.content.decode()
    assert (
        cast.client(tta.reviewer)
        .post(url, {"decision": "reject", "reject-reason": "This is advertising."})
        .status_code
        == 302
    )
    item.refresh_from_db()
    assert (item.status, item.review_note) == ("rejected", "This is advertising.")
    message = OutboundEmail.objects.get(purpose="library_rejected")
    assert "This is advertising." in message.body
    page = client.get(reverse("library_status", args=[token])).content.decode()
    assert "Not accepted" in page and "This is advertising." in page
    # A declined item cannot be published or sent back later.
    with pytest.raises(ValidationError):
        publish(tta, item)
    with pytest.raises(ValidationError):
        services.request_changes(actor_for_user(tta.reviewer), item=item, note="x")
    assert client.get(reverse("library_item", args=[item.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_submitter_mail_is_sent_by_the_worker(client, tta, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("library_submit"), form_data(body="Text"))
    assert response.status_code == 302
    call_command("worker", "--batch")
    message = OutboundEmail.objects.get(purpose="library_submitted")
    assert message.status == EmailStatus.SENT
    assert [m.to for m in mail.outbox] == [[SECRET_EMAIL]]
    assert "/library/status/" in mail.outbox[0].body


# --- Public pages and search ----------------------------------------------------------------


def test_search_finds_published_items_by_words_in_title_summary_and_body(library):
    assert search(text="dispatcher") == ["Dispatcher questions for crisis calls"]
    assert search(text="DISPATCHER crisis") == ["Dispatcher questions for crisis calls"]
    assert search(text="handoff") == ["Transport and custodial transfer policy"]  # summary
    assert search(text="weapons") == ["Dispatcher questions for crisis calls"]  # body
    assert search(text="dispatcher transport") == []  # every word must match
    assert search(text="nothing-like-this") == []
    assert "Dispatcher draft not yet reviewed" not in search()


def test_filters_by_element_program_type_and_kind(library):
    assert search(element=4) == ["Dispatcher questions for crisis calls"]
    assert set(search(program_type="co-responder")) == {
        "Transport and custodial transfer policy",
        "Information exchange agreement",
    }
    assert search(program_type="mobile-crisis", kind="mou") == ["Information exchange agreement"]
    assert search(kind="mou", element=4) == []
    assert search(text="transfer", program_type="co-responder") == [
        "Transport and custodial transfer policy"
    ]
    assert titles(selectors.published_tagged(element=7)) == ["Information exchange agreement"]
    assert titles(selectors.published_tagged(program_type="cit")) == [
        "Dispatcher questions for crisis calls"
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's")
def test_postgresql_ranks_title_matches_above_body_matches(tta):
    in_title, _t = submit(title="Evaluation plan", summary="A plan.", body="Data to collect.")
    publish(tta, in_title)
    in_body, _t = submit(title="Annual report", summary="A report.", body="An evaluation.")
    publish(tta, in_body)  # newer, so first without ranking
    assert search(text="evaluation") == ["Evaluation plan", "Annual report"]
    assert search(text="evaluations") == ["Evaluation plan", "Annual report"]  # stemmed


def test_library_index_lists_searches_and_never_shows_contact_details(client, library):
    page = client.get(reverse("library_index")).content.decode()
    assert "3 published items" in page
    assert "Dispatcher draft not yet reviewed" not in page
    assert SECRET_EMAIL not in page and SECRET_NAME not in page
    found = client.get(reverse("library_index"), {"q": "dispatcher", "element": "4"})
    assert found.status_code == 200
    assert "1 item matches" in found.content.decode()
    assert "Dispatcher questions for crisis calls" in found.content.decode()
    bad = client.get(reverse("library_index"), {"element": "12"})
    assert bad.status_code == 200  # an unknown filter is reported, not an error page


def test_library_index_query_count_does_not_grow_with_items(
    client, library, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get(reverse("library_index"))


def test_item_page_is_public_only_once_published(client, library):
    item = library["dispatch"]
    response = client.get(reverse("library_item", args=[item.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dispatcher questions for crisis calls" in page
    assert "Ask about weapons and treatment history." in page
    assert "4. Call-Taker and Dispatcher Protocols" in page
    assert "Example PD" in page
    assert SECRET_EMAIL not in page and SECRET_NAME not in page
    hidden = library["unpublished"]
    assert client.get(reverse("library_item", args=[hidden.pk])).status_code == 404


def test_markdown_in_items_is_sanitised(client, tta):
    item, _token = submit(body="Hello <script>alert(1)</script> [x](javascript:alert(1))")
    publish(tta, item)
    page = client.get(reverse("library_item", args=[item.pk])).content.decode()
    assert "<script>alert(1)" not in page
    assert "javascript:" not in page


# --- Demo -----------------------------------------------------------------------------------


def test_demo_step_builds_a_realistic_synthetic_library(tta):
    from pmhc.demo.generator import DemoContext

    ctx = DemoContext(
        seed=1,
        scale=1,
        password="unused-password-123",
        rng=random.Random(1),
        actor=system_actor("demo test"),
        today=timezone.localdate(),
        organizations={"tta": tta.org},
        users={"tta_staff": tta.reviewer},
        log=lambda _line: None,
    )
    demo_library.step(ctx)
    items = list(LibraryItem.objects.all())
    by_status = {s: [i for i in items if i.status == s] for s in ReviewStatus.values}
    assert len(by_status["published"]) >= 5
    assert len(by_status["submitted"]) >= 2
    assert len(by_status["changes"]) == 1
    assert all(i.elements or i.program_types for i in by_status["published"])
    assert all(i.reviewed_by == tta.reviewer for i in by_status["published"])
    assert all("(synthetic" in i.title for i in items)
    assert all(i.submitter_email.endswith("@demo.pmhc.invalid") for i in items)
    assert audit.verify().ok
