from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from pmhc.dispatch import import_selectors, import_services
from pmhc.dispatch.models import CallImport, ImportFormat, ImportMapping, ImportStatus
from pmhc.platform.access import system_actor
from pmhc.platform.exports import spreadsheet_cell

#: Exit codes, as ``--help`` lists them.
EXIT_REJECTED = 3
SHOWN_REJECTS = 20

EPILOG = """\
exit status:
  0  every row was imported or was already there
  1  the file was refused as a whole (no header, a required column missing, unreadable),
     --all-or-nothing rolled it back, or the import failed or was stopped (Ctrl-C) part way:
     the batches committed before that stay, and running the command again goes on with the
     rest (calls already imported are left as they are)
  2  wrong arguments (unknown agency or mapping, missing file)
  3  the good rows were imported and some rows were rejected (see the list, or --rejects)

Without --mapping, a CSV has the canonical columns: cad_event_id, received_at, dispatched_at,
first_arrival_at, cleared_at, address, district, beat, latitude, longitude, call_type,
apco_type, priority, source, is_mental_health, mh_indicators, narrative, units,
cad_disposition, cit_requested, cit_dispatched, cit_arrived. Times are ISO 8601; without an
offset they are read in the agency's time zone.
"""


class Command(BaseCommand):
    help = (
        "Import data from a CAD export. `import calls FILE --agency SLUG` brings calls for "
        "service in from a CSV or NENA EIDD-style JSON file; a call the agency already has "
        "(same CAD event id) is left as it is."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        import argparse

        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        parser = super().create_parser(prog_name, subcommand, epilog=EPILOG, **kwargs)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["calls"], help="What to import.")
        parser.add_argument("file", type=Path, help="The CSV or JSON file.")
        parser.add_argument("--agency", required=True, help="The agency's short name (slug).")
        parser.add_argument("--mapping", help="A saved column mapping of the agency, by name.")
        parser.add_argument(
            "--mapping-file", type=Path, help="A mapping's configuration as a JSON file."
        )
        parser.add_argument(
            "--format",
            choices=ImportFormat.values,
            help="csv or eidd (JSON); by default the mapping's format, else csv.",
        )
        parser.add_argument(
            "--all-or-nothing",
            action="store_true",
            help="Import nothing if any row is rejected (the rejects are still listed).",
        )
        parser.add_argument(
            "--rejects", type=Path, help="Write every rejected row (line, CAD id, reason) here."
        )
        parser.add_argument(
            "--show", type=int, default=SHOWN_REJECTS, help="How many rejected rows to print."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")
        parser.add_argument(
            "--batch-size",
            type=int,
            help=(
                "Rows committed together, each batch with its audit event (default "
                f"{import_services.BATCH_SIZE}, or PMHC_IMPORT_BATCH_SIZE)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = system_actor("pmhc import calls")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}", returncode=2)
        if options["batch_size"] is not None and options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.", returncode=2)
        organization = import_selectors.organization_by_slug(actor, options["agency"])
        if organization is None:
            raise CommandError(
                f"No agency with the short name {options['agency']!r}.", returncode=2
            )
        mapping: ImportMapping | dict[str, Any] | None = None
        if options["mapping"] and options["mapping_file"]:
            raise CommandError("Give --mapping or --mapping-file, not both.", returncode=2)
        if options["mapping"]:
            mapping = import_selectors.mapping_by_name(actor, organization, options["mapping"])
            if mapping is None:
                names = [m.name for m in import_selectors.mappings(actor, organization)]
                known = ", ".join(names) if names else "none yet"
                raise CommandError(
                    f"{organization.name} has no mapping named {options['mapping']!r} "
                    f"(its mappings: {known}).",
                    returncode=2,
                )
        elif options["mapping_file"]:
            try:
                mapping = json.loads(Path(options["mapping_file"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"Cannot read the mapping file: {exc}", returncode=2) from exc
        file_format = options["format"] or (
            mapping.format if isinstance(mapping, ImportMapping) else ImportFormat.CSV
        )

        show = not options["quiet"] and sys.stderr.isatty()
        with tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc="Importing",
            disable=not show,
            file=sys.stderr,
        ) as bar:

            def progress(batch: CallImport) -> None:
                bar.update(batch.bytes_done - bar.n)
                bar.set_postfix(rows=batch.rows_seen, rejected=batch.rejected, refresh=False)

            try:
                batch = import_services.import_file(
                    actor,
                    organization=organization,
                    path=path,
                    format=file_format,
                    mapping=mapping,
                    all_or_nothing=options["all_or_nothing"],
                    progress=progress,
                    batch_size=options["batch_size"],
                )
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages), returncode=2) from exc
            except KeyboardInterrupt:
                # The import recorded its end (failed, with what was committed) on the way out.
                raise CommandError(
                    "Stopped. The batches committed so far stay; run the command again for "
                    "the rest.",
                    returncode=1,
                ) from None
            except import_services.ImportTakenOver as exc:
                raise CommandError(
                    "This import showed no progress for too long and the worker took it over; "
                    "see the import's page.",
                    returncode=1,
                ) from exc
        self._report(actor, batch, options)

    def _report(self, actor: Any, batch: CallImport, options: dict[str, Any]) -> None:
        out = self.stdout
        if batch.status == ImportStatus.FAILED:
            # Said from the import's committed counts (``_fail`` reads them back), so the words
            # match what the calls hold: batches committed before a failure stay.
            if batch.imported:
                raise CommandError(f"The import failed. {batch.error}", returncode=1)
            raise CommandError(f"No call was imported. {batch.error}", returncode=1)
        out.write(f"Rows read:      {batch.rows_seen}")
        out.write(f"New calls:      {batch.imported}")
        out.write(f"Already there:  {batch.duplicates}")
        out.write(f"Rejected:       {batch.rejected}")
        if batch.flagged:
            out.write(f"Flagged:        {batch.flagged}")
            out.write("")
            out.write("Imported with a time the mapping chose (first ones):")
            for note in batch.notes.splitlines():
                out.write(f"  {note}")
        rejected = import_selectors.rejections(actor, batch)
        if batch.rejected:
            shown = list(rejected[: max(options["show"], 0)])
            if shown:
                out.write("")
                out.write("Rejected rows:")
                for row in shown:
                    cad = f" ({row.cad_event_id})" if row.cad_event_id else ""
                    out.write(f"  line {row.line}{cad}: {row.reason}")
            if batch.rejected > len(shown):
                out.write(f"  … and {batch.rejected - len(shown)} more.")
        if options["rejects"]:
            with Path(options["rejects"]).open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(["line", "cad_event_id", "reason"])
                for row in rejected.iterator(chunk_size=2000):
                    writer.writerow(
                        [row.line, spreadsheet_cell(row.cad_event_id), spreadsheet_cell(row.reason)]
                    )
            out.write(f"Every rejected row is in {options['rejects']}.")
        elif batch.rejected:
            out.write(f"Every rejected row is listed on the import's page (import {batch.pk}).")
        if batch.status == ImportStatus.ROLLED_BACK:
            raise CommandError(
                "Nothing was imported: --all-or-nothing and some rows were rejected.", returncode=1
            )
        if batch.rejected:
            sys.exit(EXIT_REJECTED)
