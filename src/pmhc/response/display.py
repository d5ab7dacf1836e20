"""How a filed report reads on the page: its sections as label/value rows, and each
amendment as what changed, from what, to what. Presentation only; nothing here reads more
than the report the page already has (and the labels of the dispositions amendments name).
A restricted field the actor may not read (``FieldsRead`` says which) becomes the
"Restricted" marker, wherever it appears."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pmhc.platform.restricted import FieldsRead, Withheld
from pmhc.response.forms import SECTIONS
from pmhc.response.models import Deescalation, Disposition, Encounter, EncounterAmendment
from pmhc.response.validation import report_value

#: Shown in a section of its own, below the others.
SHOWN_APART = frozenset({"narrative"})


@dataclass(frozen=True)
class Row:
    label: str
    value: str | Withheld

    @property
    def withheld(self) -> bool:
        return isinstance(self.value, Withheld)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: list[Row]


@dataclass(frozen=True)
class AmendmentView:
    amendment: EncounterAmendment
    reason: str | Withheld
    rows: list[tuple[str, str | Withheld, str | Withheld]]


def _label(name: str) -> str:
    label = str(getattr(Encounter._meta.get_field(name), "verbose_name", name))
    return label[:1].upper() + label[1:]


def _when(value: dt.datetime | None) -> str:
    return date_format(timezone.localtime(value), "N j, Y, H:i") if value else "—"


def _value(name: str, value: Any, dispositions: dict[int, str]) -> str:
    if value in (None, "", []):
        return "—"
    if name == "other_dispositions":
        return ", ".join(dispositions.get(int(pk), str(pk)) for pk in value)
    if name == "disposition":
        if isinstance(value, Disposition):
            return value.label
        return dispositions.get(int(value), str(value))
    if name == "deescalation":
        labels = dict(Deescalation.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if name.endswith("_at"):
        moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
        return _when(moment) if moment else str(value)
    field = Encounter._meta.get_field(name)
    choices = dict(getattr(field, "choices", None) or ())
    return str(choices.get(value, value))


def report_sections(encounter: Encounter, fields: FieldsRead) -> list[Section]:
    """The report's sections as rows, the narrative left out (it is shown on its own), and
    the time from arrival at the facility to its acceptance of the person."""
    others = {d.pk: d.label for d in encounter.other_dispositions.all()}
    sections = []
    for key, title, names in SECTIONS:
        rows = [
            Row(
                _label(name),
                _value(name, report_value(encounter, name), others)
                if fields.may_read(name)
                else Withheld(name),
            )
            for name in names
            if name not in SHOWN_APART
        ]
        if key == "custody":
            rows.insert(2, Row(_("Arrival to acceptance"), _duration(encounter.facility_wait)))
        if rows:
            sections.append(Section(key, str(title), rows))
    return sections


def _duration(value: dt.timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def amendments(
    items: list[tuple[EncounterAmendment, FieldsRead]], fields: FieldsRead
) -> list[AmendmentView]:
    """Each amendment's reason and changes; a restricted field's values (under the report's
    ``fields``) and the reason (under the amendment's own) only for those who may read them."""
    named = {
        int(pk)
        for item, _own in items
        for name, change in item.changes.items()
        if name in {"disposition", "other_dispositions"}
        for side in ("from", "to")
        if change.get(side)
        for pk in (change[side] if isinstance(change[side], list) else [change[side]])
    }
    labels = dict(Disposition.objects.filter(pk__in=named).values_list("pk", "label"))
    views = []
    for item, own in items:
        rows: list[tuple[str, str | Withheld, str | Withheld]] = []
        for name, change in sorted(item.changes.items()):
            if not fields.may_read(name):
                rows.append((_label(name), Withheld(name), Withheld(name)))
                continue
            rows.append(
                (
                    _label(name),
                    _value(name, change.get("from"), labels),
                    _value(name, change.get("to"), labels),
                )
            )
        views.append(AmendmentView(item, own["reason"], rows))
    return views
