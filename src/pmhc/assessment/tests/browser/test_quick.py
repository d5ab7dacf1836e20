"""The quick self-assessment, anonymous, end to end: start it, fill the profile, answer every
element (some "don't know", some blank, one element left empty), read the scores, download the
PDF and the CSV, come back by the private link in another browser; a wrong link is a 404.

The expected scores are computed here from the choices made, by the rules in the docstring of
``scoring.py`` (see ``helpers``), not with the app's own code."""

from __future__ import annotations

import csv
import io
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
from pmhc.testing.browser import follow, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("first_edition"),
]

#: What the visitor picks, cycled over each element's statements: a step, "don't know", or
#: nothing. Element 10 is left entirely blank, so it has no score.
PATTERNS: dict[int, tuple[str | None, ...]] = {
    1: ("3", "2", "dk", "1", None, "2"),
    2: ("0", "1", "1", "2", "dk", "dk"),
    3: ("3", "3", "3", "2", "3", None),
    4: ("dk", None, "1", "0", "0", "1"),
    5: ("2",),
    6: ("1", "dk"),
    7: ("3", "2", "1", "0"),
    8: ("2", None, "3"),
    9: ("1", "1", "2", "dk"),
    10: (None,),
}


def test_quick_assessment_end_to_end(
    page: Page, new_page: Callable[..., Page], tmp_path: Path
) -> None:
    visit(page, "/assess/")
    follow(page, page.get_by_role("button", name="Start the quick self-assessment"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency profile")
    expect(page.get_by_role("status").first).to_contain_text("Bookmark this page")
    page.get_by_label("What kind of jurisdiction does the program serve?").select_option(
        label="County"
    )
    follow(page, page.get_by_role("button", name="Save and start the statements"))

    chosen: dict[int, list[str | None]] = {}
    titles: dict[int, str] = {}
    for number in range(1, 11):
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Element {number} of 10")
        titles[number] = page.locator(".usa-step-indicator__heading-text").inner_text().strip()
        chosen[number] = rate(page, number, PATTERNS[number])
        last = "Save and see the results" if number == 10 else "Save and continue"
        follow(page, page.get_by_role("button", name=last))

    # The results: every figure as computed here.
    expect(page.get_by_role("heading", level=1)).to_have_text("Self-assessment report")
    scores = {number: element_score(choices) for number, choices in chosen.items()}
    assert scores[10] is None  # nothing rated: no score, and left out of the overall
    total = overall(list(scores.values()))
    expect(page.get_by_test_id("overall-score")).to_have_text(shown(total))
    counts: dict[int, tuple[int, int, int]] = {}
    for number, choices in chosen.items():
        counts[number] = (
            len(ratings(choices)),
            choices.count(DONT_KNOW),
            choices.count(None),
        )
        row = page.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=f"{number}. {titles[number]}", exact=True)
        )
        expect(row.get_by_role("cell")).to_have_text(
            [shown(scores[number]), re.compile(".*"), *map(str, counts[number])]
        )
    rated, dont_know, blank = (sum(c[i] for c in counts.values()) for i in range(3))
    expect(page.get_by_role("main")).to_contain_text(
        f"{rated} of {rated + dont_know + blank} statements rated, "
        f"{dont_know} marked “don't know”, {blank} not answered."
    )
    results = re.sub(r"^https?://[^/]+", "", page.url)

    # The PDF gives the same figures.
    text = pdf_text(download(page, "Download the report (PDF)", tmp_path))
    assert f"Overall score: {shown(total)} of 100" in text, text[:600]
    assert f"{rated} of {rated + dont_know + blank} items rated; {dont_know} marked" in text
    for number in chosen:
        line = pdf_row(number, titles[number], shown(scores[number]))
        assert line.search(text), (line.pattern, text)

    # The CSV has a row per statement answered (blanks are not stored).
    answers = download(page, "Download the answers (CSV)", tmp_path).read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(answers)))
    assert len(rows) == rated + dont_know
    assert sum(1 for r in rows if r["rating"] == "Don't know") == dont_know
    assert sorted(int(r["rating (0-3)"]) for r in rows if r["rating (0-3)"]) == sorted(
        value for choices in chosen.values() for value in ratings(choices)
    )

    # The private link works in another browser; a wrong one is a 404.
    elsewhere = new_page()
    visit(elsewhere, results)
    expect(elsewhere.get_by_test_id("overall-score")).to_have_text(shown(total))
    token = results.split("/")[3]
    visit(elsewhere, results.replace(token, token[:-4] + "abcd"), status=404)
