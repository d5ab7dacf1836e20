"""The panel registry: a higher app's panels on a lower app's page, in order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pmhc.platform import panels


@pytest.fixture
def page() -> Iterator[str]:
    name = "tests.page"
    yield name
    panels._PANELS.pop(name, None)


def test_panels_come_in_their_order_not_the_order_registered(page: str) -> None:
    def context(**kwargs: Any) -> dict[str, Any]:
        return {}

    panels.register(page, template="second.html", context=context, order=20)
    panels.register(page, template="first.html", context=context, order=10)
    assert [p.template for p in panels.panels_for(page)] == ["first.html", "second.html"]


def test_a_page_without_panels_renders_none() -> None:
    assert panels.render("tests.nothing-registered", actor=None) == []


def test_a_panel_escapes_what_it_shows(page: str, tmp_path: Any, settings: Any) -> None:
    (tmp_path / "panel.html").write_text("<p>{{ found }}</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    panels.register(page, template="panel.html", context=lambda **kw: {"found": kw["thing"]})
    assert panels.render(page, thing="<b>x</b>") == ["<p>&lt;b&gt;x&lt;/b&gt;</p>"]
