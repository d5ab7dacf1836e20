"""The Measure dashboard shows each month and each group beside the period's total: a hidden
count must not come back by subtracting the shown ones from the total, on the page or in the
downloads."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from pmhc.evaluation import dashboard_selectors as selectors
from pmhc.evaluation.models import PUBLIC_MIN_CELL
from pmhc.evaluation.tests.test_dashboard import rollup, this_month

FEWER = f"fewer than {PUBLIC_MIN_CELL}"


def _connected(board):
    return board.headline[0]


def test_a_breakdown_with_one_small_group_hides_a_second(cast):
    month = this_month(cast)
    for district, connected in (("Amber", 30), ("Birch", 25), ("Cedar", 3)):
        rollup(cast.agency, month, district=district, calls=40, reported=40, connected=connected)
    page = cast.client(cast.member).get(reverse("evaluation_dashboard"), {"by": "district"})
    figures = _connected(page.context["board"])
    assert figures.current.numerator_text == "58"
    groups = {g.label: g.cell for g in figures.breakdown}
    assert groups["Cedar"].numerator_text == FEWER
    # 58 - 30 - 25 would give Cedar's 3 back: the next smallest is hidden too.
    assert groups["Birch"].numerator_text == "not shown" and groups["Birch"].figure is None
    assert groups["Amber"].numerator_text == "30" and groups["Amber"].figure == 75.0
    text = page.content.decode()
    assert ">25<" not in text and ">3<" not in text


def test_a_month_series_with_one_small_month_hides_another(cast):
    current = this_month(cast)
    for back, connected in ((0, 30), (1, 3), (2, 20)):
        month = selectors.add_months(current, -back)
        rollup(cast.agency, month, district="Amber", calls=40, reported=40, connected=connected)
    board = cast.client(cast.member).get(reverse("evaluation_dashboard")).context["board"]
    figures = _connected(board)
    assert figures.current.numerator_text == "53"
    months = {p.month: p.cell for p in figures.months}
    assert months[selectors.add_months(current, -1)].numerator_text == FEWER
    assert months[selectors.add_months(current, -2)].numerator_text == "not shown"
    assert months[current].numerator_text == "30"
    shown = [p.cell.numerator for p in figures.months if not p.cell.hidden]
    assert sum(shown) == 30


def test_the_csv_hides_what_the_page_hides(cast):
    month = this_month(cast)
    for district, connected in (("Amber", 30), ("Birch", 25), ("Cedar", 3)):
        rollup(cast.agency, month, district=district, calls=40, reported=40, connected=connected)
    client = cast.client(cast.member)
    board = client.get(reverse("evaluation_dashboard"), {"by": "district"}).context["board"]
    response = client.get(reverse("evaluation_dashboard_csv"), {"by": "district"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    expected = [[str(v) for v in row] for row in selectors.rows(board)]
    assert rows == expected
    name = str(_connected(board).metric.name)
    by_group = {r[4]: r for r in rows if r[1] == name and r[3] == "by district"}
    assert by_group["Cedar"][5] == FEWER and by_group["Birch"][5] == "not shown"
    assert by_group["Birch"][7] == "" and by_group["Amber"][5] == "30"
