from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from pmhc.platform import services
from pmhc.platform.access import system_actor
from pmhc.platform.invitations import password_link
from pmhc.platform.models import Organization, OrganizationKind, Role


class Command(BaseCommand):
    help = (
        "Create an organization and its first administrator on a new installation. Prints a "
        "one-hour link where the administrator chooses a password; they add everyone else."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", required=True, help="Short name, e.g. springfield-pd")
        parser.add_argument("--name", required=True, help="Full name of the organization")
        parser.add_argument("--kind", required=True, choices=OrganizationKind.values)
        parser.add_argument("--time-zone", default="America/Chicago")
        parser.add_argument("--admin-email", required=True)
        parser.add_argument("--admin-username", required=True)
        parser.add_argument(
            "--base-url",
            required=True,
            help="Where users reach pmhc, e.g. https://pmhc.example.org",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if Organization.objects.filter(slug=options["slug"]).exists():
            raise CommandError(f"An organization with the short name {options['slug']} exists.")
        actor = system_actor("pmhc bootstrap")
        try:
            with transaction.atomic():
                organization = services.create_organization(
                    actor,
                    slug=options["slug"],
                    name=options["name"],
                    kind=options["kind"],
                    time_zone=options["time_zone"],
                )
                membership = services.add_member(
                    actor,
                    organization=organization,
                    email=options["admin_email"],
                    username=options["admin_username"],
                    role=Role.ADMINISTRATOR,
                )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        link = password_link(user=membership.user, base_url=options["base_url"])
        self.stdout.write(self.style.SUCCESS(f"Created {organization.name}."))
        self.stdout.write(
            f"Give {membership.user.username} this link to choose a password (valid one hour):"
        )
        self.stdout.write(link)
