"""The keys linkage compares names by: NYSIIS codes, nicknames, normalized names and addresses."""

from __future__ import annotations

import pytest

from pmhc.people.name_keys import normalize, normalize_address
from pmhc.people.nicknames import canonical_given, nickname_table
from pmhc.people.phonetics import nysiis


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # Examples worked by the rules of the algorithm (Taft 1970), as other implementations
        # give them.
        ("Knight", "NAGT"),
        ("Mitchell", "MATCAL"),
        ("O'Daniel", "ODANAL"),
        ("Brown", "BRAN"),
        ("Browne", "BRAN"),
        ("Carr", "CAR"),
        ("Chapman", "CAPNAN"),
        ("Macintosh", "MCANT"),
        ("", ""),
        ("1234", ""),
    ],
)
def test_nysiis_codes(name: str, code: str) -> None:
    assert nysiis(name) == code


@pytest.mark.parametrize(
    ("a", "b"),
    [("Catherine", "Katherine"), ("Jon", "John"), ("Brown", "Browne"), ("Phillips", "Filips")],
)
def test_names_that_sound_alike_share_a_code(a: str, b: str) -> None:
    assert nysiis(a) == nysiis(b)


def test_names_that_sound_different_do_not() -> None:
    assert nysiis("Smith") != nysiis("Jones")
    assert nysiis("Mary") != nysiis("Maria") or nysiis("Mary") != nysiis("Carl")


def test_first_and_last_letters_are_rewritten() -> None:
    # "KN" starts like "N", "PH" like "F", "SCH" like "S"; a final "EE" is "Y", "DT" is "D".
    assert nysiis("Knowles")[0] == "N"
    assert nysiis("Phelps")[0] == "F"
    assert nysiis("Schmidt") == nysiis("Shmidt")
    assert nysiis("Lee").endswith("Y")
    assert nysiis("Hunt") == nysiis("Hund") == "HAD"


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Bill", "william"),
        ("billy", "william"),
        ("William", "william"),
        ("Peggy", "margaret"),
        ("Kate", "catherine"),
        ("Katherine", "catherine"),
        ("Steve", "stephen"),
        ("Steven", "stephen"),
        ("Zebulon", "zebulon"),
        ("", ""),
    ],
)
def test_canonical_given_names(name: str, canonical: str) -> None:
    assert canonical_given(name) == canonical


def test_nickname_table_maps_every_name_to_a_formal_name() -> None:
    table = nickname_table()
    assert len(table) > 150
    formal = set(table.values())
    # Every canonical form maps to itself, so canonical forms are stable.
    assert all(table[name] == name for name in formal)
    assert "bob" in table and table["bob"] == "robert"


def test_normalize_names_and_addresses() -> None:
    assert normalize("  O'Neil-Smith ") == "oneilsmith"
    assert normalize("José  García") == "jose garcia"
    assert normalize_address("12 North Oak Street, Apt. 4") == "12 n oak st apt 4"
    assert normalize_address("12 N. Oak St apt 4") == "12 n oak st apt 4"
