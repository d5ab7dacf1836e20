"""Given names and their common diminutives ("Bill" for William, "Peggy" for Margaret), so that
linkage can tell that two spellings may name one person.

The table (``data/nicknames.csv``, one ``name,nickname`` pair a line) is small and written for
English given names. Names that share a diminutive form one group ("Kate" joins Catherine and
Katherine); a name's canonical form is the group's first formal name in alphabetical order, and
a name the table does not know is its own canonical form.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from pmhc.people.name_keys import normalize


@cache
def nickname_table() -> dict[str, str]:
    """Each known name and diminutive, normalized, mapped to its group's canonical name."""
    text = resources.files("pmhc.people").joinpath("data/nicknames.csv").read_text("utf-8")
    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    formal: set[str] = set()
    for row in csv.DictReader(text.splitlines()):
        name, nickname = normalize(row["name"]), normalize(row["nickname"])
        if not name or not nickname:
            continue
        formal.add(name)
        a, b = find(name), find(nickname)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for name in parent:
        groups.setdefault(find(name), []).append(name)
    table: dict[str, str] = {}
    for members in groups.values():
        names = sorted(m for m in members if m in formal) or sorted(members)
        for member in members:
            table[member] = names[0]
    return table


def canonical_given(name: str) -> str:
    """The canonical form of a given name: "bill" and "william" give "william"."""
    key = normalize(name)
    return nickname_table().get(key, key)
