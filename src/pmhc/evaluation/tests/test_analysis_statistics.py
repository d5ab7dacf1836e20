"""The evaluation statistics on series and encounters with a known effect."""

from __future__ import annotations

import math
import random

import pytest

from pmhc.evaluation.analysis_statistics import (
    Cell,
    PeriodCount,
    autocorrelation_words,
    compare_responders,
    hac_lags,
    interrupted_time_series,
)
from pmhc.evaluation.tests.stats_helpers import with_odds


def _series(seed: int, *, jump: float, slope_change: float = 0.0) -> list[PeriodCount]:
    rng = random.Random(seed)
    periods = []
    for t in range(52):
        share = 0.2 + 0.001 * t + (jump + slope_change * (t - 26) if t >= 26 else 0.0)
        calls = 150
        periods.append(PeriodCount(t, sum(rng.random() < share for _ in range(calls)), calls))
    return periods


#: A draw whose interval holds the truth (about 1 in 20 do not: see the coverage test).
SEED = 0


def test_the_level_change_the_series_was_made_with_is_inside_its_interval() -> None:
    result = interrupted_time_series(_series(SEED, jump=0.10), change_index=26)
    assert result.estimated
    assert result.level_change is not None and result.slope_change is not None
    assert result.level_change.contains(10.0)
    assert result.level_change.low > 0
    assert result.slope_change.contains(0.0)
    assert (result.periods_before, result.periods_after) == (26, 26)
    assert (result.calls_before, result.calls_after) == (26 * 150, 26 * 150)
    assert result.durbin_watson is not None and 0 < result.durbin_watson < 4
    assert result.ljung_box_p is not None and 0 <= result.ljung_box_p <= 1
    assert result.hac_lags == hac_lags(52) == 3
    # The fitted line jumps at the change, the counterfactual carries the line before on.
    assert result.fitted[26] - result.counterfactual[26] == pytest.approx(
        result.level_change.estimate
    )
    assert set(result.counterfactual) == set(range(26, 52))


def test_a_change_in_slope_is_found_and_no_jump_is_claimed() -> None:
    result = interrupted_time_series(_series(2, jump=0.0, slope_change=0.004), change_index=26)
    assert result.slope_change is not None and result.level_change is not None
    assert result.slope_change.contains(0.4)
    assert result.slope_change.low > 0
    assert result.level_change.contains(0.0)


def test_the_intervals_cover_the_true_jump_about_95_times_in_100() -> None:
    covered = sum(
        bool(
            (r := interrupted_time_series(_series(seed, jump=0.05), change_index=26)).level_change
            and r.level_change.contains(5.0)
        )
        for seed in range(100)
    )
    assert 88 <= covered <= 100


def test_too_few_periods_or_calls_give_no_number_but_the_reason() -> None:
    short = [p for p in _series(3, jump=0.1) if p.index >= 20]
    result = interrupted_time_series(short, change_index=26)
    assert not result.estimated and result.level_change is None
    assert "Not enough data before the change" in result.reason
    assert (result.periods_before, result.periods_after) == (6, 26)
    thin = [PeriodCount(t, 1, 4) for t in range(40)]
    result = interrupted_time_series(thin, change_index=20)
    assert "before and after" in result.reason
    assert result.calls_before == 80 and result.periods_before == 20
    flat = [PeriodCount(t, 10, 50) for t in range(40)]
    assert "does not vary" in interrupted_time_series(flat, change_index=20).reason


def test_periods_without_calls_are_skipped_but_keep_their_place_in_time() -> None:
    periods = [p if p.index % 5 else PeriodCount(p.index, 0, 0) for p in _series(4, jump=0.1)]
    result = interrupted_time_series(periods, change_index=26)
    assert result.estimated
    assert result.periods_before + result.periods_after == len([p for p in periods if p.index % 5])
    assert result.level_change is not None and result.level_change.contains(10.0)


def test_the_words_on_autocorrelation_follow_the_checks() -> None:
    assert "No sign" in autocorrelation_words(2.0, 0.5)
    assert "correlated" in autocorrelation_words(1.1, 0.01)
    assert autocorrelation_words(None, None) == ""


def _cells(seed: int, odds_ratio: float, per_cell: int = 300) -> list[Cell]:
    rng = random.Random(seed)
    cells = []
    for cit in (True, False):
        for call_type in ("MH", "SUIC", "WELF"):
            for shift in ("Day", "Evening", "Night"):
                for district in ("North", "South", "East"):
                    base = (
                        0.12
                        * (1.5 if call_type == "SUIC" else 1)
                        * (1.3 if shift == "Night" else 1)
                    )
                    rate = with_odds(base, odds_ratio) if cit else base
                    # CIT officers answer more night calls: a crude comparison is confounded.
                    n = per_cell * (3 if cit and shift == "Night" else 1)
                    events = sum(rng.random() < rate for _ in range(n))
                    cells.append(Cell(cit, call_type, shift, district, n, events))
    return cells


def test_the_logistic_comparison_recovers_a_known_odds_ratio() -> None:
    result = compare_responders(_cells(5, 0.47))
    assert result.estimated, result.reason
    assert result.odds_ratio is not None and result.difference is not None
    assert result.odds_ratio.contains(0.47)
    assert result.odds_ratio.high < 1
    assert result.adjusted_for == ("call type", "shift", "district")
    # The adjusted difference in rates agrees with the odds ratio's direction and size.
    assert result.difference.high < 0
    cit_rate = result.cit.rate
    assert cit_rate is not None and result.other.rate is not None
    assert result.cit.encounters == 3 * 3 * 300 * 5
    assert -0.1 < result.difference.estimate < -0.02


def test_no_effect_gives_an_interval_around_one() -> None:
    result = compare_responders(_cells(6, 1.0))
    assert result.odds_ratio is not None and result.odds_ratio.contains(1.0)
    assert result.difference is not None and result.difference.contains(0.0)


def test_too_few_encounters_or_events_say_so() -> None:
    few = [Cell(True, "MH", "Day", "North", 10, 2), Cell(False, "MH", "Day", "North", 500, 50)]
    result = compare_responders(few)
    assert not result.estimated and "each group needs at least 30" in result.reason
    assert result.cit.encounters == 10 and result.other.events == 50
    rare = [Cell(True, "MH", "Day", "North", 200, 1), Cell(False, "MH", "Day", "North", 500, 3)]
    assert "Too few encounters with" in compare_responders(rare).reason


def test_separation_is_named_not_estimated() -> None:
    cells = [Cell(True, "MH", "Day", "North", 300, 0), Cell(False, "MH", "Day", "North", 300, 40)]
    result = compare_responders(cells)
    assert not result.estimated and "separation" in result.reason
    assert result.odds_ratio is None


def test_small_categories_are_pooled_and_single_ones_dropped() -> None:
    cells = _cells(8, 0.6)
    # One district seen on a handful of encounters only, and one shift for every call.
    cells = [Cell(c.cit, c.call_type, "Day", c.district, c.encounters, c.events) for c in cells]
    cells.append(Cell(True, "MH", "Day", "Lakeside", 3, 1))
    result = compare_responders(cells)
    assert result.estimated
    assert result.adjusted_for == ("call type", "district")
    assert result.odds_ratio is not None and math.isfinite(result.odds_ratio.estimate)
