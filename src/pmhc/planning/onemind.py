"""The One Mind pledge tracker: the four requirements, each with its live evidence, a status
and what is still missing, and the window the pledge gives to meet them.

The pledge (IACP One Mind Campaign) asks an agency to do four things within 12 to 36 months:
a sustainable partnership with one or more community mental health organizations; a model
policy on responding to people with mental illness, implemented; at least 20% of sworn
officers trained in CIT (or an equivalent); and the rest trained in Mental Health First Aid for
Public Safety (or an equivalent), so that every sworn officer is trained.

This module only judges evidence it is given (``selectors.tracker`` gathers it), so the
statuses can be tested from crafted data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pmhc.platform.dates import add_months

if TYPE_CHECKING:
    from pmhc.training.coverage import Coverage

MET = "met"
IN_PROGRESS = "in_progress"
MISSING = "missing"
#: The pledge's window, in months after the pledge date.
WINDOW_OPENS_MONTHS = 12
WINDOW_CLOSES_MONTHS = 36
#: CIT (or equivalent) share of sworn officers the pledge asks for.
CIT_SHARE = 0.20


@dataclass(frozen=True)
class AgreementEvidence:
    #: None for a reader who may not see the agreement's title (see ``selectors``).
    title: str | None
    partners: tuple[str, ...]
    effective_on: dt.date
    ends_on: dt.date | None

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_on <= day and (self.ends_on is None or day <= self.ends_on)

    @property
    def partner_names(self) -> str:
        return ", ".join(self.partners) or _("a behavioral health organization")

    @property
    def dates(self) -> str:
        if self.ends_on is None:
            return _("from %(start)s, with no end date") % {"start": self.effective_on}
        return _("from %(start)s to %(end)s") % {"start": self.effective_on, "end": self.ends_on}


@dataclass(frozen=True)
class PolicyEvidence:
    title: str
    adopted_on: dt.date | None
    has_file: bool


@dataclass(frozen=True)
class Requirement:
    key: str
    title: str
    status: str
    evidence: str
    missing: str

    @property
    def status_label(self) -> str:
        return {MET: _("Met"), IN_PROGRESS: _("In progress"), MISSING: _("Missing")}[self.status]


@dataclass(frozen=True)
class Window:
    pledged_on: dt.date | None
    opens_on: dt.date | None
    closes_on: dt.date | None
    today: dt.date

    @property
    def days_left(self) -> int | None:
        return None if self.closes_on is None else (self.closes_on - self.today).days

    @property
    def summary(self) -> str:
        if self.pledged_on is None or self.opens_on is None or self.closes_on is None:
            return _("No pledge date recorded yet.")
        if self.today > self.closes_on:
            return _("The 36-month window closed on %(date)s.") % {"date": self.closes_on}
        days = (self.closes_on - self.today).days
        return ngettext(
            "%(days)d day left: the requirements are due between %(opens)s and %(closes)s.",
            "%(days)d days left: the requirements are due between %(opens)s and %(closes)s.",
            days,
        ) % {"days": days, "opens": self.opens_on, "closes": self.closes_on}


@dataclass(frozen=True)
class Tracker:
    window: Window
    requirements: tuple[Requirement, ...]

    @property
    def met(self) -> int:
        return sum(r.status == MET for r in self.requirements)

    @property
    def all_met(self) -> bool:
        return self.met == len(self.requirements)


def window(pledged_on: dt.date | None, today: dt.date) -> Window:
    if pledged_on is None:
        return Window(None, None, None, today)
    return Window(
        pledged_on,
        add_months(pledged_on, WINDOW_OPENS_MONTHS),
        add_months(pledged_on, WINDOW_CLOSES_MONTHS),
        today,
    )


def partnership(agreements: Sequence[AgreementEvidence], today: dt.date) -> Requirement:
    title = _("A partnership with a community mental health organization")
    active = [a for a in agreements if a.in_force_on(today)]
    if active:
        first = active[0]
        values: dict[str, object] = {
            "title": first.title,
            "partners": ", ".join(sorted({p for a in active for p in a.partners}))
            or first.partner_names,
            "dates": first.dates,
        }
        if first.title is None:
            evidence = _("An agreement with %(partners)s is in force (%(dates)s).") % values
        else:
            evidence = _("Agreement in force: %(title)s, with %(partners)s (%(dates)s).") % values
        return Requirement("partnership", title, MET, evidence, "")
    if agreements:
        latest = max(agreements, key=lambda a: a.effective_on)
        values = {
            "title": latest.title,
            "partners": latest.partner_names,
            "start": latest.effective_on,
            "end": latest.ends_on,
        }
        if latest.effective_on > today:
            if latest.title is None:
                evidence = _("An agreement with %(partners)s takes effect on %(start)s.") % values
            else:
                evidence = _("%(title)s, with %(partners)s, takes effect on %(start)s.") % values
        elif latest.title is None:
            evidence = (
                _("An agreement with %(partners)s was in force from %(start)s to %(end)s.") % values
            )
        else:
            evidence = (
                _("%(title)s, with %(partners)s, was in force from %(start)s to %(end)s.") % values
            )
        return Requirement(
            "partnership",
            title,
            IN_PROGRESS,
            evidence,
            _("An agreement in force today with a behavioral health organization."),
        )
    return Requirement(
        "partnership",
        title,
        MISSING,
        _("No agreement with a behavioral health organization is recorded."),
        _(
            "A data-sharing agreement (MOU) with a behavioral health organization, recorded under "
            "Organization, Agreements."
        ),
    )


def model_policy(policy: PolicyEvidence | None, today: dt.date) -> Requirement:
    title = _("A model policy on responding to people with mental illness, adopted")
    if policy is not None and policy.has_file and policy.adopted_on and policy.adopted_on <= today:
        return Requirement(
            "policy",
            title,
            MET,
            _("%(title)s, adopted on %(date)s.")
            % {"title": policy.title or _("Model policy"), "date": policy.adopted_on},
            "",
        )
    if policy is not None and (policy.has_file or policy.adopted_on):
        if not policy.has_file:
            missing = _("Upload the adopted policy document.")
        elif policy.adopted_on is None:
            missing = _("Record the date the policy was adopted.")
        else:
            missing = _("The policy takes effect on %(date)s.") % {"date": policy.adopted_on}
        return Requirement(
            "policy",
            title,
            IN_PROGRESS,
            _("%(title)s is recorded.") % {"title": policy.title or _("A policy")},
            missing,
        )
    return Requirement(
        "policy",
        title,
        MISSING,
        _("No model policy is recorded."),
        _("Upload the model policy and its adoption date."),
    )


def _needed(share: float, whole: int) -> int:
    """The smallest whole number that is at least ``share`` of ``whole``."""
    needed = int(share * whole)
    return needed if needed >= share * whole - 1e-9 else needed + 1


def cit_training(coverage: Coverage | None) -> Requirement:
    title = _("At least 20% of sworn officers trained in CIT or an equivalent")
    if coverage is None or coverage.sworn == 0:
        return Requirement(
            "cit",
            title,
            MISSING,
            _("No sworn officers are on the training roster yet."),
            _("Import the roster and the officers' CIT completions under Train."),
        )
    needed = _needed(CIT_SHARE, coverage.sworn)
    share = coverage.cit_share_of_sworn or 0.0
    evidence = _("%(cit)d of %(sworn)d sworn officers (%(share)s) hold a current CIT "
                 "certification.") % {
        "cit": coverage.cit_sworn,
        "sworn": coverage.sworn,
        "share": f"{share:.0%}",
    }  # fmt: skip
    if coverage.cit_sworn >= needed:
        return Requirement("cit", title, MET, evidence, "")
    more = needed - coverage.cit_sworn
    return Requirement(
        "cit",
        title,
        IN_PROGRESS if coverage.cit_sworn else MISSING,
        evidence,
        ngettext(
            "%(count)d more CIT-certified officer to reach 20%%.",
            "%(count)d more CIT-certified officers to reach 20%%.",
            more,
        )
        % {"count": more},
    )


def rest_trained(coverage: Coverage | None) -> Requirement:
    title = _("Every other sworn officer trained in Mental Health First Aid or an equivalent")
    if coverage is None or coverage.sworn == 0:
        return Requirement(
            "mhfa",
            title,
            MISSING,
            _("No sworn officers are on the training roster yet."),
            _(
                "Import the roster and the officers' Mental Health First Aid completions under "
                "Train."
            ),
        )
    trained = coverage.cit_sworn + coverage.mhfa_sworn
    untrained = max(0, coverage.sworn - trained)
    evidence = _("%(trained)d of %(sworn)d sworn officers are trained in CIT or Mental Health "
                 "First Aid (%(mhfa)d in Mental Health First Aid).") % {
        "trained": trained,
        "sworn": coverage.sworn,
        "mhfa": coverage.mhfa_sworn,
    }  # fmt: skip
    if untrained == 0:
        return Requirement("mhfa", title, MET, evidence, "")
    return Requirement(
        "mhfa",
        title,
        # CIT counts as training too: anyone trained means the requirement is under way.
        IN_PROGRESS if trained else MISSING,
        evidence,
        ngettext(
            "%(count)d sworn officer still to train.",
            "%(count)d sworn officers still to train.",
            untrained,
        )
        % {"count": untrained},
    )


def evaluate(
    *,
    today: dt.date,
    pledged_on: dt.date | None,
    agreements: Sequence[AgreementEvidence],
    policy: PolicyEvidence | None,
    coverage: Coverage | None,
) -> Tracker:
    return Tracker(
        window(pledged_on, today),
        (
            partnership(agreements, today),
            model_policy(policy, today),
            cit_training(coverage),
            rest_trained(coverage),
        ),
    )
