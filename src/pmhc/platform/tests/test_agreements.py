"""Data-sharing agreements take effect only when every party has accepted the same version.

The first three tests are the outside test's reproductions: an unrelated department naming
another as its partner, a partner widening an agreement in force, and a partner extending an
expired one. Each must leave the other side's data closed until its administrator accepts.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.people import services as people_services
from pmhc.people.models import Person
from pmhc.platform import agreement_services
from pmhc.platform.access import Action, Target, actor_for_user, decide
from pmhc.platform.models import (
    AgreementAcceptance,
    AgreementStatus,
    AuditAction,
    AuditEvent,
    Classification,
    DataSharingAgreement,
    Organization,
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
from pmhc.response.tests.factories import make_call

pytestmark = pytest.mark.django_db
C = Classification
P = Purpose
RESPONDER_ROLES = (Role.OFFICER, Role.CLINICIAN, Role.CALL_TAKER, Role.SUPERVISOR)


def _staff(organization: Organization, prefix: str) -> dict[Role, User]:
    staff = {}
    for role in RESPONDER_ROLES:
        user = UserFactory.create(username=f"{prefix}-{role}")
        MembershipFactory.create(user=user, organization=organization, role=role)
        staff[role] = user
    return staff


def _person(cast: Cast) -> Person:
    return people_services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose=P.ACTIVE_CALL,
        family_name="Quarrington",
        given_name="Zebediah",
        description="Red scarf",
        aliases=["Zeb"],
    )


def _reads(user: User, holder: Organization, level: str, purpose: str) -> bool:
    target = Target(organization_ids=frozenset({holder.pk}), access_classification=level)
    return bool(decide(actor_for_user(user), Action.VIEW, target, purpose))


def _accept_url(slug: str, agreement: DataSharingAgreement) -> str:
    return reverse("agreement_accept", kwargs={"slug": slug, "pk": agreement.pk})


def test_an_unrelated_department_naming_us_as_partner_opens_nothing(cast: Cast) -> None:
    person = _person(cast)
    call = make_call(cast.agency)
    staff = _staff(cast.outsider_org, "out")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = cast.client(cast.outsider).post(
        reverse("agreement_new", kwargs={"slug": cast.outsider_org.slug}),
        {
            "title": "We read your records",
            "partners": [cast.agency.pk],
            "classifications": [C.AGENCY, C.PERSONAL, C.SAFETY],
            "purposes": [P.ACTIVE_CALL],
            "effective_on": yesterday.isoformat(),
        },
    )
    assert response.status_code == 302
    agreement = DataSharingAgreement.objects.get(title="We read your records")
    assert agreement.status == AgreementStatus.PROPOSED
    pages = [
        reverse("people_person", kwargs={"pk": person.pk}),
        reverse("dispatch_call", kwargs={"pk": call.pk}),
    ]
    for user in staff.values():
        client = cast.client(user)
        for url in pages:
            assert client.get(url).status_code == 404, (user.username, url)
        listing = client.get(reverse("dispatch_calls"))
        assert call.cad_event_id not in listing.content.decode()
        assert not _reads(user, cast.agency, C.PERSONAL, P.ACTIVE_CALL)

    # The proposal is in both organizations' trails, and our administrators were told.
    proposed = AuditEvent.objects.filter(action=AuditAction.AGREEMENT_PROPOSED)
    assert set(proposed.values_list("organization_id", flat=True)) == {
        cast.agency.pk,
        cast.outsider_org.pk,
    }
    mail = OutboundEmail.objects.get(organization=cast.agency, purpose="agreement")
    assert cast.admin.email in mail.to
    assert f"/org/{cast.agency.slug}/agreements/{agreement.pk}/" in mail.body
    waiting = cast.client(cast.admin).get(
        reverse("agreement_list", kwargs={"slug": cast.agency.slug})
    )
    assert [r["agreement"] for r in waiting.context["waiting_for_us"]] == [agreement]

    # Our administrator accepts: exactly what was accepted opens, nothing more.
    accepted = cast.client(cast.admin).post(_accept_url(cast.agency.slug, agreement))
    assert accepted.status_code == 302
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.IN_FORCE
    officer = staff[Role.OFFICER]
    assert cast.client(officer).get(pages[0]).status_code == 200
    assert _reads(officer, cast.agency, C.PERSONAL, P.ACTIVE_CALL)
    assert not _reads(officer, cast.agency, C.PERSONAL, P.CASE_MANAGEMENT)
    assert not _reads(staff[Role.CLINICIAN], cast.agency, C.CLINICAL, P.ACTIVE_CALL)
    in_force = AuditEvent.objects.filter(action=AuditAction.AGREEMENT_IN_FORCE)
    assert set(in_force.values_list("organization_id", flat=True)) == {
        cast.agency.pk,
        cast.outsider_org.pk,
    }


def _two_party(first: Organization, second: Organization, **terms: object) -> DataSharingAgreement:
    defaults: dict[str, object] = {
        "classifications": [C.PERSONAL, C.SAFETY],
        "purposes": [P.ACTIVE_CALL],
        "effective_on": timezone.localdate() - dt.timedelta(days=30),
        "ends_on": None,
    }
    defaults.update(terms)
    return AgreementFactory.create(parties=[first, second], **defaults)


def _admin(organization: Organization, username: str) -> User:
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, organization=organization, role=Role.ADMINISTRATOR)
    return user


def test_a_partner_widening_an_agreement_in_force_waits_for_us(cast: Cast) -> None:
    center = OrganizationFactory.create(slug="center", kind="behavioral_health")
    center_admin = _admin(center, "center-admin")
    clinician = _staff(center, "center")[Role.CLINICIAN]
    current = _two_party(cast.agency, center)
    assert not _reads(clinician, cast.agency, C.AGENCY, P.ACTIVE_CALL)
    response = cast.client(center_admin).post(
        reverse("agreement_amend", kwargs={"slug": center.slug, "pk": current.pk}),
        {
            "title": current.title,
            "classifications": [C.AGENCY, C.PERSONAL, C.SAFETY],
            "purposes": [P.ACTIVE_CALL],
            "effective_on": current.effective_on.isoformat(),
        },
    )
    assert response.status_code == 302
    proposal = DataSharingAgreement.objects.get(previous=current)
    assert proposal.status == AgreementStatus.PROPOSED
    assert proposal.version == 2
    current.refresh_from_db()
    # The old version stays in force, unchanged; the wider one opens nothing yet.
    assert current.status == AgreementStatus.IN_FORCE
    assert current.classifications == [C.PERSONAL, C.SAFETY]
    assert not _reads(clinician, cast.agency, C.AGENCY, P.ACTIVE_CALL)
    assert _reads(clinician, cast.agency, C.PERSONAL, P.ACTIVE_CALL)
    detail = cast.client(cast.admin).get(
        reverse("agreement_detail", kwargs={"slug": cast.agency.slug, "pk": proposal.pk})
    )
    assert detail.context["may_accept"]
    data_row = detail.context["comparison"][1]
    assert (data_row["label"], data_row["now"]) == ("Data", "Personal, Safety")
    assert data_row["proposed"].startswith("Agency")

    cast.client(cast.admin).post(_accept_url(cast.agency.slug, proposal))
    proposal.refresh_from_db()
    current.refresh_from_db()
    assert proposal.status == AgreementStatus.IN_FORCE
    assert current.status == AgreementStatus.SUPERSEDED
    assert _reads(clinician, cast.agency, C.AGENCY, P.ACTIVE_CALL)


def test_a_partner_extending_an_expired_agreement_waits_for_us(cast: Cast) -> None:
    expired = DataSharingAgreement.objects.get(parties=cast.expired_partner)
    hospital_admin = _admin(cast.expired_partner, "hospital-admin")
    assert not _reads(cast.expired_user, cast.agency, C.PERSONAL, P.ACTIVE_CALL)
    response = cast.client(hospital_admin).post(
        reverse("agreement_amend", kwargs={"slug": cast.expired_partner.slug, "pk": expired.pk}),
        {
            "title": expired.title,
            "classifications": expired.classifications,
            "purposes": expired.purposes,
            "effective_on": expired.effective_on.isoformat(),
            "ends_on": "2030-12-31",
        },
    )
    assert response.status_code == 302
    proposal = DataSharingAgreement.objects.get(previous=expired)
    assert proposal.status == AgreementStatus.PROPOSED
    assert not _reads(cast.expired_user, cast.agency, C.PERSONAL, P.ACTIVE_CALL)
    cast.client(cast.admin).post(_accept_url(cast.agency.slug, proposal))
    assert _reads(cast.expired_user, cast.agency, C.PERSONAL, P.ACTIVE_CALL)


def test_narrowing_takes_effect_at_once_and_tells_the_other_party(cast: Cast) -> None:
    current = DataSharingAgreement.objects.get(parties=cast.partner)
    partner_admin = _admin(cast.partner, "partner-admin")
    assert _reads(cast.partner_user, cast.agency, C.SAFETY, P.ACTIVE_CALL)
    response = cast.client(partner_admin).post(
        reverse("agreement_amend", kwargs={"slug": cast.partner.slug, "pk": current.pk}),
        {
            "title": current.title,
            "classifications": [C.PERSONAL],
            "purposes": [P.ACTIVE_CALL],
            "effective_on": current.effective_on.isoformat(),
            "ends_on": current.ends_on.isoformat() if current.ends_on else "",
        },
    )
    assert response.status_code == 302
    version = DataSharingAgreement.objects.get(previous=current)
    assert version.status == AgreementStatus.IN_FORCE
    assert not _reads(cast.partner_user, cast.agency, C.SAFETY, P.ACTIVE_CALL)
    assert _reads(cast.partner_user, cast.agency, C.PERSONAL, P.ACTIVE_CALL)
    narrowed = AuditEvent.objects.filter(action=AuditAction.AGREEMENT_NARROWED)
    assert set(narrowed.values_list("organization_id", flat=True)) == {
        cast.agency.pk,
        cast.partner.pk,
    }
    assert OutboundEmail.objects.filter(organization=cast.agency, purpose="agreement").exists()


@pytest.mark.parametrize("who", ["ours", "theirs"])
def test_either_party_ends_an_agreement_at_once(cast: Cast, who: str) -> None:
    current = DataSharingAgreement.objects.get(parties=cast.partner)
    partner_admin = _admin(cast.partner, "partner-admin")
    # A widening proposal in flight is withdrawn with it, so it cannot revive the agreement.
    pending = agreement_services.amend_agreement(
        actor_for_user(partner_admin),
        agreement=current,
        organization=cast.partner,
        title=current.title,
        classifications=current.classifications,
        purposes=current.purposes,
        effective_on=current.effective_on,
        ends_on=None,
    )
    assert pending.status == AgreementStatus.PROPOSED
    user, org = (cast.admin, cast.agency) if who == "ours" else (partner_admin, cast.partner)
    response = cast.client(user).post(
        reverse("agreement_end", kwargs={"slug": org.slug, "pk": current.pk}),
        {"reason": "Programme closed"},
    )
    assert response.status_code == 302
    current.refresh_from_db()
    pending.refresh_from_db()
    assert current.status == AgreementStatus.ENDED
    assert pending.status == AgreementStatus.WITHDRAWN
    assert not _reads(cast.partner_user, cast.agency, C.PERSONAL, P.ACTIVE_CALL)
    ended = AuditEvent.objects.filter(action=AuditAction.AGREEMENT_ENDED)
    assert set(ended.values_list("organization_id", flat=True)) == {
        cast.agency.pk,
        cast.partner.pk,
    }
    # Ending twice shows no failure and changes nothing.
    again = cast.client(user).post(
        reverse("agreement_end", kwargs={"slug": org.slug, "pk": current.pk}), {}
    )
    assert again.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.AGREEMENT_ENDED).count() == 2


def test_a_declined_proposal_can_no_longer_be_accepted(cast: Cast) -> None:
    proposal = agreement_services.propose_agreement(
        actor_for_user(cast.outsider),
        organization=cast.outsider_org,
        title="Unwanted",
        partners=[cast.agency],
        classifications=[C.PERSONAL],
        purposes=[P.ACTIVE_CALL],
        effective_on=timezone.localdate(),
    )
    client = cast.client(cast.admin)
    declined = client.post(
        reverse("agreement_decline", kwargs={"slug": cast.agency.slug, "pk": proposal.pk}),
        {"reason": "We did not agree to this"},
    )
    assert declined.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == AgreementStatus.DECLINED
    assert proposal.close_reason == "We did not agree to this"
    late = client.post(_accept_url(cast.agency.slug, proposal), follow=True)
    assert "can no longer be accepted" in late.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == AgreementStatus.DECLINED
    assert not AgreementAcceptance.objects.filter(
        agreement=proposal, organization=cast.agency
    ).exists()


def test_accepting_twice_changes_nothing(cast: Cast) -> None:
    third = OrganizationFactory.create(slug="third")
    proposal = agreement_services.propose_agreement(
        actor_for_user(cast.outsider),
        organization=cast.outsider_org,
        title="Three parties",
        partners=[cast.agency, third],
        classifications=[C.PERSONAL],
        purposes=[P.ACTIVE_CALL],
        effective_on=timezone.localdate(),
    )
    client = cast.client(cast.admin)
    for _ in range(2):
        assert client.post(_accept_url(cast.agency.slug, proposal)).status_code == 302
    proposal.refresh_from_db()
    # Two of three parties accepted: still a proposal, one acceptance event for us.
    assert proposal.status == AgreementStatus.PROPOSED
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.AGREEMENT_ACCEPTED, organization_id=cast.agency.pk
        ).count()
        == 1
    )


@pytest.mark.parametrize("who", ["coordinator", "outsider", "anonymous"])
def test_only_a_party_administrator_may_accept(cast: Cast, who: str) -> None:
    proposal = AgreementFactory.create(
        parties=[cast.partner, cast.agency], status=AgreementStatus.PROPOSED
    )
    events = AuditEvent.objects.count()
    user = {"coordinator": cast.member, "outsider": cast.outsider, "anonymous": None}[who]
    slug = cast.outsider_org.slug if who == "outsider" else cast.agency.slug
    response = cast.client(user).post(_accept_url(slug, proposal))
    assert response.status_code in {302, 404}
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == AgreementStatus.PROPOSED
    assert proposal.acceptances.count() == 1
    assert AuditEvent.objects.count() == events


def test_another_organizations_agreement_is_404_like_a_missing_one(cast: Cast) -> None:
    theirs = _two_party(cast.partner, cast.outsider_org)
    client = cast.client(cast.admin)
    for pk in (theirs.pk, 999_999):
        url = reverse("agreement_detail", kwargs={"slug": cast.agency.slug, "pk": pk})
        assert client.get(url).status_code == 404


def _propose_many(cast: Cast, start: int, count: int) -> None:
    for n in range(start, start + count):
        agreement_services.propose_agreement(
            actor_for_user(cast.outsider),
            organization=cast.outsider_org,
            title=f"Proposal {n}",
            partners=[cast.agency],
            classifications=[C.PERSONAL],
            purposes=[P.ACTIVE_CALL],
            effective_on=timezone.localdate(),
        )


def test_agreement_list_takes_the_same_queries_for_more_agreements(cast: Cast) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = cast.client(cast.admin)
    url = reverse("agreement_list", kwargs={"slug": cast.agency.slug})
    counts = []
    for start, count in ((0, 3), (3, 6)):
        _propose_many(cast, start, count)
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert len(response.context["waiting_for_us"]) == 9
    assert len(response.context["in_force"]) == 2  # the partner's and the expired one
    assert "Waiting for your acceptance" in response.content.decode()


def test_existing_agreements_wait_for_the_other_parties_after_the_upgrade(cast: Cast) -> None:
    migration = importlib.import_module(
        "pmhc.platform.migrations.0005_agreement_versions_and_acceptance"
    )
    recorded = AgreementFactory.create(
        parties=[cast.agency, cast.outsider_org], created_by=cast.outsider
    )
    AgreementAcceptance.objects.filter(agreement=recorded).delete()
    migration.existing_agreements_wait_for_acceptance(django_apps, None)
    recorded.refresh_from_db()
    assert recorded.status == AgreementStatus.PROPOSED
    assert list(recorded.acceptances.values_list("organization_id", flat=True)) == [
        cast.outsider_org.pk
    ]
    assert not _reads(cast.outsider, cast.agency, C.AGENCY, P.ADMINISTRATION)


@pytest.mark.parametrize(
    ("name", "content_type", "content"),
    [
        ("mou.png", "image/png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("mou.jpg", "image/jpeg", b"<html><body>signed</body></html>"),
        (
            "mou.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            b"<html><script>alert(1)</script></html>",
        ),
    ],
)
def test_agreement_documents_refuse_markup_under_another_name(
    cast: Cast, settings: object, tmp_path: object, name: str, content_type: str, content: bytes
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    response = cast.client(cast.admin).post(
        reverse("agreement_new", kwargs={"slug": cast.agency.slug}),
        {
            "title": "Disguised",
            "partners": [cast.partner.pk],
            "classifications": [C.PERSONAL],
            "purposes": [P.ACTIVE_CALL],
            "effective_on": timezone.localdate().isoformat(),
            "document": SimpleUploadedFile(name, content, content_type=content_type),
        },
    )
    assert response.status_code == 400
    assert not DataSharingAgreement.objects.filter(title="Disguised").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.AGREEMENT_PROPOSED).exists()


def test_another_title_notes_or_document_waits_for_every_party(cast: Cast) -> None:
    current = DataSharingAgreement.objects.get(parties=cast.partner)
    partner_admin = _admin(cast.partner, "partner-admin")
    version = agreement_services.amend_agreement(
        actor_for_user(partner_admin),
        agreement=current,
        organization=cast.partner,
        title="A different agreement",
        classifications=[C.PERSONAL],  # narrower, but the wording changed too
        purposes=current.purposes,
        effective_on=current.effective_on,
        ends_on=current.ends_on,
        notes="New notes",
    )
    current.refresh_from_db()
    assert version.status == AgreementStatus.PROPOSED
    assert current.status == AgreementStatus.IN_FORCE
    detail = cast.client(cast.admin).get(
        reverse("agreement_detail", kwargs={"slug": cast.agency.slug, "pk": version.pk})
    )
    rows = {row["label"]: row for row in detail.context["comparison"]}
    assert (rows["Title"]["now"], rows["Title"]["proposed"]) == (
        current.title,
        "A different agreement",
    )
    assert rows["Notes"]["proposed"] == "New notes"


def test_a_repeated_proposal_is_made_and_sent_once(cast: Cast) -> None:
    client = cast.client(cast.outsider)
    form = {
        "title": "Sent twice",
        "partners": [cast.agency.pk],
        "classifications": [C.PERSONAL],
        "purposes": [P.ACTIVE_CALL],
        "effective_on": timezone.localdate().isoformat(),
    }
    url = reverse("agreement_new", kwargs={"slug": cast.outsider_org.slug})
    first, second = client.post(url, form), client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert DataSharingAgreement.objects.filter(title="Sent twice").count() == 1
    assert OutboundEmail.objects.filter(organization=cast.agency, purpose="agreement").count() == 1

    current = DataSharingAgreement.objects.get(parties=cast.expired_partner)
    wider = {
        "title": current.title,
        "classifications": current.classifications,
        "purposes": current.purposes,
        "effective_on": current.effective_on.isoformat(),
        "ends_on": "2030-12-31",
    }
    amend = reverse("agreement_amend", kwargs={"slug": cast.agency.slug, "pk": current.pk})
    admin = cast.client(cast.admin)
    assert admin.post(amend, wider).status_code == admin.post(amend, wider).status_code == 302
    assert DataSharingAgreement.objects.filter(previous=current).count() == 1


def test_a_change_to_a_replaced_version_cannot_come_into_force(cast: Cast) -> None:
    current = DataSharingAgreement.objects.get(parties=cast.partner)
    partner = actor_for_user(_admin(cast.partner, "partner-admin"))
    wider = agreement_services.amend_agreement(
        partner,
        agreement=current,
        organization=cast.partner,
        title=current.title,
        classifications=current.classifications,
        purposes=current.purposes,
        effective_on=current.effective_on,
        ends_on=None,
    )
    # Force the state the services never leave behind: the version it changes was replaced.
    DataSharingAgreement.objects.filter(pk=current.pk).update(status=AgreementStatus.SUPERSEDED)
    response = cast.client(cast.admin).post(_accept_url(cast.agency.slug, wider), follow=True)
    assert "no longer in force" in response.content.decode()
    wider.refresh_from_db()
    assert wider.status == AgreementStatus.PROPOSED


def test_the_database_holds_one_version_in_force_per_agreement(cast: Cast) -> None:
    from django.db import IntegrityError, transaction

    current = DataSharingAgreement.objects.get(parties=cast.partner)
    second = AgreementFactory.create(
        parties=[cast.agency, cast.partner], root=current, status=AgreementStatus.PROPOSED
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        DataSharingAgreement.objects.filter(pk=second.pk).update(status=AgreementStatus.IN_FORCE)


def test_one_of_three_parties_declining_stops_the_proposal(cast: Cast) -> None:
    third = OrganizationFactory.create(slug="third")
    third_admin = _admin(third, "third-admin")
    proposal = agreement_services.propose_agreement(
        actor_for_user(cast.outsider),
        organization=cast.outsider_org,
        title="Three parties",
        partners=[cast.agency, third],
        classifications=[C.PERSONAL],
        purposes=[P.ACTIVE_CALL],
        effective_on=timezone.localdate(),
    )
    agreement_services.accept_agreement(
        actor_for_user(cast.admin), agreement=proposal, organization=cast.agency
    )
    agreement_services.decline_agreement(
        actor_for_user(third_admin), agreement=proposal, organization=third, reason="No"
    )
    proposal.refresh_from_db()
    assert proposal.status == AgreementStatus.DECLINED
    assert not _reads(cast.outsider, cast.agency, C.PERSONAL, P.ACTIVE_CALL)
    declined = AuditEvent.objects.filter(action=AuditAction.AGREEMENT_DECLINED)
    assert set(declined.values_list("organization_id", flat=True)) == {
        cast.agency.pk,
        cast.outsider_org.pk,
        third.pk,
    }
