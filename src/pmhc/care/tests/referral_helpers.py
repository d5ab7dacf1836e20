"""The cast of the referral tests: a police agency that sends, a hospital that receives, and
another provider that must see nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from pmhc.care import referral_services
from pmhc.care.models import Referral, Service, ServiceKind
from pmhc.people.models import Consent, Person
from pmhc.platform.access import Actor, actor_for_user
from pmhc.platform.models import Classification, Organization, Purpose, Role, User
from pmhc.platform.tests.factories import AgreementFactory, OrganizationFactory
from pmhc.response.models import Encounter, EncounterPerson
from pmhc.response.tests.factories import make_call, member

NARRATIVE = "Xqnarrative found him on the bridge rail talking about his late brother"
REASON = "Xqreason low mood for weeks, wants counselling near home"


@dataclass
class Referrals:
    agency: Organization
    hospital: Organization
    other: Organization
    officer: User
    case_manager: User
    coordinator: User
    intake: User  # clinician of the hospital
    hospital_coordinator: User
    hospital_analyst: User
    other_intake: User  # clinician of the other provider
    person: Person
    encounter: Encounter
    service: Service
    other_service: Service

    def actor(self, user: User) -> Actor:
        return actor_for_user(user)

    def consent(self, *, to: Organization | None = None) -> Consent:
        consent = Consent.objects.create(
            organization=self.agency,
            person=self.person,
            purposes=[Purpose.CASE_MANAGEMENT],
            data_classes=[Classification.CLINICAL],
            valid_from=timezone.localdate() - dt.timedelta(days=1),
        )
        consent.recipients.add(to or self.hospital)
        return consent

    def send(self, *, sender: User | None = None, consent: bool = True) -> Referral:
        if consent:
            self.consent()
        return referral_services.send_referral(
            self.actor(sender or self.officer),
            person=self.person,
            service=self.service,
            reason=REASON,
            encounter=self.encounter,
        )


def referral_world() -> Referrals:
    agency = OrganizationFactory.create(slug="county-pd", name="County PD")
    hospital = OrganizationFactory.create(slug="hospital", name="County Hospital", kind="hospital")
    other = OrganizationFactory.create(slug="other-clinic", name="Other Clinic")
    officer = member(agency, Role.OFFICER)
    person = Person.objects.create(
        organization=agency,
        given_name="Robin",
        family_name="Vale",
        date_of_birth=dt.date(1980, 5, 17),
    )
    encounter = Encounter.objects.create(
        organization=agency, call=make_call(agency), narrative=NARRATIVE, filed_by=officer
    )
    EncounterPerson.objects.create(encounter=encounter, person=person)
    service = Service.objects.create(
        organization=agency,
        provider=hospital,
        external_id="hosp-op",
        name="County Hospital outpatient clinic",
        kind=ServiceKind.OUTPATIENT,
        phone="555-0100",
        accepts_referrals=True,
    )
    other_service = Service.objects.create(
        organization=agency,
        provider=other,
        external_id="other-op",
        name="Other Clinic counselling",
        kind=ServiceKind.OUTPATIENT,
        accepts_referrals=True,
    )
    # A directory's services are run by the keeper's partners under an agreement in force.
    for partner in (hospital, other):
        AgreementFactory.create(
            parties=[agency, partner],
            classifications=[Classification.AGENCY],
            purposes=[Purpose.ADMINISTRATION],
            effective_on=timezone.localdate() - dt.timedelta(days=30),
        )
    return Referrals(
        agency=agency,
        hospital=hospital,
        other=other,
        officer=officer,
        case_manager=member(agency, Role.CASE_MANAGER),
        coordinator=member(agency, Role.COORDINATOR),
        intake=member(hospital, Role.CLINICIAN),
        hospital_coordinator=member(hospital, Role.COORDINATOR),
        hospital_analyst=member(hospital, Role.ANALYST),
        other_intake=member(other, Role.CLINICIAN),
        person=person,
        encounter=encounter,
        service=service,
        other_service=other_service,
    )
