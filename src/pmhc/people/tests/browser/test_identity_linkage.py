"""One person across every record, end to end in the browser: a coordinator imports a file in
which one woman appears three times under different spellings; the linkage run the import
queued links two of them at once and sends the third to review, the page showing its progress;
a case manager links the third from the review queue, then undoes the link, which puts the
record back where it was. axe checks every page.

The file is small, so linkage decides by its fixed rules (it estimates a model from a thousand
records up); the pages and the services are the same either way."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.people.identity_models import LinkageRun, LinkageRunStatus
from pmhc.people.models import Person
from pmhc.people.tasks import run_linkage_task
from pmhc.people.tests.identity_world import member
from pmhc.platform.models import Role
from pmhc.testing.browser import follow, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "external_id,family_name,given_name,date_of_birth,sex,address\n"
    "R-1,Quillfeather,Margaret,1975-03-08,F,9 Larch Lane\n"
    "R-2,Quillfeather,Peggy,1975-03-08,F,9 Larch Lane\n"
    "R-3,Quillfeather,Margret,1975-03-08,F,\n"
    "R-4,Brackenridge,Jonathan,1980-11-04,M,\n"
    "R-5,Glimmerdale,Oswin,1950-02-02,M,77 Pine Road\n"
    "R-6,Glimmerdale,Edda,1978-07-09,F,77 Pine Road\n"
)


def _identity(external_id: str) -> int | None:
    return Person.objects.get(external_id=external_id).identity_id


def test_three_spellings_two_linked_one_reviewed_and_the_link_undone(
    new_page: Any, cast: Cast
) -> None:
    manager = member(cast, Role.CASE_MANAGER, "casey")
    manager.set_password(PASSWORD)
    manager.save()
    page = new_page()
    sign_in(page, cast.member.username, PASSWORD)
    visit(page, "/operate/people/import/")
    page.get_by_label("CSV file of people").set_input_files(
        {"name": "past.csv", "mimeType": "text/csv", "buffer": FILE.encode()}
    )
    follow(page, page.get_by_role("button", name="Import", exact=True))
    # The import queued linkage; the page follows it until the worker has done it.
    expect(page.get_by_text("6 new people, 0 already there.")).to_be_visible()
    status = page.get_by_test_id("linkage-status")
    expect(status).to_contain_text("Waiting to start")
    run = LinkageRun.objects.get(organization=cast.agency)
    assert run_linkage_task.call(run.pk) == LinkageRunStatus.DONE
    expect(status).to_contain_text("Done", timeout=15_000)
    expect(status).to_contain_text("1 pairs sent for review")
    assert _identity("R-1") == _identity("R-2") != _identity("R-3")
    sign_out(page)

    sign_in(page, "casey", PASSWORD)
    expect(page.get_by_test_id("queue-count")).to_have_text("1 pair waits for review.")
    follow(page, page.get_by_role("link", name=re.compile(r"^Pair \d+$")))
    expect(page.get_by_text("Quillfeather, Margret")).to_be_visible()
    expect(page.get_by_test_id("evidence")).to_contain_text("Given name: One letter apart")
    follow(page, page.get_by_role("button", name="Link: one person"))
    expect(page.get_by_test_id("queue-count")).to_have_text("0 pairs wait for review.")
    assert _identity("R-1") == _identity("R-2") == _identity("R-3")

    visit(page, f"/operate/people/identities/{_identity('R-1')}/")
    expect(page.get_by_role("heading", level=2, name="3 records")).to_be_visible()
    follow(page, page.get_by_role("button", name="Undo change").first)
    expect(page.get_by_role("heading", level=2, name="2 records")).to_be_visible()
    assert _identity("R-1") == _identity("R-2") != _identity("R-3")
    visit(page, "/operate/people/review/")
    expect(page.get_by_test_id("queue-count")).to_have_text("1 pair waits for review.")
