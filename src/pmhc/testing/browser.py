"""Real-browser fixtures, loaded for the whole suite as a pytest plugin (see pyproject.toml):
Playwright (sync API) driving Debian's Chromium against pytest-django's ``live_server``, with an
axe-core check of every page a test visits.

One browser for all of them, a fresh context (cookies, storage) per test. Outside CI a missing
Chromium skips these tests with the reason; under ``CI=true`` any skip of a browser test is
turned into a failure, so CI can never pass without having run them.

Test modules use the helpers below: ``visit`` (go to a URL, check the status, run axe),
``follow`` (click a link or button, wait for the next page, run axe) and ``axe_check`` (run axe
on the page as it is, e.g. with a menu open). The ``page`` fixture errors at teardown if a test
reached a page that none of them checked.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Frame,
    Locator,
    Page,
    Response,
    sync_playwright,
)

#: Playwright's sync API keeps an asyncio loop running in this thread from ``start()`` to
#: ``stop()``, and Django refuses ORM calls from a thread with a running loop unless this is
#: set. The ``browser`` fixture sets it for exactly as long as the loop runs, so the rest of
#: the suite keeps Django's guard.
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

CHROMIUM = Path(os.environ.get("PMHC_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
#: Generous for a loaded CI machine, short enough that a wrong selector fails quickly.
TIMEOUT_MS = 10_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``; under CI, fail instead: a skipped browser test proves nothing."""
    if in_ci():
        pytest.fail(f"CI=true, so this browser test may not be skipped: {reason}", pytrace=False)
    pytest.skip(reason)


def left_to_postgresql(item: pytest.Item) -> bool:
    """A test marked ``postgresql`` runs in the suite's PostgreSQL run only."""
    return item.get_closest_marker("postgresql") is not None and connection.vendor != "postgresql"


def pytest_runtest_setup(item: pytest.Item) -> None:
    if left_to_postgresql(item):
        pytest.skip(f"runs on PostgreSQL only, not on {connection.vendor}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Any other way a browser test could end up skipped (a marker, an importorskip) fails in CI;
    # a test marked ``postgresql`` is covered by the suite's PostgreSQL run instead.
    report = yield
    if (
        in_ci()
        and report.skipped
        and item.get_closest_marker("browser") is not None
        and not left_to_postgresql(item)
    ):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true, so this browser test may not be skipped: {reason}"
    return report


# --- The browser ----------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all the browser tests (they all live in this package), closed after
    the last of them so that Playwright's event loop does not outlive them."""
    if not CHROMIUM.exists():
        skip_or_fail(
            f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install chromium) "
            "to run the browser tests"
        )
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@dataclass
class PageLog:
    """What happened in one page: pages reached but not checked by axe, and script errors."""

    unchecked: list[str] = field(default_factory=list)
    pending: str | None = None
    errors: list[str] = field(default_factory=list)


_LOGS: dict[int, PageLog] = {}
#: axe-core as shipped in axe-playwright-python: injected into each page, no network needed.
AXE = Axe()


def _log(page: Page) -> PageLog:
    return _LOGS.setdefault(id(page), PageLog())


def _console(page: Page, log: PageLog, message: ConsoleMessage) -> None:
    # The Content-Security-Policy forbids inline script and style: a page that needs them is
    # broken in production, so a violation fails the test like a script error.
    if message.type == "error" and "Content Security Policy" in message.text:
        log.errors.append(f"{page.url}: {message.text}")


