"""The instrument as the rest of the app reads it: typed, immutable views over an edition's
stored ``content`` (profile questions, then ten elements of rated items).

An item's key is qualified by its element ("3.shift-coverage"), so answers, agreed ratings and
actions name an item the same way in every edition that keeps it; comparisons across editions
match items by that key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.text import slugify

from pmhc.assessment.models import LEVELS


@dataclass(frozen=True)
class Item:
    element: int
    key: str  # qualified: "<element>.<slug>"
    code: str  # shown: "3.2"
    statement: str
    levels: tuple[str, str, str, str]
    next_step: str


@dataclass(frozen=True)
class Element:
    number: int
    title: str
    intent: str
    specialties: tuple[str, ...]
    items: tuple[Item, ...]


@dataclass(frozen=True)
class ProfileQuestion:
    key: str
    label: str
    choices: tuple[tuple[str, str], ...]

    def label_for(self, code: str) -> str:
        return dict(self.choices).get(code, "")


@dataclass(frozen=True)
class Edition:
    profile: tuple[ProfileQuestion, ...]
    elements: tuple[Element, ...]

    def find(self, number: int) -> Element | None:
        return next((e for e in self.elements if e.number == number), None)

    def element(self, number: int) -> Element:
        found = self.find(number)
        if found is None:
            raise KeyError(number)
        return found

    @property
    def items(self) -> Iterator[Item]:
        for element in self.elements:
            yield from element.items

    @property
    def item_count(self) -> int:
        return sum(len(e.items) for e in self.elements)

    def items_by_key(self) -> dict[str, Item]:
        return {item.key: item for item in self.items}


def level_labels() -> list[str]:
    return [str(label) for _value, label in LEVELS]


def qualified_key(element: int, slug: str) -> str:
    return f"{element}.{slug}"


def read(content: Mapping[str, Any]) -> Edition:
    """An edition from its stored JSON (see ``content_from_specs`` for the shape)."""
    elements = []
    for raw in content["elements"]:
        number = int(raw["number"])
        items = tuple(
            Item(
                element=number,
                key=qualified_key(number, str(spec["key"])),
                code=f"{number}.{index}",
                statement=str(spec["statement"]),
                levels=(
                    str(spec["levels"][0]),
                    str(spec["levels"][1]),
                    str(spec["levels"][2]),
                    str(spec["levels"][3]),
                ),
                next_step=str(spec["next_step"]),
            )
            for index, spec in enumerate(raw["items"], start=1)
        )
        elements.append(
            Element(
                number=number,
                title=str(raw["title"]),
                intent=str(raw["intent"]),
                specialties=tuple(raw.get("specialties", ())),
                items=items,
            )
        )
    profile = tuple(
        ProfileQuestion(
            key=str(q["key"]),
            label=str(q["label"]),
            choices=tuple((str(code), str(label)) for code, label in q["choices"]),
        )
        for q in content.get("profile", ())
    )
    return Edition(profile=profile, elements=tuple(sorted(elements, key=lambda e: e.number)))


def content_from_specs(
    profile: Sequence[Mapping[str, Any]], elements: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """Plain JSON for an edition, from the first edition's Python constants or a revision."""
    return {
        "profile": [
            {
                "key": q["key"],
                "label": q["label"],
                "choices": [[code, label] for code, label in q["choices"]],
            }
            for q in profile
        ],
        "elements": [
            {
                "number": e["number"],
                "title": e["title"],
                "intent": e["intent"],
                "specialties": list(e.get("specialties", ())),
                "items": [
                    {
                        "key": i["key"],
                        "statement": i["statement"],
                        "levels": list(i["levels"]),
                        "next_step": i["next_step"],
                    }
                    for i in e["items"]
                ],
            }
            for e in elements
        ],
    }


def new_item_slug(statement: str, taken: set[str]) -> str:
    """A stable slug for an item added in a revision, unique within its element."""
    base = slugify(statement)[:60].strip("-") or "item"
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug
