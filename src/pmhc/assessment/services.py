"""Every write to assessments: the quick public sitting, a program's committee assessment,
invitations, answers, the committee's agreed ratings, closing, and downloads (audited).

Who may write:
- a program's assessment is run by its coordinator or administrator (the policy, with
  ``Assessment.access_write_roles``);
- a respondent writes only their own answers, proved either by being the invited account
  (signed in) or, for people invited without an account and for the quick sitting, by the
  private link's token. Both proofs are checked here, not only in the view.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.assessment import instrument as instrument_module
from pmhc.assessment.audit_codes import AssessmentAudit
from pmhc.assessment.models import (
    TOP_LEVEL,
    AgreedRating,
    Answer,
    Assessment,
    AssessmentStatus,
    EditionStatus,
    Instrument,
    Mode,
    Perspective,
    Respondent,
)
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, Target, decide
from pmhc.platform.context import current as current_request
from pmhc.platform.models import (
    Membership,
    Organization,
    OrganizationKind,
    Purpose,
)
from pmhc.platform.services import queue_email

ADMIN = Purpose.ADMINISTRATION
#: Quick sittings started from one address in an hour before we ask them to wait.
QUICK_STARTS_PER_HOUR = 20


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def _require(decision: object) -> None:
    if not decision:
        raise PermissionDenied(getattr(decision, "reason", ""))


def current_instrument() -> Instrument:
    """The newest published edition (the first ships with the product)."""
    edition = Instrument.objects.filter(status=EditionStatus.PUBLISHED).order_by("-edition").first()
    if edition is None:
        raise ValidationError(_("No edition of the self-assessment has been published."))
    return edition


def _absolute(path: str) -> str:
    return str(getattr(settings, "PUBLIC_BASE_URL", "")).rstrip("/") + path


# --- Answers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerInput:
    """What a form sends for one item: a level 0-3, "don't know", or nothing."""

    rating: int | None = None
    dont_know: bool = False
    note: str = ""
    evidence_url: str = ""


def _check_answer(key: str, value: AnswerInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if value.rating is not None and not 0 <= value.rating <= TOP_LEVEL:
        errors[key] = _("Choose one of the four steps, or “don't know”.")
    if value.rating is not None and value.dont_know:
        errors[key] = _("Choose a step or “don't know”, not both.")
    if value.evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(value.evidence_url)
        except ValidationError:
            errors[f"{key}__evidence"] = _("Enter a full web address, starting with https://.")
    if len(value.note) > 2000:
        errors[f"{key}__note"] = _("Keep the note under 2,000 characters.")
    return errors


def respondent_may_answer(actor: Actor, respondent: Respondent, token: str = "") -> bool:
    """The invited account, signed in; or, for a respondent without an account, whoever holds
    the private link."""
    if respondent.user_id is not None:
        return actor.user_id == respondent.user_id
    return bool(token) and secrets.compare_digest(hash_token(token), respondent.token_hash)


def _locked_respondent(actor: Actor, respondent: Respondent, token: str) -> Respondent:
    locked = (
        Respondent.objects.select_for_update().select_related("assessment").get(pk=respondent.pk)
    )
    if not respondent_may_answer(actor, locked, token):
        raise PermissionDenied(_("This link does not let you answer this assessment."))
    if not locked.assessment.is_open:
        raise ValidationError(_("This assessment is closed; its answers can no longer change."))
    return locked


@transaction.atomic
def save_answers(
    actor: Actor,
    *,
    respondent: Respondent,
    answers: Mapping[str, AnswerInput],
    token: str = "",
) -> int:
    """Save a respondent's answers to some items (one element's page at a time). Returns how
    many answers changed. Keys must be items of the assessment's edition."""
    respondent = _locked_respondent(actor, respondent, token)
    edition = instrument_module.read(respondent.assessment.instrument.content)
    known = edition.items_by_key()
    errors: dict[str, str] = {}
    for key, value in answers.items():
        if key not in known:
            errors[key] = _("This item is not part of the assessment.")
        else:
            errors.update(_check_answer(key, value))
    if errors:
        raise ValidationError(errors)
    existing = {a.item_key: a for a in respondent.answers.filter(item_key__in=list(answers))}
    changed: dict[str, object] = {}
    now = timezone.now()
    for key, value in answers.items():
        answer = existing.get(key)
        fields = {
            "rating": value.rating,
            "dont_know": value.dont_know,
            "note": value.note.strip(),
            "evidence_url": value.evidence_url.strip(),
        }
        if answer is None:
            if value.rating is None and not value.dont_know and not fields["note"]:
                continue
            Answer.objects.create(respondent=respondent, item_key=key, updated_at=now, **fields)
        elif all(getattr(answer, name) == new for name, new in fields.items()):
            continue
        else:
            for name, new in fields.items():
                setattr(answer, name, new)
            answer.updated_at = now
            answer.save()
        changed[key] = "dont_know" if value.dont_know else value.rating
    if changed:
        audit.record(
            AssessmentAudit.ASSESSMENT_ANSWERED,
            actor=actor,
            actor_name=actor.name if actor.is_authenticated else _("respondent by private link"),
            organization_id=respondent.assessment.organization_id,
            obj=respondent,
            purpose=ADMIN,
            after={"assessment": respondent.assessment_id, "ratings": changed},
        )
    return len(changed)