@pytest.fixture
def new_page(browser: Browser, live_server: Any) -> Iterator[Callable[..., Page]]:
    """Make pages in fresh browser contexts: ``new_page(viewport=PHONE)``. Each page's
    navigations are tracked, and the test errors at teardown if one of them was never
    checked with axe (see ``visit`` and ``axe_check``), if a script on it threw, or if it
    broke the Content-Security-Policy."""
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    def make(**options: Any) -> Page:
        options.setdefault("viewport", DESKTOP)
        context = browser.new_context(base_url=live_server.url, locale="en-US", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        log = _log(page)

        def navigated(frame: Frame) -> None:
            if frame is not page.main_frame:
                return
            if log.pending is not None:
                log.unchecked.append(log.pending)
            log.pending = frame.url

        page.on("framenavigated", navigated)
        page.on("pageerror", lambda exc: log.errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda message: _console(page, log, message))
        pages.append(page)
        return page

    yield make

    problems: list[str] = []
    for page in pages:
        log = _LOGS.pop(id(page), PageLog())
        unchecked = [*log.unchecked, *([log.pending] if log.pending else [])]
        if unchecked:
            problems.append("pages visited without an axe check: " + ", ".join(unchecked))
        if log.errors:
            problems.append("script errors: " + "; ".join(log.errors))
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A desktop-sized page in a fresh context, pointed at the live server."""
    return new_page()


# --- Helpers the tests import ---------------------------------------------------------------


def _describe(violation: dict[str, Any]) -> str:
    lines = [
        f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): "
        f"{violation['help']}  <{violation.get('helpUrl', '')}>"
    ]
    for node in violation.get("nodes", []):
        target = " ".join(str(t) for t in node.get("target", []))
        summary = re.sub(r"\s+", " ", node.get("failureSummary") or "").strip()
        lines.append(f"    at {target}: {summary}")
    return "\n".join(lines)


#: Fingerprints of page states axe already passed in this session (see ``axe_check``).
_PASSED: set[str] = set()
_CSRF_VALUE = re.compile(r'(name="(?:csrfmiddlewaretoken|pmhc_submit)" value=)"[^"]*"')


def _fingerprint(page: Page) -> str:
    html = _CSRF_VALUE.sub(r'\1""', page.content())
    size = page.viewport_size
    return hashlib.sha256(f"{size}\n{html}".encode()).hexdigest()


def axe_check(page: Page) -> None:
    """Run axe-core on the page as it is now; fail the test listing every violation.

    axe's verdict depends only on the DOM, the style sheets and the viewport, so a page whose
    DOM is identical (CSRF tokens aside) to one already passed at the same size, such as the
    sign-in form met again, is not run through axe a second time."""
    log = _log(page)
    log.pending = None
    fingerprint = _fingerprint(page)
    if fingerprint in _PASSED:
        return
    results = AXE.run(page)
    if not results.violations_count:
        _PASSED.add(fingerprint)
    else:
        violations = results.response["violations"]
        pytest.fail(
            f"axe found {len(violations)} accessibility violation(s) on {page.url}:\n"
            + "\n".join(_describe(v) for v in violations),
            pytrace=False,
        )


def visit(page: Page, url: str, *, status: int = 200) -> Response:
    """Go to ``url`` (relative to the live server), check the status, then run axe."""
    response = page.goto(url)
    assert response is not None, f"no response for {url}"
    assert response.status == status, f"{url} answered {response.status}, expected {status}"
    axe_check(page)
    return response


def follow(page: Page, locator: Locator) -> None:
    """Click ``locator`` (a link or a submit button), wait for the page it leads to, and run
    axe on that page."""
    with page.expect_navigation(wait_until="load"):
        locator.click()
    axe_check(page)


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the form (checking the sign-in page and the page it lands on)."""
    visit(page, "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    follow(page, page.get_by_role("button", name="Sign in"))


def sign_out(page: Page) -> None:
    follow(page, primary_nav(page).get_by_role("button", name="Sign out"))


def primary_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Primary navigation")


# --- Data -----------------------------------------------------------------------------------

DEMO_PASSWORD = "browser-demo-password-2026"  # noqa: S105 - synthetic demo users only


@pytest.fixture
def demo(transactional_db: None, live_server: Any) -> Any:
    """The demo jurisdiction, in the database the live server reads; every demo user's
    password is ``DEMO_PASSWORD``."""
    from pmhc.demo import generator

    return generator.build(password=DEMO_PASSWORD, log=lambda _line: None)
