"""Plan and Train end to end, in the browser, as issue 5's "done when" tells it.

A coordinator of an agency with a data-sharing agreement in force with a behavioral health
organization (the ``cast``) enters a community profile, reads the advice and the staffing
model, imports a roster with bad rows, fixes them and imports again, sees the shift without a
CIT-certified officer flagged, then records CIT completions until the One Mind CIT requirement
is met and the gap closes. Every page reached passes axe (``visit`` and ``follow``).

The figures asserted are worked out here, from the same inputs the form is given: the rules
that must fire and the ranking they imply, and the units and CIT officers each shift needs from
``pmhc.planning.erlang``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.planning import erlang
from pmhc.testing.browser import follow, primary_nav, sign_in, visit
from pmhc.training.tests.browser.test_train import apply_and_wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# --- The community profile ------------------------------------------------------------------

SHIFTS = ("Day", "Evening", "Night")
FIRST_SHIFT_STARTS = 7
MH_CALLS_PER_YEAR = 6_570  # 18 a day: 6 per shift on average
ON_SCENE_MINUTES = 45
TRAVEL_MINUTES = 15
TARGET_PERCENT = 80
WITHIN_MINUTES = 10
CIT_FREE_PERCENT = 90
#: Calls by hour of day, 00:00 first: quiet nights, a busy evening.
HOURLY = [2] * 7 + [3] * 8 + [6] * 8 + [2]
PATROL_PER_SHIFT = 5

PROFILE_TEXT = {
    "Population": "48000",
    "Area (square miles)": "36.5",
    "Sworn officers": "16",
    "Patrol officers per shift": str(PATROL_PER_SHIFT),
    "Shifts": ", ".join(SHIFTS),
    "First shift starts at (hour, 0-23)": str(FIRST_SHIFT_STARTS),
    "Districts": "North, South",
    "Calls for service per year": "30000",
    "Mental health calls per year (counted)": str(MH_CALLS_PER_YEAR),
    "Mental health calls by hour of day": ", ".join(str(n) for n in HOURLY),
    "Average time on scene (minutes)": str(ON_SCENE_MINUTES),
    "Average travel time (minutes)": str(TRAVEL_MINUTES),
    "Case management capacity (people followed at once)": "0",
    "Service level target (%)": str(TARGET_PERCENT),
    "A unit free within (minutes)": str(WITHIN_MINUTES),
    "Overflow to patrol at most (%)": "10",
    "A CIT officer free when a call arrives (%)": str(CIT_FREE_PERCENT),
}
SERVICES = (
    "A crisis line or 988 center",
    "A crisis receiving or stabilization center that accepts police drop-offs",
    "A psychiatric emergency service",
)
#: What this profile must make fire (suburban, 5 patrol per shift, 6 calls per shift; a crisis
#: line, a receiving center and a psychiatric emergency service; no mobile crisis team, no
#: co-responder clinicians, no case management). The scores they give:
#:   CIT           receiving-center +2, psychiatric-emergency +1                  = +3
#:   Co-responder  busy-enough +2, psychiatric-emergency +1, no-clinicians -1     = +2
#:   Mobile crisis crisis-line +1, no-mobile-crisis-team -2                       = -1
#:   Tailored      (no rule)                                                      =  0
#:   Case mgmt.    no-case-management -2                                          = -2
FIRED = {
    "receiving-center",
    "psychiatric-emergency",
    "busy-enough-for-co-response",
    "no-co-responder-clinicians",
    "no-mobile-crisis-team",
    "crisis-line",
    "no-case-management",
}
RANKING = [
    ("Crisis Intervention Team (CIT)", 3),
    ("Co-responder team", 2),
    ("Tailored approach", 0),
    ("Mobile crisis team", -1),
    ("Case management team", -2),
]


def expected_staffing(shift: int) -> tuple[int, int]:
    """(units that meet the target, CIT officers on the shift) for shift number ``shift``,
    computed from the profile's inputs: equal 8-hour shifts from 07:00, calls spread by the
    hour-of-day pattern, a unit busy for the time on scene plus the travel."""
    hours = 24 // len(SHIFTS)
    start = FIRST_SHIFT_STARTS + shift * hours
    share = sum(HOURLY[(start + h) % 24] for h in range(hours)) / sum(HOURLY)
    per_hour = MH_CALLS_PER_YEAR / 365 * share / hours
    handle = ON_SCENE_MINUTES + TRAVEL_MINUTES
    load = erlang.offered_load(per_hour, handle)
    units = erlang.units_for_service_level(
        load, within=WITHIN_MINUTES, handle=handle, target=TARGET_PERCENT / 100
    )
    return units, erlang.officers_for_availability(load, probability=CIT_FREE_PERCENT / 100)


# --- The roster -----------------------------------------------------------------------------

TODAY = dt.date.today()
CIT_DONE = (TODAY - dt.timedelta(days=150)).isoformat()
MHFA_DONE = (TODAY - dt.timedelta(days=60)).isoformat()
HEADER = "badge_number,last_name,first_name,role,shift,district,cit_volunteer,cit,mhfa_ps"
#: 16 rows (lines 2-17): 14 patrol officers on three shifts in two districts and two
#: supervisors, so 16 sworn. Two hold CIT (Day, Evening); nobody on Night does. Three rows
#: are bad: line 5 a date that does not exist, line 9 an unknown role, line 14 a badge number
#: already on line 13.
ROWS = [
    f"101,Abbott,Ava,patrol_officer,Day,North,yes,{CIT_DONE},",
    "102,Baker,Ben,patrol_officer,Day,South,,,",
    "103,Cole,Cara,patrol_officer,Day,North,,,",
    "104,Ives,Iris,patrol_officer,Day,South,,,2025-02-30",
    "105,Moss,Max,patrol_officer,Day,North,,,",
    f"201,Diaz,Dan,patrol_officer,Evening,North,no,{CIT_DONE},",
    "202,Ellis,Eve,patrol_officer,Evening,South,,,",
    "203,Fox,Finn,deputy,Evening,South,,,",
    "204,Nash,Noor,patrol_officer,Evening,North,,,",
    "205,Owen,Ola,patrol_officer,Evening,South,,,",
    "301,Gray,Gia,patrol_officer,Night,North,,,",
    "302,Hale,Hugo,patrol_officer,Night,South,yes,,",
    "302,Jones,Jay,patrol_officer,Night,North,,,",
    "304,Park,Pat,patrol_officer,Night,South,,,",
    "401,King,Kim,supervisor,Day,,,,",
    "402,Lane,Lou,supervisor,Night,,,,",
]
WITH_BAD_ROWS = "\n".join([HEADER, *ROWS]) + "\n"
BAD = {
    5: ("104", "mhfa_ps: “2025-02-30” is not a date"),
    9: ("203", "role “deputy” is not one of"),
    14: ("302", "badge number 302 already appears on line 13"),
}
FIXED = (
    WITH_BAD_ROWS.replace(",2025-02-30", f",{MHFA_DONE}")
    .replace("203,Fox,Finn,deputy", "203,Fox,Finn,patrol_officer")
    .replace("302,Jones", "303,Jones")
)
#: Sworn 16: 20% is 3.2, so 4 CIT-certified officers; the import brings 2.
CERTIFY = ("302", "401")  # Hale (Night patrol), then King (a supervisor: sworn too)


# --- Steps ----------------------------------------------------------------------------------


def plan_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Plan", exact=True)


def fired_on_page(page: Page) -> set[str]:
    rules = page.get_by_role("table", name="Advisor rules and whether each fired for this profile")
    fired = set()
    for row in rules.locator("tbody tr").all():
        if row.get_by_role("cell").last.inner_text().strip() == "Yes":
            fired.add(row.get_by_role("rowheader").inner_text().strip())
    return fired


def field(form: Locator, label: str) -> Locator:
    """The field labelled exactly ``label`` (optional fields add "(optional)" to it)."""
    return form.get_by_label(re.compile(rf"^{re.escape(label)}(?: \(optional\))?$"))


def enter_profile(page: Page) -> None:
    visit(page, "/plan/profile/")
    form = page.locator("form", has=page.get_by_role("button", name="Save profile"))
    for label, value in PROFILE_TEXT.items():
        field(form, label).fill(value)
    field(form, "Setting").select_option(label="Suburban")
    for label in SERVICES:
        # USWDS hides the box itself and draws the label: click the label, as a person would.
        form.locator("label", has_text=label).click()
        expect(form.get_by_label(label)).to_be_checked()
    follow(page, form.get_by_role("button", name="Save profile"))
    expect(page.get_by_role("status")).to_contain_text("Community profile saved.")


def read_advice(page: Page) -> None:
    follow(page, plan_nav(page).get_by_role("link", name="Program-type advice"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Program-type advice")
    assert fired_on_page(page) == FIRED
    entries = page.locator("#ranking > li > h2")
    expect(entries).to_have_count(len(RANKING))
    for entry, (label, score) in zip(entries.all(), RANKING, strict=True):
        expect(entry).to_have_text(f"{label} score {score}")
    # The reasons for the top type name the rules that moved it.
    top = page.locator("#ranking > li").first
    expect(top).to_contain_text("(+2, receiving-center)")
    expect(top).to_contain_text("(+1, psychiatric-emergency)")


def read_staffing(page: Page, *, night_on_roster: int | None = None) -> None:
    visit(page, "/plan/staffing/")
    for index, name in enumerate(SHIFTS):
        units, cit = expected_staffing(index)
        section = page.locator("section", has=page.get_by_role("heading", name=f"{name} shift"))
        expect(section.get_by_role("heading", level=2)).to_have_text(
            re.compile(rf"^{name} shift \(from {(FIRST_SHIFT_STARTS + 8 * index) % 24}:00")
        )
        expect(section).to_contain_text(re.compile(rf"Units needed: {units} units? meets? "))
        expect(section).to_contain_text(f"CIT officers needed: {cit} on the shift")
        table = section.get_by_role("table", name=f"Units on duty, {name} shift")
        # The table marks the row of that number as the one that meets the target.
        expect(table.get_by_role("rowheader", name=re.compile(r"meets the target"))).to_have_text(
            re.compile(rf"^{units}\b")
        )
        if name == "Night" and night_on_roster is not None:
            expect(section).to_contain_text(
                f"Certified now (from Train): 0 of {night_on_roster} patrol officers on this "
                f"shift. {cit} more needed."
            )
    # The evening is the busy shift: it needs more units than the night.
    assert expected_staffing(1)[0] > expected_staffing(2)[0]


def upload(page: Page, tmp_path: Path, name: str, text: str) -> None:
    visit(page, "/train/import/")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    page.get_by_label("Roster file (CSV)").set_input_files(str(path))
    follow(page, page.get_by_role("button", name="Preview the import"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Roster import preview")


def accepted_outcomes(page: Page) -> dict[int, str]:
    table = page.get_by_role("table", name="Accepted rows and what each changes")
    outcomes = {}
    for row in table.locator("tbody tr").all():
        line = int(row.get_by_role("rowheader").inner_text())
        outcomes[line] = row.get_by_role("cell").nth(2).inner_text().strip()
    return outcomes


def import_roster(page: Page, tmp_path: Path) -> None:
    upload(page, tmp_path, "roster.csv", WITH_BAD_ROWS)
    counts = page.locator("#import-counts")
    for text in ("13 new roster entries", "0 changed", "0 unchanged", "3 rejected rows"):
        expect(counts).to_contain_text(text)
    expect(counts).to_contain_text("2 completions to record")
    rejected = page.get_by_role("table", name="Rejected rows, by line number in the file")
    expect(rejected.locator("tbody tr")).to_have_count(len(BAD))
    for line, (badge, reason) in BAD.items():
        row = rejected.locator("tbody tr").filter(
            has=page.get_by_role("rowheader", name=str(line), exact=True)
        )
        expect(row.get_by_role("cell").first).to_have_text(badge)
        expect(row.get_by_role("cell").last).to_contain_text(reason)
    assert set(accepted_outcomes(page).values()) == {"New"}
    apply_and_wait(page)  # the worker applies it; the page shows the result
    expect(page.get_by_role("status")).to_contain_text(
        "Roster imported: 13 new, 0 changed, 0 unchanged, 3 rejected; 2 completions recorded."
    )

    # The same file with the three rows corrected: those three are new, the rest unchanged.
    upload(page, tmp_path, "roster-fixed.csv", FIXED)
    expect(counts).to_contain_text("3 new roster entries")
    expect(counts).to_contain_text("13 unchanged entries")
    expect(counts).to_contain_text("0 rejected rows")
    expect(counts).to_contain_text("1 completion to record")
    expect(
        page.get_by_role("table", name="Rejected rows, by line number in the file")
    ).to_have_count(0)
    outcomes = accepted_outcomes(page)
    assert {line for line, outcome in outcomes.items() if outcome == "New"} == set(BAD)
    assert {line for line, outcome in outcomes.items() if outcome == "Unchanged"} == (
        set(range(2, 18)) - set(BAD)
    )
    apply_and_wait(page)  # the worker applies it; the page shows the result
    expect(page.get_by_role("status")).to_contain_text(
        "Roster imported: 3 new, 0 changed, 13 unchanged, 0 rejected; 1 completion recorded."
    )


def read_coverage(page: Page) -> Locator:
    visit(page, "/train/")
    expect(page).to_have_title("Training coverage · pmhc")
    expect(page.get_by_role("heading", level=1)).to_have_text("Training coverage")
    return page.locator("#coverage-gaps")


def cit_requirement(page: Page) -> Locator:
    visit(page, "/plan/one-mind/")
    return page.locator("#requirement-cit")


def certify(page: Page, badge: str) -> None:
    visit(page, "/train/roster/")
    page.get_by_label("Name or badge number").fill(badge)
    follow(page, page.get_by_role("button", name="Filter"))
    roster = page.get_by_role("table", name="1 matching roster entry")
    expect(roster).to_contain_text("Not certified")
    follow(page, roster.get_by_role("link"))
    form = page.locator("form", has=page.get_by_role("button", name="Record completion"))
    form.get_by_label("Course", exact=True).select_option(label="CIT core course")
    form.get_by_label("Completed on").fill((TODAY - dt.timedelta(days=3)).isoformat())
    form.get_by_label("Hours").fill("40")
    follow(page, form.get_by_role("button", name="Record completion"))
    expect(page.get_by_role("status")).to_contain_text("Completion recorded.")
    certifications = page.get_by_role("table", name="Latest certification of each kind")
    expect(certifications).to_contain_text("Current")


def test_coordinator_plans_imports_a_roster_and_closes_the_cit_gap(
    page: Page, cast: Cast, tmp_path: Path
) -> None:
    # The cast's agency has an agreement in force with a behavioral health organization.
    assert cast.partner.kind == "behavioral_health"
    sign_in(page, cast.member.username, PASSWORD)
    follow(page, primary_nav(page).get_by_role("link", name="Plan"))

    enter_profile(page)
    read_advice(page)
    expect(page.get_by_role("main")).to_contain_text(
        "No training roster yet: the rules that read CIT coverage did not run."
    )
    read_staffing(page)

    # One Mind before any roster: the partnership is met from the agreement alone.
    requirement = cit_requirement(page)
    expect(page.locator("#requirement-partnership")).to_contain_text("Met")
    expect(requirement).to_contain_text("Missing")

    import_roster(page, tmp_path)

    # Coverage: the night shift has patrol officers and none of them holds CIT; Day's and
    # Evening's CIT officers both work North, so South has none on those shifts.
    gaps = read_coverage(page)
    expect(gaps).to_contain_text(
        "Shifts without a CIT-certified patrol officer in every district: Day, Evening, Night"
    )
    by_shift = page.get_by_role("table", name="CIT-certified patrol officers by shift")
    expect(by_shift.get_by_role("row").filter(has_text="Night")).to_contain_text("Uncovered")
    day = by_shift.get_by_role("row").filter(has_text="Day")
    expect(day).to_contain_text("No CIT-certified officer in South")
    # The staffing model reads the same roster.
    read_staffing(page, night_on_roster=4)
    # The advisor now reads coverage too: the night gap counts against CIT.
    follow(page, plan_nav(page).get_by_role("link", name="Program-type advice"))
    assert "cit-shift-gaps" in fired_on_page(page)

    # One Mind: 2 of 16 sworn officers hold CIT; 20% is 3.2, so two more are needed.
    requirement = cit_requirement(page)
    expect(requirement.get_by_role("cell").first).to_have_text("In progress")
    expect(requirement).to_contain_text("2 of 16 sworn officers (12%)")
    expect(requirement).to_contain_text("2 more CIT-certified officers to reach 20%.")
    expect(page.get_by_role("heading", name=re.compile("^Requirements:"))).to_have_text(
        "Requirements: 1 of 4 met"
    )

    certify(page, CERTIFY[0])  # a night-shift patrol officer
    requirement = cit_requirement(page)
    expect(requirement.get_by_role("cell").first).to_have_text("In progress")
    expect(requirement).to_contain_text("1 more CIT-certified officer to reach 20%.")
    # Night now has a CIT-certified officer, in South only: the summary names the North post
    # that the table by shift and district shows without one, rather than "covered".
    gaps = read_coverage(page)
    expect(gaps).to_contain_text("Districts without a CIT-certified patrol officer on every shift")
    by_shift = page.get_by_role("table", name="CIT-certified patrol officers by shift")
    night = by_shift.get_by_role("row").filter(has_text="Night")
    expect(night).to_contain_text("No CIT-certified officer in North")
    expect(night).not_to_contain_text("Covered")

    certify(page, CERTIFY[1])  # a supervisor: sworn, so counted by One Mind
    requirement = cit_requirement(page)
    expect(requirement.get_by_role("cell").first).to_have_text("Met")
    expect(requirement).to_contain_text("4 of 16 sworn officers (25%)")
    expect(page.get_by_role("heading", name=re.compile("^Requirements:"))).to_have_text(
        "Requirements: 2 of 4 met"
    )

    # The advisor reads it too: no shift gap any more, and 3 of 14 patrol officers (21%) puts
    # CIT within the 20-25% guideline.
    follow(page, plan_nav(page).get_by_role("link", name="Program-type advice"))
    fired = fired_on_page(page)
    assert "cit-shift-gaps" not in fired
    assert "cit-share-in-guideline" in fired
