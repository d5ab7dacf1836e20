"""Helpers shared by every download the product offers."""

from __future__ import annotations


def spreadsheet_cell(value: object) -> str:
    """A CSV cell a spreadsheet will show, not run: text that starts like a formula gets a
    leading apostrophe (typed input ends up in exports)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text
