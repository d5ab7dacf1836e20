"""Routing in the browser, keyboard only: one key per answer, the focus moving on, T for the
warm transfer and D to dispatch the recommendation. A knife-and-injury call gets police and
EMS at once; a third party's call about someone with thoughts of suicide who agrees to talk is
transferred to 988 and the transfer is recorded; a call for a busy mobile crisis team waits in
its queue with its place shown; and a realistic call dispatches in fewer than 25 key presses
besides the text typed. axe checks every page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.dispatch.models import (
    AssignmentStatus,
    Call,
    CallAssignment,
    CallTransfer,
    Routing,
    Team,
    TeamKind,
    TeamStatus,
)
from pmhc.dispatch.tests.helpers import cit_officer_on_duty, team_all_week
from pmhc.platform.models import Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.testing.browser import axe_check, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: A realistic call must dispatch in fewer key presses than this, besides the text typed.
KEYSTROKE_LIMIT = 25


class Keys:
    """The keyboard, counting every key pressed apart from the text typed into fields."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.pressed = 0
        self.typed = 0

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.pressed += 1

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.typed += len(text)


def open_screen(page: Page, cast: Cast, username: str) -> None:
    user = UserFactory.create(username=username, password=PASSWORD)
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.CALL_TAKER)
    sign_in(page, username, PASSWORD)
    visit(page, "/operate/calls/new/")
    expect(page.get_by_label("CAD event id")).to_be_focused()


def start_call(keys: Keys, cad_id: str, address: str, behavior: str) -> None:
    """The call's id, where, and what the person is doing: then the focus is on the first
    question."""
    keys.type(cad_id)
    keys.press("Tab")
    keys.type(address)
    keys.press("Tab")
    keys.type(behavior)
    keys.press("Tab")
    expect(
        keys.page.get_by_role("group", name="Suicide risk").get_by_role(
            "radio", name="Not known", exact=True
        )
    ).to_be_focused()


def dispatch(keys: Keys) -> None:
    with keys.page.expect_navigation(wait_until="load"):
        keys.press("d")


def all_teams(cast: Cast) -> dict[str, Team]:
    cit_officer_on_duty(cast.agency, first_name="Ana")
    return {
        kind: team_all_week(cast.agency, kind)
        for kind in (TeamKind.CO_RESPONDER, TeamKind.MOBILE_CRISIS, TeamKind.EMS)
    }


def test_a_knife_and_injury_call_sends_police_and_ems(page: Page, cast: Cast) -> None:
    teams = all_teams(cast)
    open_screen(page, cast, "taker_knife")
    keys = Keys(page)
    start_call(keys, "R-1", "400 block of Elm Street", "Cut his arm with a kitchen knife")
    # Suicide risk: 4 (attempt in progress); danger to others: N; weapons: 2 (has one now);
    # medical emergency: Y.
    keys.press("4", "n", "2", "y")
    panel = page.locator("#recommendation")
    units = panel.locator("[data-units]")
    expect(units.locator("[data-unit]")).to_have_text(
        ["Patrol, with priority (lead)", "EMS", "Co-responder unit"]
    )
    # Each unit names the rule that decided it.
    expect(units.get_by_role("listitem")).to_contain_text(
        [
            "rule: Weapon with a threat",
            "rule: Suicide attempt in progress",
            "rule: Suicide risk with a plan or the means",
        ]
    )
    expect(panel).to_contain_text("safety override")
    expect(panel).to_contain_text("police go first")
    axe_check(page)
    dispatch(keys)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Call R-1")
    sent = page.get_by_role("table", name="Units sent to this call")
    expect(sent).to_contain_text("Patrol, with priority")
    expect(sent).to_contain_text(str(teams[TeamKind.EMS]))
    axe_check(page)
    call = Call.objects.get(cad_event_id="R-1")
    assert call.recommended_units == ["patrol_priority", "ems", "co_responder"]
    assert list(CallAssignment.objects.filter(call=call).values_list("unit", flat=True)) == [
        "Patrol, with priority",
        str(teams[TeamKind.EMS]),
        str(teams[TeamKind.CO_RESPONDER]),
    ]
    assert keys.pressed < KEYSTROKE_LIMIT


