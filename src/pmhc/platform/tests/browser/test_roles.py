"""Every demo user signs in through the form and sees the navigation their role calls for."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pmhc.demo.generator import DEMO_USERS
from pmhc.platform.models import Role
from pmhc.testing.browser import (
    DEMO_PASSWORD,
    follow,
    primary_nav,
    sign_in,
    sign_out,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The sections of the primary navigation each role sees, in order; each module that adds a
#: section adds its roles here. Learn and Assess are public; the other sections follow the role.
SECTIONS: dict[Role, list[str]] = {role: ["Learn", "Assess"] for role in Role}
_ADMIN = ["Learn", "Assess", "Plan", "Train", "Home Safe", "Measure", "Organization"]
SECTIONS[Role.ADMINISTRATOR] = _ADMIN
_PLANNERS = ["Learn", "Assess", "Plan", "Train", "Operate"]
SECTIONS[Role.COORDINATOR] = [*_PLANNERS, "Home Safe", "Measure", "Who is who"]
_SEARCH = ["Home Safe search", "Home Safe"]
SECTIONS[Role.SUPERVISOR] = [*_PLANNERS, *_SEARCH, "Break-glass reviews"]
SECTIONS[Role.OFFICER] = ["Learn", "Assess", "Train", "Operate", *_SEARCH]
SECTIONS[Role.CALL_TAKER] = ["Learn", "Assess", "Train", "Operate", *_SEARCH]
SECTIONS[Role.CLINICIAN] = ["Learn", "Assess", "Operate", *_SEARCH, "Who is who"]
SECTIONS[Role.CASE_MANAGER] = ["Learn", "Assess", "Operate", "Home Safe", "Who is who"]
SECTIONS[Role.ANALYST] = ["Learn", "Assess", "Plan", "Measure"]
SECTIONS[Role.TTA_STAFF] = ["Learn", "Assess", "TA requests", "Library review"]
SECTIONS[Role.SITE_COORDINATOR] = ["Learn", "Assess", "Site requests"]


def test_every_demo_user_signs_in_and_sees_their_navigation(page, demo):
    assert {role for _username, _org, role, _shift, _district in DEMO_USERS} == set(Role)
    for username, _org, role, _shift, _district in DEMO_USERS:
        sign_in(page, username, DEMO_PASSWORD)
        # Each role lands on its work (test_landing.py); the home page names the role.
        visit(page, "/")
        nav = primary_nav(page)
        links = nav.get_by_role("link")
        expect(links, f"{username}'s navigation").to_have_text([*SECTIONS[role], "My account"])
        expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
        expect(nav.get_by_role("link", name="Sign in")).to_have_count(0)
        expect(page.get_by_role("main")).to_contain_text(str(role.label))

        if role == Role.OFFICER:
            follow(page, nav.get_by_role("link", name="My account"))
            expect(page).to_have_url(re.compile(r"/accounts/$"))
            expect(page.get_by_role("heading", level=1)).to_have_text("My account")
            expect(page.get_by_role("table")).to_contain_text("Officer")
            follow(page, page.get_by_role("link", name="Change password"))
            expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")

        sign_out(page)
        expect(page.get_by_role("status")).to_contain_text("You have signed out.")
        expect(primary_nav(page).get_by_role("link", name="Sign in")).to_be_visible()
