"""A coordinator brings in the people of past records from a CSV file, so that linkage can
resolve them with the people of calls and encounters.

The file is checked whole first: every row that cannot be taken is reported with its line
number and the reason, and then nothing is imported (all or nothing). Each row names the
person's id in the source records (``external_id``); a row whose id the organization already
holds is that record again, so importing the same file twice adds nothing. One audit event
records how many were added and their ids.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person, Sex
from pmhc.people.selectors import people_target
from pmhc.platform import audit, uploads
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Purpose, Role

PURPOSE = Purpose.CASE_MANAGEMENT
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
#: The columns a file may have, in the order the page lists them; ``external_id`` is required.
COLUMNS = (
    "external_id",
    "family_name",
    "given_name",
    "date_of_birth",
    "approximate_age",
    "sex",
    "address",
    "description",
)
REQUIRED = ("external_id",)
LIMITS = {"external_id": 64, "family_name": 100, "given_name": 100, "address": 200}
DESCRIPTION_LIMIT = 2000
SOURCE = "file of past records"


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    already: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    #: Whatever queuing linkage afterwards returned (a run), if anything was queued.
    linkage: Any = None


def may_import(actor: Actor, organization: Organization) -> bool:
    return actor.role_in(organization.pk) == Role.COORDINATOR and bool(
        decide(actor, Action.CREATE, people_target(organization), PURPOSE)
    )


def _date(text: str) -> dt.date:
    try:
        value = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(_("date_of_birth must be a date written YYYY-MM-DD.")) from None
    if value > timezone.localdate():
        raise ValueError(_("date_of_birth cannot be in the future."))
    return value


def _age(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 120:
        raise ValueError(_("approximate_age must be a whole number from 0 to 120."))
    return int(text)


def _sex(text: str) -> str:
    value = text.upper()
    if value not in Sex.values:
        raise ValueError(_("sex must be one of F, M, X or U."))
    return value


_PARSERS: dict[str, Callable[[str], Any]] = {
    "date_of_birth": _date,
    "approximate_age": _age,
    "sex": _sex,
}


def _row(values: dict[str, str]) -> dict[str, Any]:
    """One row's fields, or ``ValueError`` naming every problem in it."""
    problems: list[str] = []
    fields: dict[str, Any] = {}
    for name in COLUMNS:
        text = " ".join((values.get(name) or "").split())
        if name == "description":
            text = (values.get(name) or "").strip()
        if not text:
            if name in REQUIRED:
                problems.append(_("%(column)s is empty.") % {"column": name})
            continue
        limit = LIMITS.get(name, DESCRIPTION_LIMIT if name == "description" else None)
        if limit is not None and len(text) > limit:
            problems.append(
                _("%(column)s is longer than %(limit)d characters.")
                % {"column": name, "limit": limit}
            )
            continue
        parser = _PARSERS.get(name)
        try:
            fields[name] = parser(text) if parser else text
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        raise ValueError(" ".join(problems))
    return fields


def _read(upload: UploadedFile) -> tuple[list[tuple[int, dict[str, Any]]], list[Rejection], int]:
    """The rows that can be taken (with their line), every rejection, and the rows read."""
    raw = upload.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("The file must be text in UTF-8.")}) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("The first line must name the column %s.") % ", ".join(missing))
        if unknown:
            parts.append(_("Unknown columns: %s.") % ", ".join(unknown))
        raise ValidationError({"file": " ".join(parts)})
    good: list[tuple[int, dict[str, Any]]] = []
    rejected: list[Rejection] = []
    seen: dict[str, int] = {}
    rows = 0
    try:
        for values in reader:
            rows += 1
            if rows > MAX_ROWS:
                raise ValidationError(
                    {"file": _("The file has more than %(n)d rows.") % {"n": MAX_ROWS}}
                )
            line = reader.line_num
            if None in values:
                rejected.append(Rejection(line, _("The row has more cells than the header.")))
                continue
            try:
                fields = _row(values)
            except ValueError as exc:
                rejected.append(Rejection(line, str(exc)))
                continue
            first = seen.setdefault(fields["external_id"], line)
            if first != line:
                rejected.append(
                    Rejection(
                        line,
                        _("external_id %(id)s is already on line %(first)d.")
                        % {"id": fields["external_id"], "first": first},
                    )
                )
                continue
            good.append((line, fields))
    except csv.Error as exc:
        rejected.append(Rejection(reader.line_num, _("The file cannot be read here: %s") % exc))
    if rows == 0:
        raise ValidationError({"file": _("The file has no rows under its header.")})
    return good, rejected, rows


@transaction.atomic
def import_people_file(
    actor: Actor,
    *,
    organization: Organization,
    upload: UploadedFile,
    after_import: Callable[[Organization], Any] | None = None,
) -> ImportResult:
    """Import the people of ``upload`` into ``organization``, or nothing if any row is
    rejected. ``after_import`` (queuing linkage) runs once the rows are committed, when
    something new came in."""
    if not may_import(actor, organization):
        raise PermissionDenied("only the organization's coordinator imports people")
    uploads.check_upload(upload, [uploads.CSV], max_bytes=MAX_BYTES)
    good, rejected, rows = _read(upload)
    result = ImportResult(rows=rows, rejected=rejected)
    if rejected:
        return result
    # Two people importing into one organization at once take turns: the second reads the
    # ids the first committed and adds only the rest, rather than failing on the unique id.
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    ids = [fields["external_id"] for _line, fields in good]
    held = set(
        Person.objects.filter(organization=organization, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    now = timezone.now()
    new = [
        Person(
            organization=organization,
            created_by_id=actor.user_id,
            created_at=now,
            updated_at=now,
            **fields,
        )
        for _line, fields in good
        if fields["external_id"] not in held
    ]
    created = Person.objects.bulk_create(new, batch_size=500)
    result.created, result.already = len(created), len(good) - len(created)
    if created:
        audit.record(
            PeopleAudit.PEOPLE_IMPORTED,
            actor=actor,
            organization_id=organization.pk,
            object_type="people.person",
            purpose=PURPOSE,
            after={"count": len(created), "source": SOURCE, "ids": [p.pk for p in created]},
        )
        if after_import is not None:
            result.linkage = after_import(organization)
    return result
