"""Remind the senders of referrals that have not moved, once (what the hourly task does)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pmhc.care import referral_services


class Command(BaseCommand):
    help = "E-mail the senders of referrals that have not moved (each referral once)."

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = referral_services.remind_stalled()
        self.stdout.write(f"{reminded} senders reminded.")
