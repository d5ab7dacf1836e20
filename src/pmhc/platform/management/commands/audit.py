from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pmhc.platform import audit
from pmhc.platform.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Work with the audit trail. `audit verify` walks the hash chain and names the first "
        "broken event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("operation", choices=["verify"])
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        total = AuditEvent.objects.count()
        show = not options["quiet"] and sys.stderr.isatty()
        with tqdm(total=total, unit="event", disable=not show, file=sys.stderr) as bar:
            result = audit.verify(progress=bar.update)
        if not result.ok:
            raise CommandError(result.message())
        self.stdout.write(self.style.SUCCESS(result.message()))
