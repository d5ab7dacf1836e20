"""The world the authorization crawl walks (see ``test_authorization_crawl.py``).

Two organizations hold one of every kind of record: the *owner*, whose records every caller
is tried against, and an *unrelated* organization, whose records the owner's own members are
tried against. Around them: a *partner* under an agreement in force with the owner that covers
every classification and purpose, a *proposed* partner whose agreement with the owner was
proposed and never accepted, and a fifth organization that is the unrelated one's partner (so
that it, too, has an agreement). Each of the four has a member in every role.

Every personal, safety and agency value a page could show is a distinctive string, recorded
as a ``Secret`` with the record it belongs to and the classification that governs it, so the
crawl can tell, for any caller, which strings must never reach them.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import override_settings
from django.utils import timezone

from pmhc.assessment import plan_services
from pmhc.assessment import services as assessment_services
from pmhc.assessment.models import Assessment, PlanAction, Respondent
from pmhc.care import (
    case_services,
    directory_import_services,
    directory_services,
    referral_services,
)
from pmhc.care.models import Case, CaseOrigin, Referral, Service, ServiceKind
from pmhc.dispatch import duty_services, import_services, rules_services, unit_services
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.models import (
    NARRATIVE_CLASSIFICATION,
    Call,
    CallAssignment,
    CallImport,
    DutyShift,
    ImportMapping,
    Team,
    TriageRuleSet,
)
from pmhc.dispatch.tests.helpers import cit_officer_on_duty
from pmhc.evaluation import change_services as program_change_services
from pmhc.evaluation.models import Grain, ProgramChange, ProgramChangeKind, Rollup
from pmhc.evaluation.tests.helpers import summarize
from pmhc.homesafe import correction_services as homesafe_corrections
from pmhc.homesafe import enrol_services as homesafe_enrol
from pmhc.homesafe.models import CorrectionRequest, Enrolment, HomeSafeProgram
from pmhc.homesafe.tests import search_world
from pmhc.homesafe.tests.search_world import SearchHoldings
from pmhc.people import consent_services, identity_changes
from pmhc.people import plan_services as response_plans
from pmhc.people import services as people_services
from pmhc.people.identity_models import (
    CandidateStatus,
    IdentityChange,
    IdentityChangeKind,
    MatchCandidate,
)
from pmhc.people.models import Consent, GivenBy, Person
from pmhc.people.plan_models import ResponsePlan, ResponsePlanVersion
from pmhc.planning import services as planning_services
from pmhc.platform import invitation_services
from pmhc.platform import services as platform_services
from pmhc.platform.access import ANONYMOUS, Actor, actor_for_user
from pmhc.platform.models import (
    ApiKey,
    Classification,
    DataSharingAgreement,
    MemberInvitation,
    Membership,
    Organization,
    OrganizationKind,
    OutboundEmail,
    Purpose,
    Role,
    User,
)
from pmhc.platform.tests.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)
from pmhc.response import contact_services
from pmhc.response import services as response_services
from pmhc.response.models import (
    ContactNote,
    Disposition,
    Encounter,
    EncounterPerson,
    EncounterResponder,
)
from pmhc.toolkit.models import LearningSite, LibraryItem, TARequest
from pmhc.toolkit.services import assistance as assistance_services
from pmhc.toolkit.services import library as library_services
from pmhc.training import import_services as roster_services
from pmhc.training import services as training_services
from pmhc.training.models import (
    Course,
    CourseKind,
    Enrollment,
    RosterImport,
    Session,
    Trainee,
    TraineeRole,
)

C = Classification
ACTIVE_CALL = Purpose.ACTIVE_CALL
#: Roles that carry a shift and a district (``ROLES_WITH_POST``).
POSTED = frozenset({Role.OFFICER, Role.CALL_TAKER, Role.SUPERVISOR})
#: A 1x1 PNG image.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da6364f8cf500f00038601805a347d6b0000000049454e44ae426082"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

#: The organizations, by the key the crawl uses for them.
OWNER = "owner"
PARTNER = "partner"
PROPOSED = "proposed"
UNRELATED = "unrelated"
#: Organizations that hold records, and the tag their distinctive strings carry.
HOLDERS = {OWNER: "Quill", UNRELATED: "Marro"}
#: Dates of birth: one per holder, looked for in every way a page might write them.
BIRTH_DATES = {OWNER: dt.date(1931, 2, 27), UNRELATED: dt.date(1929, 11, 13)}


@dataclass(frozen=True)
class Secret:
    """A value of one record that a page could show: all the ways it may be written, the
    organization holding it, the record, and the classification that governs the value."""

    label: str
    texts: tuple[str, ...]
    holder: str
    record: models.Model
    classification: str


def date_renderings(day: dt.date) -> tuple[str, ...]:
    month = day.strftime("%B")
    short = day.strftime("%b") + ("." if len(month) > 3 else "")
    return (
        day.isoformat(),
        f"{month} {day.day}, {day.year}",
        f"{short} {day.day}, {day.year}",
        f"{day.month:02d}/{day.day:02d}/{day.year}",
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day} {month} {day.year}",
    )


@dataclass(repr=False)
class Holdings:
    """One organization's records, one (or two) of every kind."""

    key: str
    organization: Organization
    users: dict[Role, User]
    membership: Membership
    invitation: MemberInvitation
    invitation_token: str
    agreement: DataSharingAgreement
    api_key: ApiKey
    api_key_raw: str
    email: OutboundEmail
    person: Person
    identity_pair: MatchCandidate
    identity_change: IdentityChange
    call: Call
    imported_call: Call
    call_import: CallImport
    mapping: ImportMapping
    rule_set: TriageRuleSet
    shift: DutyShift
    team: Team
    unit_assignment: CallAssignment
    contact_note: ContactNote
    consent: Consent
    disposition: Disposition
    draft_encounter: Encounter
    accepted_encounter: Encounter
    responder: EncounterResponder
    encounter_person: EncounterPerson
    course: Course
    trainee: Trainee
    session: Session
    enrollment: Enrollment
    roster_import: RosterImport
    assessment: Assessment
    account_respondent: Respondent
    link_respondent: Respondent
    link_token: str
    action: PlanAction
    ta_request: TARequest
    ta_token: str
    library_item: LibraryItem
    library_token: str
    published_item: LibraryItem
    plan: ResponsePlan
    plan_version: ResponsePlanVersion
    service: Service
    referral: Referral
    case: Case
    program_change: ProgramChange
    search: SearchHoldings
    enrolment: Enrolment
    enrolment_token: str
    correction: CorrectionRequest


