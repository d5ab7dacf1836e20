"""What the self-assessment's browser tests share: rating statements on a page, and the
scoring rules of ``scoring.py`` written out again independently, so the tests check the app's
figures against their own arithmetic."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import Locator, Page

LABELS = {"0": "Not started", "1": "Beginning", "2": "Developing", "3": "Established"}
DONT_KNOW = "dk"


def statements(page: Page, element: int) -> Locator:
    """The statements (fieldsets) of one element on an answering or agreeing page."""
    return page.get_by_role("group", name=re.compile(rf"^{element}\.\d+ "))


def pick(statement: Locator, step: str) -> None:
    """Check a step by clicking its label (the USWDS tile hides the radio itself); ``check``
    fails unless the radio ends up checked."""
    statement.locator("label").filter(has_text=re.compile(f"^{re.escape(step)}")).check()


def rate(page: Page, element: int, pattern: Sequence[str | None]) -> list[str | None]:
    """Rate the element on screen, cycling ``pattern`` over its statements ("0"-"3", "dk",
    or None to leave one blank); returns the choice made for each statement in order."""
    found = statements(page, element)
    chosen: list[str | None] = []
    for index in range(found.count()):
        choice = pattern[index % len(pattern)]
        chosen.append(choice)
        if choice == DONT_KNOW:
            pick(found.nth(index), "Don't know")
        elif choice is not None:
            pick(found.nth(index), LABELS[choice])
    return chosen


def ratings(chosen: Sequence[str | None]) -> list[int]:
    return [int(c) for c in chosen if c is not None and c != DONT_KNOW]


def element_score(chosen: Sequence[str | None]) -> float | None:
    """100 × sum / (3 × rated); "don't know" and blanks are left out."""
    rated = ratings(chosen)
    return 100 * sum(rated) / (3 * len(rated)) if rated else None


def overall(scores: Sequence[float | None]) -> float | None:
    """The mean of the element scores that exist."""
    present = [s for s in scores if s is not None]
    return sum(present) / len(present) if present else None


def shown(value: float | None) -> str:
    """As the report prints a score: a whole number, or a dash."""
    return "–" if value is None else f"{value:.0f}"


def download(page: Page, link_name: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def pdf_text(path: Path) -> str:
    import pypdf

    text = " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def pdf_row(number: int, title: str, score: str) -> re.Pattern[str]:
    """An element's row of the PDF's score table, as text (the title may wrap)."""
    words = r"\s+".join(re.escape(w) for w in f"{number}. {title}".split())
    return re.compile(rf"{words} {re.escape(score)} ")
