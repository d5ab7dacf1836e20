"""What the roster and its training records add up to, for one organization on one day.

``training.selectors.coverage`` fills these; Plan (the advisor, the staffing model and the
One Mind tracker) and, later, the call-taker screen read them. Counts only: no names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a fraction, or None when there is nobody to count."""
    return part / whole if whole else None


@dataclass(frozen=True)
class GroupCoverage:
    """One shift or one district: patrol officers in it and how many hold a current CIT
    certification; and its posts (one shift in one district) where patrol officers work and
    none holds CIT, named by the other half of the post (a shift's districts, a district's
    shifts). The table by shift and district counts the same posts: a shift is covered only
    when that table shows a CIT-certified officer at each of its posts."""

    name: str
    patrol: int
    cit_certified: int
    #: The posts of this group without a CIT-certified patrol officer (for a shift, the
    #: districts; for a district, the shifts), and how many posts it has with patrol officers.
    gaps: tuple[str, ...] = ()
    posts: int = 0

    @property
    def share(self) -> float | None:
        return share(self.cit_certified, self.patrol)

    @property
    def uncovered(self) -> bool:
        """Patrol officers work here but none of them is CIT-certified."""
        return self.patrol > 0 and self.cit_certified == 0

    @property
    def covered(self) -> bool:
        """Patrol officers work here and each of its posts has a CIT-certified one: 10% of
        a shift certified, all in one district, leaves its other districts without."""
        return self.patrol > 0 and self.cit_certified > 0 and not self.gaps

    @property
    def has_gaps(self) -> bool:
        return self.patrol > 0 and not self.covered


@dataclass(frozen=True)
class Coverage:
    organization_id: int
    on: dt.date
    #: Active sworn staff on the roster (patrol and every other sworn role).
    sworn: int
    #: Active patrol officers (the people who answer calls for service).
    patrol: int
    #: Sworn staff holding a current (unexpired) CIT or equivalent certification.
    cit_sworn: int
    #: Patrol officers holding a current CIT or equivalent certification.
    cit_patrol: int
    #: Sworn staff without CIT who completed Mental Health First Aid for Public Safety or an
    #: equivalent course.
    mhfa_sworn: int
    #: Active call-takers and dispatchers, and those who completed a dispatcher course.
    dispatchers: int
    dispatchers_trained: int
    #: CIT-certified officers who volunteered, and those who were assigned.
    volunteers: int
    assigned: int
    #: Certifications that expire within the next 90 days.
    expiring_soon: int
    by_shift: tuple[GroupCoverage, ...]
    by_district: tuple[GroupCoverage, ...]

    @property
    def cit_share_of_patrol(self) -> float | None:
        return share(self.cit_patrol, self.patrol)

    @property
    def cit_share_of_sworn(self) -> float | None:
        return share(self.cit_sworn, self.sworn)

    @property
    def trained_share_of_sworn(self) -> float | None:
        """CIT plus MHFA (or equivalents): the One Mind pledge asks for all sworn staff."""
        return share(self.cit_sworn + self.mhfa_sworn, self.sworn)

    @property
    def dispatcher_share(self) -> float | None:
        return share(self.dispatchers_trained, self.dispatchers)

    @property
    def uncovered_shifts(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.by_shift if g.uncovered)

    @property
    def uncovered_districts(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.by_district if g.uncovered)

    @property
    def shifts_with_gaps(self) -> tuple[GroupCoverage, ...]:
        """Shifts not covered at every post: with no CIT-certified officer at all, or none
        in one of the districts where the shift has patrol officers."""
        return tuple(g for g in self.by_shift if g.has_gaps)

    @property
    def districts_with_gaps(self) -> tuple[GroupCoverage, ...]:
        return tuple(g for g in self.by_district if g.has_gaps)