@dataclass(repr=False)
class World:
    organizations: dict[str, Organization]
    members: dict[str, dict[Role, User]]
    holdings: dict[str, Holdings]
    secrets: list[Secret]
    quick_token: str
    published_item: LibraryItem
    proposed_agreement: DataSharingAgreement
    public: dict[str, Any] = field(default_factory=dict)


def _user(org_key: str, organization: Organization, role: Role) -> User:
    user = UserFactory.create(
        username=f"{org_key}-{role.value}",
        email=f"{org_key}-{role.value}@crawl.example.org",
        first_name=role.label.split()[0],
        last_name=org_key.title(),
    )
    MembershipFactory.create(
        user=user,
        organization=organization,
        role=role,
        shift="Day" if role in POSTED else "",
        district="North" if role in POSTED else "",
    )
    return user


class _Seeder:
    """Makes the distinctive strings of one holder and records each as a ``Secret``."""

    def __init__(self, key: str, secrets: list[Secret]) -> None:
        self.key = key
        self.tag = HOLDERS[key]
        self.secrets = secrets

    def text(self, code: str) -> str:
        """A word no page contains by chance: ``Xq`` + the holder's tag + a 3-letter code."""
        assert len(code) == 3, code
        return f"Xq{self.tag}{code}"

    def email(self, code: str) -> str:
        """An address whose local part is ``text(code)``: the crawl looks for that word."""
        return f"{self.text(code).lower()}@crawl.example.org"

    def track(
        self,
        label: str,
        record: models.Model,
        classification: str,
        *texts: str,
    ) -> None:
        self.secrets.append(Secret(label, tuple(texts), self.key, record, classification))


def _classification(model: type[models.Model], name: str, default: str | None = None) -> str:
    """The classification that governs one field: the model's own declaration of restricted
    fields when it has one, else ``default``, else the model's classification."""
    declared = getattr(model, "restricted_fields", None) or {}
    if name in declared:
        return str(declared[name])
    return default or str(model.access_classification)  # type: ignore[attr-defined]


def _token_in(body: str, prefix: str) -> str:
    found = re.search(prefix + r"([^/\s]+)/", body)
    assert found, body
    return found.group(1)


