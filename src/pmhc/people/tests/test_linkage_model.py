"""The linkage model on synthetic people with known truth: what it links, what it keeps apart,
incremental scoring, the rules used without a model, and connected components."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pmhc.people import linkage, synthetic_people
from pmhc.people.linkage import Mention

# Records about people who appear nowhere else in the synthetic set (their names are made of
# syllables that set does not use), planted among the synthetic records.
PLANTED = [
    Mention(1_000_001, "Quillfeather", "Margaret", (), dt.date(1975, 3, 8), None, 2026, "F",
            "12 Oak Street", "tall"),
    Mention(1_000_002, "Quillfeather", "Peggy", (), dt.date(1975, 3, 8), None, 2026, "F",
            "12 Oak St", ""),
    Mention(1_000_003, "Brackenridge", "Jonathan", (), dt.date(1980, 11, 4), None, 2026, "M",
            "", "beard"),
    Mention(1_000_004, "Brackenridge", "Jonathan", (), dt.date(1980, 4, 11), None, 2026, "M",
            "", "beard"),
    Mention(1_000_005, "Wolversmith", "Thaddeus", (), dt.date(1962, 9, 21), None, 2026, "M",
            "4 Elm Ave", ""),
    Mention(1_000_006, "Wolvarsmith", "Thaddeus", (), dt.date(1962, 9, 21), None, 2026, "M",
            "4 Elm Avenue", ""),
    # A father and a daughter: one family name, one address, nothing else alike.
    Mention(1_000_007, "Glimmerdale", "Oswin", (), dt.date(1950, 2, 2), None, 2026, "M",
            "77 Pine Road", ""),
    Mention(1_000_008, "Glimmerdale", "Edda", (), dt.date(1978, 7, 9), None, 2026, "F",
            "77 Pine Road", ""),
]  # fmt: skip


@pytest.fixture(scope="module")
def world() -> tuple[list[synthetic_people.SyntheticMention], pa.Table, dict[str, Any]]:
    rows = list(synthetic_people.generate(3000, seed=7))
    table = linkage.prepare([r.mention for r in rows] + PLANTED)
    return rows, table, linkage.train(table)


def _pairs(rows: list[synthetic_people.SyntheticMention]) -> set[tuple[int, int]]:
    people: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        people[row.person].append(row.mention.pk)
    return {(a, b) for pks in people.values() for a, b in itertools.combinations(sorted(pks), 2)}


def test_the_model_is_estimated_from_the_records(world: Any) -> None:
    _rows, table, model = world
    assert model["version"] == linkage.MODEL_VERSION
    assert model["records"] == table.num_rows
    given = model["comparisons"]["given_name"]
    assert given["labels"][0] == "Same"
    # Among true matches a same given name is far likelier than among random pairs, and a
    # different one far less likely.
    assert given["m"][0] > 20 * given["u"][0]
    assert given["m"][-1] < given["u"][-1] / 5
    dob = model["comparisons"]["date_of_birth"]
    born = dict(zip(dob["labels"], dob["m"], strict=True))
    assert born["Day and month swapped"] > 0.005
    assert 0 < model["probability_two_random_records_match"] < 0.01


def test_the_estimate_does_not_depend_on_the_record_keys(world: Any) -> None:
    """The same records under other keys (another database numbers them differently) give
    the same model."""
    _rows, table, model = world
    at = table.column_names.index("unique_id")
    shifted = pc.add(table["unique_id"], pa.scalar(250_000, type=pa.int64()))
    again = linkage.train(table.set_column(at, "unique_id", shifted))
    # Equal up to the order in which the database adds up floating-point sums in parallel.
    assert again["records"] == model["records"]
    assert again["probability_two_random_records_match"] == pytest.approx(
        model["probability_two_random_records_match"], rel=1e-6
    )
    assert again["comparisons"].keys() == model["comparisons"].keys()
    for name, values in model["comparisons"].items():
        assert again["comparisons"][name]["labels"] == values["labels"]
        assert again["comparisons"][name]["m"] == pytest.approx(values["m"], rel=1e-6, abs=1e-12)
        assert again["comparisons"][name]["u"] == pytest.approx(values["u"], rel=1e-6, abs=1e-12)


def test_typo_nickname_and_swapped_date_link_and_relatives_stay_apart(world: Any) -> None:
    _rows, table, model = world
    scores = linkage.score(table, model, threshold=0.01)
    found = {(p.left, p.right): p for p in scores.pairs}
    nickname = found[(1_000_001, 1_000_002)]
    swapped = found[(1_000_003, 1_000_004)]
    typo = found[(1_000_005, 1_000_006)]
    assert nickname.probability >= 0.95
    assert nickname.evidence["given_name"]["level"] == "Nickname of the same name"
    assert swapped.probability >= 0.95
    assert swapped.evidence["date_of_birth"]["level"] == "Day and month swapped"
    assert typo.probability >= 0.95
    assert typo.evidence["family_name"]["level"] == "One letter apart"
    relatives = found.get((1_000_007, 1_000_008))
    assert relatives is None or relatives.probability < 0.5
    # Evidence names every comparison with its weight, for the reviewer.
    assert set(typo.evidence) == {
        "given_name", "family_name", "date_of_birth", "sex", "address", "description",
    }  # fmt: skip
    assert typo.evidence["date_of_birth"]["weight"] > 0


def test_accuracy_on_synthetic_people(world: Any) -> None:
    rows, table, model = world
    scores = linkage.score(table, model, threshold=0.99)
    predicted = {
        (a, b)
        for component in linkage.components((p.left, p.right) for p in scores.pairs)
        for a, b in itertools.combinations(component, 2)
    }
    truth = _pairs(rows) | {(1_000_001, 1_000_002), (1_000_003, 1_000_004), (1_000_005, 1_000_006)}
    hits = len(predicted & truth)
    precision, recall = hits / len(predicted), hits / len(truth)
    assert precision >= 0.97
    assert recall >= 0.8
    # The blocking rules score far fewer pairs than all of them.
    assert scores.scored < table.num_rows * 10


def test_incremental_scoring_compares_only_new_records(world: Any) -> None:
    rows, table, model = world
    new = [r.mention.pk for r in rows[-200:]] + [1_000_002]
    full = linkage.score(table, model, threshold=0.5)
    fresh = linkage.score(table, model, threshold=0.5, new_ids=new)
    wanted = set(new)
    expected = {(p.left, p.right) for p in full.pairs if {p.left, p.right} & wanted}
    assert {(p.left, p.right) for p in fresh.pairs} == expected
    assert all({p.left, p.right} & wanted for p in fresh.pairs)
    assert fresh.scored < full.scored / 3
    assert linkage.score(table, model, threshold=0.5, new_ids=[]).pairs == []


def test_training_refuses_too_few_records() -> None:
    table = linkage.prepare(PLANTED)
    with pytest.raises(ValueError, match="at least"):
        linkage.train(table)


def test_deterministic_rules_without_a_model() -> None:
    table = linkage.prepare(PLANTED)
    pairs = {
        (p.left, p.right): p
        for p in linkage.deterministic_pairs(table, auto_link_at=0.99, review_from=0.8)
    }
    # Same family name, a nickname, the same date: linked.
    assert pairs[(1_000_001, 1_000_002)].probability == 0.99
    # Swapped day and month, or a family name one letter apart: for review.
    assert pairs[(1_000_003, 1_000_004)].probability == 0.8
    assert pairs[(1_000_005, 1_000_006)].probability == 0.8
    assert pairs[(1_000_005, 1_000_006)].evidence["family_name"]["level"] == "One letter apart"
    assert (1_000_007, 1_000_008) not in pairs
    only_new = linkage.deterministic_pairs(
        table, auto_link_at=0.99, review_from=0.8, new_ids=[1_000_004]
    )
    assert [(p.left, p.right) for p in only_new] == [(1_000_003, 1_000_004)]


def test_components_link_chains_whatever_the_order() -> None:
    assert linkage.components([(5, 6), (1, 2), (3, 2), (9, 8), (6, 7)]) == [
        [1, 2, 3],
        [5, 6, 7],
        [8, 9],
    ]
    assert linkage.components([]) == []


def test_needs_training() -> None:
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    model = {"version": linkage.MODEL_VERSION, "records": 1000}
    assert linkage.needs_training({}, None, 1000, now)
    assert not linkage.needs_training(model, now - dt.timedelta(days=1), 1500, now)
    assert linkage.needs_training(model, now - dt.timedelta(days=40), 1500, now)
    assert linkage.needs_training(model, now - dt.timedelta(days=1), 2000, now)
    assert linkage.needs_training({**model, "version": 0}, now, 1000, now)


def test_synthetic_people_are_seeded_and_carry_mistakes() -> None:
    first = list(synthetic_people.generate(2000, seed=3))
    again = list(synthetic_people.generate(2000, seed=3))
    assert first == again
    assert len(first) == 2000
    assert len({r.mention.pk for r in first}) == 2000
    by_person: dict[int, list[Mention]] = defaultdict(list)
    for row in first:
        by_person[row.person].append(row.mention)
    repeated = [m for m in by_person.values() if len(m) > 1]
    assert len(repeated) > 200
    assert any(m.date_of_birth is None for ms in repeated for m in ms)
    assert any(len({m.given_name for m in ms}) > 1 for ms in repeated)
    swapped = any(
        a.date_of_birth and b.date_of_birth and a.date_of_birth != b.date_of_birth
        and (a.date_of_birth.month, a.date_of_birth.day)
        == (b.date_of_birth.day, b.date_of_birth.month)
        for ms in repeated for a, b in itertools.combinations(ms, 2)
    )  # fmt: skip
    assert swapped
