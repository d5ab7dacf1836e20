from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from pmhc.demo import generator


class Command(BaseCommand):
    help = "Load the synthetic demo jurisdiction (deterministic; --reset starts over)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Erase the database first.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument(
            "--scale", type=int, default=1, help="Size multiplier (1 = about 40 staff)."
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if demo data is already loaded."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError("The demo is synthetic data; it cannot be loaded in production.")
        if options["scale"] < 1:
            raise CommandError("--scale must be 1 or more.")
        if options["reset"]:
            self.stdout.write("Erasing the demo database…")
            call_command("flush", interactive=False, verbosity=0)
        elif generator.is_loaded():
            if options["if_empty"]:
                self.stdout.write("Demo data is already loaded.")
                return
            raise CommandError("Demo data is already loaded; use --reset to start over.")
        self.stdout.write(f"Loading the demo jurisdiction (seed {options['seed']}):")
        generator.build(
            seed=options["seed"],
            scale=options["scale"],
            password=settings.DEMO_PASSWORD,
            log=self.stdout.write,
        )
        self.stdout.write(self.style.SUCCESS("Demo loaded."))
