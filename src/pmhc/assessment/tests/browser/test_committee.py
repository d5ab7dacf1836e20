"""A planning committee's self-assessment, in the browser, with the demo county's people.

The coordinator opens an assessment and invites a supervisor and an officer of the police
department and a clinician of the behavioral health center. Each answers on their own, signed
in, in their own browser; police and clinician see some statements differently, and the
combined view lists those disagreements first. The coordinator agrees a rating for every
statement, reads the report, downloads the PDF (its scores are the page's), adds actions for
two gaps, sees them in the action plan and closes the assessment. Later they re-assess with
the same respondents, agree better ratings on some statements, and the comparison shows the
change element by element. Someone from another organization gets a 404.

Expected figures are computed here from the choices made (see ``helpers``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pmhc.assessment.tests.browser.helpers import (
    DONT_KNOW,
    download,
    element_score,
    overall,
    pdf_row,
    pdf_text,
    rate,
    ratings,
    shown,
)
from pmhc.testing.browser import DEMO_PASSWORD, follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

Choices = tuple[str | None, ...]

#: Each respondent answers elements 1 and 2 only (a partial sitting is allowed).
RESPONDENTS: dict[str, tuple[str, dict[int, Choices]]] = {
    "supervisor": (
        "law_enforcement",
        {1: ("3", "3", "2", "2", "1", "2"), 2: ("2", "2", "2", "1", "1", "dk")},
    ),
    "officer": (
        "law_enforcement",
        {1: ("3", "2", "2", "2", "1", "2"), 2: ("2", "2", "1", "1", "1", None)},
    ),
    "clinician": (
        "mental_health",
        {1: ("1", "1", "2", "2", "1", "2"), 2: ("2", "2", "2", "1", "0", "1")},
    ),
}
#: The committee's agreed ratings, cycled over each element's statements.
BASELINE: dict[int, Choices] = {
    1: ("3", "1", "2", "0", "1", "2"),
    2: ("2", "2", "1", "1", "0", "2"),
    3: ("1", "1", "2", "0", "1", "2"),
    4: ("2",),
    5: ("1", "2"),
    6: ("0", "1", "2"),
    7: ("2", "2", "3"),
    8: ("3", "2"),
    9: ("1",),
    10: ("2", "1"),
}
#: The re-assessment agrees only elements 1-3, and only two statements of element 3.
FOLLOW_UP: dict[int, Choices] = {
    1: ("3", "2", "2", "1", "2", "2"),
    2: ("3", "2", "2", "2", "1", "2"),
    3: ("1", "0", None, None, None, None),
}
PD = "Example County Police Department"


def mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def expected_divides() -> list[str]:
    """The combined view's "conversations to have next", computed from RESPONDENTS: items
    where the two sides' means are half a step or more apart, widest first, at most five."""
    rows = []
    for element in (1, 2):
        for index in range(6):
            sides: dict[str, list[int]] = {"law_enforcement": [], "mental_health": []}
            for side, answers in RESPONDENTS.values():
                choice = answers[element][index]
                if choice is not None and choice != DONT_KNOW:
                    sides[side].append(int(choice))
            le, mh = mean(sides["law_enforcement"]), mean(sides["mental_health"])
            if le is not None and mh is not None and abs(le - mh) >= 0.5:
                rows.append((-abs(le - mh), element, f"{element}.{index + 1}", le, mh))
    rows.sort()
    return [
        re.escape(f"{code} ")
        + ".* — "
        + re.escape(f"law enforcement {le:.1f}, mental health {mh:.1f} (apart by {-gap:.1f})")
        for gap, _element, code, le, mh in rows[:5]
    ]


