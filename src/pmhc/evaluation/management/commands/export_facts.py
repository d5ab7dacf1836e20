from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404
from tqdm import tqdm

from pmhc.evaluation import export_services
from pmhc.platform.access import system_actor

ACTOR = "pmhc export_facts"


class Command(BaseCommand):
    help = (
        "Export the de-identified facts as Parquet files partitioned by agency and month "
        "(OUT/agency=<slug>/month=YYYY-MM/part-0.parquet), for Spark, Trino or DuckDB. No id "
        "of a call, the week and not the day, districts under 11 calls of a month merged. "
        "Each agency's export is audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, metavar="DIR", help="Folder to write.")
        parser.add_argument(
            "--organization", metavar="SLUG", help="Only this organization (else all)."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = system_actor(ACTOR)
        out = Path(options["out"])
        if out.exists() and not out.is_dir():
            raise CommandError(f"{out} is not a folder.")
        try:
            planned = export_services.plan(actor, slug=options["organization"])
        except Http404:
            raise CommandError(f"No organization {options['organization']!r}.") from None
        if not planned:
            self.stdout.write("No facts to export.")
            return
        total = sum(len(months) for _organization, months in planned)
        with tqdm(total=total, unit=" months", disable=options["quiet"], file=sys.stderr) as bar:
            done = export_services.export_facts(
                actor=actor,
                out=out,
                slug=options["organization"],
                progress=lambda _rows: bar.update(1),
            )
        for one in done:
            self.stdout.write(
                f"{one.organization}: {one.rows} calls in {one.months} months -> {one.path}"
            )
