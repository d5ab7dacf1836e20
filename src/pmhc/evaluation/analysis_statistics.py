"""The evaluation statistics, on counts already summed: no database and no names here.

**Before and after a program change** (``interrupted_time_series``): the measure per period
(a week or a month) is fitted by segmented regression, ``y = b0 + b1·t + b2·after +
b3·(t − t0)·after``, each period weighted by its calls (a share of many calls is more precise
than a share of few), where ``t`` counts periods, ``after`` is 1 from the change and ``t0`` is
the change's period. ``b2`` is the change in level at the start and ``b3`` the change in
slope per period. Neighbouring periods are rarely independent, so the standard errors are
Newey-West (heteroskedasticity and autocorrelation consistent, with the small-sample
correction), never narrower than the ordinary ones (Newey-West errors are too narrow in series
of a year or two of weeks), with intervals from Student's t; and the residuals are checked
for autocorrelation with the Durbin-Watson statistic and the Ljung-Box test. The period the
change fell inside, when it did not start on the period's first day, is left out: it is part
before and part after. Too few periods or calls on either side and there is no estimate, only
the reason.

**CIT against other responders** (``compare_responders``): a logistic regression of an
outcome (referred, arrested, force above presence) on whether a CIT officer responded,
adjusted for the call type, shift and district, fitted on the counts of each combination
(binomial with successes and failures, the same fit as one row per encounter). It gives the
adjusted odds ratio and the adjusted difference in rates: the average over the encounters of
the predicted rate with a CIT officer minus without, with a delta-method interval. Too few
encounters or events, or an outcome that one group never or always has (separation), and
there is no estimate, only the reason.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Two-sided 95% normal quantile.
Z95 = 1.959963984540054
#: The fewest periods with data on each side of a change for a before-and-after estimate.
MIN_PERIODS_EACH_SIDE = 8
#: The fewest calls (in the measure's denominator) on each side of a change.
MIN_CALLS_EACH_SIDE = 100
#: The fewest encounters in each group, and events and non-events overall, for a comparison.
MIN_ENCOUNTERS_PER_GROUP = 30
MIN_EVENTS = 10
#: A category (a call type, shift or district) with fewer encounters is counted with the
#: other small ones, so no category is too small to estimate.
MIN_CATEGORY = 20


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class PeriodCount:
    """One period's counts: ``numerator`` over ``denominator`` (for an average, the sum of
    minutes over the calls that have them)."""

    index: int
    numerator: float
    denominator: int


@dataclass(frozen=True)
class SeriesResult:
    """What the before-and-after fit found, or why it found nothing (``reason``)."""

    reason: str = ""
    periods_before: int = 0
    periods_after: int = 0
    calls_before: int = 0
    calls_after: int = 0
    level_change: Interval | None = None
    slope_change: Interval | None = None
    level_p: float | None = None
    slope_p: float | None = None
    durbin_watson: float | None = None
    ljung_box_p: float | None = None
    hac_lags: int = 0
    #: The fitted line before and after, and the line after had nothing changed, per index.
    fitted: dict[int, float] = field(default_factory=dict)
    counterfactual: dict[int, float] = field(default_factory=dict)
    #: The index of the first period after the change.
    change_index: int = 0

    @property
    def estimated(self) -> bool:
        return not self.reason


def hac_lags(n: int) -> int:
    """Newey and West's rule of thumb for the lags: floor(4·(n/100)^(2/9)), at least 1."""
    return max(1, math.floor(4 * (n / 100) ** (2 / 9)))


def autocorrelation_words(durbin_watson: float | None, ljung_box_p: float | None) -> str:
    if durbin_watson is None or ljung_box_p is None:
        return ""
    dw, p = f"{durbin_watson:.2f}", f"{ljung_box_p:.3f}"
    if ljung_box_p < 0.05 or not 1.5 <= durbin_watson <= 2.5:
        return (
            f"Neighbouring periods are correlated (Durbin-Watson {dw}, Ljung-Box p = {p}). "
            "The intervals allow for it (Newey-West), but read them with care."
        )
    return (
        f"No sign that neighbouring periods are correlated (Durbin-Watson {dw}, Ljung-Box "
        f"p = {p}); the intervals allow for it anyway (Newey-West)."
    )


