from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from pmhc.platform import services, worker_hooks


class Command(BaseCommand):
    help = "Run background tasks (e-mail, reminders, imports) from the database queue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run what is due, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        requeued = services.requeue_stalled_email()
        if requeued:
            self.stdout.write(f"Re-queued {requeued} e-mail message(s) left unsent.")
        for line in worker_hooks.run_startup_checks():
            self.stdout.write(line)
        call_command(
            "db_worker",
            batch=options["batch"],
            startup_delay=False,
            reload=False,
            verbosity=options["verbosity"],
        )
