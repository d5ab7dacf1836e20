"""A directory keeper brings in their organization's service directory from a CSV file.

The file is checked whole first: every row that cannot be taken is reported with its line
number and the reason, and then nothing is imported (all or nothing). Each row names the
service's id in the organization's own directory (``external_id``): a row whose id is already
held updates that service, so importing the same file twice changes nothing the second time.
A column the file leaves out is left as it is on the services it updates. One audit event
records what was added and, for each service changed, each field's value before and after.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.care.audit_codes import CareAudit
from pmhc.care.directory_selectors import ADMINISTRATION, keeps_directory, provider_ids
from pmhc.care.directory_services import MAX_AGE, MAX_CAPACITY
from pmhc.care.models import CapacityUnit, Condition, Service, ServiceKind
from pmhc.platform import audit, uploads
from pmhc.platform.access import Actor
from pmhc.platform.models import Organization

MAX_BYTES = 1024 * 1024
MAX_ROWS = 1000
#: The columns a file may have, in the order the page lists them.
COLUMNS = (
    "external_id",
    "name",
    "kind",
    "address",
    "latitude",
    "longitude",
    "phone",
    "hours",
    "open_all_hours",
    "min_age",
    "max_age",
    "conditions",
    "insurance",
    "eligibility_note",
    "police_drop_off",
    "no_refusal",
    "languages",
    "how_to_refer",
    "capacity_unit",
    "capacity_total",
    "provider",
)
REQUIRED = ("external_id", "name", "kind")
LIMITS = {
    "external_id": 64,
    "name": 200,
    "address": 300,
    "phone": 40,
    "hours": 200,
    "insurance": 300,
    "eligibility_note": 300,
    "how_to_refer": 500,
}
#: What an empty cell gives each column that is not text.
EMPTY: dict[str, Any] = {
    "latitude": None,
    "longitude": None,
    "open_all_hours": False,
    "min_age": None,
    "max_age": None,
    "conditions": [],
    "police_drop_off": False,
    "no_refusal": False,
    "languages": [],
    "capacity_unit": "",
    "capacity_total": None,
    "provider": None,
}
TRUE = frozenset({"yes", "y", "true", "1"})
FALSE = frozenset({"no", "n", "false", "0"})
#: The fields a row sets (``provider`` becomes ``provider_id``).
FIELDS = tuple(name for name in COLUMNS if name not in {"external_id", "provider"})


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)


def _yes_no(column: str) -> Callable[[str], bool]:
    def parse(text: str) -> bool:
        value = text.lower()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        raise ValueError(_("%(column)s must be yes or no.") % {"column": column})

    return parse


def _number(column: str, low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:
            raise ValueError(
                _("%(column)s must be a number from %(low)s to %(high)s.")
                % {"column": column, "low": low, "high": high}
            )
        return value

    return parse


def _whole(column: str, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        if not text.isdigit() or int(text) > high:
            raise ValueError(
                _("%(column)s must be a whole number from 0 to %(high)d.")
                % {"column": column, "high": high}
            )
        return int(text)

    return parse


def _choice(column: str, values: list[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in values:
            raise ValueError(
                _("%(column)s must be one of %(values)s.")
                % {"column": column, "values": ", ".join(v for v in values if v)}
            )
        return text

    return parse


def _list(column: str, allowed: list[str] | None) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        items = sorted({item.strip().lower() for item in text.split(";") if item.strip()})
        wrong = [item for item in items if allowed is not None and item not in allowed]
        if wrong:
            raise ValueError(
                _("%(column)s may hold only %(values)s, separated by semicolons.")
                % {"column": column, "values": ", ".join(allowed or [])}
            )
        if allowed is None and any(len(item) != 2 or not item.isalpha() for item in items):
            raise ValueError(
                _("%(column)s must be two-letter language codes separated by semicolons.")
                % {"column": column}
            )
        return items

    return parse


_PARSERS: dict[str, Callable[[str], Any]] = {
    "kind": _choice("kind", list(ServiceKind.values)),
    "latitude": _number("latitude", -90, 90),
    "longitude": _number("longitude", -180, 180),
    "open_all_hours": _yes_no("open_all_hours"),
    "min_age": _whole("min_age", MAX_AGE),
    "max_age": _whole("max_age", MAX_AGE),
    "conditions": _list("conditions", list(Condition.values)),
    "police_drop_off": _yes_no("police_drop_off"),
    "no_refusal": _yes_no("no_refusal"),
    "languages": _list("languages", None),
    "capacity_unit": _choice("capacity_unit", [v for v in CapacityUnit.values if v]),
    "capacity_total": _whole("capacity_total", MAX_CAPACITY),
}


def _row(values: dict[str, str], providers: dict[str, int], header: list[str]) -> dict[str, Any]:
    """One row's fields, those of the columns the file has, or ``ValueError`` naming every
    problem in it. A column the file leaves out leaves that field of a held service as it is."""
    problems: list[str] = []
    fields: dict[str, Any] = {}
    for name in COLUMNS:
        if name not in header:
            continue
        text = " ".join((values.get(name) or "").split())
        if not text:
            if name in REQUIRED:
                problems.append(_("%(column)s is empty.") % {"column": name})
            elif name in EMPTY:
                fields[name] = EMPTY[name]
            else:
                fields[name] = ""
            continue
        limit = LIMITS.get(name)
        if limit is not None and len(text) > limit:
            problems.append(
                _("%(column)s is longer than %(limit)d characters.")
                % {"column": name, "limit": limit}
            )
            continue
        if name == "provider":
            if text not in providers:
                problems.append(
                    _("provider %(slug)s is not one of your partner organizations.")
                    % {"slug": text}
                )
            else:
                fields[name] = providers[text]
            continue
        parser = _PARSERS.get(name)
        try:
            fields[name] = parser(text) if parser else text
        except ValueError as exc:
            problems.append(str(exc))
    problems.extend(_whole_problems(fields, header))
    if problems:
        raise ValueError(" ".join(problems))
    return fields


def _whole_problems(record: dict[str, Any], columns: Collection[str] = COLUMNS) -> list[str]:
    """What is wrong with a service as a whole, checking only rules whose columns are all in
    ``columns``: a row alone, or a service once a row's fields are set on it (those the file
    leaves out are the held service's, or a new one's defaults)."""
    problems: list[str] = []
    if {"latitude", "longitude"} <= set(columns) and (record.get("latitude") is None) != (
        record.get("longitude") is None
    ):
        problems.append(_("Give both latitude and longitude, or neither."))
    low, high = record.get("min_age"), record.get("max_age")
    if low is not None and high is not None and low > high:
        problems.append(_("min_age is above max_age."))
    if (
        "capacity_unit" in columns
        and record.get("capacity_total") is not None
        and not record.get("capacity_unit")
    ):
        problems.append(_("capacity_total needs a capacity_unit."))
    return problems


def _providers(text: str, header: list[str], keeper_id: int) -> dict[str, int]:
    """The organizations the file names as providers that may run the keeper's services (the
    keeper and its partners), by slug; a name that is not among them is not looked up."""
    slugs = set()
    reader = csv.DictReader(io.StringIO(text, newline=""))
    reader.fieldnames = header
    try:
        next(reader, None)  # the header line itself
        for values in reader:
            slug = (values.get("provider") or "").strip()
            if slug:
                slugs.add(slug)
            if len(slugs) > MAX_ROWS:
                break
    except csv.Error:
        pass
    allowed = sorted(provider_ids(keeper_id))
    return dict(
        Organization.objects.filter(slug__in=slugs, pk__in=allowed).values_list("slug", "pk")
    )


def _read(
    upload: UploadedFile, keeper_id: int
) -> tuple[list[tuple[int, dict[str, Any]]], list[Rejection], int]:
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
            parts.append(_("The first line must name the columns %s.") % ", ".join(missing))
        if unknown:
            parts.append(_("Unknown columns: %s.") % ", ".join(unknown))
        raise ValidationError({"file": " ".join(parts)})
    providers = _providers(text, header, keeper_id) if "provider" in header else {}
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
                fields = _row(values, providers, header)
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


def _values(fields: dict[str, Any]) -> dict[str, Any]:
    """The service's fields a row sets: those of the file's columns only."""
    values = {name: fields[name] for name in FIELDS if name in fields}
    if "provider" in fields:
        values["provider_id"] = fields["provider"]
    return values


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@transaction.atomic
def import_directory(
    actor: Actor, *, organization: Organization, upload: UploadedFile
) -> ImportResult:
    """Import the services of ``upload`` into ``organization``'s directory, or nothing if any
    row is rejected. A row whose ``external_id`` is held updates that service (and lists it
    again); the others are added."""
    if actor.organization_id != organization.pk or not keeps_directory(actor):
        raise PermissionDenied("only the directory's keepers import it")
    uploads.check_upload(upload, [uploads.CSV], max_bytes=MAX_BYTES)
    good, rejected, rows = _read(upload, organization.pk)
    result = ImportResult(rows=rows, rejected=rejected)
    if rejected:
        return result
    # Two imports into one directory at once take turns.
    Organization.objects.select_for_update().filter(pk=organization.pk).exists()
    held = {
        s.external_id: s
        for s in Service.objects.filter(
            organization=organization, external_id__in=[f["external_id"] for _l, f in good]
        )
    }
    now = timezone.now()
    new: list[Service] = []
    changed: list[Service] = []
    #: Per changed service, each field that changed: its value before and after.
    changes: dict[str, dict[str, list[Any]]] = {}
    written: set[str] = {"active"}
    for line, fields in good:
        values = {**_values(fields), "active": True}
        written.update(values)
        service = held.get(fields["external_id"])
        base = service if service is not None else Service()
        record = {name: getattr(base, name) for name in [*FIELDS, "provider_id"]}
        problems = _whole_problems({**record, **values})
        if problems:
            result.rejected.append(Rejection(line, " ".join(problems)))
            continue
        if service is None:
            new.append(
                Service(
                    organization=organization,
                    external_id=fields["external_id"],
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
            continue
        differ = {
            name: [_plain(getattr(service, name)), _plain(value)]
            for name, value in values.items()
            if getattr(service, name) != value
        }
        if not differ:
            result.unchanged += 1
            continue
        for name, value in values.items():
            setattr(service, name, value)
        service.updated_at = now
        changed.append(service)
        changes[str(service.pk)] = differ
    if result.rejected:
        result.unchanged = 0
        return result
    created = Service.objects.bulk_create(new, batch_size=200)
    if changed:
        Service.objects.bulk_update(changed, [*sorted(written), "updated_at"], batch_size=200)
    result.created, result.changed = len(created), len(changed)
    if created or changed:
        audit.record(
            CareAudit.SERVICES_IMPORTED,
            actor=actor,
            organization_id=organization.pk,
            object_type="care.service",
            purpose=ADMINISTRATION,
            after={
                "rows": rows,
                "added": [s.pk for s in created],
                "changed": [s.pk for s in changed],
                # Service id -> field -> [before, after]: a change of provider, or of any
                # field, can be read back from here.
                "changes": changes,
            },
        )
    return result


def template_csv() -> str:
    """The header and one example row, for the page's download."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(
        [
            "CC-1",
            "Example Crisis Stabilization Center",
            ServiceKind.CRISIS_CENTER,
            "100 Example Street",
            "41.2000",
            "-95.9500",
            "555-0100",
            "Open 24 hours",
            "yes",
            "18",
            "",
            "mental_health;substance_use",
            "Medicaid; uninsured",
            "",
            "yes",
            "yes",
            "en;es",
            "Call ahead on the intake line.",
            CapacityUnit.CHAIRS,
            "16",
            "",
        ]
    )
    return out.getvalue()
