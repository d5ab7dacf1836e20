"""NYSIIS: a phonetic code for names, so that spellings that sound alike share a key.

The New York State Identification and Intelligence System code (Taft, 1970) keeps a name's
first letter and folds the rest by how English names are pronounced: vowels become ``A``,
``PH`` becomes ``FF``, a silent ``K`` before ``N`` drops, and repeated letters collapse. Linkage
compares these codes (and blocks on them) so that "Smyth" meets "Smith" and "Catherine" meets
"Katherine". The code is not truncated: the full key separates more names.
"""

from __future__ import annotations

from functools import lru_cache

VOWELS = frozenset("AEIOU")
_FIRST = (("MAC", "MCC"), ("KN", "NN"), ("K", "C"), ("PH", "FF"), ("PF", "FF"), ("SCH", "SSS"))
_LAST = (("EE", "Y"), ("IE", "Y"), ("DT", "D"), ("RT", "D"), ("RD", "D"), ("NT", "D"), ("ND", "D"))


def _letters(name: str) -> str:
    return "".join(ch for ch in name.upper() if "A" <= ch <= "Z")


def _translate(name: str, i: int) -> str:
    """The letters that the character at ``i`` (and perhaps those after it) become."""
    ch = name[i]
    nxt = name[i + 1] if i + 1 < len(name) else ""
    if ch == "E" and nxt == "V":
        return "AF"
    if ch in VOWELS:
        return "A"
    if ch == "Q":
        return "G"
    if ch == "Z":
        return "S"
    if ch == "M":
        return "N"
    if ch == "K":
        return "N" if nxt == "N" else "C"
    if name.startswith("SCH", i):
        return "SSS"
    if name.startswith("PH", i):
        return "FF"
    prev = name[i - 1]
    if ch == "H" and (prev not in VOWELS or (nxt and nxt not in VOWELS)):
        return prev
    if ch == "W" and prev in VOWELS:
        return prev
    return ch


@lru_cache(maxsize=200_000)
def nysiis(name: str) -> str:
    """The NYSIIS code of ``name`` ("" for a name with no letter)."""
    word = _letters(name)
    if not word:
        return ""
    for old, new in _FIRST:
        if word.startswith(old):
            word = new + word[len(old) :]
            break
    for old, new in _LAST:
        if word.endswith(old):
            word = word[: -len(old)] + new
            break
    key = word[0]
    # The translation works on the word as it is rewritten, so that "EV" -> "AF" and "SCH"
    # -> "SSS" are seen by the letters after them, as the original algorithm does.
    chars = list(word)
    i = 1
    while i < len(chars):
        current = "".join(chars)
        out = _translate(current, i)
        chars[i : i + len(out)] = list(out)
        if chars[i] != key[-1]:
            key += chars[i]
        i += 1
    if len(key) > 1 and key.endswith("S"):
        key = key[:-1]
    if key.endswith("AY"):
        key = key[:-2] + "Y"
    if len(key) > 1 and key.endswith("A"):
        key = key[:-1]
    return key
