"""An officer types into a new report, adds a responder and a person before saving, and
nothing typed is lost; then fills in arrest and diversion, where the person was taken,
restraints, another disposition and what was recorded about the person, and submits. axe
checks every page."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from playwright.sync_api import expect

from pmhc.dispatch.services import create_call
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import Role
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.response.models import Encounter, EncounterPerson, EncounterStatus
from pmhc.response.services import ensure_dispositions
from pmhc.testing.browser import follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "encounter-data-password-2026"
ZONE = zoneinfo.ZoneInfo("America/Chicago")
NARRATIVE = "Met him on the porch; he talked about the eviction notice and agreed to go."


def _member(org: Any, username: str, role: Role, first: str, last: str) -> Any:
    user = UserFactory.create(
        username=username, password=PASSWORD, first_name=first, last_name=last
    )
    MembershipFactory.create(user=user, organization=org, role=role)
    return user


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def test_nothing_typed_is_lost_and_the_new_fields_are_submitted(page: Any) -> None:
    agency = OrganizationFactory.create(slug="county-pd", name="County PD", time_zone=ZONE.key)
    officer = _member(agency, "officer", Role.OFFICER, "Avery", "Lee")
    admin = _member(agency, "boss", Role.ADMINISTRATOR, "Pat", "Kim")
    ensure_dispositions(actor_for_user(admin), organization=agency)
    received = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    call = create_call(
        actor_for_user(officer),
        organization=agency,
        cad_event_id="26-001500",
        received_at=received,
        address="12 Oak Ave",
        is_mental_health=True,
    )
    arrived = _local(received + dt.timedelta(minutes=9))

    sign_in(page, "officer", PASSWORD)
    visit(page, f"/operate/encounters/new/{call.pk}/")
    follow(page, page.get_by_role("button", name="Start the report"))
    report = page.get_by_role("form", name="Encounter report")
    report.get_by_label("Arrived on scene").fill(arrived)
    report.get_by_label("Narrative").fill(NARRATIVE)
    report.get_by_text("An offence was involved", exact=True).click()
    report.get_by_text("The person could have been arrested", exact=True).click()
    report.get_by_label("Arrested, cited or diverted").select_option("diverted")
    report.get_by_label("Most serious possible charge").select_option("misdemeanor")

    # A responder added before the report was saved: what was typed stays.
    responders = page.get_by_role("region", name="Responders")
    responders.locator("#id_responder-name").fill("Ofc. Jordan Park")
    responders.locator("#id_responder-arrived_at").fill(arrived)
    responders.locator("#id_responder-cleared_at").fill(_local(received + dt.timedelta(hours=1)))
    follow(page, responders.get_by_role("button", name="Add responder"))
    expect(page.get_by_role("status")).to_contain_text("Responder added.")
    expect(responders).to_contain_text("Ofc. Jordan Park")
    expect(report.get_by_label("Narrative")).to_have_value(NARRATIVE)
    expect(report.get_by_label("Arrived on scene")).to_have_value(arrived)
    expect(report.get_by_label("Arrested, cited or diverted")).to_have_value("diverted")
    expect(report.get_by_label("The person could have been arrested")).to_be_checked()

    # More typed, then a person added: again nothing is lost.
    report.get_by_label("How it ended").select_option(label="Voluntary transport to treatment")
    report.get_by_role("group", name="Other dispositions").get_by_text(
        "Shelter", exact=True
    ).click()
    report.get_by_label(
        "Without this response, would the person have gone to an emergency department?"
    ).select_option("yes")
    people = page.get_by_role("region", name="Persons involved")
    people.get_by_label("Given name").fill("Robin")
    people.get_by_role("group", name="Race and ethnicity").get_by_text(
        "Not recorded", exact=True
    ).click()
    people.locator("#id_person-housing_status").select_option("unsheltered")
    people.get_by_role("group", name="Presenting concern").get_by_text(
        "Mental illness", exact=True
    ).click()
    follow(page, people.get_by_role("button", name="Record and add"))
    expect(page.get_by_role("status")).to_contain_text("Person recorded and added to the report.")
    expect(people).to_contain_text("Robin")
    expect(people).to_contain_text("Unsheltered")
    expect(report.get_by_label("Narrative")).to_have_value(NARRATIVE)
    expect(report.get_by_label("How it ended")).to_contain_text("Voluntary transport")
    expect(
        report.get_by_role("group", name="Other dispositions").get_by_label("Shelter")
    ).to_be_checked()

    # The transport, and submit.
    report.get_by_label("Transport", exact=True).select_option("voluntary")
    report.get_by_label("Transported by").select_option("police")
    report.get_by_label("Taken to").select_option("crisis_center")
    report.get_by_label("Name of the facility").fill("County crisis stabilization unit")
    report.get_by_text("Restraints were used in transport", exact=True).click()
    report.get_by_label("Kind of restraint").select_option("soft")
    report.get_by_label("Arrived at the facility").fill(_local(received + dt.timedelta(minutes=40)))
    report.get_by_label("Handed off").fill(_local(received + dt.timedelta(minutes=55)))
    report.locator("#id_back_in_service_at").fill(_local(received + dt.timedelta(minutes=70)))
    # The author's own time on the call.
    responders.get_by_label("Avery Lee arrived").fill(arrived)
    responders.get_by_label("Avery Lee cleared").fill(_local(received + dt.timedelta(minutes=70)))
    follow(page, page.get_by_role("button", name="Save and submit"))
    expect(page.get_by_role("status")).to_contain_text("Report submitted for review.")
    main = page.locator("main")
    expect(main).to_contain_text("Diverted to services instead of arrest")
    expect(main).to_contain_text("Crisis receiving or stabilization center")
    expect(main).to_contain_text("15 min")  # arrival at the facility to acceptance

    encounter = Encounter.objects.get(call=call)
    assert encounter.status == EncounterStatus.SUBMITTED
    assert encounter.narrative == NARRATIVE
    assert (encounter.law_outcome, encounter.charge_level) == ("diverted", "misdemeanor")
    assert encounter.arrest_eligible and encounter.offence_present
    assert (encounter.destination_kind, encounter.restraint_kind) == ("crisis_center", "soft")
    assert encounter.ed_otherwise == "yes"
    assert [d.code for d in encounter.other_dispositions.all()] == ["shelter"]
    park = encounter.responders.get(name="Ofc. Jordan Park")
    assert park.cleared_at is not None and park.arrived_at is not None
    lee = encounter.responders.get(user=officer)
    assert lee.arrived_at == received + dt.timedelta(minutes=9)
    assert lee.cleared_at == received + dt.timedelta(minutes=70)
    link = EncounterPerson.objects.get(encounter=encounter)
    assert link.race_ethnicity == ["not_recorded"] and link.housing_status == "unsheltered"
    assert link.presenting_concerns == ["mental_illness"]
