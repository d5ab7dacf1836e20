"""The quarterly performance report for a grant: the figures of one quarter in the sections a
grantee reports (people served, calls, training, referrals, outcomes), each beside the
coordinator's narrative.

The figures of calls, referrals and outcomes are sums of the rollups (``rollup_selectors``);
people served is a count of distinct people in the quarter's accepted encounter reports, and
training a count of the quarter's completions and certifications: counts only, never a row.
The report is read by those who read the organization's figures, and written by its
coordinator. A count of calls or people under the organization's smallest count shown is given
in words ("fewer than 11"), and a share made from it is not shown; training counts staff, and
is given as counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmhc.evaluation import metrics, rollup_selectors
from pmhc.evaluation.models import QuarterlyReport
from pmhc.evaluation.settings_selectors import min_cell_size
from pmhc.evaluation.suppression import count_text
from pmhc.platform import dates
from pmhc.platform.access import NOT_FOUND, Action, Actor, Target, decide
from pmhc.platform.models import Classification, Organization, Purpose, Role
from pmhc.response.models import EncounterPerson, EncounterStatus
from pmhc.training.models import Certification, CertificationKind, Completion

#: The sections of the report, in the order a grantee reports them.
SECTIONS: tuple[tuple[str, str | Promise], ...] = (
    ("people", gettext_lazy("People served")),
    ("calls", gettext_lazy("Calls for service")),
    ("training", gettext_lazy("Training")),
    ("referrals", gettext_lazy("Referrals")),
    ("outcomes", gettext_lazy("Outcomes")),
)
SECTION_KEYS = tuple(key for key, _title in SECTIONS)
#: The most characters of one section's narrative.
NARRATIVE_LIMIT = 4000
#: The earliest year a report may be asked for.
FIRST_YEAR = 2000
#: Who writes the narratives.
WRITERS = frozenset({Role.COORDINATOR})


def target(organization_id: int) -> Target:
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGGREGATE,
        access_read_roles=rollup_selectors.MEASURE_READERS,
        access_write_roles=WRITERS,
    )


def may_write(actor: Actor, organization_id: int | None) -> bool:
    return organization_id is not None and bool(
        decide(actor, Action.CHANGE, target(organization_id), Purpose.EVALUATION)
    )


def may_download(actor: Actor, organization_id: int | None) -> bool:
    return organization_id is not None and bool(
        decide(actor, Action.EXPORT, target(organization_id), Purpose.EVALUATION)
    )


def organization_for(actor: Actor) -> Organization:
    """The acting organization when the actor reads its figures; else the one 404."""
    organization_id = rollup_selectors.check(actor, actor.organization_id)
    found = Organization.objects.filter(pk=organization_id).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def quarter_months(year: int, quarter: int) -> list[dt.date]:
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    return [dates.add_months(first, n) for n in range(3)]


def last_full_quarter(today: dt.date) -> tuple[int, int]:
    quarter = (today.month - 1) // 3 + 1
    if quarter == 1:
        return today.year - 1, 4
    return today.year, quarter - 1


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    #: The figure's count and what it is counted out of, where it has them (in words when
    #: under the smallest count shown).
    numerator: int | str | None = None
    denominator: int | str | None = None


@dataclass
class Section:
    key: str
    title: str
    rows: list[Row] = field(default_factory=list)
    narrative: str = ""


@dataclass
class Report:
    organization: Organization
    year: int
    quarter: int
    since: dt.date
    until: dt.date
    sections: list[Section]
    saved: QuarterlyReport | None

    @property
    def title(self) -> str:
        return _("%(name)s: performance report, %(year)d quarter %(quarter)d") % {
            "name": self.organization.name,
            "year": self.year,
            "quarter": self.quarter,
        }


def _share(numerator: int, denominator: int) -> str:
    if not denominator:
        return _("none to count")
    return f"{numerator * 100 / denominator:.1f}%"


def _ratio_row(label: str, numerator: int, denominator: int, min_cell: int) -> Row:
    """A count out of another, as "12 (30.0%)"; a share of a small count is not shown."""
    if numerator < min_cell or denominator < min_cell:
        return Row(
            label,
            _("%(n)s (share not shown: too few to count)") % {"n": count_text(numerator, min_cell)},
            count_text(numerator, min_cell),
            count_text(denominator, min_cell),
        )
    return Row(label, f"{numerator} ({_share(numerator, denominator)})", numerator, denominator)


def _bounds(organization: Organization, since: dt.date, until: dt.date) -> tuple[Any, Any]:
    zone = organization.zone
    start = dt.datetime.combine(since, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(dates.add_months(until, 1), dt.time.min, tzinfo=zone)
    return start, end


def people_served(organization: Organization, since: dt.date, until: dt.date) -> int:
    """Distinct people named as the subject of an accepted encounter report of a call received
    in the months from ``since`` to ``until``: records that identity resolution linked count
    once (their identity), the others each. One query; a count, never a row."""
    start, end = _bounds(organization, since, until)
    counts = EncounterPerson.objects.filter(
        encounter__organization=organization,
        encounter__status=EncounterStatus.ACCEPTED,
        encounter__call__received_at__gte=start,
        encounter__call__received_at__lt=end,
        role="subject",
    ).aggregate(
        identities=Count("person__identity_id", distinct=True),
        records=Count("person_id", distinct=True, filter=Q(person__identity__isnull=True)),
    )
    return int(counts["identities"]) + int(counts["records"])


def training_counts(
    organization: Organization, since: dt.date, until: dt.date
) -> tuple[int, int, dict[str, int]]:
    """Course completions in the quarter, the people who completed one, and certifications
    issued by kind. Two queries."""
    last_day = dates.add_months(until, 1) - dt.timedelta(days=1)
    completions = Completion.objects.filter(
        trainee__organization=organization, completed_on__gte=since, completed_on__lte=last_day
    ).aggregate(n=Count("pk"), people=Count("trainee_id", distinct=True))
    issued = dict(
        Certification.objects.filter(
            trainee__organization=organization, issued_on__gte=since, issued_on__lte=last_day
        )
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return completions["n"] or 0, completions["people"] or 0, issued


def report(actor: Actor, organization: Organization, year: int, quarter: int) -> Report:
    """The figures of the quarter and the saved narratives. Seven queries."""
    rollup_selectors.check(actor, organization.pk)
    min_cell = min_cell_size(organization.pk)
    months = quarter_months(year, quarter)
    since, until = months[0], months[-1]
    sums = rollup_selectors.totals(actor, organization.pk, since=since, until=until)[0]
    saved = QuarterlyReport.objects.filter(
        organization=organization, year=year, quarter=quarter
    ).first()
    narratives = saved.narratives if saved else {}
    completed, trained, issued = training_counts(organization, since, until)
    mh = sums["mental_health"]
    rows: dict[str, list[Row]] = {
        "people": [
            Row(
                _("People served (distinct people in accepted encounter reports)"),
                count_text(people_served(organization, since, until), min_cell),
            ),
        ],
        "calls": [
            Row(_("Calls for service"), count_text(sums["calls"], min_cell)),
            Row(_("Mental health calls"), count_text(mh, min_cell)),
            _ratio_row(
                _("Mental health calls answered by a CIT officer or a clinician"),
                sums["cit_or_clinician"],
                mh,
                min_cell,
            ),
            _ratio_row(
                _("Mental health calls answered by a clinician"), sums["clinician"], mh, min_cell
            ),
            Row(
                _("Calls warm-transferred to 988 or the local crisis line"),
                count_text(sums["transfer_988"], min_cell),
            ),
        ],
        "training": [
            Row(_("Course completions"), str(completed)),
            Row(_("People who completed a course"), str(trained)),
            *(
                Row(
                    _("%(kind)s certifications issued") % {"kind": label},
                    str(issued.get(kind, 0)),
                )
                for kind, label in CertificationKind.choices
            ),
        ],
        "referrals": [
            Row(
                _("Calls with a referral sent to a service"),
                count_text(sums["referred"], min_cell),
            ),
            _ratio_row(
                _("Referrals attended within 30 days"),
                sums["referral_attended_30d"],
                sums["referred"],
                min_cell,
            ),
        ],
        "outcomes": [_metric_row(metrics.BY_KEY[key], sums, min_cell) for key in metrics.HEADLINE],
    }
    sections = [
        Section(key, str(title), rows[key], str(narratives.get(key, ""))) for key, title in SECTIONS
    ]
    return Report(organization, year, quarter, since, until, sections, saved)


def _metric_row(metric: metrics.Metric, sums: dict[str, Any], min_cell: int) -> Row:
    numerator, denominator = int(sums[metric.numerator]), int(sums[metric.denominator])
    value = metrics.value(metric, numerator, denominator)
    # Minutes are not people: an average hides only when too few calls have them.
    small = denominator < min_cell or (metric.kind != metrics.Kind.AVERAGE and numerator < min_cell)
    if small:
        shown = (
            _("not shown")
            if metric.kind == metrics.Kind.AVERAGE
            else count_text(numerator, min_cell)
        )
        out_of = count_text(denominator, min_cell)
        return Row(
            f"{metric.name}",
            _("not shown: too few to count (%(n)s of %(d)s)") % {"n": shown, "d": out_of},
            shown,
            out_of,
        )
    if value is None:
        text = _("none to count")
    elif metric.kind == metrics.Kind.SHARE:
        text = f"{value:.1f}%"
    elif metric.kind == metrics.Kind.RATE:
        text = _("%(value)s per %(per)d") % {"value": f"{value:.1f}", "per": metric.per}
    else:
        text = _("%(value)s minutes") % {"value": f"{value:.1f}"}
    return Row(
        f"{metric.name}",
        _("%(text)s (%(n)d of %(d)d)") % {"text": text, "n": numerator, "d": denominator},
        numerator,
        denominator,
    )
