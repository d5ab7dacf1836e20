"""People: a person involved in a call or an encounter.

Access. A person's names, aliases, date of birth, sex and description are PERSONAL data held by
the organization that recorded them. The policy grants personal data only for care purposes
(an active call, case management, an emergency) to the roles that give care; every read goes
through ``selectors.py``, which writes a ``people.person_read`` event to the audit trail, and
every write through ``services.py``. ``restricted_fields`` names those fields for
``platform.restricted``; each is personal, like the record, so whoever may read the record may
read them, and nobody else sees any of them. Response plans, consent and identity resolution
across records come later; for now each record stands alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform.models import Classification, Organization, Role

#: Who reads people: those who take calls, respond to them and manage cases (each still only
#: for the purposes the policy grants their role personal data).
PEOPLE_READERS = frozenset(
    {
        Role.CALL_TAKER,
        Role.OFFICER,
        Role.SUPERVISOR,
        Role.CLINICIAN,
        Role.COORDINATOR,
        Role.CASE_MANAGER,
    }
)
#: Who records people: those who take calls and respond to them.
PEOPLE_WRITERS = frozenset(
    {Role.CALL_TAKER, Role.OFFICER, Role.SUPERVISOR, Role.CLINICIAN, Role.COORDINATOR}
)
PERSONAL = Classification.PERSONAL


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    ANOTHER = "X", _("Another")
    UNKNOWN = "U", _("Not known")


class Veteran(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not known")


class Person(models.Model):
    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = PEOPLE_READERS
    access_write_roles: ClassVar[frozenset[Role]] = PEOPLE_WRITERS
    #: What a person's audit events keep in clear (``platform/audit.py``): the ids of the call
    #: or report they were linked to, how they were involved, and where an import came from.
    #: Every other value (names, aliases, birth date, age, sex, veteran, description) is
    #: PERSONAL and kept as a digest.
    audit_classifications: ClassVar[Mapping[str, str]] = {
        "call": Classification.AGENCY,
        "encounter": Classification.AGENCY,
        "role": Classification.AGENCY,
        "source": Classification.AGENCY,
    }
    restricted_fields: ClassVar[Mapping[str, Classification]] = {
        "family_name": PERSONAL,
        "given_name": PERSONAL,
        "date_of_birth": PERSONAL,
        "approximate_age": PERSONAL,
        "sex": PERSONAL,
        "veteran": PERSONAL,
        "description": PERSONAL,
    }
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    approximate_age = models.PositiveSmallIntegerField(
        _("approximate age"), null=True, blank=True, help_text=_("When the date is not known.")
    )
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    veteran = models.CharField(
        _("veteran"), max_length=8, choices=Veteran.choices, default=Veteran.UNKNOWN
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("Height, build, clothing, anything that helps.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        indexes = [models.Index(fields=["organization", "family_name", "given_name"])]

    def __str__(self) -> str:
        name = ", ".join(part for part in (self.family_name, self.given_name) if part)
        return name or str(_("Unnamed person"))

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


class AliasKind(models.TextChoices):
    ALIAS = "alias", _("Alias")
    NICKNAME = "nickname", _("Goes by")
    FORMER = "former", _("Former name")


class PersonAlias(models.Model):
    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "person__organization"
    access_read_roles: ClassVar[frozenset[Role]] = PEOPLE_READERS
    access_write_roles: ClassVar[frozenset[Role]] = PEOPLE_WRITERS
    restricted_fields: ClassVar[Mapping[str, Classification]] = {"name": PERSONAL}
    agency_text_fields: ClassVar[frozenset[str]] = frozenset()

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=AliasKind.choices, default="alias")

    class Meta:
        ordering = ["person", "name"]
        constraints = [
            models.UniqueConstraint(fields=["person", "name"], name="people_alias_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.person.organization_id})
