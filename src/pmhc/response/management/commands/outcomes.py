"""``pmhc outcomes``: an agency's outcome counts for a year or a period, from its accepted
encounter reports (``response.selectors.outcomes``: counts only, no rows)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pmhc.platform.access import system_actor
from pmhc.platform.models import Organization
from pmhc.response import selectors


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Print an agency's outcomes for a year (--year) or a period (--since, --until): "
        "arrests diverted, emergency-department visits avoided, officer-hours in total and "
        "per call. Without --agency, every agency with reports."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", help="The agency's short name (slug).")
        parser.add_argument("--year", type=int, help="A calendar year, e.g. 2026.")
        parser.add_argument("--since", help="First day, YYYY-MM-DD.")
        parser.add_argument("--until", help="Last day, YYYY-MM-DD.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["year"]:
            if options["since"] or options["until"]:
                raise CommandError("Give --year or --since/--until, not both.")
            since = dt.date(options["year"], 1, 1)
            until = dt.date(options["year"], 12, 31)
        elif options["since"] and options["until"]:
            since, until = _date(options["since"]), _date(options["until"])
        else:
            raise CommandError("Give --year, or both --since and --until.")
        if until < since:
            raise CommandError("--until comes before --since.")
        agencies = Organization.objects.order_by("name")
        if options["agency"]:
            agencies = agencies.filter(slug=options["agency"])
            if not agencies.exists():
                raise CommandError(f"No agency {options['agency']!r}.")
        else:
            agencies = agencies.filter(pk__in=_with_reports())
        actor = system_actor("outcomes command")
        for agency in agencies:
            self._print(agency, selectors.outcomes(actor, agency, since, until))

    def _print(self, agency: Organization, result: selectors.Outcomes) -> None:
        per_call = result.officer_hours_per_call
        rows = [
            ("Accepted encounter reports", str(result.encounters)),
            ("Could have been arrested", str(result.arrest_eligible)),
            ("Arrested", str(result.arrests)),
            ("Cited", str(result.citations)),
            ("Arrests diverted", str(result.diverted)),
            ("Emergency-department visits avoided", str(result.ed_visits_avoided)),
            ("Officer-hours", f"{result.officer_hours:.1f}"),
            (
                "Officer-hours per call",
                f"{per_call:.2f} (over {result.timed_calls} calls)" if per_call else "—",
            ),
        ]
        self.stdout.write(f"{agency.name} ({agency.slug}), {result.since} to {result.until}")
        for label, value in rows:
            self.stdout.write(f"  {label:<38}{value}")


def _with_reports() -> Any:
    from pmhc.response.models import Encounter

    return Encounter.objects.values("organization_id")
