"""Scores from ratings: pure functions, no database.

- An item is rated 0-3 on the continuum (not started, beginning, developing, established),
  marked "don't know", or left unanswered.
- An element's score is the mean of its rated items on a 0-100 scale:
  ``100 × sum(ratings) / (3 × rated items)``. "Don't know" and unanswered items are left out
  and counted separately, so a partial sitting still scores what it answered.
- The overall score is the mean of the element scores that exist: each of the ten elements
  weighs the same however many items it has.
- The maturity label is the step of the continuum nearest the mean rating (ties go up), i.e.
  score bands [0, 16.7) not started, [16.7, 50) beginning, [50, 83.3) developing,
  [83.3, 100] established.
- A gap is an item rated not started or beginning; a strength an item rated established.
  Elements scoring below 50 are gap elements, at 75 or more strong elements.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pmhc.assessment.instrument import Edition, Element, Item
from pmhc.assessment.models import LEVELS, TOP_LEVEL

GAP_RATINGS = frozenset({0, 1})
GAP_ELEMENT_BELOW = 50.0
STRONG_ELEMENT_FROM = 75.0


@dataclass(frozen=True)
class Rated:
    """What one respondent or the committee said of an item."""

    rating: int | None = None
    dont_know: bool = False

    @property
    def answered(self) -> bool:
        return self.rating is not None or self.dont_know


DONT_KNOW = Rated(dont_know=True)


def maturity(score: float | None) -> str:
    """The continuum step nearest ``score`` (0-100); empty when there is no score."""
    if score is None:
        return ""
    # Ties (a mean exactly halfway between two steps) go up; the epsilon keeps a score like
    # 83.33… (a mean of 2.5) from falling below the tie through floating-point error.
    step = math.floor(score / 100 * TOP_LEVEL + 0.5 + 1e-9)
    return str(LEVELS[min(TOP_LEVEL, max(0, step))][1])


@dataclass(frozen=True)
class ItemResult:
    item: Item
    rated: Rated

    @property
    def level_label(self) -> str:
        if self.rated.dont_know:
            return "dont_know"
        return "" if self.rated.rating is None else str(LEVELS[self.rated.rating][1])


@dataclass(frozen=True)
class ElementScore:
    element: Element
    items: tuple[ItemResult, ...]
    rated: int
    dont_know: int
    unanswered: int
    score: float | None

    @property
    def label(self) -> str:
        return maturity(self.score)

    @property
    def gaps(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.items if r.rated.rating in GAP_RATINGS)

    @property
    def strengths(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.items if r.rated.rating == TOP_LEVEL)

    @property
    def unknowns(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.items if r.rated.dont_know)

    @property
    def is_gap(self) -> bool:
        return self.score is not None and self.score < GAP_ELEMENT_BELOW

    @property
    def is_strength(self) -> bool:
        return self.score is not None and self.score >= STRONG_ELEMENT_FROM


@dataclass(frozen=True)
class Report:
    elements: tuple[ElementScore, ...]
    overall: float | None
    items_total: int
    rated: int
    dont_know: int
    unanswered: int

    @property
    def label(self) -> str:
        return maturity(self.overall)

    @property
    def scored_elements(self) -> int:
        return sum(1 for e in self.elements if e.score is not None)

    @property
    def gap_elements(self) -> list[ElementScore]:
        return sorted(
            (e for e in self.elements if e.is_gap), key=lambda e: (e.score, e.element.number)
        )

    @property
    def strong_elements(self) -> list[ElementScore]:
        return sorted(
            (e for e in self.elements if e.is_strength),
            key=lambda e: (-(e.score or 0), e.element.number),
        )

    @property
    def gaps(self) -> list[ItemResult]:
        return [gap for element in self.elements for gap in element.gaps]

    @property
    def elements_with_gaps(self) -> list[ElementScore]:
        """Elements holding at least one gap, lowest score first."""
        return sorted(
            (e for e in self.elements if e.gaps),
            key=lambda e: (e.score if e.score is not None else 0.0, e.element.number),
        )

    def find(self, number: int) -> ElementScore | None:
        return next((e for e in self.elements if e.element.number == number), None)

    def element(self, number: int) -> ElementScore:
        found = self.find(number)
        if found is None:
            raise KeyError(number)
        return found


def score(edition: Edition, ratings: Mapping[str, Rated]) -> Report:
    """Score ``ratings`` (by qualified item key) against ``edition``; keys the edition does
    not hold are ignored."""
    elements: list[ElementScore] = []
    for element in edition.elements:
        results = tuple(ItemResult(item, ratings.get(item.key, Rated())) for item in element.items)
        values = [r.rated.rating for r in results if r.rated.rating is not None]
        dont_know = sum(1 for r in results if r.rated.dont_know)
        elements.append(
            ElementScore(
                element=element,
                items=results,
                rated=len(values),
                dont_know=dont_know,
                unanswered=len(results) - len(values) - dont_know,
                score=100 * sum(values) / (TOP_LEVEL * len(values)) if values else None,
            )
        )
    scored = [e.score for e in elements if e.score is not None]
    return Report(
        elements=tuple(elements),
        overall=sum(scored) / len(scored) if scored else None,
        items_total=sum(len(e.items) for e in elements),
        rated=sum(e.rated for e in elements),
        dont_know=sum(e.dont_know for e in elements),
        unanswered=sum(e.unanswered for e in elements),
    )


# The committee's combined view -------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """One respondent's answer to one item, with the perspective they answered from."""

    perspective: str
    rated: Rated