@transaction.atomic
def submit_answers(actor: Actor, *, respondent: Respondent, token: str = "") -> Respondent:
    """Mark a respondent's answers as finished (they may still change them until the
    assessment closes)."""
    respondent = _locked_respondent(actor, respondent, token)
    first = respondent.submitted_at is None
    respondent.submitted_at = timezone.now()
    respondent.save(update_fields=["submitted_at"])
    audit.record(
        AssessmentAudit.ASSESSMENT_ANSWERED,
        actor=actor,
        actor_name=actor.name if actor.is_authenticated else _("respondent by private link"),
        organization_id=respondent.assessment.organization_id,
        obj=respondent,
        purpose=ADMIN,
        detail="submitted" if first else "submitted again",
    )
    return respondent


# --- The quick, public sitting ---------------------------------------------------------------


def _check_quick_rate() -> None:
    ip = current_request().client_ip
    if not ip:
        return
    limit = int(getattr(settings, "QUICK_ASSESSMENTS_PER_HOUR", QUICK_STARTS_PER_HOUR))
    recent = audit.recent_times(
        AssessmentAudit.ASSESSMENT_OPENED,
        since=timezone.now() - dt.timedelta(hours=1),
        client_ip=ip,
        limit=limit,
    )
    if len(recent) >= limit:
        raise ValidationError(
            _(
                "Many self-assessments were started from your network in the last hour. "
                "Please continue one you started, or try again in an hour."
            )
        )


@transaction.atomic
def start_quick(actor: Actor) -> tuple[Assessment, str]:
    """Open a quick, anonymous sitting. Returns it and the token of its private link (shown
    to the person once in the URL; only its hash is kept)."""
    _check_quick_rate()
    token, token_hash = _new_token()
    assessment = Assessment.objects.create(
        instrument=current_instrument(),
        mode=Mode.QUICK,
        title=_("Quick self-assessment"),
        token_hash=token_hash,
        opened_by_id=actor.user_id,
    )
    Respondent.objects.create(assessment=assessment, token_hash=token_hash)
    audit.record(
        AssessmentAudit.ASSESSMENT_OPENED,
        actor=actor,
        obj=assessment,
        purpose=ADMIN,
        after={"mode": Mode.QUICK, "edition": assessment.instrument.edition},
    )
    return assessment, token


