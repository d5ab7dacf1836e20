"""Every figure on the toolkit's content pages names its source (see ``figures.py``): the text
TTA staff keep (program types, elements, pages, questions, experiences) and the pages that
show it."""

from __future__ import annotations

import pytest
from django.test import Client

from pmhc.toolkit import markdown
from pmhc.toolkit.models import PageContent
from pmhc.toolkit.tests.figures import unsourced, unsourced_blocks


def test_the_convention_finds_a_figure_without_its_source():
    assert unsourced("About 25 percent of the patrol force.")
    assert unsourced("Officers returned in 15 minutes.")
    assert unsourced("Arrests fell by 40% in a year.")
    assert not unsourced("About 25 percent of the patrol force (Source: BJA PMHC Toolkit).")
    assert not unsourced("42 CFR Part 2 covers treatment records; see 45 CFR 164.512(j).")
    assert not unsourced(
        "Read essential element 7, or elements 3 and 4, of the 10 essential elements."
    )
    assert not unsourced("988 works beside 911 (2024).")
    assert unsourced_blocks(
        "<main><ul><li>Rule:<ul><li>30 days</li></ul></li></ul><p>A 40-hour course "
        "(Source: X).</p></main>"
    ) == ["30 days"]


@pytest.mark.django_db
def test_every_figure_in_the_toolkit_text_names_its_source():
    problems = []
    for content in PageContent.objects.order_by("kind", "number", "slug"):
        texts = [content.title, content.summary, *[str(v) for v in (content.facts or {}).values()]]
        found = [t for t in texts if unsourced(t)]
        found += unsourced_blocks(f"<main>{markdown.render(content.body)}</main>")
        problems += [f"{content.kind} {content.slug}: {text}" for text in found]
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_every_figure_on_the_learn_pages_names_its_source(client: Client):
    paths = ["/", "/learn/", "/learn/programs/", "/learn/programs/compare/", "/learn/elements/"]
    paths += [f"/learn/programs/{p.slug}/" for p in PageContent.objects.filter(kind="program_type")]
    paths += [f"/learn/elements/{n}/" for n in range(1, 11)]
    paths += ["/learn/faq/", "/learn/faq/?q=learning+site", "/learn/experiences/"]
    paths += ["/learn/lived-experience/"]
    problems = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        problems += [f"{path}: {b}" for b in unsourced_blocks(response.content.decode())]
    assert not problems, "\n".join(problems)
