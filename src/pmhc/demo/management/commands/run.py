from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from pmhc.demo import generator
from pmhc.demo.context import HOSPITAL_INTAKE, PD_CASE_MANAGER
from pmhc.demo.generator import DEMO_USERS


class Command(BaseCommand):
    help = (
        "Prepare and serve pmhc on this machine: migrate, load the demo if the database is "
        "empty, start a background worker, and serve on 127.0.0.1."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-worker", action="store_true", help="Do not start a worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not settings.PRODUCTION and not generator.is_loaded():
            call_command("demo", if_empty=True)
        url = f"http://{options['host']}:{options['port']}/"
        # Links in e-mail that the worker sends point at this server unless told otherwise.
        if "PMHC_PUBLIC_BASE_URL" not in os.environ:
            os.environ["PMHC_PUBLIC_BASE_URL"] = url.rstrip("/")
            settings.PUBLIC_BASE_URL = url.rstrip("/")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"pmhc is running at {url}"))
        if not settings.PRODUCTION:
            self.stdout.write(f"Sign in at {url}accounts/login/ as any of these demo users:")
            self.stdout.write("  " + ", ".join(u[0] for u in DEMO_USERS))
            self.stdout.write(
                f"  and {PD_CASE_MANAGER}, the police department's case manager (its people to "
                "review, a health center note shared under consent, and a caseload)"
            )
            self.stdout.write(
                f"  and {HOSPITAL_INTAKE}, the hospital's intake clinician (the referrals the "
                "hospital receives)"
            )
            self.stdout.write(
                f"Password: {settings.DEMO_PASSWORD}  (set PMHC_DEMO_PASSWORD to choose another)"
            )
            self.stdout.write(
                f"E-mail is written to files in {settings.EMAIL_FILE_PATH} instead of sent. "
                "Stop with Ctrl-C."
            )
        self.stdout.write("")
        worker = None
        if not options["no_worker"]:
            # Quiet: a line per task would drown the server's log. Failures stay visible where
            # they matter (the e-mail page; the task results in the database).
            worker = subprocess.Popen(
                [sys.executable, "-m", "pmhc.cli", "worker", "--verbosity", "0"]
            )
        try:
            call_command(
                "runserver",
                f"{options['host']}:{options['port']}",
                use_reloader=False,
                skip_checks=True,
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