def test_a_third_party_call_is_transferred_to_988_in_few_keys(page: Page, cast: Cast) -> None:
    all_teams(cast)
    open_screen(page, cast, "taker_988")
    keys = Keys(page)
    start_call(keys, "R-2", "12 Cedar Court", "Her son says he has been thinking of ending it")
    # Suicide risk: 1 (thoughts); others, weapons, medical, injured, overdose, crime: N;
    # the caller is not the person: N; the person agrees to talk: Y.
    keys.press("1", "n", "n", "n", "n", "n", "n", "n", "y")
    panel = page.locator("#recommendation")
    expect(panel.locator("strong")).to_have_text(str(Routing.TRANSFER_988.label))
    expect(panel).to_contain_text("If the line does not take it: Mobile crisis team")
    axe_check(page)
    # T: to the warm transfer; 9: 988; Y: the line took the call; D: record it.
    keys.press("t", "9")
    line = page.get_by_role("group", name="Warm transfer to")
    expect(
        line.get_by_role("radio", name="988 Suicide & Crisis Lifeline", exact=True)
    ).to_be_checked()
    keys.press("y")
    dispatch(keys)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Call R-2")
    expect(page.locator("[data-transfers]")).to_contain_text("988 Suicide & Crisis Lifeline")
    expect(page.locator("[data-transfers]")).to_contain_text("accepted")
    axe_check(page)
    call = Call.objects.get(cad_event_id="R-2")
    transfer = CallTransfer.objects.get(call=call)
    assert transfer.line == "988" and transfer.accepted
    assert call.decision == Routing.TRANSFER_988
    assert call.answers["agrees_to_talk"] == "yes" and call.answers["danger_self"] == "thoughts"
    assert not CallAssignment.objects.filter(call=call).exists()
    # The count this realistic call takes, besides the text typed: 3 Tabs, 9 answers, T, 9,
    # Y and D.
    assert keys.pressed == 16
    assert keys.pressed < KEYSTROKE_LIMIT


def test_a_call_for_a_busy_mobile_crisis_team_waits_in_its_queue(page: Page, cast: Cast) -> None:
    teams = all_teams(cast)
    crisis = teams[TeamKind.MOBILE_CRISIS]
    crisis.status = TeamStatus.ON_CALL
    crisis.save(update_fields=["status"])
    open_screen(page, cast, "taker_queue")
    keys = Keys(page)
    start_call(keys, "R-3", "Library steps, Park Road", "Sitting on the steps, confused")
    # No suicide risk, no danger, no weapons, nothing medical, no crime; the caller is a
    # passer-by (N), the person does not want to talk (N), no violence known (N).
    keys.press("n", "n", "n", "n", "n", "n", "n", "n", "n", "n")
    panel = page.locator("#recommendation")
    expect(panel.locator("strong")).to_have_text(str(Routing.MOBILE_CRISIS.label))
    expect(panel).to_contain_text(
        "Every mobile crisis team on duty is on a call: the call waits in the queue"
    )
    expect(panel.locator("[data-plan]")).to_contain_text("waits in its queue at place 1")
    axe_check(page)
    dispatch(keys)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Call R-3")
    sent = page.get_by_role("table", name="Units sent to this call")
    expect(sent).to_contain_text("Waiting in the queue: place 1 in the queue, about 60 minutes")
    axe_check(page)
    waiting = CallAssignment.objects.get(call__cad_event_id="R-3")
    assert waiting.team == crisis and waiting.status == AssignmentStatus.QUEUED
    assert keys.pressed < KEYSTROKE_LIMIT

    # The team clears its call: the dispatcher sets it available on the duty board, and it
    # takes the call waiting in its queue at once.
    visit(page, "/operate/duty/")
    page.get_by_role("button", name=f"Set Available ({crisis.name})").click()
    expect(page.get_by_text(f"{crisis.name} took the next call in its queue: R-3.")).to_be_visible()
    axe_check(page)
    waiting.refresh_from_db()
    crisis.refresh_from_db()
    assert waiting.status == AssignmentStatus.SENT
    assert crisis.status == TeamStatus.ON_CALL
    assert waiting.call.dispatched_at is not None
    visit(page, f"/operate/calls/{waiting.call_id}/")
    expect(page.get_by_role("table", name="Units sent to this call")).to_contain_text("Sent")
