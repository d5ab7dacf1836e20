"""How linkage writes names and addresses before it compares them: lower case, letters and
digits only, single spaces, and the usual abbreviations of an address spelled one way."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")
#: Address words and the one spelling linkage compares ("Street" and "St." are one word).
ADDRESS_WORDS = {
    "street": "st",
    "str": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "drive": "dr",
    "boulevard": "blvd",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "terrace": "ter",
    "highway": "hwy",
    "parkway": "pkwy",
    "circle": "cir",
    "apartment": "apt",
    "unit": "apt",
    "suite": "ste",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
}


def normalize(text: str) -> str:
    """Lower case without accents, punctuation dropped (an apostrophe or hyphen joins the
    parts: "O'Neil" is "oneil"), single spaces."""
    plain = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    plain = plain.replace("'", "").replace("-", "")
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", plain)).strip()


def normalize_address(text: str) -> str:
    """An address in one spelling: "12 North Oak Street, Apt. 4" is "12 n oak st apt 4"."""
    words = normalize(text.replace("-", " ")).split()
    return " ".join(ADDRESS_WORDS.get(word, word) for word in words)
