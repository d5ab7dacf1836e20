"""Restricted fields: the parts of a record that are read under a stricter classification than
the record itself, and the one way every page, export and API reads them.

A model names them in ``restricted_fields``, field name to the ``Classification`` that governs
it (an encounter is AGENCY data, its narrative SAFETY). ``read(actor, obj, purpose, ...)`` asks
the access policy once per classification, writes one audited read naming the restricted
fields that were shown, and hands back a ``FieldsRead``: the value of each field the actor may
read, and a ``Withheld`` marker ("Restricted") in place of each one they may not. Because the
declaration is the only list, a field added to it is withheld everywhere at once, and the tests
walk the declarations rather than a copy of them.

Free-text fields left out of the declaration on purpose (a statute, a facility's name) are
listed in the model's ``agency_text_fields``, so that forgetting to classify a new one fails a
test instead of leaking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, Basis, decide


def declared(model: type[models.Model] | models.Model) -> Mapping[str, str]:
    """A model's restricted fields and the classification of each; empty if it has none."""
    return getattr(model, "restricted_fields", None) or {}


def agency_text_fields(model: type[models.Model] | models.Model) -> frozenset[str]:
    """The free-text fields a model reads as agency data on purpose."""
    return frozenset(getattr(model, "agency_text_fields", None) or ())


@dataclass(frozen=True)
class Withheld:
    """What a page shows in place of a restricted value the actor may not read. It is truthy,
    so a template's ``default`` filter does not turn it into a dash that reads as "empty".

    Templates print it with the ``restricted_text`` filter (``{% load pmhc %}``): ``{{ }}``
    turns an object into plain text before escaping, which would drop the markup that names
    the field. Plain text (an export's cell) reads "Restricted"."""

    field: str

    def __str__(self) -> str:
        return _("Restricted")

    def __html__(self) -> SafeString:
        # The field's name lets a reader of the page's source (and the tests) tell which
        # value is withheld; it says nothing about the value.
        return format_html(
            '<span class="usa-hint pmhc-restricted" data-restricted="{}">{}</span>',
            self.field,
            _("Restricted"),
        )


@dataclass(frozen=True)
class FieldsRead:
    """One actor's view of one record's restricted fields, for one purpose.

    ``fields["narrative"]`` (``{{ fields.narrative }}`` in a template) is the value when the
    actor may read it and a ``Withheld`` marker otherwise. A name the model does not declare
    is read as it is: it is not restricted.
    """

    obj: models.Model
    allowed: frozenset[str]
    withheld: frozenset[str]
    #: What let the clinical or substance-use fields shown cross from another organization
    #: (the consent, or the emergency exception); ``None`` for the holder's own reads.
    basis: Basis | None = None

    def may_read(self, name: str) -> bool:
        return name not in self.withheld

    def value(self, name: str) -> Any:
        if name in self.withheld:
            return Withheld(name)
        return getattr(self.obj, name)

    def data(self, name: str) -> Any:
        """The value for an API or an export: the key stays, its value is ``None`` when
        withheld (a JSON reader must not mistake the marker's text for the value)."""
        return None if name in self.withheld else getattr(self.obj, name)

    def __getitem__(self, name: str) -> Any:
        return self.value(name)


def readable(
    actor: Actor, obj: models.Model, purpose: str, *, bases: dict[str, Basis] | None = None
) -> frozenset[str]:
    """The declared fields of ``obj`` the policy lets ``actor`` read for ``purpose``: one
    decision per classification, never per field name. ``bases``, when given, receives the
    basis of each classification read across organizations (a consent, an emergency)."""
    fields = declared(obj)
    decisions = {
        level: decide(actor, Action.VIEW, obj, purpose, classification=level)  # type: ignore[arg-type]
        for level in set(fields.values())
    }
    if bases is not None:
        bases.update(
            (level, decision.basis)
            for level, decision in decisions.items()
            if decision and decision.basis is not None
        )
    return frozenset(name for name, level in fields.items() if decisions[level])


def holds_value(obj: models.Model, name: str) -> bool:
    """Whether showing this field reveals anything: an empty one does not."""
    # A yes/no is shown either way, so it always counts as read.
    return getattr(obj, name) not in (None, "", [], {})


def _owner(obj: models.Model) -> int | None:
    ids = getattr(obj, "access_organization_ids", None)
    owners = sorted(ids()) if callable(ids) else []
    return owners[0] if owners else None


def read(
    actor: Actor,
    obj: models.Model,
    purpose: str,
    *,
    audit_action: str,
    shown: Iterable[str] | None = None,
) -> FieldsRead:
    """What ``actor`` may read of ``obj``'s restricted fields for ``purpose``, with the read
    written to the audit trail: one ``audit_action`` event naming the fields shown.

    ``shown`` is what the page, export or response actually shows of the record's restricted
    fields; by default every declared field that holds a value. An empty field reveals
    nothing, so a record with nothing restricted to show records no read.
    """
    fields = declared(obj)
    bases: dict[str, Basis] = {}
    allowed = readable(actor, obj, purpose, bases=bases)
    withheld = frozenset(fields) - allowed
    names = [name for name in fields if holds_value(obj, name)] if shown is None else list(shown)
    read_now = sorted({name for name in names if name in allowed})
    # The basis of the fields actually shown: one per classification read across organizations
    # (in practice one, for a record's clinical or substance-use fields).
    used = sorted({bases[fields[name]] for name in read_now if fields[name] in bases}, key=str)
    if read_now:
        detail = "read: " + ", ".join(read_now)
        if used:
            detail += "; " + "; ".join(basis.describe() for basis in used)
        audit.record_read(
            audit_action,
            actor=actor,
            organization_id=_owner(obj),
            obj=obj,
            purpose=purpose,
            fields=read_now,
            detail=detail,
        )
    return FieldsRead(obj=obj, allowed=allowed, withheld=withheld, basis=used[0] if used else None)
