"""The convention for figures on the toolkit's content: every number or percentage a reader
could take as a fact has its source named beside it, in the same paragraph, list item or table
cell, as "(Source: ...)" or "(Sources: ...)".

What is not a figure: a year, a law's or a rule's citation (42 CFR Part 2, 45 CFR 164.512(j),
34 U.S.C. 12621, H.R. 4221), the numbers 911 and 988, an essential element's number, the name
of "the 10 essential elements", a list's numbering, and a page number. A block marked
``data-figure="product"`` states the product's own count or limit (how many questions match,
how long a query may be), not a fact about the field, and is not checked.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SOURCE = re.compile(r"\(Sources?:\s*[^)]+\)", re.IGNORECASE)
FIGURE = re.compile(r"\d|%|\bper ?cent\b", re.IGNORECASE)
NOT_FIGURES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^\s*\d+\.\s",  # a list's numbering written out ("1. Collaborative Planning")
        r"\bpage \d+ of \d+\b",
        r"\belement \d+ of 10\b",
        r"\b(?:the |all )?10 essential elements\b",
        r"\belements? \d+(?:\s*(?:,|and|or)\s*\d+)*",
        r"\b\d+ CFR(?: [\d.]+(?:\([a-z0-9]+\))*)?",
        r"\bPart 2\b",
        r"\b\d+ U\.S\.C\. [\d\-–]+",
        r"\b(?:H\.R\.|S\.) \d+",
        r"\b(?:911|988)\b",
        r"\b(?:19|20)\d\d\b",  # a year
    )
]
BLOCKS = frozenset({
    "p", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "caption",
    "blockquote", "label", "div", "section",
})  # fmt: skip


def unsourced(block: str) -> bool:
    """Whether ``block`` states a figure without naming its source."""
    if SOURCE.search(block):
        return False
    text = block
    for pattern in NOT_FIGURES:
        text = pattern.sub(" ", text)
    return bool(FIGURE.search(text))


class _Blocks(HTMLParser):
    """The text of each block of a page's ``<main>``, a nested block apart from its parent."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.stack: list[tuple[bool, list[str]]] = []
        self.blocks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "main":
            self.in_main += 1
        elif self.in_main and tag in BLOCKS:
            self.stack.append((("data-figure", "product") in attrs, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "main":
            self.in_main -= 1
        elif self.in_main and tag in BLOCKS and self.stack:
            product, parts = self.stack.pop()
            text = " ".join("".join(parts).split())
            if text and not product:
                self.blocks.append(text)

    def handle_data(self, data: str) -> None:
        if self.in_main and self.stack:
            self.stack[-1][1].append(data)


def blocks_of(html: str) -> list[str]:
    parser = _Blocks()
    parser.feed(html)
    return parser.blocks


def unsourced_blocks(html: str) -> list[str]:
    return [block for block in blocks_of(html) if unsourced(block)]