def interrupted_time_series(
    periods: Sequence[PeriodCount],
    *,
    change_index: int,
    scale: float = 100.0,
    min_periods: int = MIN_PERIODS_EACH_SIDE,
    min_calls: int = MIN_CALLS_EACH_SIDE,
) -> SeriesResult:
    """Segmented regression of ``scale · numerator / denominator`` on the periods' indexes;
    periods before ``change_index`` are before the change, the others after. Periods with no
    denominator have no value and are skipped (their index still counts time)."""
    used = [p for p in periods if p.denominator > 0]
    before = [p for p in used if p.index < change_index]
    after = [p for p in used if p.index >= change_index]
    counts = {
        "periods_before": len(before),
        "periods_after": len(after),
        "calls_before": sum(p.denominator for p in before),
        "calls_after": sum(p.denominator for p in after),
        "change_index": change_index,
    }
    short = [
        side
        for side, chosen in (("before", before), ("after", after))
        if len(chosen) < min_periods or sum(p.denominator for p in chosen) < min_calls
    ]
    if short:
        return SeriesResult(
            reason=(
                "Not enough data {sides} the change to say anything: the estimate needs at "
                "least {periods} periods with calls and {calls} calls on each side."
            ).format(sides=" and ".join(short), periods=min_periods, calls=min_calls),
            **counts,  # type: ignore[arg-type]
        )
    import statsmodels.api as sm
    from scipy.stats import t as student_t
    from statsmodels.stats.diagnostic import acorr_ljungbox
    from statsmodels.stats.stattools import durbin_watson

    t = np.array([p.index for p in used], dtype=float)
    y = np.array([scale * p.numerator / p.denominator for p in used], dtype=float)
    # A period's share is as precise as its calls are many (a part week at either end is not).
    weights = np.array([p.denominator for p in used], dtype=float)
    post = (t >= change_index).astype(float)
    design = np.column_stack([np.ones_like(t), t, post, (t - change_index) * post])
    lags = hac_lags(len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ordinary = sm.WLS(y, design, weights=weights).fit()
        hac = sm.WLS(y, design, weights=weights).fit(
            cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
        )
        params = np.asarray(ordinary.params)
        # Newey-West errors are too narrow in short series; never narrower than the ordinary
        # ones (and the ordinary ones where a side with no variation leaves them undefined).
        errors = np.fmax(np.asarray(ordinary.bse), np.asarray(hac.bse))
    if not np.all(np.isfinite(errors[2:])) or np.allclose(np.asarray(ordinary.resid), 0):
        return SeriesResult(
            reason="The series does not vary enough to estimate a change.",
            **counts,  # type: ignore[arg-type]
        )
    freedom = len(y) - design.shape[1]
    quantile = float(student_t.ppf(0.975, freedom))
    bounds = np.column_stack([params - quantile * errors, params + quantile * errors])
    pvalues = 2 * student_t.sf(np.abs(params / np.where(errors > 0, errors, np.inf)), freedom)
    fit = ordinary
    residuals = np.asarray(fit.wresid)
    dw = float(durbin_watson(residuals))
    box = acorr_ljungbox(residuals, lags=[lags])
    box_p = float(np.asarray(box["lb_pvalue"])[0])
    first = min(p.index for p in periods)
    last = max(p.index for p in periods)
    fitted: dict[int, float] = {}
    counterfactual: dict[int, float] = {}
    for index in range(first, last + 1):
        trend = params[0] + params[1] * index
        if index < change_index:
            fitted[index] = float(trend)
        else:
            fitted[index] = float(trend + params[2] + params[3] * (index - change_index))
            counterfactual[index] = float(trend)
    return SeriesResult(
        level_change=Interval(float(params[2]), float(bounds[2][0]), float(bounds[2][1])),
        slope_change=Interval(float(params[3]), float(bounds[3][0]), float(bounds[3][1])),
        level_p=float(pvalues[2]),
        slope_p=float(pvalues[3]),
        durbin_watson=dw,
        ljung_box_p=box_p,
        hac_lags=lags,
        fitted=fitted,
        counterfactual=counterfactual,
        **counts,  # type: ignore[arg-type]
    )


# --- CIT against other responders --------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """The encounters of one combination of responder and adjustments, and how many of them
    had the outcome."""

    cit: bool
    call_type: str
    shift: str
    district: str
    encounters: int
    events: int


@dataclass(frozen=True)
class GroupRate:
    encounters: int
    events: int

    @property
    def rate(self) -> float | None:
        return self.events / self.encounters if self.encounters else None

    @property
    def percent(self) -> float | None:
        return 100 * self.events / self.encounters if self.encounters else None


@dataclass(frozen=True)
class ComparisonResult:
    reason: str = ""
    cit: GroupRate = GroupRate(0, 0)
    other: GroupRate = GroupRate(0, 0)
    odds_ratio: Interval | None = None
    #: The adjusted difference in rates (CIT minus others), as a proportion.
    difference: Interval | None = None
    #: The adjustments the model kept (those with more than one category).
    adjusted_for: tuple[str, ...] = ()

    @property
    def estimated(self) -> bool:
        return not self.reason


ADJUSTMENTS: tuple[tuple[str, str], ...] = (
    ("call_type", "call type"),
    ("shift", "shift"),
    ("district", "district"),
)


def _levels(cells: Sequence[Cell], name: str) -> dict[str, str]:
    """Each category's level in the model: small categories are pooled as "other"."""
    sizes: dict[str, int] = {}
    for cell in cells:
        key = getattr(cell, name)
        sizes[key] = sizes.get(key, 0) + cell.encounters
    kept = {key for key, size in sizes.items() if size >= MIN_CATEGORY}
    return {key: (key if key in kept else "\x00other") for key in sizes}


def _design(cells: Sequence[Cell]) -> tuple[np.ndarray, tuple[str, ...]]:
    columns: list[np.ndarray] = [
        np.ones(len(cells)),
        np.array([1.0 if c.cit else 0.0 for c in cells]),
    ]
    kept: list[str] = []
    for name, label in ADJUSTMENTS:
        mapping = _levels(cells, name)
        levels = sorted(set(mapping.values()))
        if len(levels) < 2:
            continue
        kept.append(label)
        # The largest category is the reference.
        sizes = dict.fromkeys(levels, 0)
        for cell in cells:
            sizes[mapping[getattr(cell, name)]] += cell.encounters
        reference = max(levels, key=lambda lvl: (sizes[lvl], lvl))
        for level in levels:
            if level != reference:
                columns.append(
                    np.array([1.0 if mapping[getattr(c, name)] == level else 0.0 for c in cells])
                )
    return np.column_stack(columns), tuple(kept)


def _expit(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)))