def _clean_profile(assessment: Assessment, answers: Mapping[str, str]) -> dict[str, str]:
    edition = instrument_module.read(assessment.instrument.content)
    questions = {q.key: q for q in edition.profile}
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            errors[key] = _("This question is not part of the profile.")
        elif value and value not in dict(question.choices):
            errors[key] = _("Choose one of the options.")
        elif value:
            cleaned[key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def save_quick_profile(
    actor: Actor, *, respondent: Respondent, token: str, answers: Mapping[str, str]
) -> Assessment:
    respondent = _locked_respondent(actor, respondent, token)
    assessment = respondent.assessment
    if assessment.mode != Mode.QUICK:
        raise PermissionDenied(_("The coordinator keeps this program's profile."))
    before = dict(assessment.profile)
    assessment.profile = _clean_profile(assessment, answers)
    assessment.save(update_fields=["profile"])
    audit.record(
        AssessmentAudit.ASSESSMENT_ANSWERED,
        actor=actor,
        obj=assessment,
        purpose=ADMIN,
        before={"profile": before},
        after={"profile": assessment.profile},
    )
    return assessment


# --- A program's committee assessment --------------------------------------------------------


def _authorize(actor: Actor, action: Action, assessment: Assessment | Target) -> None:
    _require(decide(actor, action, assessment, ADMIN))


@transaction.atomic
def open_assessment(
    actor: Actor,
    *,
    organization: Organization,
    title: str,
    invite_again_from: Assessment | None = None,
) -> Assessment:
    """Open a committee assessment for a program on the current edition. Re-assessing, the
    coordinator may invite the same respondents again (each gets a new link)."""
    _authorize(
        actor,
        Action.CREATE,
        Target(
            organization_ids=frozenset({organization.pk}),
            access_write_roles=Assessment.access_write_roles,
        ),
    )
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the assessment a title, e.g. “Spring 2027”.")})
    profile: dict[str, str] = {}
    if invite_again_from is not None:
        invite_again_from = Assessment.objects.get(pk=invite_again_from.pk)
        if invite_again_from.organization_id != organization.pk:
            raise PermissionDenied(_("That assessment belongs to another program."))
        profile = dict(invite_again_from.profile)
    assessment = Assessment.objects.create(
        organization=organization,
        instrument=current_instrument(),
        mode=Mode.COMMITTEE,
        title=title,
        profile=profile,
        opened_by_id=actor.user_id,
    )
    audit.record(
        AssessmentAudit.ASSESSMENT_OPENED,
        actor=actor,
        organization_id=organization.pk,
        obj=assessment,
        purpose=ADMIN,
        after={
            "mode": Mode.COMMITTEE,
            "title": title,
            "edition": assessment.instrument.edition,
            "follows": invite_again_from.pk if invite_again_from else None,
        },
    )
    if invite_again_from is not None:
        for earlier in invite_again_from.respondents.all():
            invite(
                actor,
                assessment=assessment,
                name=earlier.name,
                email=earlier.email,
                organization_name=earlier.organization_name,
                perspective=earlier.perspective,
            )
    return assessment


def perspective_of(kind: str) -> str:
    """The side an organization answers from, by its kind."""
    if kind == OrganizationKind.LAW_ENFORCEMENT:
        return Perspective.LAW_ENFORCEMENT
    if kind in {OrganizationKind.BEHAVIORAL_HEALTH, OrganizationKind.HOSPITAL}:
        return Perspective.MENTAL_HEALTH
    return Perspective.OTHER


def _member_with_email(email: str) -> Membership | None:
    return (
        Membership.objects.filter(user__email__iexact=email, is_active=True, user__is_active=True)
        .select_related("user", "organization")
        .order_by("pk")
        .first()
    )


@transaction.atomic
def invite(
    actor: Actor,
    *,
    assessment: Assessment,
    name: str,
    email: str,
    organization_name: str = "",
    perspective: str = "",
) -> Respondent:
    """Invite someone to answer on their own. A person who already has an account (matched
    by e-mail) answers signed in; anyone else answers through a private link. The e-mail goes
    out when the transaction commits."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _authorize(actor, Action.CHANGE, assessment)
    if not assessment.is_open:
        raise ValidationError(_("This assessment is closed."))
    email = email.strip().lower()
    name = name.strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter the person's name.")
    if not email:
        errors["email"] = _("Enter the person's e-mail address.")
    elif assessment.respondents.filter(email=email).exists():
        errors["email"] = _("This person is already invited.")
    membership = _member_with_email(email) if email else None
    if not perspective and membership is not None:
        perspective = perspective_of(membership.organization.kind)
    if perspective not in Perspective.values:
        errors["perspective"] = _("Choose the perspective this person answers from.")
    if errors:
        raise ValidationError(errors)
    token, token_hash = _new_token()
    respondent = Respondent.objects.create(
        assessment=assessment,
        user=membership.user if membership else None,
        name=name,
        email=email,
        organization_name=organization_name.strip()
        or (membership.organization.name if membership else ""),
        perspective=perspective,
        token_hash=token_hash,
        invited_by_id=actor.user_id,
    )
    audit.record(
        AssessmentAudit.ASSESSMENT_INVITED,
        actor=actor,
        organization_id=assessment.organization_id,
        obj=respondent,
        purpose=ADMIN,
        after={
            "assessment": assessment.pk,
            "perspective": perspective,
            "organization": respondent.organization_name,
            "has_account": membership is not None,
        },
    )
    if respondent.user_id is not None:
        link = _absolute(reverse("assess_mine", args=[respondent.pk]))
        how = _("Sign in with your pmhc account and open: %(link)s") % {"link": link}
    else:
        link = _absolute(reverse("assess_respond", args=[token]))
        how = _("Open this private link (it is yours alone; do not forward it): %(link)s") % {
            "link": link
        }
    organization = assessment.organization
    assert organization is not None
    queue_email(
        actor,
        to=[email],
        organization=organization,
        purpose="assessment.invitation",
        subject=_("%(program)s asks for your view: PMHC self-assessment")
        % {"program": organization.name},
        body=_(
            "Hello %(name)s,\n\n"
            "%(coordinator)s invites you to answer %(program)s's self-assessment of its "
            "police–mental health collaboration, “%(title)s”. You answer on your own; the "
            "planning committee then looks at everyone's answers together and agrees a rating "
            "for each item.\n\n"
            "Rate each statement on where the program stands now, not where it plans to be. "
            "Choose “don't know” when you cannot tell; that is useful too.\n\n"
            "%(how)s\n"
        )
        % {
            "name": name,
            "coordinator": actor.name,
            "program": organization.name,
            "title": assessment.title,
            "how": how,
        },
    )
    return respondent


@transaction.atomic
def save_committee_profile(
    actor: Actor, *, assessment: Assessment, answers: Mapping[str, str]
) -> Assessment:
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _authorize(actor, Action.CHANGE, assessment)
    before = dict(assessment.profile)
    assessment.profile = _clean_profile(assessment, answers)
    assessment.save(update_fields=["profile"])
    audit.record(
        AssessmentAudit.ASSESSMENT_ANSWERED,
        actor=actor,
        organization_id=assessment.organization_id,
        obj=assessment,
        purpose=ADMIN,
        before={"profile": before},
        after={"profile": assessment.profile},
    )
    return assessment


@transaction.atomic
def agree_ratings(
    actor: Actor, *, assessment: Assessment, ratings: Mapping[str, AnswerInput]
) -> int:
    """Record the committee's agreed rating for some items; an empty input clears an item's
    agreement. Returns how many changed."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _authorize(actor, Action.CHANGE, assessment)
    if not assessment.is_open:
        raise ValidationError(_("This assessment is closed; its ratings can no longer change."))
    known = instrument_module.read(assessment.instrument.content).items_by_key()
    errors: dict[str, str] = {}
    for key, value in ratings.items():
        if key not in known:
            errors[key] = _("This item is not part of the assessment.")
        else:
            errors.update(_check_answer(key, value))
    if errors:
        raise ValidationError(errors)
    existing = {a.item_key: a for a in assessment.agreed_ratings.filter(item_key__in=list(ratings))}
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    now = timezone.now()
    for key, value in ratings.items():
        current = existing.get(key)
        empty = value.rating is None and not value.dont_know
        new = "dont_know" if value.dont_know else value.rating
        if current is None:
            if empty:
                continue
            AgreedRating.objects.create(
                assessment=assessment,
                item_key=key,
                rating=value.rating,
                dont_know=value.dont_know,
                note=value.note.strip(),
                agreed_by_id=actor.user_id,
                agreed_at=now,
            )
            before[key], after[key] = None, new
            continue
        old = "dont_know" if current.dont_know else current.rating
        if empty:
            current.delete()
            before[key], after[key] = old, None
        elif (old, current.note) != (new, value.note.strip()):
            current.rating, current.dont_know = value.rating, value.dont_know
            current.note, current.agreed_by_id, current.agreed_at = (
                value.note.strip(),
                actor.user_id,
                now,
            )
            current.save()
            before[key], after[key] = old, new
    if after:
        audit.record(
            AssessmentAudit.ASSESSMENT_AGREED,
            actor=actor,
            organization_id=assessment.organization_id,
            obj=assessment,
            purpose=ADMIN,
            before=before,
            after=after,
        )
    return len(after)


@transaction.atomic
def close_assessment(actor: Actor, *, assessment: Assessment) -> Assessment:
    """Close an assessment: answers and agreed ratings freeze; its report stays."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _authorize(actor, Action.CHANGE, assessment)
    if not assessment.is_open:
        return assessment
    assessment.status = AssessmentStatus.CLOSED
    assessment.closed_at = timezone.now()
    assessment.save(update_fields=["status", "closed_at"])
    audit.record(
        AssessmentAudit.ASSESSMENT_CLOSED,
        actor=actor,
        organization_id=assessment.organization_id,
        obj=assessment,
        purpose=ADMIN,
        after={"agreed": assessment.agreed_ratings.count()},
    )
    return assessment


@transaction.atomic
def record_download(actor: Actor, *, assessment: Assessment, kind: str) -> None:
    """Downloads of a report leave the system, so they are on the trail (the caller has already
    checked the actor may read it)."""
    audit.record(
        AssessmentAudit.ASSESSMENT_EXPORTED,
        actor=actor,
        organization_id=assessment.organization_id,
        obj=assessment,
        purpose=ADMIN,
        detail=kind,
    )
