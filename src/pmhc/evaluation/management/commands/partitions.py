from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pmhc.evaluation import partition_services, partitions
from pmhc.platform.access import system_actor


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        raise CommandError(f"--since takes a month as YYYY-MM, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Add the monthly partitions of the de-identified facts (PostgreSQL): this month to "
        "--ahead months on (and from --since), and a partition for any month whose rows sit "
        "in the default partition, moving them there. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--ahead", type=int, default=3, help="Months after this one (0 to 120; default 3)."
        )
        parser.add_argument("--since", metavar="YYYY-MM", help="Also every month from this one.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not partitions.is_partitioned():
            self.stdout.write("The facts' table is not partitioned here (only on PostgreSQL).")
            return
        ahead = options["ahead"]
        if not 0 <= ahead <= 120:
            raise CommandError("--ahead must be from 0 to 120.")
        since = _month(options["since"]) if options["since"] else None
        try:
            added = partition_services.add_partitions(
                actor=system_actor("pmhc partitions"), months_ahead=ahead, since=since
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        if not added.months:
            self.stdout.write("Every month asked for has its partition.")
            return
        self.stdout.write(
            f"Added {len(added.months)} monthly partitions "
            f"({added.months[0]:%Y-%m} to {added.months[-1]:%Y-%m}); "
            f"moved {added.moved} rows out of the default partition."
        )
