"""Every write to a person's record. Call-takers, responders and their supervisors record the
people involved in a call or an encounter; each change is audited with what it was before and
after, and with the purpose it was made for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import AliasKind, Person, PersonAlias, Sex, Veteran
from pmhc.people.selectors import people_target
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Purpose

PERSON_FIELDS = (
    "family_name",
    "given_name",
    "date_of_birth",
    "approximate_age",
    "sex",
    "veteran",
    "description",
    "address",
)
#: An alias is a name, or a (name, kind) pair where kind is an ``AliasKind``.
AliasInput = str | tuple[str, str]


def _authorize(actor: Actor, action: Action, obj: Any, purpose: str) -> None:
    decision = decide(actor, action, obj, purpose)
    if not decision:
        raise PermissionDenied(decision.reason)


def _check_purpose(purpose: str) -> None:
    if purpose not in Purpose.values:
        raise PermissionDenied(f"unknown purpose {purpose!r}")


def _clean_aliases(aliases: Iterable[AliasInput]) -> list[tuple[str, str]]:
    cleaned: dict[str, tuple[str, str]] = {}
    for alias in aliases:
        name, kind = (alias, AliasKind.ALIAS.value) if isinstance(alias, str) else alias
        name = " ".join(str(name).split())
        if not name:
            continue
        if kind not in AliasKind.values:
            raise ValidationError({"aliases": _("Choose what kind of name each alias is.")})
        if len(name) > 200:
            raise ValidationError({"aliases": _("An alias can be at most 200 characters.")})
        cleaned.setdefault(name.casefold(), (name, kind))
    return list(cleaned.values())


def _apply(person: Person, values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name in ("family_name", "given_name", "description", "address"):
        if name in values:
            setattr(person, name, str(values[name] or "").strip())
    for name in ("date_of_birth", "approximate_age", "sex", "veteran"):
        if name in values:
            setattr(person, name, values[name])
    if person.sex in (None, ""):
        person.sex = Sex.UNKNOWN
    if person.veteran in (None, ""):
        person.veteran = Veteran.UNKNOWN
    born = person.date_of_birth
    if isinstance(born, dt.date) and born > timezone.localdate():
        errors["date_of_birth"] = _("The date of birth cannot be in the future.")
    age = person.approximate_age
    if age is not None and not 0 <= int(age) <= 120:
        errors["approximate_age"] = _("Give an age between 0 and 120.")
    try:
        person.full_clean(exclude=["organization", "created_by"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, " ".join(messages))
    if errors:
        raise ValidationError(errors)


def _snapshot(person: Person, aliases: list[tuple[str, str]]) -> dict[str, Any]:
    data = audit.snapshot(person, PERSON_FIELDS)
    data["aliases"] = sorted(f"{name} ({kind})" for name, kind in aliases)
    return data


def _current_aliases(person: Person) -> list[tuple[str, str]]:
    return [(a.name, a.kind) for a in PersonAlias.objects.filter(person=person).order_by("name")]


@transaction.atomic
def create_person(
    actor: Actor,
    *,
    organization: Organization,
    purpose: str,
    family_name: str = "",
    given_name: str = "",
    date_of_birth: dt.date | None = None,
    approximate_age: int | None = None,
    sex: str = Sex.UNKNOWN,
    veteran: str = Veteran.UNKNOWN,
    description: str = "",
    address: str = "",
    aliases: Iterable[AliasInput] = (),
) -> Person:
    """Record a person involved in a call or an encounter, with their aliases."""
    _check_purpose(purpose)
    _authorize(actor, Action.CREATE, people_target(organization), purpose)
    person = Person(organization=organization, created_by_id=actor.user_id)
    values = {
        "family_name": family_name,
        "given_name": given_name,
        "date_of_birth": date_of_birth,
        "approximate_age": approximate_age,
        "sex": sex,
        "veteran": veteran,
        "description": description,
        "address": address,
    }
    _apply(person, values)
    cleaned = _clean_aliases(aliases)
    person.save()
    PersonAlias.objects.bulk_create(
        [PersonAlias(person=person, name=name, kind=kind) for name, kind in cleaned]
    )
    audit.record(
        PeopleAudit.PERSON_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=person,
        purpose=purpose,
        after=_snapshot(person, cleaned),
    )
    return person


@transaction.atomic
def update_person(actor: Actor, *, person: Person, purpose: str, **fields: Any) -> Person:
    """Change any of ``PERSON_FIELDS``; ``aliases`` (names or (name, kind) pairs) replaces the
    list of aliases. Fields not given keep their value."""
    _check_purpose(purpose)
    unknown = set(fields) - {*PERSON_FIELDS, "aliases"}
    if unknown:
        raise TypeError(f"update_person() got unknown fields: {', '.join(sorted(unknown))}")
    _authorize(actor, Action.CHANGE, person, purpose)
    person = Person.objects.select_for_update().get(pk=person.pk)
    # Re-check on the row as it is now: it may have moved since the caller read it.
    _authorize(actor, Action.CHANGE, person, purpose)
    old_aliases = _current_aliases(person)
    before = _snapshot(person, old_aliases)
    _apply(person, fields)
    new_aliases = _clean_aliases(fields["aliases"]) if "aliases" in fields else old_aliases
    after = _snapshot(person, new_aliases)
    if after == before:
        return person
    person.updated_at = timezone.now()
    person.save()
    if "aliases" in fields and sorted(new_aliases) != sorted(old_aliases):
        PersonAlias.objects.filter(person=person).delete()
        PersonAlias.objects.bulk_create(
            [PersonAlias(person=person, name=name, kind=kind) for name, kind in new_aliases]
        )
    audit.record(
        PeopleAudit.PERSON_CHANGED,
        actor=actor,
        organization_id=person.organization_id,
        obj=person,
        purpose=purpose,
        before=before,
        after=after,
    )
    return person


@transaction.atomic
def import_people(
    actor: Actor,
    *,
    organization: Organization,
    purpose: str,
    records: Iterable[dict[str, Any]],
    source: str = "",
) -> list[Person]:
    """Bring in the people of past records (with past encounter reports, say), in bulk: each
    record is a dict of ``PERSON_FIELDS``, checked like ``create_person``. All or nothing: the
    first bad record raises ``ValidationError`` naming its position (from 1). One
    PEOPLE_IMPORTED audit event records the count, ``source`` and the ids created (ADR 9);
    reading them later is audited as usual."""
    _check_purpose(purpose)
    _authorize(actor, Action.CREATE, people_target(organization), purpose)
    people = []
    for index, values in enumerate(records):
        unknown = set(values) - set(PERSON_FIELDS)
        if unknown:
            raise TypeError(f"import_people() got unknown fields: {', '.join(sorted(unknown))}")
        person = Person(organization=organization, created_by_id=actor.user_id)
        try:
            _apply(person, dict(values))
        except ValidationError as exc:
            raise ValidationError(
                _("Person %(number)s: %(errors)s")
                % {"number": index + 1, "errors": "; ".join(exc.messages)}
            ) from exc
        people.append(person)
    created = Person.objects.bulk_create(people, batch_size=500)
    audit.record(
        PeopleAudit.PEOPLE_IMPORTED,
        actor=actor,
        organization_id=organization.pk,
        object_type="people.person",
        purpose=purpose,
        after={"count": len(created), "source": source, "ids": [p.pk for p in created]},
    )
    return created