def open_assessment(page: Page, title: str, *, again_from: str = "") -> str:
    """Open a committee assessment from the Assess page; returns its path."""
    visit(page, "/assess/")
    follow(page, page.get_by_role("link", name="Open a committee assessment"))
    page.get_by_label("Title").fill(title)
    again = page.get_by_label("Invite the respondents of an earlier assessment again")
    if again_from:
        again.select_option(value=again_from.strip("/").split("/")[-1])
    else:
        again.select_option(label="No, I will invite people myself")
    follow(page, page.get_by_role("button", name="Open the assessment"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return re.sub(r"^https?://[^/]+", "", page.url)


def answer(page: Page, username: str, title: str, *, send: bool) -> None:
    """A respondent finds the assessment on the Assess page and answers elements 1 and 2;
    with ``send``, they also review and send (answers count in the combined view either way,
    so only one respondent takes those two pages, to keep the test short)."""
    _side, answers = RESPONDENTS[username]
    sign_in(page, username, DEMO_PASSWORD)
    visit(page, "/assess/")
    waiting = page.get_by_role("region", name="Waiting for your answers")
    follow(page, waiting.get_by_role("link", name=title))
    follow(page, page.get_by_role("link", name="Start answering"))
    for element in (1, 2):
        rate(page, element, answers[element])
        follow(page, page.get_by_role("button", name="Save and continue"))
    if not send:
        return
    follow(page, page.get_by_role("link", name="Back to the overview"))
    expect(page.get_by_role("main")).to_contain_text(
        f"{sum(1 for e in (1, 2) for c in answers[e] if c is not None)} of 63 statements answered."
    )
    follow(page, page.get_by_role("link", name="Review and send"))
    follow(page, page.get_by_role("button", name="Send my answers"))
    expect(page.get_by_role("status").first).to_contain_text("Your answers are with the")


def agree(page: Page, detail: str, plan: dict[int, Choices]) -> dict[int, list[str | None]]:
    """Agree ratings element by element from the assessment's page, following "next"."""
    visit(page, detail)
    numbers = sorted(plan)
    follow(page, page.get_by_role("link", name=re.compile(rf"^{numbers[0]}\. ")))
    chosen = {}
    for number in numbers:
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Agree: {number}.")
        chosen[number] = rate(page, number, plan[number])
        go_on = number != numbers[-1]
        button = "Save and go to the next element" if go_on else "Save"
        follow(page, page.get_by_role("button", name=button, exact=True))
    return chosen


def add_action(page: Page, code: str, title: str, due: dt.date) -> None:
    follow(page, page.get_by_role("link", name=f"Add an action for {code} to the plan"))
    expect(page.get_by_role("heading", level=2)).to_have_text(f"The gap: {code}")
    page.get_by_label("Action", exact=True).fill(title)
    page.get_by_label("Owner").fill("CIT coordinator")
    page.get_by_label("Due date").fill(due.isoformat())
    follow(page, page.get_by_role("button", name="Add to the plan"))
    expect(page.get_by_role("status").first).to_contain_text("Action added to the plan.")


def test_committee_assessment_with_history(
    page: Page, new_page: Callable[..., Page], demo: object, tmp_path: Path
) -> None:
    coordinator = page
    sign_in(coordinator, "coordinator", DEMO_PASSWORD)
    detail = open_assessment(coordinator, "Browser test baseline")

    # Three respondents from two organizations, found by their accounts' e-mail.
    follow(coordinator, coordinator.get_by_role("link", name="Invite a respondent"))
    for number, username in enumerate(RESPONDENTS, start=1):
        coordinator.get_by_label("Name", exact=True).fill(f"Demo {username}")
        coordinator.get_by_label("E-mail").fill(f"{username}@demo.pmhc.invalid")
        last = number == len(RESPONDENTS)
        button = "Send the invitation" if last else "Send and invite another"
        follow(coordinator, coordinator.get_by_role("button", name=button))
        expect(coordinator.get_by_role("status").first).to_contain_text("answers signed in")
    respondents = coordinator.get_by_role("table", name="Respondents").get_by_role("row")
    expect(respondents).to_have_count(4)  # the header and three people
    expect(respondents.nth(1)).to_contain_text(PD)
    expect(respondents.nth(3)).to_contain_text("Example County Behavioral Health Center")
    expect(respondents.nth(3)).to_contain_text("Mental health")

    # Each answers on their own, in their own browser.
    for username in RESPONDENTS:
        answer(new_page(), username, "Browser test baseline", send=username == "clinician")

    # The combined view puts the disagreements first.
    visit(coordinator, detail)
    follow(coordinator, coordinator.get_by_role("link", name="Open the combined view"))
    expect(coordinator.get_by_role("main")).to_contain_text("3 respondents.")
    divides = coordinator.get_by_role("region", name="The conversations to have next")
    expect(divides.get_by_role("listitem")).to_have_text(
        [re.compile(pattern) for pattern in expected_divides()]
    )

    # The committee agrees a rating for every statement; the report scores them.
    agreed = agree(coordinator, detail, BASELINE)
    expect(coordinator.get_by_role("main")).to_contain_text(
        "63 of 63 statements have an agreed rating."
    )
    follow(coordinator, coordinator.get_by_role("link", name="Open the report"))
    scores = {number: element_score(choices) for number, choices in agreed.items()}
    before_overall = overall(list(scores.values()))
    expect(coordinator.get_by_test_id("overall-score")).to_have_text(shown(before_overall))
    titles: dict[int, str] = {}
    for number, score in scores.items():
        expect(coordinator.get_by_test_id(f"score-{number}")).to_have_text(shown(score))
        header = coordinator.locator(f"tr[data-element='{number}'] th").inner_text()
        titles[number] = header.split(". ", 1)[1]

    # The PDF's scores are the page's.
    text = pdf_text(download(coordinator, "Download the report (PDF)", tmp_path))
    page_overall = coordinator.get_by_test_id("overall-score").inner_text()
    assert f"Overall score: {page_overall} of 100" in text, text[:600]
    for number in scores:
        on_page = coordinator.get_by_test_id(f"score-{number}").inner_text()
        assert pdf_row(number, titles[number], on_page).search(text), (number, text)

    # Actions from two gaps, then the plan.
    due = dt.date.today() + dt.timedelta(days=90)
    assert agreed[1][3] == "0" and agreed[2][4] == "0"
    add_action(coordinator, "1.4", "Name an executive sponsor for the committee (test)", due)
    add_action(coordinator, "2.5", "Write the program design down with partners (test)", due)
    follow(coordinator, coordinator.get_by_role("link", name="Back"))
    follow(coordinator, coordinator.get_by_role("link", name="The action plan"))
    for title, element in (
        ("Name an executive sponsor for the committee (test)", 1),
        ("Write the program design down with partners (test)", 2),
    ):
        section = coordinator.get_by_role("region", name=re.compile(rf"^{element}\. "))
        row = section.get_by_role("row").filter(has_text=title)
        expect(row).to_contain_text("Browser test baseline")
        expect(row).to_contain_text(due.isoformat())
        expect(row).to_contain_text("Not started")

    # Close it; later, re-assess with the same respondents.
    visit(coordinator, detail)
    follow(coordinator, coordinator.get_by_role("button", name="Close the assessment"))
    expect(coordinator.get_by_role("main")).to_contain_text("Closed")
    later = open_assessment(coordinator, "Browser test follow-up", again_from=detail)
    invited = coordinator.get_by_role("table", name="Respondents").get_by_role("rowheader")
    expect(invited).to_have_text([f"Demo {username}" for username in RESPONDENTS])
    agreed_later = agree(coordinator, later, FOLLOW_UP)

    # The comparison, element by element.
    follow(coordinator, coordinator.get_by_role("link", name="Compare with another assessment"))
    expect(coordinator.get_by_role("main")).to_contain_text(
        "From “Browser test baseline” to “Browser test follow-up”"
    )
    after = {n: element_score(agreed_later.get(n, ())) for n in BASELINE}
    # The page shows the change between the whole-number scores it prints.
    deltas: dict[int, int | None] = {}
    for number in BASELINE:
        earlier, now = scores[number], after[number]
        deltas[number] = None if earlier is None or now is None else round(now) - round(earlier)
        shown_delta = "–" if deltas[number] is None else f"{deltas[number]:+d}"
        expect(coordinator.get_by_test_id(f"delta-{number}")).to_have_text(shown_delta)
    overall_delta = round(overall(list(after.values()))) - round(before_overall)  # type: ignore[arg-type]
    expect(coordinator.get_by_test_id("overall-delta")).to_have_text(f"{overall_delta:+d}")
    improved = [n for n, d in deltas.items() if d is not None and d > 0]
    slipped = [n for n, d in deltas.items() if d is not None and d < 0]
    assert improved == [1, 2] and slipped == [3]  # the plan above makes it so
    expect(coordinator.get_by_role("region", name="Improved").get_by_role("listitem")).to_have_text(
        [f"{n}. {titles[n]}: {deltas[n]:+d}" for n in improved]
    )
    expect(coordinator.get_by_role("region", name="Slipped").get_by_role("listitem")).to_have_text(
        [f"{n}. {titles[n]}: {deltas[n]:+d}" for n in slipped]
    )
    assert ratings(agreed_later[3]) == [1, 0]

    # Someone from another organization cannot see it, nor guess it.
    outsider = new_page()
    sign_in(outsider, "tta_staff", DEMO_PASSWORD)
    visit(outsider, detail, status=404)
    visit(outsider, f"{later}report/", status=404)