@dataclass(frozen=True)
class ItemSpread:
    item: Item
    responses: int  # rated answers
    dont_know: int
    mean: float | None
    low: int | None
    high: int | None
    std_dev: float | None
    law_enforcement: float | None
    mental_health: float | None
    agreed: Rated | None = None

    @property
    def spread(self) -> int | None:
        return None if self.low is None or self.high is None else self.high - self.low

    @property
    def divide(self) -> float | None:
        """How far apart the law enforcement and mental health respondents are, on average,
        in steps of the continuum; None unless both answered."""
        if self.law_enforcement is None or self.mental_health is None:
            return None
        return abs(self.law_enforcement - self.mental_health)

    @property
    def nearest_level(self) -> int | None:
        return None if self.mean is None else math.floor(self.mean + 0.5)


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


def spread(
    edition: Edition,
    responses: Mapping[str, Iterable[Response]],
    agreed: Mapping[str, Rated] | None = None,
    *,
    law_enforcement: str = "law_enforcement",
    mental_health: str = "mental_health",
) -> list[ItemSpread]:
    """Per item: how many answered, the mean, lowest and highest rating, the standard
    deviation (population), and the mean of law enforcement and of mental health respondents."""
    rows = []
    agreed = agreed or {}
    for item in edition.items:
        answers = list(responses.get(item.key, ()))
        values = [a.rated.rating for a in answers if a.rated.rating is not None]
        mean = _mean(values)
        std = (
            math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
            if mean is not None
            else None
        )
        by = {
            side: _mean(
                [
                    a.rated.rating
                    for a in answers
                    if a.perspective == side and a.rated.rating is not None
                ]
            )
            for side in (law_enforcement, mental_health)
        }
        rows.append(
            ItemSpread(
                item=item,
                responses=len(values),
                dont_know=sum(1 for a in answers if a.rated.dont_know),
                mean=mean,
                low=min(values) if values else None,
                high=max(values) if values else None,
                std_dev=std,
                law_enforcement=by[law_enforcement],
                mental_health=by[mental_health],
                agreed=agreed.get(item.key),
            )
        )
    return rows


def widest_divides(rows: Iterable[ItemSpread], limit: int = 5) -> list[ItemSpread]:
    """The items where law enforcement and mental health respondents disagree most: the
    conversations to have next. Only real disagreements (half a step or more) are listed."""
    split = [r for r in rows if r.divide is not None and r.divide >= 0.5]
    return sorted(split, key=lambda r: (-(r.divide or 0), r.item.element, r.item.code))[:limit]


# Comparing two assessments ------------------------------------------------------------------


def whole_change(before: float | None, after: float | None) -> int | None:
    if before is None or after is None:
        return None
    return round(after) - round(before)


@dataclass(frozen=True)
class ElementChange:
    number: int
    title: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def change(self) -> int | None:
        """The change between the whole-number scores people read (``round`` rounds half to
        even, as the pages' formatting does), so the figure shown is always later minus
        earlier as shown."""
        return whole_change(self.before, self.after)

    @property
    def direction(self) -> str:
        """improved / slipped / unchanged by the whole-number scores, or "" when one side
        lacks a score."""
        if self.change is None:
            return ""
        if self.change > 0:
            return "improved"
        if self.change < 0:
            return "slipped"
        return "unchanged"


@dataclass(frozen=True)
class ItemChange:
    key: str
    statement: str
    element: int
    before: int
    after: int


@dataclass
class Comparison:
    elements: list[ElementChange] = field(default_factory=list)
    overall_before: float | None = None
    overall_after: float | None = None
    items: list[ItemChange] = field(default_factory=list)

    @property
    def overall_change(self) -> int | None:
        return whole_change(self.overall_before, self.overall_after)

    @property
    def overall_delta(self) -> float | None:
        if self.overall_before is None or self.overall_after is None:
            return None
        return self.overall_after - self.overall_before

    @property
    def improved(self) -> list[ElementChange]:
        return [e for e in self.elements if e.direction == "improved"]

    @property
    def slipped(self) -> list[ElementChange]:
        return [e for e in self.elements if e.direction == "slipped"]


def compare(before: Report, after: Report) -> Comparison:
    """Element by element (matched by number), and item by item where both rated the same key
    (items keep their keys across editions)."""
    result = Comparison(overall_before=before.overall, overall_after=after.overall)
    for later in after.elements:
        earlier = before.find(later.element.number)
        result.elements.append(
            ElementChange(
                number=later.element.number,
                title=later.element.title,
                before=earlier.score if earlier else None,
                after=later.score,
            )
        )
    earlier_ratings = {
        r.item.key: r.rated.rating
        for e in before.elements
        for r in e.items
        if r.rated.rating is not None
    }
    for element in after.elements:
        for row in element.items:
            was = earlier_ratings.get(row.item.key)
            now = row.rated.rating
            if was is not None and now is not None and was != now:
                result.items.append(
                    ItemChange(row.item.key, row.item.statement, row.item.element, was, now)
                )
    return result
