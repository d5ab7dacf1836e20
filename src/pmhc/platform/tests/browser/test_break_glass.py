"""An officer breaks the glass from the Operate home, sees the banner on every page, ends the
use; a supervisor reviews it. Axe checks every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.platform.models import AuditAction, AuditEvent, BreakGlassUse, Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.testing.browser import follow, primary_nav, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Caller threatens to jump; need the crisis plan for the person on the bridge"


def banner(page: Page):
    return page.get_by_role("region", name="Break-glass emergency access", exact=True)


def test_officer_breaks_the_glass_and_a_supervisor_reviews_it(page: Page, cast: Cast) -> None:
    supervisor = UserFactory.create(username="sup", password=PASSWORD)
    MembershipFactory.create(user=supervisor, organization=cast.agency, role=Role.SUPERVISOR)

    sign_in(page, "colleague", PASSWORD)
    visit(page, "/operate/")
    expect(banner(page)).to_have_count(0)
    follow(page, page.get_by_role("link", name="Break glass"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Break glass: emergency access")
    expect(page.get_by_role("main")).to_contain_text("a supervisor reviews whether")
    expect(page.get_by_role("main")).to_contain_text("after 60 minutes")

    # Without a reason: the summary at the top links to the field; nothing opens.
    follow(page, page.get_by_role("button", name="Break glass"))
    summary = page.get_by_role("alert").filter(has_text="Emergency access was not opened")
    expect(summary.get_by_role("link")).to_have_text(
        "Why do you need emergency access?: Say why you need emergency access."
    )
    assert not BreakGlassUse.objects.exists()

    page.get_by_label("Why do you need emergency access?").fill(REASON)
    follow(page, page.get_by_role("button", name="Break glass"))
    expect(banner(page)).to_contain_text(re.compile(r"open for (60|59) more minutes"))
    expect(page.get_by_role("main")).to_contain_text("Your emergency access is open")

    # The banner follows the officer to every page, with its button.
    visit(page, "/operate/people/")
    expect(banner(page)).to_be_visible()
    follow(page, banner(page).get_by_role("button", name="End now"))
    expect(page).to_have_url(re.compile(r"/operate/people/$"))
    expect(banner(page)).to_have_count(0)
    use = BreakGlassUse.objects.get()
    assert use.ended_at is not None
    assert set(
        AuditEvent.objects.filter(object_id=str(use.pk)).values_list("action", flat=True)
    ) == {AuditAction.BREAK_GLASS_STARTED, AuditAction.BREAK_GLASS_ENDED}
    sign_out(page)

    sign_in(page, "sup", PASSWORD)
    follow(page, primary_nav(page).get_by_role("link", name="Break-glass reviews"))
    entry = page.get_by_role("region", name=re.compile("Test Colleague"))
    expect(entry).to_contain_text(REASON)
    entry.get_by_label("Review note").fill("Confirmed with dispatch")
    follow(page, entry.get_by_role("button", name="Save review"))
    # No choice made: the note typed is kept, and the summary says what is missing.
    entry = page.get_by_role("region", name=re.compile("Test Colleague"))
    expect(entry.get_by_label("Review note")).to_have_value("Confirmed with dispatch")
    expect(page.get_by_role("alert").first).to_contain_text("Choose justified or not justified")
    entry.get_by_label("Was this use justified?").select_option(label="Justified")
    follow(page, entry.get_by_role("button", name="Save review"))
    expect(page.get_by_role("status")).to_contain_text("Review saved.")
    expect(page.get_by_role("main")).to_contain_text("No use of emergency access is waiting")
    expect(page.get_by_role("table")).to_contain_text("Justified")
    use.refresh_from_db()
    assert use.justified is True and use.reviewed_by_id == supervisor.pk
