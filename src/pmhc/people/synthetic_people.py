"""Synthetic people with known truth, for testing and measuring linkage.

Each synthetic person is mentioned one or more times, as records of calls and encounters would
mention them: the first mention as the person is, later ones with the mistakes that records
carry (a typo in either name, a nickname for the given name, day and month of birth swapped,
no birth date at all, sometimes only an approximate age, an address left out or changed, sex
not recorded). People live in households that share a family name and an address, so relatives
are the hard cases that must stay apart.

Names are made of syllables, drawn with a skewed frequency so that common names repeat as they
do in a real population; the given names include the formal names of the nickname table, so that
nicknames occur. No name belongs to anyone. Everything is drawn from one seeded random source:
the same seed gives the same people.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import string
from collections.abc import Iterator
from dataclasses import dataclass

from pmhc.people.linkage import Mention
from pmhc.people.nicknames import nickname_table

_ONSETS = ("b", "br", "c", "ch", "d", "f", "g", "gr", "h", "j", "k", "l", "m", "n", "p", "r",
           "s", "sh", "st", "t", "tr", "v", "w", "z")  # fmt: skip
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "o")
_CODAS = ("", "n", "r", "l", "s", "t", "m", "nd", "rt", "ck", "ll", "x", "ng")
_STREETS = ("st", "ave", "rd", "ln", "dr", "ct")
_LOOKS = ("tall", "short", "slim", "heavy", "beard", "glasses", "tattoo on arm", "red jacket",
          "gray hoodie", "cap", "limp", "long hair", "shaved head")  # fmt: skip


@dataclass(frozen=True)
class SyntheticMention:
    mention: Mention
    #: Which synthetic person this record mentions: records of one person share it.
    person: int


def _syllable(rng: random.Random) -> str:
    return rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)


def _pool(rng: random.Random, size: int, syllables: tuple[int, ...]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < size:
        word = "".join(_syllable(rng) for _ in range(rng.choice(syllables)))
        if 3 <= len(word) <= 14 and word not in seen:
            seen.add(word)
            out.append(word.capitalize())
    return out


class _Skewed:
    """Draws from a pool with Zipf-like weights (the k-th item weighs 1 / (k + 10))."""

    def __init__(self, items: list[str]) -> None:
        self.items = items
        self.cumulative = list(itertools.accumulate(1.0 / (k + 10) for k in range(len(items))))

    def draw(self, rng: random.Random) -> str:
        x = rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect_left(self.cumulative, x)]


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word))
    kind = rng.randrange(4)
    letter = rng.choice(string.ascii_lowercase)
    if kind == 0:
        return word[:i] + letter + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + letter + word[i:]
    if i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + letter


def _nicknames() -> dict[str, list[str]]:
    by_name: dict[str, list[str]] = {}
    for member, canonical in nickname_table().items():
        if member != canonical:
            by_name.setdefault(canonical, []).append(member)
    return {name: sorted(nicks) for name, nicks in by_name.items()}


def generate(
    mentions: int, *, seed: int = 15, recorded_year: int = 2026
) -> Iterator[SyntheticMention]:
    """``mentions`` records of synthetic people (about 2.5 records a person), in a shuffled
    order within blocks so that one person's records are not adjacent."""
    rng = random.Random(seed)
    nicknames = _nicknames()
    families = _Skewed(_pool(rng, max(200, mentions // 8), (2, 2, 3)))
    formal = sorted(nicknames)
    givens = _Skewed(
        [name.capitalize() for name in formal] + _pool(rng, max(100, mentions // 400), (1, 2))
    )
    start = dt.date(1940, 1, 1).toordinal()
    span = dt.date(2008, 12, 31).toordinal() - start
    made = 0
    person = 0
    block: list[SyntheticMention] = []
    while made < mentions:
        family = families.draw(rng)
        address = f"{rng.randint(1, 9999)} {families.draw(rng)} {rng.choice(_STREETS)}"
        for _member in range(rng.choice((1, 1, 2, 2, 3, 4))):
            person += 1
            given = givens.draw(rng)
            born = dt.date.fromordinal(start + rng.randrange(span))
            sex = rng.choice("FM")
            looks = " ".join(rng.sample(_LOOKS, 2))
            count = min(rng.choice((1, 1, 2, 2, 3, 4, 5, 8)), mentions - made)
            for n in range(count):
                block.append(
                    SyntheticMention(
                        _mention(
                            rng, made + 1, n, family, given, born, sex, address, looks,
                            nicknames, recorded_year,
                        ),
                        person,
                    )
                )  # fmt: skip
                made += 1
            if made >= mentions:
                break
        if len(block) >= 5000 or made >= mentions:
            rng.shuffle(block)
            yield from block
            block = []


def _mention(
    rng: random.Random,
    pk: int,
    n: int,
    family: str,
    given: str,
    born: dt.date,
    sex: str,
    address: str,
    looks: str,
    nicknames: dict[str, list[str]],
    recorded_year: int,
) -> Mention:
    """The ``n``-th mention of a person: the first as they are, later ones with mistakes."""
    date_of_birth: dt.date | None = born
    age: int | None = None
    aliases: tuple[str, ...] = ()
    if n:
        if rng.random() < 0.12:
            family = _typo(rng, family.lower()).capitalize()
        nicks = nicknames.get(given.lower())
        roll = rng.random()
        if nicks and roll < 0.3:
            given = rng.choice(nicks).capitalize()
        elif roll < 0.4:
            given = _typo(rng, given.lower()).capitalize()
        elif nicks and roll < 0.45:
            aliases = (rng.choice(nicks).capitalize(),)
        roll = rng.random()
        if roll < 0.05 and born.day <= 12 and born.day != born.month:
            date_of_birth = dt.date(born.year, born.day, born.month)
        elif roll < 0.15:
            date_of_birth = None
            if rng.random() < 0.5:
                age = recorded_year - born.year + rng.choice((-1, 0, 0, 1))
        elif roll < 0.18:
            digit = rng.choice((1, -1))
            try:
                date_of_birth = born.replace(day=born.day + digit)
            except ValueError:
                date_of_birth = born
        roll = rng.random()
        if roll < 0.3:
            address = ""
        elif roll < 0.38:
            address = f"{rng.randint(1, 9999)} {rng.choice(_ONSETS).capitalize()}wood ave"
        if rng.random() < 0.1:
            sex = "U"
        roll = rng.random()
        if roll < 0.5:
            looks = ""
        elif roll < 0.7:
            looks = " ".join(rng.sample(_LOOKS, 2))
    return Mention(
        pk=pk,
        family_name=family,
        given_name=given,
        aliases=aliases,
        date_of_birth=date_of_birth,
        approximate_age=age,
        recorded_year=recorded_year,
        sex=sex,
        address=address,
        description=looks,
    )
