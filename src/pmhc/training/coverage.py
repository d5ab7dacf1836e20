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
    certification."""

    name: str
    patrol: int
    cit_certified: int

    @property
    def share(self) -> float | None:
        return share(self.cit_certified, self.patrol)

    @property
    def uncovered(self) -> bool:
        """Patrol officers work here but none of them is CIT-certified."""
        return self.patrol > 0 and self.cit_certified == 0


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
