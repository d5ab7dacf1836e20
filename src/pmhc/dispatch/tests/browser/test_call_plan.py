"""A response plan at dispatch and on scene, in a real browser. A call for a person whose plan
the partner's clinician wrote and the partner's case manager approved (shared with the agency
by the person's consent): the call-taker's call page shows the safety line only; the officer
sent to the call reads the whole plan at a phone's width; another officer of the agency gets
404, breaks the glass with a reason, reads it, and the supervisor's review queue lists the
use. axe checks every page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.dispatch.tests.plans import SAFETY_LINE, STEP, TRIGGER, PlanWorld, plan_world
from pmhc.platform.models import User
from pmhc.testing.browser import PHONE, follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Backing up the first unit; the person may be armed"


def _can_sign_in(*users: User) -> None:
    for user in users:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_the_plan_at_dispatch_on_scene_and_under_break_glass(new_page: Any, cast: Cast) -> None:
    world: PlanWorld = plan_world(cast)
    _can_sign_in(world.call_taker, world.other_officer, world.supervisor)
    call_url = reverse("dispatch_call", args=[world.call.pk])
    plan_url = reverse("dispatch_call_plan", args=[world.call.pk, world.plan.pk])

    # The call-taker: that a plan exists, and its safety line, nothing more.
    page = new_page()
    sign_in(page, world.call_taker.username, PASSWORD)
    visit(page, call_url)
    notices = page.locator("#plan-notices")
    expect(notices).to_contain_text("approved response plan")
    expect(notices).to_contain_text(SAFETY_LINE)
    expect(page.get_by_text(STEP)).to_have_count(0)
    expect(page.get_by_text(TRIGGER)).to_have_count(0)
    expect(page.get_by_role("link", name="Read the whole plan")).to_have_count(0)
    visit(page, plan_url, status=404)
    page.close()

    # The officer sent to the call, on a phone: from the call to the whole plan.
    phone = new_page(viewport=PHONE)
    sign_in(phone, world.officer.username, PASSWORD)
    visit(phone, call_url)
    _fits(phone)
    follow(phone, phone.get_by_role("link", name="Read the whole plan"))
    _fits(phone)
    expect(phone.locator("#plan-safety")).to_have_text(SAFETY_LINE)
    expect(phone.locator("#plan-steps li").first).to_have_text(STEP)
    expect(phone.locator("#plan-triggers")).to_contain_text(TRIGGER)
    expect(phone.locator("#plan-contacts")).to_contain_text("555-0100")
    phone.close()

    # Another officer of the agency, not on the call: 404, until they break the glass.
    other = new_page(viewport=PHONE)
    sign_in(other, world.other_officer.username, PASSWORD)
    visit(other, plan_url, status=404)
    expect(other.get_by_text(SAFETY_LINE)).to_have_count(0)
    visit(other, reverse("break_glass_start"))
    other.get_by_label("Why do you need emergency access?").fill(REASON)
    follow(other, other.get_by_role("button", name="Break glass"))
    visit(other, plan_url)
    _fits(other)
    expect(other.get_by_text("under break-glass emergency access")).to_be_visible()
    expect(other.locator("#plan-steps li").first).to_have_text(STEP)
    other.close()

    # The supervisor's review queue lists the use, with the reason typed.
    review = new_page()
    sign_in(review, world.supervisor.username, PASSWORD)
    visit(review, reverse("break_glass_reviews"))
    expect(review.get_by_text(REASON)).to_be_visible()
    review.close()
