"""People: a person involved in a call or an encounter.

Access. A person's names, aliases, date of birth, sex and description are PERSONAL data held by
the organization that recorded them. The policy grants personal data only for care purposes
(an active call, case management, an emergency) to the roles that give care; every read goes
through ``selectors.py``, which writes a ``people.person_read`` event to the audit trail, and
every write through ``services.py``. ``restricted_fields`` names those fields for
``platform.restricted``; each is personal, like the record, so whoever may read the record may
read them, and nobody else sees any of them. Response plans and identity resolution across
records come later. A person's ``Consent`` records say whether their clinical and
substance-use data may reach other organizations (see ``consent_selectors``).
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
        "address": PERSONAL,
    }
    #: The record's number in the system a file of people came from: the agency's key, like a
    #: CAD event id, not anything the person said or is.
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"external_id"})

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
    address = models.CharField(
        _("address"), max_length=200, blank=True, help_text=_("Where they live or stay, if known.")
    )
    #: The person's id in the records a file of people came from (``people_import``): the same
    #: id imported again is the same record, not a new one.
    external_id = models.CharField(_("id in the source records"), max_length=64, blank=True)
    #: The one person this record is believed to be (identity resolution, ``identity_models``).
    #: Records of one person, under any spelling, share an identity; none until resolved.
    identity = models.ForeignKey(
        "people.Identity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        indexes = [
            models.Index(fields=["organization", "family_name", "given_name"]),
            models.Index(fields=["organization", "identity"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="people_person_external_id",
            )
        ]

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


#: Who records and revokes consent, and reads it: those who care for the person.
CONSENT_KEEPERS = frozenset({Role.CLINICIAN, Role.CASE_MANAGER, Role.COORDINATOR})
#: The data classes a consent may cover: the ones whose crossing needs consent. A response
#: plan (``plan_models``) is its own class, so that a person may share their plan without
#: sharing clinical notes.
CONSENT_DATA_CLASSES: tuple[str, ...] = (
    Classification.CLINICAL,
    Classification.SUBSTANCE_USE,
    "response_plan",  # plan_models.RESPONSE_PLAN_DATA_CLASS
)


class GivenBy(models.TextChoices):
    PERSON = "person", _("The person")
    REPRESENTATIVE = "representative", _("Their legal representative")


def consent_upload_path(instance: Consent, filename: str) -> str:
    # The original name is kept for display only; the stored name is not guessable.
    import secrets

    return f"consents/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.bin"


class Consent(models.Model):
    """A person's consent that their clinical or substance-use data reach other organizations,
    for some purposes, for a period; the access policy reads it through the check that
    ``PeopleConfig.ready`` registers (``consent_selectors.consent_allows``).

    A general consent (``any_recipient``) lets the data reach every organization that shares
    data with the holder under an agreement in force. A 42 CFR Part 2 consent must name each
    recipient organization; only it opens substance-use data. Revoking is immediate."""

    access_classification: ClassVar[str] = Classification.PERSONAL
    access_org_lookup: ClassVar[str] = "organization"
    access_read_roles: ClassVar[frozenset[Role]] = CONSENT_KEEPERS
    access_write_roles: ClassVar[frozenset[Role]] = CONSENT_KEEPERS
    #: What an API key needs: ``consents:read`` or ``consents:write``.
    access_scope: ClassVar[str] = "consents"
    #: The consent's terms are kept in clear in the trail: ids, classes, purposes and dates say
    #: nothing about the person beyond that a consent exists. Who signed for the person (a
    #: representative's name and relationship) and the signed copy's name are personal and kept
    #: as digests.
    audit_classifications: ClassVar[Mapping[str, str]] = {
        "given_by": Classification.AGENCY,
        "recipients": Classification.AGENCY,
        "any_recipient": Classification.AGENCY,
        "purposes": Classification.AGENCY,
        "data_classes": Classification.AGENCY,
        "part2": Classification.AGENCY,
        "valid_from": Classification.AGENCY,
        "valid_until": Classification.AGENCY,
        "revoked_at": Classification.AGENCY,
    }
    restricted_fields: ClassVar[Mapping[str, Classification]] = {
        "representative_name": PERSONAL,
        "representative_relationship": PERSONAL,
        "document_name": PERSONAL,
    }
    agency_text_fields: ClassVar[frozenset[str]] = frozenset({"document_content_type"})

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    given_by = models.CharField(
        _("given by"), max_length=16, choices=GivenBy.choices, default=GivenBy.PERSON
    )
    representative_name = models.CharField(_("representative's name"), max_length=200, blank=True)
    representative_relationship = models.CharField(
        _("relationship to the person"),
        max_length=100,
        blank=True,
        help_text=_("Guardian, holder of a health care power of attorney, parent of a minor."),
    )
    #: The signed copy: private, served only as an attachment to those who may read the consent.
    document = models.FileField(
        _("signed copy"), upload_to=consent_upload_path, blank=True, max_length=200
    )
    document_name = models.CharField(max_length=200, blank=True)
    document_content_type = models.CharField(max_length=100, blank=True)
    recipients = models.ManyToManyField(
        Organization, blank=True, related_name="+", verbose_name=_("recipient organizations")
    )
    any_recipient = models.BooleanField(
        _("any partner under an agreement"),
        default=False,
        help_text=_("A general consent; it never covers substance-use (Part 2) records."),
    )
    purposes = models.JSONField(_("purposes"), default=list)
    data_classes = models.JSONField(_("data classes"), default=list)
    part2 = models.BooleanField(_("42 CFR Part 2 consent"), default=False)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["person", "-valid_from", "pk"]
        indexes = [models.Index(fields=["person", "revoked_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(part2=True, any_recipient=True),
                name="people_consent_part2_names_recipients",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="people_consent_period",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    given_by=GivenBy.PERSON, representative_name="", representative_relationship=""
                )
                | (
                    models.Q(given_by=GivenBy.REPRESENTATIVE)
                    & ~models.Q(representative_name="")
                    & ~models.Q(representative_relationship="")
                ),
                name="people_consent_representative_named",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent {self.pk}"

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization_id})


# Identity resolution, response plans and the rest keep their models in modules of their own;
# importing them here registers them with the app.
from pmhc.people.identity_models import (  # noqa: E402
    Identity,
    IdentityChange,
    LinkageRun,
    LinkageSettings,
    MatchCandidate,
)
from pmhc.people.plan_models import ResponsePlan, ResponsePlanVersion  # noqa: E402

__all__ = [
    "Consent",
    "GivenBy",
    "Identity",
    "IdentityChange",
    "LinkageRun",
    "LinkageSettings",
    "MatchCandidate",
    "Person",
    "PersonAlias",
    "ResponsePlan",
    "ResponsePlanVersion",
]
