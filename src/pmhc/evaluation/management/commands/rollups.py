from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pmhc.dispatch.models import Call
from pmhc.evaluation import rollup_services
from pmhc.platform.access import system_actor
from pmhc.platform.models import Organization

ACTOR = "pmhc rollups"


class Command(BaseCommand):
    help = (
        "Bring Measure's facts and rollups up to date (--refresh: what was written since the "
        "last refresh), or build them again from every call (--rebuild). Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument(
            "--rebuild", action="store_true", help="Build every fact and rollup again."
        )
        action.add_argument(
            "--refresh", action="store_true", help="Only what was written since the last one."
        )
        parser.add_argument("--organization", metavar="SLUG", help="Only this organization.")
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        organizations = Organization.objects.order_by("slug")
        if options["organization"]:
            organizations = organizations.filter(slug=options["organization"])
            if not organizations.exists():
                raise CommandError(f"No organization {options['organization']!r}.")
        actor = system_actor(ACTOR)
        for organization in organizations:
            if options["refresh"]:
                outcome = rollup_services.refresh(actor, organization=organization)
                self.stdout.write(f"{organization.slug}: refreshed {outcome.summary}")
                continue
            total = Call.objects.filter(organization=organization).count()
            with tqdm(
                total=total,
                unit="call",
                desc=organization.slug,
                disable=options["quiet"] or not total,
                file=sys.stderr,
            ) as bar:
                outcome = rollup_services.rebuild(
                    actor, organization=organization, progress=bar.update
                )
            self.stdout.write(f"{organization.slug}: rebuilt {outcome.summary}")
