"""The linkage model: which of an organization's person records are likely one person.

Splink (probabilistic record linkage, Fellegi and Sunter) scores pairs of records. Each pair is
compared on given name, family name, date of birth, sex, address and description; each
comparison falls into one level (exact, nickname, one letter apart, same sound, ...) and each
level carries two probabilities: ``m``, how often true matches land there, and ``u``, how often
two different people do. ``u`` is estimated by sampling random pairs of the organization's own
records; ``m`` by expectation maximisation on pairs that share a blocking key. Nothing is
typed in: the model is learnt from the organization's data and kept (``LinkageSettings.model``)
so that incremental runs reuse it.

This module knows nothing of the database: it takes ``Mention`` rows and returns scored pairs.
One code path runs on DuckDB (one machine) or on Spark (Splink's Spark backend, local mode in
the tests), chosen by ``backend``; the model and the comparisons are the same on both.

Too few records for estimation (``MIN_TRAINING_RECORDS``) and no model kept from an earlier run:
the run falls back to deterministic rules (``deterministic_pairs``) rather than estimating
parameters from a handful of pairs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa

from pmhc.people.name_keys import normalize, normalize_address
from pmhc.people.nicknames import canonical_given
from pmhc.people.phonetics import nysiis

Backend = Literal["duckdb", "spark"]
BACKENDS: tuple[Backend, ...] = ("duckdb", "spark")
MODEL_VERSION = 1
#: Fewer records than this and no model kept: parameters are not estimated (see module doc).
MIN_TRAINING_RECORDS = 1000
#: A model older than this is estimated again at the next run.
MODEL_MAX_AGE = dt.timedelta(days=30)
#: A model is also estimated again when the records have grown by this factor since.
MODEL_GROWTH = 2.0
#: Random pairs sampled to estimate ``u``, at most; and blocked pairs for EM, at most.
U_MAX_PAIRS = 2_000_000
EM_MAX_PAIRS = 2_000_000
SEED = 1512
#: The columns whose exact match weighs by how common the value is (a rare family name that
#: agrees says more than a common one).
TF_COLUMNS = ("given", "family")
#: The least u kept, and the least m: EM drives the m of a level to zero when no match in the
#: organization's records fell there yet (an address that changed, say); a zero would make
#: that level veto any link for good, and Splink refuses it. A level seen in no match weighs
#: at most log2(MIN_M / u) against.
TINY = 1e-12
MIN_M = 1e-3

logger = logging.getLogger(__name__)

COLUMNS = (
    "unique_id",
    "initials",
    "name_start",
    "family",
    "given",
    "given_canon",
    "alias_canon",
    "family_ph",
    "given_ph",
    "dob",
    "dob_y",
    "dob_m",
    "dob_d",
    "birth_year",
    "sex",
    "address",
    "description",
)
SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("initials", pa.string()),
        ("name_start", pa.string()),
        ("family", pa.string()),
        ("given", pa.string()),
        ("given_canon", pa.string()),
        ("alias_canon", pa.string()),
        ("family_ph", pa.string()),
        ("given_ph", pa.string()),
        ("dob", pa.string()),
        ("dob_y", pa.int32()),
        ("dob_m", pa.int32()),
        ("dob_d", pa.int32()),
        ("birth_year", pa.int32()),
        ("sex", pa.string()),
        ("address", pa.string()),
        ("description", pa.string()),
    ]
)


@dataclass(frozen=True)
class Mention:
    """One person record as linkage reads it."""

    pk: int
    family_name: str = ""
    given_name: str = ""
    aliases: tuple[str, ...] = ()
    date_of_birth: dt.date | None = None
    approximate_age: int | None = None
    #: The year the record was made, to turn an approximate age into a birth year.
    recorded_year: int | None = None
    sex: str = ""
    address: str = ""
    description: str = ""


@dataclass(frozen=True)
class ScoredPair:
    """A pair of records (``left`` < ``right``) and how likely they are one person, with the
    level each comparison fell into and its match weight (log2 of its Bayes factor)."""

    left: int
    right: int
    probability: float
    match_weight: float
    evidence: dict[str, Any] = field(default_factory=dict, compare=False)


def _or_none(text: str) -> str | None:
    return text or None


def _first_token(text: str) -> str:
    return text.split(" ", 1)[0] if text else ""


def prepare(mentions: Iterable[Mention]) -> pa.Table:
    """The columns the model compares: names normalized, with their phonetic code and the
    canonical form of the given name (and of the first alias, which is often the name the
    person goes by), the date of birth and its parts (a swapped day and month is its own
    level), a birth year from the date or from an approximate age, address normalized."""
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for m in mentions:
        family = normalize(m.family_name)
        given = _first_token(normalize(m.given_name))
        alias = next((a for a in (_first_token(normalize(x)) for x in m.aliases) if a), "")
        born = m.date_of_birth
        birth_year: int | None = born.year if born else None
        if birth_year is None and m.approximate_age is not None and m.recorded_year:
            birth_year = m.recorded_year - int(m.approximate_age)
        sex = (m.sex or "").upper()
        columns["unique_id"].append(m.pk)
        columns["initials"].append(_or_none(family[:1] + given[:1]) if family and given else None)
        columns["name_start"].append(_or_none(given[:2]))
        columns["family"].append(_or_none(family))
        columns["given"].append(_or_none(given))
        columns["given_canon"].append(_or_none(canonical_given(given)))
        columns["alias_canon"].append(_or_none(canonical_given(alias)))
        columns["family_ph"].append(_or_none(nysiis(family)))
        columns["given_ph"].append(_or_none(nysiis(given)))
        columns["dob"].append(born.isoformat() if born else None)
        columns["dob_y"].append(born.year if born else None)
        columns["dob_m"].append(born.month if born else None)
        columns["dob_d"].append(born.day if born else None)
        columns["birth_year"].append(birth_year)
        columns["sex"].append(sex if sex in {"F", "M", "X"} else None)
        columns["address"].append(_or_none(normalize_address(m.address)))
        columns["description"].append(_or_none(normalize(m.description)))
    return pa.table(columns, schema=SCHEMA)


# --- The model's comparisons and blocking rules ----------------------------------------------


def _level(creator: Any, label: str) -> Any:
    creator.configure(label_for_charts=label)
    creator.pmhc_label = label
    return creator


def _label(level: Any) -> str:
    return str(getattr(level, "pmhc_label", "") or level.create_label_for_charts())


def comparison_creators() -> list[Any]:
    """The comparisons, each a list of levels from the most to the least alike. The labels
    are what a reviewer reads beside a pair."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    both_names = "given_l IS NULL AND alias_canon_l IS NULL"
    nickname = (
        "given_canon_l = given_canon_r OR given_canon_l = alias_canon_r "
        "OR alias_canon_l = given_canon_r"
    )
    return [
        cl.CustomComparison(
            output_column_name="given_name",
            comparison_levels=[
                _level(
                    cll.CustomLevel(f"({both_names}) OR given_r IS NULL").configure(
                        is_null_level=True
                    ),
                    "Missing",
                ),
                _level(cll.ExactMatchLevel("given", term_frequency_adjustments=True), "Same"),
                _level(cll.CustomLevel(nickname), "Nickname of the same name"),
                _level(cll.LevenshteinLevel("given", 1), "One letter apart"),
                _level(cll.ExactMatchLevel("given_ph"), "Sounds the same"),
                _level(cll.JaroWinklerLevel("given", 0.88), "Close spelling"),
                _level(cll.ElseLevel(), "Different"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="family_name",
            comparison_levels=[
                _level(cll.NullLevel("family"), "Missing"),
                _level(cll.ExactMatchLevel("family", term_frequency_adjustments=True), "Same"),
                _level(cll.ColumnsReversedLevel("family", "given"), "Given and family swapped"),
                _level(cll.LevenshteinLevel("family", 1), "One letter apart"),
                _level(cll.ExactMatchLevel("family_ph"), "Sounds the same"),
                _level(cll.JaroWinklerLevel("family", 0.88), "Close spelling"),
                _level(cll.ElseLevel(), "Different"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="date_of_birth",
            comparison_levels=[
                _level(
                    cll.CustomLevel("birth_year_l IS NULL OR birth_year_r IS NULL").configure(
                        is_null_level=True
                    ),
                    "Missing",
                ),
                _level(cll.ExactMatchLevel("dob"), "Same"),
                _level(
                    cll.CustomLevel(
                        "dob_y_l = dob_y_r AND dob_m_l = dob_d_r AND dob_d_l = dob_m_r"
                    ),
                    "Day and month swapped",
                ),
                _level(cll.LevenshteinLevel("dob", 1), "One digit apart"),
                _level(cll.ExactMatchLevel("dob_y"), "Same year"),
                _level(
                    cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 2"),
                    "Born within two years",
                ),
                _level(cll.ElseLevel(), "Different"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="sex",
            comparison_levels=[
                _level(cll.NullLevel("sex"), "Missing"),
                _level(cll.ExactMatchLevel("sex"), "Same"),
                _level(cll.ElseLevel(), "Different"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="address",
            comparison_levels=[
                _level(cll.NullLevel("address"), "Missing"),
                _level(cll.ExactMatchLevel("address"), "Same"),
                _level(cll.JaroWinklerLevel("address", 0.9), "Close spelling"),
                _level(cll.ElseLevel(), "Different"),
            ],
        ),
        cl.CustomComparison(
            output_column_name="description",
            comparison_levels=[
                _level(cll.NullLevel("description"), "Missing"),
                _level(cll.ExactMatchLevel("description"), "Same"),
                _level(cll.JaroWinklerLevel("description", 0.85), "Close"),
                _level(cll.ElseLevel(), "Different"),
            ],
        ),
    ]


def blocking_rules() -> list[Any]:
    """Which pairs are scored at all: records that share one of these keys. Between them they
    catch a typo in either name or in both, a nickname, a swapped or missing date of birth."""
    from splink import block_on

    return [
        block_on("family_ph", "dob_y"),
        block_on("given_canon", "dob"),
        block_on("family_ph", "given_canon"),
        block_on("family", "given_ph"),
        block_on("initials", "dob"),
        block_on("family", "name_start"),
    ]


def _deterministic_rules() -> list[Any]:
    from splink import block_on

    return [block_on("family", "given", "dob")]


def _levels(comparison: Any) -> list[Any]:
    return list(comparison.create_comparison_levels())


def _settings(model: Mapping[str, Any] | None) -> Any:
    """Splink's settings for the comparisons, with the trained values of ``model`` if any."""
    from splink import SettingsCreator

    comparisons = comparison_creators()
    trained = (model or {}).get("comparisons", {})
    for comparison in comparisons:
        values = trained.get(comparison.create_output_column_name())
        if values:
            comparison.configure(m_probabilities=values["m"], u_probabilities=values["u"])
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=float(
            (model or {}).get("probability_two_random_records_match", 0.0001)
        ),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        unique_id_column_name="unique_id",
    )


# --- Backends ---------------------------------------------------------------------------------


def spark_session(partitions: int = 2) -> Any:
    """A local Spark session for Splink: its similarity functions' jar registered, few
    shuffle partitions (the default of 200 is for clusters, not for one machine)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    # py4j logs each connection it closes, even after the process's streams are gone.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    return (
        SparkSession.builder.master(f"local[{partitions}]")
        .appName("pmhc-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


def _db_api(backend: Backend, spark: Any = None) -> Any:
    if backend == "duckdb":
        from splink import DuckDBAPI

        return DuckDBAPI()
    if backend == "spark":
        from splink import SparkAPI

        return SparkAPI(
            spark_session=spark if spark is not None else spark_session(),
            num_partitions_on_repartition=2,
            break_lineage_method="persist",
        )
    raise ValueError(f"unknown linkage backend {backend!r}")


def _linker(table: pa.Table, model: Mapping[str, Any] | None, db_api: Any, name: str) -> Any:
    from splink import Linker

    frame = db_api.register(table, table_name=name)
    return Linker(frame, _settings(model), log_level=logging.WARNING)


# --- Training ---------------------------------------------------------------------------------


def needs_training(
    model: Mapping[str, Any] | None,
    trained_at: dt.datetime | None,
    records: int,
    now: dt.datetime,
) -> bool:
    """Whether the kept model should be estimated again: none yet, another version, too old,
    or estimated on far fewer records than there are now."""
    if not model or model.get("version") != MODEL_VERSION or trained_at is None:
        return True
    if now - trained_at > MODEL_MAX_AGE:
        return True
    return records >= MODEL_GROWTH * max(int(model.get("records", 0)), 1)


def _trained_values(linker: Any, u_pairs: float) -> dict[str, Any]:
    """The estimated m and u of every non-null level, by comparison. A level that random
    sampling never saw gets a ``u`` below what the sample could see (half a pair in
    ``u_pairs``); a level that EM never saw keeps ``m`` equal to ``u``, so it weighs nothing."""
    saved = linker.misc.save_model_to_json()
    floor = 0.5 / max(u_pairs, 1.0)
    out: dict[str, Any] = {}
    for comparison in saved["comparisons"]:
        labels, m_values, u_values = [], [], []
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            u = level.get("u_probability")
            u = max(float(u), TINY) if u is not None else floor
            m = level.get("m_probability")
            m = max(float(m), MIN_M) if m is not None else u
            labels.append(level.get("label_for_charts", ""))
            m_values.append(m)
            u_values.append(u)
        out[comparison["output_column_name"]] = {"labels": labels, "m": m_values, "u": u_values}
    return out


def train(
    table: pa.Table,
    *,
    backend: Backend = "duckdb",
    spark: Any = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Estimate the model from these records: the chance that two random records are one
    person (from exact matches on name and date of birth), ``u`` by random sampling, ``m`` by
    expectation maximisation on pairs that share a date of birth (which estimates the names)
    and on pairs whose family names sound alike (which estimates the date of birth)."""
    from splink import block_on

    records = table.num_rows
    if records < MIN_TRAINING_RECORDS:
        raise ValueError(f"at least {MIN_TRAINING_RECORDS} records are needed to estimate")
    # The estimate must not depend on the records' keys, only on what they hold: numbered in
    # their order instead, the same records give the same model in every database.
    at = table.column_names.index("unique_id")
    table = table.set_column(at, "unique_id", pa.array(range(records), type=pa.int64()))
    db_api = _db_api(backend, spark)
    linker = _linker(table, None, db_api, "pmhc_people_train")
    say = progress or (lambda _text: None)
    say("counting exact matches")
    try:
        linker.training.estimate_probability_two_random_records_match(
            _deterministic_rules(), recall=0.7
        )
    except Exception:  # no exact match at all: keep Splink's prior
        logger.info("no exact match to estimate the prior from; the default is kept")
    say("sampling random pairs")
    u_pairs = float(min(U_MAX_PAIRS, records * (records - 1) // 2))
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=SEED)
    say("estimating how true matches differ")
    for rule in (block_on("dob"), block_on("family_ph", "given_ph")):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule,
                max_pairs=EM_MAX_PAIRS,
                record_sample_proportion=1.0 if records < 50_000 else 0.01,
            )
        except ValueError as exc:
            # Splink refuses an m that EM drives to zero, which happens when the pairs are
            # too few for some level; a half-estimated model would be worse than the rules.
            raise ValueError("the records are too few for the model to be estimated") from exc
    saved = linker.misc.save_model_to_json()
    return {
        "version": MODEL_VERSION,
        "records": records,
        "probability_two_random_records_match": float(
            saved["probability_two_random_records_match"]
        ),
        "comparisons": _trained_values(linker, u_pairs),
    }


# --- Scoring ----------------------------------------------------------------------------------


def _comparison_labels() -> dict[str, dict[int, str]]:
    """For each comparison, the label of each comparison vector value (Splink numbers the
    non-null levels from n - 1, the most alike, down to 0; the null level is -1)."""
    out: dict[str, dict[int, str]] = {}
    for comparison in comparison_creators():
        levels = _levels(comparison)
        non_null = [lv for lv in levels if not getattr(lv, "is_null_level", False)]
        values = {-1: "Missing"}
        for index, level in enumerate(non_null):
            values[len(non_null) - 1 - index] = _label(level)
        out[comparison.create_output_column_name()] = values
    return out


@dataclass(frozen=True)
class Scores:
    """What a scoring found: the pairs at or above the threshold, best first, and how many
    pairs the blocking rules let through and the model scored."""

    pairs: list[ScoredPair]
    scored: int


def _pairs_from(
    frame: Any, threshold: float, labels: Mapping[str, Mapping[int, str]]
) -> tuple[list[ScoredPair], int]:
    counted = frame.query_sql("SELECT count(*) AS n FROM {this}").as_record_list()
    scored = int(counted[0]["n"]) if counted else 0
    present = set(frame.query_sql("SELECT * FROM {this} LIMIT 0").as_pyarrow_table().column_names)
    wanted = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    for name in labels:
        wanted += [c for c in (f"gamma_{name}", f"mw_{name}", f"mw_tf_adj_{name}") if c in present]
    # Only column names made here and a float go into the query.
    columns = ", ".join(wanted)
    kept = frame.query_sql(
        f"SELECT {columns} FROM {{this}} WHERE match_probability >= {float(threshold)!r}"  # noqa: S608
    )
    out = []
    for row in kept.as_pyarrow_table().to_pylist():
        left, right = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
        evidence: dict[str, Any] = {}
        for name, values in labels.items():
            gamma = row.get(f"gamma_{name}")
            if gamma is None:
                continue
            # The level's weight, and what the name's frequency added to it.
            weight = (row.get(f"mw_{name}") or 0.0) + (row.get(f"mw_tf_adj_{name}") or 0.0)
            evidence[name] = {
                "level": values.get(int(gamma), ""),
                "weight": round(float(weight), 3),
            }
        out.append(
            ScoredPair(
                left=left,
                right=right,
                probability=float(row["match_probability"]),
                match_weight=float(row["match_weight"]),
                evidence=evidence,
            )
        )
    return out, scored


def score(
    table: pa.Table,
    model: Mapping[str, Any],
    *,
    threshold: float,
    new_ids: Sequence[int] | None = None,
    backend: Backend = "duckdb",
    spark: Any = None,
) -> Scores:
    """Score the pairs the blocking rules let through, keeping those at or above
    ``threshold``. With ``new_ids``, only pairs with at least one new record are scored (new
    with new, and new with every other record), not the whole history again."""
    db_api = _db_api(backend, spark)
    labels = _comparison_labels()
    # One linker over every record: how common a name is comes from all of them.
    linker = _linker(table, model, db_api, "pmhc_people_all")
    if new_ids is None:
        # The blocked pairs are counted first, then scored with the threshold applied as they
        # are scored, so pairs below it are never kept (at a million records, most pairs).
        blocked = linker.inference.compute_blocked_pairs_for_predict()
        counted = blocked.query_sql("SELECT count(*) AS n FROM {this}").as_record_list()
        frame = linker.inference.predict(
            threshold_match_probability=threshold, warning_mode="never"
        )
        pairs, _kept = _pairs_from(frame, threshold, labels)
        return Scores(_dedupe(pairs), int(counted[0]["n"]) if counted else 0)
    import pyarrow.compute as pc

    wanted = pa.array(sorted(set(new_ids)), type=pa.int64())
    is_new = pc.is_in(table["unique_id"], value_set=wanted)
    fresh = table.filter(is_new)
    known = table.filter(pc.invert(is_new))
    if fresh.num_rows == 0:
        return Scores([], 0)
    for column in TF_COLUMNS:
        linker.table_management.compute_tf_table(column)
    new_frame = db_api.register(fresh, table_name="pmhc_people_new")
    pairs, scored = _pairs_from(
        linker.inference.predict_within(new_frame, warning_mode="never"), threshold, labels
    )
    if known.num_rows:
        known_frame = db_api.register(known, table_name="pmhc_people_known")
        more, counted = _pairs_from(
            linker.inference.predict_between(known_frame, new_frame, warning_mode="never"),
            threshold,
            labels,
        )
        pairs += more
        scored += counted
    return Scores(_dedupe(pairs), scored)


def _dedupe(pairs: Iterable[ScoredPair]) -> list[ScoredPair]:
    best: dict[tuple[int, int], ScoredPair] = {}
    for pair in pairs:
        key = (pair.left, pair.right)
        if key not in best or pair.probability > best[key].probability:
            best[key] = pair
    return sorted(best.values(), key=lambda p: (-p.probability, p.left, p.right))


# --- Without a model: deterministic rules -----------------------------------------------------


def deterministic_pairs(
    table: pa.Table,
    *,
    auto_link_at: float,
    review_from: float,
    new_ids: Sequence[int] | None = None,
) -> list[ScoredPair]:
    """For an organization with too few records to estimate a model: two rules instead of
    probabilities. The same family name, the same canonical given name (a nickname counts)
    and the same date of birth link (scored ``auto_link_at``); family names that sound alike
    or are one letter apart, given names that agree by nickname, sound or one letter, and
    dates of birth that agree, are swapped, one digit apart or both missing, wait for review
    (scored ``review_from``). Records are grouped by the phonetic code of the family name,
    so only records that could meet under the second rule are compared."""
    rows = table.to_pylist()
    fresh = set(new_ids) if new_ids is not None else None
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row["family_ph"]:
            groups.setdefault(row["family_ph"], []).append(row)
    out: list[ScoredPair] = []
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if fresh is not None and not {a["unique_id"], b["unique_id"]} & fresh:
                    continue
                verdict = _rule(a, b)
                if verdict is None:
                    continue
                linked, evidence = verdict
                left, right = sorted((int(a["unique_id"]), int(b["unique_id"])))
                probability = auto_link_at if linked else review_from
                out.append(ScoredPair(left, right, probability, 0.0, evidence))
    return _dedupe(out)


def _one_apart(a: str | None, b: str | None) -> bool:
    if not a or not b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _rule(a: Mapping[str, Any], b: Mapping[str, Any]) -> tuple[bool, dict[str, Any]] | None:
    if a["family"] == b["family"]:
        family = "Same"
    elif _one_apart(a["family"], b["family"]):
        family = "One letter apart"
    else:
        family = "Sounds the same"
    given_a = {a["given_canon"], a["alias_canon"]} - {None}
    given_b = {b["given_canon"], b["alias_canon"]} - {None}
    if a["given"] and a["given"] == b["given"]:
        given = "Same"
    elif given_a & given_b:
        given = "Nickname of the same name"
    elif _one_apart(a["given"], b["given"]):
        given = "One letter apart"
    elif a["given_ph"] and a["given_ph"] == b["given_ph"]:
        given = "Sounds the same"
    else:
        return None
    if a["dob"] is None and b["dob"] is None:
        born = "Missing"
    elif a["dob"] == b["dob"]:
        born = "Same"
    elif (
        a["dob_y"] == b["dob_y"]
        and a["dob_m"] == b["dob_d"]
        and a["dob_d"] == b["dob_m"]
        and a["dob"] is not None
        and b["dob"] is not None
    ):
        born = "Day and month swapped"
    elif _one_apart(a["dob"], b["dob"]):
        born = "One digit apart"
    else:
        return None
    evidence = {
        "rule": "deterministic",
        "given_name": {"level": given, "weight": 0.0},
        "family_name": {"level": family, "weight": 0.0},
        "date_of_birth": {"level": born, "weight": 0.0},
    }
    linked = family == "Same" and given in {"Same", "Nickname of the same name"} and born == "Same"
    return linked, evidence


# --- Linking ------------------------------------------------------------------------------------


def components(edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The connected components of the graph these edges make (union-find), each sorted,
    so a chain A-B, B-C links A, B and C together whatever order the pairs came in."""
    parent: dict[int, int] = {}

    def find(node: int) -> int:
        root = node
        while parent.setdefault(root, root) != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for node in parent:
        groups.setdefault(find(node), []).append(node)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])