def _holdings(
    key: str,
    organization: Organization,
    users: dict[Role, User],
    agreement: DataSharingAgreement,
    secrets: list[Secret],
    workdir: Path,
    invitee: User,
) -> Holdings:
    seed = _Seeder(key, secrets)
    actor: Callable[[Role], Actor] = lambda role: actor_for_user(users[role])  # noqa: E731
    coordinator, admin = actor(Role.COORDINATOR), actor(Role.ADMINISTRATOR)
    today = timezone.localdate()
    now = timezone.now()

    # --- Platform: a membership, the agreement's document, an API key, a message ----------
    membership = Membership.objects.get(user=users[Role.OFFICER], organization=organization)
    invitation_services.invite_member(
        admin, organization=organization, email=invitee.email, role=Role.ANALYST
    )
    invitation = MemberInvitation.objects.get(organization=organization, email=invitee.email)
    invitation_email = OutboundEmail.objects.filter(
        organization=organization, to=[invitee.email]
    ).latest("pk")
    invitation_token = _token_in(invitation_email.body, "/accounts/invitations/")
    agreement.notes = seed.text("Agn")
    agreement.document_name = "agreement.pdf"
    agreement.document_content_type = "application/pdf"
    agreement.document.save("agreement.pdf", ContentFile(PDF), save=False)
    agreement.save()
    seed.track("agreement.notes", agreement, C.AGENCY, agreement.notes)
    api_key, api_key_raw = platform_services.create_api_key(
        admin,
        organization=organization,
        name=seed.text("Key"),
        scopes=list(platform_services.API_SCOPES),
    )
    seed.track("api_key.name", api_key, C.AGENCY, api_key.name)

    # --- Dispatch: rules, duty, a call with a person, a CAD import ---------------------------
    rule_set = rules_services.ensure_default_rules(coordinator, organization=organization)
    shift = duty_services.save_shift(
        coordinator,
        organization=organization,
        name="Allday",
        starts_at=dt.time(0),
        ends_at=dt.time(0),
    )
    team = duty_services.save_team(
        coordinator,
        organization=organization,
        name=seed.text("Tea"),
        kind="co_responder",
        days=list(range(7)),
        starts_at=dt.time(0),
        ends_at=dt.time(0),
        contact=seed.text("Tct"),
    )
    seed.track("team.name", team, C.AGENCY, team.name, seed.text("Tct"))
    on_duty = cit_officer_on_duty(
        organization,
        user=users[Role.OFFICER],
        badge_number=f"{seed.tag}-7",
        last_name=seed.text("Cit"),
    )
    seed.track("trainee.cit_officer", on_duty, C.AGENCY, on_duty.last_name)
    taker = actor(Role.CALL_TAKER)
    call = dispatch_services.create_call(
        taker,
        organization=organization,
        cad_event_id=seed.text("Cad"),
        received_at=now - dt.timedelta(hours=2),
        address=f"17 {seed.text('Adr')} Road",
        narrative=f"Caller says {seed.text('Cnr')} is pacing in the road.",
        is_mental_health=True,
    )
    seed.track("call.address", call, _classification(Call, "address"), seed.text("Adr"))
    seed.track("call.narrative", call, NARRATIVE_CLASSIFICATION, seed.text("Cnr"))
    person = people_services.create_person(
        taker,
        organization=organization,
        purpose=ACTIVE_CALL,
        family_name=seed.text("Fam"),
        given_name=seed.text("Giv"),
        date_of_birth=BIRTH_DATES[key],
        description=f"Tall, {seed.text('Dsc')} jacket",
        aliases=[seed.text("Ali"), (seed.text("Nik"), "nickname")],
    )
    for code in ("Fam", "Giv", "Dsc", "Ali", "Nik"):
        seed.track(f"person.{code}", person, C.PERSONAL, seed.text(code))
    # A second record of the same person, as an import spelled them, and the two resolved into
    # one identity, with the pair they made for review.
    other_record = people_services.create_person(
        taker,
        organization=organization,
        purpose=ACTIVE_CALL,
        family_name=seed.text("Fam"),
        given_name=seed.text("Giv"),
        date_of_birth=BIRTH_DATES[key],
    )
    identity_changes.give_identities(organization, [person.pk, other_record.pk])
    pair = MatchCandidate.objects.create(
        organization=organization,
        left_id=min(person.pk, other_record.pk),
        right_id=max(person.pk, other_record.pk),
        probability=0.9,
        status=CandidateStatus.LINKED,
    )
    person.refresh_from_db()
    identity_change = identity_changes.move_records(
        organization,
        IdentityChangeKind.LINK,
        {other_record.pk: person.identity_id},
        made_by=users[Role.CASE_MANAGER],
        candidate=pair,
    )
    seed.track("person.date_of_birth", person, C.PERSONAL, *date_renderings(BIRTH_DATES[key]))
    # The person's consent, given by a representative, that partners' clinical records of them
    # reach the holder (it opens nothing of the holder's own records to anyone).
    consent = consent_services.give_consent(
        coordinator,
        person=person,
        purpose=Purpose.CASE_MANAGEMENT,
        recipients=[organization],
        purposes=[Purpose.CASE_MANAGEMENT],
        data_classes=[C.CLINICAL],
        given_by=GivenBy.REPRESENTATIVE,
        representative_name=seed.text("Crn"),
        representative_relationship=seed.text("Crr"),
    )
    seed.track("consent.representative", consent, C.PERSONAL, seed.text("Crn"), seed.text("Crr"))
    dispatch_services.link_person(taker, call=call, person=person, role="subject")
    dispatch_services.assign_unit(taker, call=call, trainee=on_duty)
    # The team is sent too; its clinician accepts the call.
    unit_services.set_team_members(coordinator, team=team, users=[users[Role.CLINICIAN]])
    unit_assignment = dispatch_services.assign_unit(taker, call=call, team=team)
    unit_services.advance(actor(Role.CLINICIAN), assignment=unit_assignment, to="accepted")
    # The person's response plan, written by the clinician and approved by the case manager.
    # Its safety line is shown to call-takers on purpose (beside the plan's own record, which
    # they may not read), so it is not tracked here; the rest of the plan is.
    plan_version = response_plans.save_draft(
        actor(Role.CLINICIAN),
        person=person,
        content=response_plans.PlanContent(
            review_on=today + dt.timedelta(days=60),
            safety_concern="No weapons known",
            triggers=f"Loud {seed.text('Ptr')} voices",
            de_escalation=[f"Offer {seed.text('Pst')} tea"],
        ),
    )
    response_plans.submit(actor(Role.CLINICIAN), version=plan_version)
    response_plans.approve(actor(Role.CASE_MANAGER), version=plan_version)
    for code in ("Ptr", "Pst"):
        seed.track(f"plan.{code}", plan_version, C.SAFETY, seed.text(code))

    mapping = import_services.save_mapping(
        coordinator,
        organization=organization,
        name="county",
        config={},
        description=seed.text("Map"),
    )
    seed.track("mapping.description", mapping, C.AGENCY, mapping.description)
    cad = workdir / f"{key}-cad.csv"
    cad.write_text(
        "cad_event_id,received_at,priority,narrative\n"
        f"{seed.text('Imp')},2026-03-01T10:00:00,2,Neighbour reports {seed.text('Inr')}\n"
        f"{seed.text('Rej')},31/02/2026,3,{seed.text('Rnr')} never stored\n",
        encoding="utf-8",
    )
    call_import = import_services.import_file(
        coordinator, organization=organization, path=cad, mapping=mapping
    )
    imported_call = Call.objects.get(organization=organization, cad_event_id=seed.text("Imp"))
    seed.track("imported_call.narrative", imported_call, NARRATIVE_CLASSIFICATION, seed.text("Inr"))
    seed.track("imported_call.cad_event_id", imported_call, C.AGENCY, seed.text("Imp"))

    # --- Response: dispositions, a draft report and an accepted one ---------------------------
    dispositions = response_services.ensure_dispositions(admin, organization=organization)
    disposition = dispositions[0]
    officer, clinician = actor(Role.OFFICER), actor(Role.CLINICIAN)
    draft = response_services.start_encounter(officer, call=call)
    draft = response_services.update_encounter(
        officer,
        encounter=draft,
        narrative=f"On arrival {seed.text('Enr')} was calm.",
        highest_force="hands_on",
        force_reason=seed.text("Frs"),
        force_narrative=f"Held the arm of {seed.text('Fnr')}.",
        destination=seed.text("Dst"),
    )
    responder = response_services.add_responder(
        officer, encounter=draft, name=seed.text("Rsp"), role="other"
    )
    encounter_person = response_services.add_person(officer, encounter=draft, person=person)
    for code, name in (("Enr", "narrative"), ("Frs", "force_reason"), ("Fnr", "force_narrative")):
        seed.track(
            f"draft.{name}", draft, _classification(Encounter, name, C.SAFETY), seed.text(code)
        )
    seed.track(
        "draft.destination", draft, _classification(Encounter, "destination"), seed.text("Dst")
    )
    seed.track("responder.name", responder, C.AGENCY, seed.text("Rsp"))

    accepted = response_services.start_encounter(clinician, call=call)
    response_services.update_encounter(
        clinician,
        encounter=accepted,
        narrative=f"Talked with {seed.text('Anr')} for an hour.",
        disposition=disposition,
        refused_at_facility=True,
        refusal_reason=seed.text("Ref"),
    )
    response_services.add_person(clinician, encounter=accepted, person=person)
    response_services.submit_encounter(clinician, encounter=accepted)
    response_services.review_encounter(actor(Role.SUPERVISOR), encounter=accepted, accept=True)
    accepted.refresh_from_db()
    contact_note = contact_services.file_contact_note(
        clinician,
        assignment=unit_assignment,
        person=person,
        risk_level="moderate",
        assessment_done=True,
        follow_up_with=seed.text("Cfw"),
        follow_up_on=today,
        note=f"Agreed a plan with {seed.text('Cnt')}.",
    )
    seed.track("contact_note", contact_note, C.CLINICAL, seed.text("Cnt"), seed.text("Cfw"))
    # A referral from the accepted report to a service the holder itself runs.
    referral_service = Service.objects.create(
        organization=organization,
        provider=organization,
        external_id="crawl-referrals",
        name=f"{seed.tag} outpatient clinic",
        kind=ServiceKind.OUTPATIENT,
        accepts_referrals=True,
    )
    referral = referral_services.send_referral(
        clinician,
        person=person,
        service=referral_service,
        reason=f"Low mood: {seed.text('Rfr')}",
        encounter=accepted,
    )
    seed.track("referral.reason", referral, C.CLINICAL, seed.text("Rfr"))
    seed.track(
        "accepted.narrative",
        accepted,
        _classification(Encounter, "narrative", C.SAFETY),
        seed.text("Anr"),
    )
    seed.track(
        "accepted.refusal_reason",
        accepted,
        _classification(Encounter, "refusal_reason", C.SAFETY),
        seed.text("Ref"),
    )

    # --- Train: a course, a trainee, a session, an enrollment, a roster upload ---------------
    course = training_services.create_course(
        coordinator,
        organization=organization,
        code="cit40",
        name=seed.text("Crs"),
        kind=CourseKind.CIT,
        hours=Decimal(40),
        validity_months=24,
    )
    trainee = training_services.create_trainee(
        coordinator,
        organization=organization,
        badge_number=f"{seed.tag}-100",
        last_name=seed.text("Trn"),
        first_name="Robin",
        role=TraineeRole.PATROL,
        shift="Day",
        district="North",
    )
    training_services.record_completion(
        coordinator, trainee=trainee, course=course, completed_on=today - dt.timedelta(days=30)
    )
    session = training_services.create_session(
        coordinator,
        organization=organization,
        course=course,
        starts_on=today + dt.timedelta(days=14),
        ends_on=today + dt.timedelta(days=18),
        location=seed.text("Loc"),
        capacity=12,
        instructors=seed.text("Ins"),
    )
    enrollment = training_services.enroll(coordinator, session=session, trainee=trainee)
    roster_import = roster_services.upload_roster(
        coordinator,
        organization=organization,
        file_name="roster.csv",
        content=(
            "badge_number,last_name,first_name,role,shift,district,cit_volunteer\n"
            f"{seed.tag}-200,{seed.text('Rst')},Alex,patrol_officer,Day,North,yes\n"
        ).encode(),
    )
    seed.track("course.name", course, C.AGENCY, course.name)
    seed.track("trainee.last_name", trainee, C.AGENCY, trainee.last_name)
    seed.track("session.location", session, C.AGENCY, session.location, seed.text("Ins"))
    seed.track("roster_import.content", roster_import, C.AGENCY, seed.text("Rst"))

    # --- Assess and plan: a committee assessment, two invitations, an action, a profile ----
    assessment = assessment_services.open_assessment(
        coordinator, organization=organization, title=seed.text("Ast")
    )
    account_respondent = assessment_services.invite(
        coordinator,
        assessment=assessment,
        name=users[Role.SUPERVISOR].display_name,
        email=users[Role.SUPERVISOR].email,
    )
    link_respondent = assessment_services.invite(
        coordinator,
        assessment=assessment,
        name=seed.text("Rsn"),
        email=seed.email("Rse"),
        organization_name=seed.text("Rso"),
        perspective="lived_experience",
    )
    email = OutboundEmail.objects.filter(organization=organization, to=[seed.email("Rse")]).get()
    link_token = _token_in(email.body, "/assess/r/")
    seed.track("assessment.title", assessment, C.AGENCY, assessment.title)
    seed.track(
        "respondent",
        link_respondent,
        C.AGENCY,
        seed.text("Rsn"),
        seed.text("Rse"),
        seed.text("Rso"),
    )
    action = plan_services.create_action(
        coordinator,
        organization=organization,
        element=1,
        title=seed.text("Act"),
        owner=seed.text("Own"),
        due_on=today + dt.timedelta(days=30),
        detail=seed.text("Adt"),
        assessment=assessment,
    )
    seed.track("action", action, C.AGENCY, seed.text("Act"), seed.text("Own"), seed.text("Adt"))
    planning_services.save_profile(coordinator, organization=organization, **PROFILE)
    pledge = planning_services.record_policy(
        coordinator,
        organization=organization,
        title=seed.text("Pol"),
        adopted_on=today - dt.timedelta(days=10),
        file=SimpleUploadedFile("policy.txt", f"Policy {seed.text('Pft')}".encode(), "text/plain"),
    )
    seed.track("pledge.policy", pledge, C.AGENCY, seed.text("Pol"), seed.text("Pft"))

    # --- The toolkit: a request for assistance and library items this holder handles --------
    with override_settings(TTA_ORGANIZATION=organization.slug):
        ta_request, ta_token = assistance_services.submit_request(
            ANONYMOUS,
            jurisdiction_name=f"{seed.text('Jur')} County",
            jurisdiction_type="county",
            state="IL",
            contact_name=seed.text("Tan"),
            contact_title=seed.text("Tat"),
            agency=seed.text("Tag"),
            email=seed.email("Tae"),
            phone="555-0100",
            address=f"9 {seed.text('Taa')} Lane",
            description=seed.text("Tad"),
            issues=seed.text("Tai"),
            consent_to_contact=True,
        )
        library_item, library_token = library_services.submit_item(
            ANONYMOUS,
            kind="policy",
            title=seed.text("Lti"),
            summary=seed.text("Lsu"),
            body=seed.text("Lbo"),
            file=SimpleUploadedFile("policy.pdf", PDF, "application/pdf"),
            submitter_name=seed.text("Lsn"),
            submitter_email=seed.email("Lse"),
            submitter_agency=seed.text("Lsa"),
        )
        published, _token = library_services.submit_item(
            ANONYMOUS,
            kind="policy",
            title=f"Published policy of {seed.tag}",
            summary="A published policy.",
            body="The text of a published policy.",
            submitter_name=seed.text("Psn"),
            submitter_email=seed.email("Pse"),
            submitter_agency=f"Agency of {seed.tag}",
        )
    staff = actor(Role.TTA_STAFF)
    assistance_services.add_note(staff, ta_request=ta_request, text=seed.text("Tno"))
    # The holder is also the learning site its request is matched to, so that a site's own
    # pages are crawled with a request its coordinator reaches (and the other's does not).
    crawl_site = LearningSite.objects.create(
        agency=f"Learning site of {seed.tag}", state="IL", organization=organization
    )
    assistance_services.confirm_request(staff, ta_request=ta_request)
    ta_request = assistance_services.match_request(staff, ta_request=ta_request, site=crawl_site)
    published = library_services.publish_item(
        staff, item=published, kind="policy", elements=[4], program_types=["cit"]
    )
    seed.track(
        "ta_request",
        ta_request,
        C.PERSONAL,
        *(
            seed.text(code)
            for code in ("Jur", "Tan", "Tat", "Tag", "Taa", "Tad", "Tai", "Tno", "Tae")
        ),
    )
    seed.track(
        "library_item",
        library_item,
        C.PERSONAL,
        *(seed.text(code) for code in ("Lti", "Lsu", "Lbo", "Lsn", "Lsa", "Lse")),
    )
    seed.track(
        "published_item.submitter", published, C.PERSONAL, seed.text("Psn"), seed.text("Pse")
    )

    # --- Care: a service in the directory, with its capacity given ---------------------------
    directory_import_services.import_directory(
        coordinator,
        organization=organization,
        upload=SimpleUploadedFile(
            "services.csv",
            (
                "external_id,name,kind,latitude,longitude,open_all_hours,police_drop_off,"
                "capacity_unit,capacity_total,provider,how_to_refer\r\n"
                f"CC-1,{seed.text('Svc')},crisis_center,40.01,-90.0,yes,yes,chairs,12,"
                f"{organization.slug},{seed.text('Svr')}\r\n"
            ).encode(),
            content_type="text/csv",
        ),
    )
    service = Service.objects.get(organization=organization, external_id="CC-1")
    directory_services.update_capacity(coordinator, service=service, capacity_open=5)
    seed.track("service", service, C.AGENCY, seed.text("Svc"), seed.text("Svr"))
    # --- Care: a case with a contact --------------------------------------------------------
    case_manager = actor(Role.CASE_MANAGER)
    case, _opened = case_services.open_case(
        case_manager, person=person, origin=CaseOrigin.HIGH_UTILIZER, goals=seed.text("Cgo")
    )
    case_services.log_contact(
        case_manager, case=case, kind="outreach", outcome="not_found", note=seed.text("Ccn")
    )
    seed.track("case.goals", case, C.CLINICAL, seed.text("Cgo"), seed.text("Ccn"))
    # --- Measure: a month of counts, in a district only the holder's figures name ----------
    figures = Rollup.objects.create(
        organization=organization,
        grain=Grain.MONTH,
        period=today.replace(day=1),
        district=seed.text("Rdi"),
        calls=12,
        reported=12,
        connected=12,
    )
    summarize(organization, figures.period)
    seed.track("rollup.district", figures, C.AGENCY, seed.text("Rdi"))
    # --- Measure: a program change ------------------------------------------------------------
    program_change = program_change_services.save_change(
        coordinator,
        organization=organization,
        kind=ProgramChangeKind.CO_RESPONDER,
        name=seed.text("Pch"),
        started_on=timezone.localdate() - dt.timedelta(days=90),
        note=seed.text("Pcn"),
    )
    seed.track("program_change", program_change, C.AGENCY, seed.text("Pch"), seed.text("Pcn"))
    # --- Home Safe: a person in the registry, and an open search for them -------------------
    search = search_world.build(organization, actor, seed.text, seed.track)
    # --- Home Safe: the registry open, an enrolment waiting for review, a request -----------
    # (Made directly: the holders are not law enforcement agencies, which keep the settings.)
    homesafe = HomeSafeProgram.objects.create(
        organization=organization, is_open=True, contact_name=f"Records of {seed.tag}"
    )
    photo = SimpleUploadedFile("face.png", PNG, "image/png")
    enrolment, enrolment_token = homesafe_enrol.submit_enrolment(
        program=homesafe,
        content={
            "full_name": seed.text("Hfn"),
            "description": seed.text("Hde"),
            "calming": seed.text("Hca"),
            "places": seed.text("Hpl"),
        },
        caregivers=[homesafe_enrol.CaregiverEntry(name=seed.text("Hcg"), phone="555-0101")],
        enrolled_by="family",
        consent_by="guardian",
        consent_name=seed.text("Hco"),
        submitter={"submitter_name": seed.text("Hsu"), "submitter_email": seed.email("Hse")},
        photo=homesafe_enrol.check_photo(photo),
    )
    homesafe_enrol.confirm_email(token=enrolment_token)
    enrolment.refresh_from_db()
    seed.track(
        "enrolment",
        enrolment,
        C.SAFETY,
        *(seed.text(code) for code in ("Hfn", "Hde", "Hca", "Hpl", "Hcg", "Hco", "Hsu", "Hse")),
    )
    correction = homesafe_corrections.request_correction(
        program=homesafe,
        kind="see",
        name=seed.text("Hrn"),
        email=seed.email("Hre"),
        text=seed.text("Hrt"),
    )
    seed.track(
        "correction",
        correction,
        C.PERSONAL,
        *(seed.text(code) for code in ("Hrn", "Hre", "Hrt")),
    )

    return Holdings(
        key=key,
        organization=organization,
        users=users,
        membership=membership,
        invitation=invitation,
        invitation_token=invitation_token,
        agreement=agreement,
        api_key=api_key,
        api_key_raw=api_key_raw,
        email=email,
        person=person,
        identity_pair=pair,
        identity_change=identity_change,
        call=call,
        imported_call=imported_call,
        call_import=call_import,
        mapping=mapping,
        rule_set=rule_set,
        shift=shift,
        team=team,
        unit_assignment=unit_assignment,
        contact_note=contact_note,
        consent=consent,
        disposition=disposition,
        draft_encounter=draft,
        accepted_encounter=accepted,
        responder=responder,
        encounter_person=encounter_person,
        course=course,
        trainee=trainee,
        session=session,
        enrollment=enrollment,
        roster_import=roster_import,
        assessment=assessment,
        account_respondent=account_respondent,
        link_respondent=link_respondent,
        link_token=link_token,
        action=action,
        ta_request=ta_request,
        ta_token=ta_token,
        library_item=library_item,
        library_token=library_token,
        published_item=published,
        plan=ResponsePlan.objects.get(pk=plan_version.plan_id),
        plan_version=plan_version,
        service=service,
        referral=referral,
        case=case,
        program_change=program_change,
        search=search,
        enrolment=enrolment,
        enrolment_token=enrolment_token,
        correction=correction,
    )


