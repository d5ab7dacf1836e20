"""A coordinator imports people from a file of past records in the browser: a file with a bad
row is refused with its line, the corrected file is imported (and linkage queued), and sending
it again adds nobody. axe checks every page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.people.models import Person
from pmhc.testing.browser import follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "external_id,family_name,given_name,approximate_age,sex\n"


def _upload(page: Any, text: str) -> None:
    if not page.url.endswith("/operate/people/import/"):
        visit(page, "/operate/people/import/")
    page.get_by_label("CSV file of people").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    follow(page, page.get_by_role("button", name="Import", exact=True))


def test_coordinator_imports_a_file_after_correcting_a_row(new_page: Any, cast: Cast) -> None:
    page = new_page()
    sign_in(page, cast.member.username, PASSWORD)
    visit(page, "/operate/people/import/")
    expect(page.get_by_text("Limits: 2 MB and 5000 rows a file.")).to_be_visible()
    _upload(page, HEADER + "P-1,Okafor,Chidinma,41,F\nP-2,Vale,Robin,200,M\n")
    expect(page.get_by_test_id("import-rejected")).to_contain_text("1 row was rejected")
    expect(page.get_by_role("cell", name="3", exact=True)).to_be_visible()
    assert not Person.objects.exists()
    good = HEADER + "P-1,Okafor,Chidinma,41,F\nP-2,Vale,Robin,20,M\n"
    _upload(page, good)
    expect(page.get_by_text("2 new people, 0 already there.")).to_be_visible()
    # The new records are for linkage to compare next; its page shows the run.
    expect(page.get_by_test_id("linkage-status")).to_contain_text("Waiting to start")
    _upload(page, good)
    expect(page.get_by_text("0 new people, 2 already there.")).to_be_visible()
    assert Person.objects.filter(organization=cast.agency).count() == 2
