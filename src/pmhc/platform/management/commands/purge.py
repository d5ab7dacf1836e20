from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from tqdm import tqdm

from pmhc.platform import retention_selectors, retention_services
from pmhc.platform.access import system_actor
from pmhc.platform.models import Organization

ACTOR = "pmhc purge"


def _date(value: Any) -> str:
    if value is None:
        return "-"
    return value.date().isoformat() if hasattr(value, "date") else value.isoformat()


class Command(BaseCommand):
    help = (
        "Apply the retention schedule: delete or de-identify what each organization keeps "
        "past it, in batches, each audited with its count. --dry-run lists what would go."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would go; change nothing."
        )
        parser.add_argument("--organization", metavar="SLUG", help="Only this organization.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=retention_services.DEFAULT_BATCH_SIZE,
            help=f"Records per transaction (1 to {retention_services.MAX_BATCH_SIZE}; "
            f"default {retention_services.DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if not 1 <= batch_size <= retention_services.MAX_BATCH_SIZE:
            raise CommandError(
                f"--batch-size must be from 1 to {retention_services.MAX_BATCH_SIZE}."
            )
        organizations = Organization.objects.order_by("slug")
        if options["organization"]:
            organizations = organizations.filter(slug=options["organization"])
            if not organizations.exists():
                raise CommandError(f"No organization {options['organization']!r}.")
        actor = system_actor(ACTOR)
        now = timezone.now()
        lines = [
            line
            for line in retention_selectors.due_lines(actor, organizations, now=now)
            if line.count
        ]
        dry = options["dry_run"]
        verb = "would" if dry else "will"
        if not lines:
            self.stdout.write("Nothing is past the retention schedule.")
            return
        for line in lines:
            kind = line.kind
            self.stdout.write(
                f"{line.organization.slug}  {kind.label}: {line.count} {verb} be "
                f"{'deleted' if kind.action == 'delete' else 'de-identified'} "
                f"(kept {line.schedule.days} days; oldest {_date(line.oldest)}; "
                f"cut {_date(line.cut)})"
            )
            shown = ", ".join(line.references)
            more = (
                f" and {line.count - len(line.references)} more"
                if line.count > len(line.references)
                else ""
            )
            self.stdout.write(f"    {shown}{more}")
        total = sum(line.count for line in lines)
        if dry:
            self.stdout.write(f"Dry run: {total} records would be purged; nothing was changed.")
            return
        show = not options["quiet"] and sys.stderr.isatty()
        removed = 0
        with tqdm(total=total, unit="record", disable=not show, file=sys.stderr) as bar:
            for organization in {
                line.organization.pk: line.organization for line in lines
            }.values():
                for result in retention_services.purge(
                    actor,
                    organization=organization,
                    batch_size=batch_size,
                    now=now,
                    progress=bar.update,
                ):
                    removed += result.removed
        self.stdout.write(self.style.SUCCESS(f"Purged {removed} records, each batch audited."))
