"""Send the Home Safe re-confirmation e-mails that are due and hide what was not re-confirmed
(what the daily task does), once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pmhc.homesafe import reconfirm


class Command(BaseCommand):
    help = (
        "Send the Home Safe re-confirmation e-mails that are due; hide what was not re-confirmed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = reconfirm.send_due_reminders()
        self.stdout.write(f"{len(run.reminded)} reminded, {len(run.hidden)} hidden.")