def compare_responders(cells: Sequence[Cell]) -> ComparisonResult:
    cells = [c for c in cells if c.encounters > 0]
    cit = GroupRate(
        sum(c.encounters for c in cells if c.cit), sum(c.events for c in cells if c.cit)
    )
    other = GroupRate(
        sum(c.encounters for c in cells if not c.cit), sum(c.events for c in cells if not c.cit)
    )
    groups: dict[str, Any] = {"cit": cit, "other": other}
    if min(cit.encounters, other.encounters) < MIN_ENCOUNTERS_PER_GROUP:
        return ComparisonResult(
            reason=(
                "Not enough encounters to compare: each group needs at least "
                f"{MIN_ENCOUNTERS_PER_GROUP} encounters with an accepted report."
            ),
            **groups,
        )
    events = cit.events + other.events
    non_events = cit.encounters + other.encounters - events
    if min(events, non_events) < MIN_EVENTS:
        return ComparisonResult(
            reason=(
                "Too few encounters {which} this outcome to estimate anything: the comparison "
                "needs at least {n}."
            ).format(which="with" if events < MIN_EVENTS else "without", n=MIN_EVENTS),
            **groups,
        )
    if (
        0 in (cit.events, other.events)
        or cit.events == cit.encounters
        or (other.events == other.encounters)
    ):
        return ComparisonResult(
            reason=(
                "One group never (or always) had this outcome, so no odds ratio can be "
                "estimated (separation); the counts are shown as they are."
            ),
            **groups,
        )
    import statsmodels.api as sm

    design, adjusted_for = _design(cells)
    endog = np.column_stack(
        [
            np.array([c.events for c in cells], dtype=float),
            np.array([c.encounters - c.events for c in cells], dtype=float),
        ]
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(endog, design, family=sm.families.Binomial()).fit()
    except Exception:  # statsmodels raises several kinds on a fit that fails
        fit = None
    if fit is None or not bool(fit.converged):
        return ComparisonResult(
            reason="The model could not be fitted on these encounters; the counts are shown.",
            **groups,
        )
    params = np.asarray(fit.params)
    cov = np.asarray(fit.cov_params())
    if not np.all(np.isfinite(cov)) or abs(params[1]) > 10:
        return ComparisonResult(
            reason=(
                "The estimate is unstable (close to separation), so none is given; the "
                "counts are shown as they are."
            ),
            **groups,
        )
    se = math.sqrt(cov[1, 1])
    odds = Interval(
        math.exp(params[1]), math.exp(params[1] - Z95 * se), math.exp(params[1] + Z95 * se)
    )
    # The adjusted difference: every encounter's predicted rate with and without CIT,
    # averaged with the encounters' weights; delta method for its interval.
    weights = np.array([c.encounters for c in cells], dtype=float)
    weights /= weights.sum()
    with_cit, without = design.copy(), design.copy()
    with_cit[:, 1], without[:, 1] = 1.0, 0.0
    p1, p0 = _expit(with_cit @ params), _expit(without @ params)
    difference = float(weights @ (p1 - p0))
    gradient = (weights * p1 * (1 - p1)) @ with_cit - (weights * p0 * (1 - p0)) @ without
    diff_se = math.sqrt(max(float(gradient @ cov @ gradient), 0.0))
    return ComparisonResult(
        odds_ratio=odds,
        difference=Interval(difference, difference - Z95 * diff_se, difference + Z95 * diff_se),
        adjusted_for=adjusted_for,
        **groups,
    )