#: A complete, valid community profile (Plan).
PROFILE: dict[str, Any] = {
    "population": 120_000,
    "area_square_miles": Decimal("85.0"),
    "setting": "suburban",
    "sworn_officers": 150,
    "patrol_per_shift": 20,
    "shifts": ["Day", "Evening", "Night"],
    "first_shift_starts": 7,
    "districts": ["North", "South"],
    "calls_per_year": 60_000,
    "mh_calls_per_year": 2_190,
    "mh_call_percent": None,
    "hourly_pattern": [],
    "weekday_pattern": [],
    "on_scene_minutes": Decimal("45.0"),
    "travel_minutes": Decimal("15.0"),
    "has_crisis_line": False,
    "has_mobile_crisis": False,
    "has_receiving_center": False,
    "has_co_responders": False,
    "case_management_capacity": 0,
    "has_psychiatric_emergency": False,
    "service_target_percent": 80,
    "answer_within_minutes": 10,
    "overflow_bound_percent": 10,
    "cit_available_percent": 90,
}


@contextmanager
def private_media() -> Iterator[Path]:
    """Uploads (agreement documents, library files, policies) in a folder of their own."""
    with (
        tempfile.TemporaryDirectory(prefix="pmhc-crawl-") as folder,
        override_settings(MEDIA_ROOT=str(Path(folder) / "private")),
    ):
        yield Path(folder)


