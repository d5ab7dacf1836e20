"""The same linkage model on Spark (Splink's Spark backend, local mode), where Java is present:
the path past one machine stays true, and its scores agree with DuckDB's on the same records."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from pmhc.people import linkage, synthetic_people

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    session = linkage.spark_session(partitions=2)
    try:
        yield session
    finally:
        session.stop()


def test_spark_scores_agree_with_duckdb(spark: Any) -> None:
    rows = list(synthetic_people.generate(linkage.MIN_TRAINING_RECORDS, seed=5))
    table = linkage.prepare([r.mention for r in rows])
    model = linkage.train(table, backend="duckdb")
    on_duckdb = linkage.score(table, model, threshold=0.5)
    on_spark = linkage.score(table, model, threshold=0.5, backend="spark", spark=spark)
    assert on_spark.scored == on_duckdb.scored > 0
    duck = {(p.left, p.right): p for p in on_duckdb.pairs}
    sparked = {(p.left, p.right): p for p in on_spark.pairs}
    assert sparked.keys() == duck.keys()
    assert len(duck) > 100
    for key, pair in duck.items():
        assert sparked[key].probability == pytest.approx(pair.probability, abs=1e-9)
        assert sparked[key].evidence == pair.evidence
