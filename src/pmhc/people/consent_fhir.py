"""Consents as HL7 FHIR R4 ``Consent`` resources, out and in, validated with ``fhir.resources``.

The package's ``R4B`` models are used: FHIR R4B changed nothing in ``Consent`` from R4, and the
package ships no separate R4 module. What the package does not check (required elements, the
codes this product understands) is checked here, and every problem is reported with the path of
the element at fault (``provision.purpose[1]``), as a FHIR ``OperationOutcome`` reports it.

Mapping (see docs/adr/0014-consent.md):

- ``scope`` ``patient-privacy`` (consentscope); ``category`` LOINC 59284-0 (consent document).
- ``status`` ``active`` while not revoked and not past its end, ``inactive`` otherwise.
- ``patient`` ``Patient/<person id>``; ``organization`` the organization that recorded it.
- ``performer``: the patient, or a contained ``RelatedPerson`` (the legal representative, with
  their name and relationship).
- ``policyRule``: ActCode ``42CFRPart2`` for a Part 2 consent, ``OPTIN`` otherwise.
- ``provision`` (``permit``): ``period`` the consent's dates; ``actor`` each named recipient
  with role ParticipationType ``IRCP`` (no actor: any partner under an agreement in force);
  ``purpose`` ActReason ``TREAT`` (active call), ``CAREMGT`` (case management), ``BTG``
  (emergency, break-glass; ``ETREAT`` is read as the same); ``securityLabel`` ActCode ``PSY``
  (clinical) and ``ETH`` (substance use), with Confidentiality ``R`` on a Part 2 consent.
- ``sourceAttachment``: the signed copy's name and type (never its bytes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pydantic
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent as FhirConsent

from pmhc.people.consent_notice import PART2_STATEMENT
from pmhc.people.models import Consent, GivenBy, Person
from pmhc.platform.models import Classification, Organization, Purpose

SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
LOINC = "http://loinc.org"
CONSENT_DOCUMENT = "59284-0"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
RECIPIENT_ROLE = "IRCP"
PART2_RULE = "42CFRPart2"
GENERAL_RULE = "OPTIN"

#: Our purposes as ActReason codes, and the codes read back.
PURPOSE_OUT: Mapping[str, str] = {
    Purpose.ACTIVE_CALL: "TREAT",
    Purpose.CASE_MANAGEMENT: "CAREMGT",
    Purpose.EMERGENCY: "BTG",
}
PURPOSE_IN: Mapping[str, str] = {
    "TREAT": Purpose.ACTIVE_CALL,
    "CAREMGT": Purpose.CASE_MANAGEMENT,
    "BTG": Purpose.EMERGENCY,
    "ETREAT": Purpose.EMERGENCY,
}
#: Our data classes as ActCode sensitivity codes.
CLASS_OUT: Mapping[str, str] = {
    Classification.CLINICAL: "PSY",
    Classification.SUBSTANCE_USE: "ETH",
}
CLASS_IN: Mapping[str, str] = {code: cls for cls, code in CLASS_OUT.items()}
#: A response plan has no HL7 sensitivity code: it is labelled in a code system of our own.
LOCAL_CLASSES = "urn:pmhc:consent-data-class"
LOCAL_CLASS_CODES = frozenset({"response_plan"})
#: How many consents one bundle carries at most, newest first.
BUNDLE_LIMIT = 100


def _coding(system: str, code: str) -> dict[str, str]:
    return {"system": system, "code": code}


def _org_reference(org: Organization) -> dict[str, str]:
    return {"reference": f"Organization/{org.slug}", "display": org.name}


def to_resource(
    consent: Consent,
    *,
    recipients: Iterable[Organization],
    representative_name: str | None,
    representative_relationship: str | None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The consent as a validated FHIR R4 Consent (JSON-ready). The representative's name and
    relationship are passed in as the caller was allowed to read them (``None``: withheld)."""
    today = today or timezone.localdate()
    active = consent.revoked_at is None and (
        consent.valid_until is None or consent.valid_until >= today
    )
    patient = {"reference": f"Patient/{consent.person_id}"}
    resource: dict[str, Any] = {
        "resourceType": "Consent",
        "id": str(consent.pk),
        "status": "active" if active else "inactive",
        "scope": {"coding": [_coding(SCOPE_SYSTEM, "patient-privacy")]},
        "category": [{"coding": [_coding(LOINC, CONSENT_DOCUMENT)]}],
        "patient": patient,
        "dateTime": consent.created_at.isoformat(),
        "organization": [_org_reference(consent.organization)],
        "policyRule": {
            "coding": [_coding(ACT_CODE, PART2_RULE if consent.part2 else GENERAL_RULE)]
        },
    }
    if consent.given_by == GivenBy.REPRESENTATIVE:
        related: dict[str, Any] = {"resourceType": "RelatedPerson", "id": "representative"}
        related["patient"] = patient
        if representative_name:
            related["name"] = [{"text": representative_name}]
        if representative_relationship:
            related["relationship"] = [{"text": representative_relationship}]
        resource["contained"] = [related]
        resource["performer"] = [{"reference": "#representative"}]
    else:
        resource["performer"] = [patient]
    if consent.document_name or consent.document_content_type:
        resource["sourceAttachment"] = {
            "contentType": consent.document_content_type or "application/octet-stream",
            "title": consent.document_name or "signed copy",
        }
    period: dict[str, str] = {"start": consent.valid_from.isoformat()}
    if consent.valid_until is not None:
        period["end"] = consent.valid_until.isoformat()
    labels = [_coding(ACT_CODE, CLASS_OUT[c]) for c in consent.data_classes if c in CLASS_OUT]
    labels += [_coding(LOCAL_CLASSES, c) for c in consent.data_classes if c in LOCAL_CLASS_CODES]
    if consent.part2:
        labels.append(_coding(CONFIDENTIALITY, "R"))
    provision: dict[str, Any] = {
        "type": "permit",
        "period": period,
        "purpose": [
            _coding(ACT_REASON, PURPOSE_OUT[p]) for p in consent.purposes if p in PURPOSE_OUT
        ],
        "securityLabel": labels,
    }
    actors = [
        {
            "role": {"coding": [_coding(PARTICIPATION, RECIPIENT_ROLE)]},
            "reference": _org_reference(o),
        }
        for o in recipients
    ]
    if actors and not consent.any_recipient:
        provision["actor"] = actors
    resource["provision"] = provision
    if consent.part2:
        resource["text"] = {
            "status": "additional",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{PART2_STATEMENT}</p></div>',
        }
    # Validated by the package: a resource this module builds must always be valid.
    return FhirConsent.model_validate(resource).model_dump(mode="json", exclude_none=True)


def bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """The consents as a FHIR ``searchset`` Bundle, validated."""
    data = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }
    return Bundle.model_validate(data).model_dump(mode="json", exclude_none=True)


# --- Import ---------------------------------------------------------------------------------


@dataclass
class Problems:
    """What is wrong with a resource, each with the path of the element at fault."""

    issues: list[tuple[str, str]] = field(default_factory=list)

    def add(self, path: str, message: str) -> None:
        self.issues.append((path, message))

    def __bool__(self) -> bool:
        return bool(self.issues)

    def outcome(self) -> dict[str, Any]:
        """A FHIR OperationOutcome naming every problem and its path."""
        return {
            "resourceType": "OperationOutcome",
            "issue": [
                {
                    "severity": "error",
                    "code": "invalid",
                    "diagnostics": f"{path}: {message}" if path else message,
                    "expression": [path] if path else [],
                }
                for path, message in self.issues
            ],
        }


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _codes(concept: Any) -> list[tuple[str | None, str | None]]:
    codings = getattr(concept, "coding", None) or []
    return [(c.system, c.code) for c in codings]


def _has(concept: Any, system: str, code: str) -> bool:
    return (system, code) in _codes(concept)


@dataclass(frozen=True)
class Terms:
    """What a valid resource asks to record: ``give_consent``'s arguments."""

    values: dict[str, Any]


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def from_resource(data: Any, *, person: Person) -> tuple[Terms | None, Problems]:
    """Read a FHIR R4 Consent for ``person``: the terms to record, or every problem found.
    Recipients are named as ``Organization/<slug>`` references."""
    problems = Problems()
    if not isinstance(data, dict):
        problems.add("", "The body must be a JSON object: a FHIR Consent resource.")
        return None, problems
    if data.get("resourceType") != "Consent":
        problems.add("resourceType", 'Must be "Consent".')
        return None, problems
    try:
        resource = FhirConsent.model_validate(data)
    except pydantic.ValidationError as exc:
        for error in exc.errors():
            problems.add(_path(error["loc"]), error["msg"])
        return None, problems
    if resource.status not in ("active", "proposed", "draft"):
        problems.add("status", "Only an active consent can be recorded.")
    if resource.scope is None or not _has(resource.scope, SCOPE_SYSTEM, "patient-privacy"):
        problems.add("scope", f"Must be patient-privacy from {SCOPE_SYSTEM}.")
    if not resource.category:
        problems.add("category", "Required: a consent document category.")
    expected = f"Patient/{person.pk}"
    if resource.patient is None or resource.patient.reference != expected:
        problems.add("patient", f"Must refer to {expected}, the person in the address.")
    part2 = False
    if resource.policyRule is None:
        problems.add("policyRule", f"Required: {ACT_CODE} {PART2_RULE} or {GENERAL_RULE}.")
    elif _has(resource.policyRule, ACT_CODE, PART2_RULE):
        part2 = True
    elif not _has(resource.policyRule, ACT_CODE, GENERAL_RULE):
        problems.add("policyRule", f"Must be {ACT_CODE} {PART2_RULE} or {GENERAL_RULE}.")

    given_by, rep_name, rep_relationship = GivenBy.PERSON.value, "", ""
    performers = resource.performer or []
    if not performers:
        problems.add("performer", "Required: the patient or their legal representative.")
    else:
        reference = performers[0].reference or ""
        if reference == expected:
            pass
        elif reference.startswith("#"):
            contained = {getattr(c, "id", None): c for c in (resource.contained or [])}
            related = contained.get(reference[1:])
            if related is None or related.get_resource_type() != "RelatedPerson":
                problems.add("performer[0]", "Must refer to a contained RelatedPerson.")
            else:
                given_by = GivenBy.REPRESENTATIVE.value
                names = getattr(related, "name", None) or []
                rels = getattr(related, "relationship", None) or []
                rep_name = (
                    (
                        names[0].text
                        or " ".join(filter(None, [*(names[0].given or []), names[0].family]))
                    )
                    if names
                    else ""
                )
                rep_relationship = (
                    (rels[0].text or (rels[0].coding[0].display if rels[0].coding else "") or "")
                    if rels
                    else ""
                )
                if not rep_name:
                    problems.add("contained.RelatedPerson.name", "Name the legal representative.")
                if not rep_relationship:
                    problems.add(
                        "contained.RelatedPerson.relationship",
                        "Say how the representative is related to the person.",
                    )
        else:
            problems.add("performer[0]", f"Must be {expected} or a contained RelatedPerson.")

    provision = resource.provision
    purposes: list[str] = []
    classes: list[str] = []
    recipients: list[Organization] = []
    start: dt.date | None = None
    end: dt.date | None = None
    if provision is None:
        problems.add("provision", "Required: what the consent permits.")
    else:
        if provision.type != "permit":
            problems.add("provision.type", "Only a permit provision can be recorded.")
        if provision.provision:
            problems.add("provision.provision", "Nested provisions are not taken.")
        for i, coding in enumerate(provision.purpose or []):
            code = PURPOSE_IN.get(coding.code or "") if coding.system == ACT_REASON else None
            if code is None:
                problems.add(
                    f"provision.purpose[{i}]",
                    f"Use {ACT_REASON} {', '.join(PURPOSE_IN)}.",
                )
            else:
                purposes.append(code)
        if not provision.purpose:
            problems.add("provision.purpose", "Required: at least one purpose of use.")
        for i, coding in enumerate(provision.securityLabel or []):
            if coding.system == CONFIDENTIALITY:
                continue
            if coding.system == LOCAL_CLASSES and coding.code in LOCAL_CLASS_CODES:
                classes.append(coding.code)
                continue
            cls = CLASS_IN.get(coding.code or "") if coding.system == ACT_CODE else None
            if cls is None:
                problems.add(f"provision.securityLabel[{i}]", f"Use {ACT_CODE} PSY or ETH.")
            else:
                classes.append(cls)
        if not classes and not any(
            p[0].startswith("provision.securityLabel") for p in problems.issues
        ):
            problems.add(
                "provision.securityLabel", "Required: PSY (clinical) or ETH (substance use)."
            )
        slugs: list[tuple[int, str]] = []
        for i, actor in enumerate(provision.actor or []):
            ref = actor.reference.reference if actor.reference is not None else None
            if not _has(actor.role, PARTICIPATION, RECIPIENT_ROLE):
                problems.add(
                    f"provision.actor[{i}].role", f"Must be {PARTICIPATION} {RECIPIENT_ROLE}."
                )
            if not ref or not ref.startswith("Organization/"):
                problems.add(f"provision.actor[{i}].reference", "Must be Organization/<slug>.")
            else:
                slugs.append((i, ref.removeprefix("Organization/")))
        found = {o.slug: o for o in Organization.objects.filter(slug__in=[s for _, s in slugs])}
        for i, slug in slugs:
            if slug not in found:
                problems.add(f"provision.actor[{i}].reference", f"No organization {slug!r}.")
            else:
                recipients.append(found[slug])
        if provision.period is None or provision.period.start is None:
            problems.add("provision.period.start", "Required: when the consent starts.")
        else:
            start = _date(provision.period.start)
            end = _date(provision.period.end)
    if problems:
        return None, problems
    return Terms(
        {
            "given_by": given_by,
            "representative_name": rep_name,
            "representative_relationship": rep_relationship,
            "part2": part2,
            "any_recipient": not recipients and not part2,
            "recipients": recipients,
            "purposes": purposes,
            "data_classes": classes,
            "valid_from": start,
            "valid_until": end,
        }
    ), problems


#: A service's field names as the resource's paths, for its refusals.
SERVICE_PATHS: Mapping[str, str] = {
    "purposes": "provision.purpose",
    "data_classes": "provision.securityLabel",
    "part2": "policyRule",
    "recipients": "provision.actor",
    "valid_until": "provision.period.end",
    "given_by": "performer",
    "representative_name": "contained.RelatedPerson.name",
    "representative_relationship": "contained.RelatedPerson.relationship",
}
