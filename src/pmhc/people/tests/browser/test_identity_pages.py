"""A case manager resolves people in the browser: the queue, a pair side by side linked, the
person's page with the link undone, the history, the settings and the high-utilizer list; a
coordinator saves the settings with a mistake first. axe checks every page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.people.identity_models import CandidateStatus, LinkageSettings
from pmhc.people.tests.identity_world import build, identity_of
from pmhc.platform.models import User
from pmhc.testing.browser import follow, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_case_manager_links_a_pair_then_undoes_it(new_page: Any, cast: Cast) -> None:
    world = build(cast)
    world.case_manager.set_password(PASSWORD)
    world.case_manager.save()
    page = new_page()
    sign_in(page, world.case_manager.username, PASSWORD)
    # The case manager lands on the pairs waiting for review.
    expect(page.get_by_role("heading", level=1, name="Pairs to review")).to_be_visible()
    expect(page.get_by_test_id("queue-count")).to_have_text("2 pairs wait for review.")
    follow(page, page.get_by_role("link", name=f"Pair {world.pair.pk}", exact=True))
    expect(page.get_by_text("Okafer, Chidinma")).to_be_visible()
    expect(page.get_by_test_id("evidence")).to_contain_text("Given name: the same on both records")
    follow(page, page.get_by_role("button", name="Link: one person"))
    expect(page.get_by_text("The two records are now one person.")).to_be_visible()
    expect(page.get_by_test_id("queue-count")).to_have_text("1 pair waits for review.")
    assert identity_of(world.records[2]) == identity_of(world.records[0])

    visit(page, f"/operate/people/identities/{identity_of(world.records[0])}/")
    expect(page.get_by_role("heading", level=2, name="2 records")).to_be_visible()
    follow(page, page.get_by_role("button", name="Undo change"))
    expect(page.get_by_text("The change is undone")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="1 record")).to_be_visible()
    assert identity_of(world.records[2]) != identity_of(world.records[0])
    world.pair.refresh_from_db()
    assert world.pair.status == CandidateStatus.PENDING

    follow(page, page.get_by_role("link", name="Changes", exact=True))
    expect(page.get_by_text("Change undone")).to_be_visible()
    follow(page, page.get_by_role("link", name="High utilizers", exact=True))
    expect(page.get_by_test_id("utilizer-rule")).to_contain_text("4 or more contacts")
    follow(page, page.get_by_role("link", name="Linkage", exact=True))
    expect(page.get_by_text("The coordinator changes these settings.")).to_be_visible()
    sign_out(page)


def test_coordinator_corrects_and_saves_the_settings(new_page: Any, cast: Cast) -> None:
    coordinator: User = cast.member
    page = new_page()
    sign_in(page, coordinator.username, PASSWORD)
    visit(page, "/operate/people/linkage/")
    page.get_by_label("Send to review from").fill("0.999")
    follow(page, page.get_by_role("button", name="Save the settings"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Send to review from: Review must start below")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_review_from")
    page.get_by_label("Send to review from").fill("0.7")
    page.get_by_label("High utilizer: contacts").fill("3")
    follow(page, page.get_by_role("button", name="Save the settings"))
    expect(page.get_by_text("Linkage settings saved.")).to_be_visible()
    saved = LinkageSettings.objects.get(organization=cast.agency)
    assert (saved.review_from, saved.utilizer_contacts) == (0.7, 3)
