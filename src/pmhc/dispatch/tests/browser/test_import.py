"""The CAD import in the browser: a coordinator saves a mapping, uploads a file with two bad
rows, watches the status page reach "Finished" while the worker runs it, and reads both
rejected lines. axe checks every page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.dispatch.models import Call
from pmhc.testing.browser import axe_check, follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "cad_event_id,received_at,priority,narrative\n"
    'W-1,2026-03-01T10:00:00,2,"A note\nover two lines"\n'
    "W-2,2026-03-01T11:00:00,12,Priority out of range\n"
    "W-3,2026-03-01T12:00:00,3,Fine\n"
    "W-4,31/02/2026,3,Bad date\n"
)


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"


def test_coordinator_uploads_and_follows_an_import(page: Page, cast: Cast, tmp_path: Path) -> None:
    sign_in(page, "member", PASSWORD)

    visit(page, "/operate/imports/mappings/")
    page.get_by_label("Name").fill("county-cad")
    page.get_by_label("Mapping (JSON)").fill(json.dumps({"values": {"source": {"E911": "911"}}}))
    follow(page, page.get_by_role("button", name="Save the mapping"))
    expect(page.get_by_role("table", name="Saved mappings of your agency")).to_contain_text(
        "county-cad"
    )

    visit(page, "/operate/imports/")
    path = tmp_path / "cad-export.csv"
    path.write_text(FILE, encoding="utf-8")
    page.get_by_label("CAD export").set_input_files(str(path))
    page.get_by_label("Column mapping").select_option(label="county-cad")
    follow(page, page.get_by_role("button", name="Start the import"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import of cad-export.csv")
    expect(page.get_by_test_id("import-status-text")).to_contain_text("Waiting to start")

    call_command("worker", "--batch")

    # The page looks again by itself and reloads once the import has finished.
    expect(page.locator("dl.pmhc-figures")).to_be_visible(timeout=15_000)
    axe_check(page)
    expect(page.get_by_test_id("import-status-text")).to_contain_text("Finished")
    rejected = page.get_by_role("table", name="2 rejected rows, by their line in the file")
    expect(rejected).to_contain_text('priority: "12" is not a priority from 1 to 9.')
    expect(rejected.get_by_role("row").nth(1)).to_contain_text("4")
    expect(rejected.get_by_role("row").nth(2)).to_contain_text('received_at: "31/02/2026"')
    expect(rejected.get_by_role("row").nth(2)).to_contain_text("6")
    assert set(Call.objects.values_list("cad_event_id", flat=True)) == {"W-1", "W-3"}

    follow(page, page.get_by_role("link", name="CAD imports"))
    expect(page.get_by_role("table", name="The newest first")).to_contain_text("cad-export.csv")