def build_world(workdir: Path) -> World:
    """The organizations, a member in every role of each, and the holders' records.

    The two holders are technical-assistance providers, so that each also handles requests
    for assistance and library submissions (the toolkit sends those to a TTA provider); no
    other page depends on an organization's kind."""
    today = timezone.localdate()
    everything = {"classifications": list(C.values), "purposes": list(Purpose.values)}
    organizations = {
        OWNER: OrganizationFactory.create(
            slug="crawl-owner", name="Owner County", kind=OrganizationKind.TTA_PROVIDER
        ),
        PARTNER: OrganizationFactory.create(
            slug="crawl-partner", name="Partner Clinic", kind=OrganizationKind.BEHAVIORAL_HEALTH
        ),
        PROPOSED: OrganizationFactory.create(
            slug="crawl-proposed", name="Proposed Hospital", kind=OrganizationKind.HOSPITAL
        ),
        UNRELATED: OrganizationFactory.create(
            slug="crawl-unrelated", name="Unrelated County", kind=OrganizationKind.TTA_PROVIDER
        ),
    }
    far_partner = OrganizationFactory.create(
        slug="crawl-far-partner", name="Far Partner", kind=OrganizationKind.BEHAVIORAL_HEALTH
    )
    members = {
        key: {role: _user(key, organization, role) for role in Role}
        for key, organization in organizations.items()
    }
    window = {
        "effective_on": today - dt.timedelta(days=30),
        "ends_on": today + dt.timedelta(days=330),
    }
    in_force = AgreementFactory.create(
        title="Owner and partner: everything, in force",
        parties=[organizations[OWNER], organizations[PARTNER]],
        **everything,
        **window,
    )
    proposed = AgreementFactory.create(
        title="Owner and proposed partner: everything, only proposed",
        parties=[organizations[OWNER], organizations[PROPOSED]],
        **everything,
        **window,
        status="proposed",
    )
    far = AgreementFactory.create(
        title="Unrelated and its own partner",
        parties=[organizations[UNRELATED], far_partner],
        **everything,
        **window,
    )
    secrets: list[Secret] = []
    # Each holder invites someone who has an account elsewhere (the other's case manager).
    holdings = {
        OWNER: _holdings(
            OWNER,
            organizations[OWNER],
            members[OWNER],
            in_force,
            secrets,
            workdir,
            members[UNRELATED][Role.CASE_MANAGER],
        ),
        UNRELATED: _holdings(
            UNRELATED,
            organizations[UNRELATED],
            members[UNRELATED],
            far,
            secrets,
            workdir,
            members[OWNER][Role.CASE_MANAGER],
        ),
    }
    _quick, quick_token = assessment_services.start_quick(ANONYMOUS)
    texts = [text.lower() for secret in secrets for text in secret.texts]
    clashes = {a for a in texts for b in texts if a != b and a in b}
    assert not clashes, f"a seeded string is part of another: {sorted(clashes)}"
    return World(
        organizations=organizations,
        members=members,
        holdings=holdings,
        secrets=secrets,
        quick_token=quick_token,
        published_item=holdings[OWNER].published_item,
        proposed_agreement=proposed,
    )
