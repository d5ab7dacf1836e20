"""The audit trail's codes, registered by the apps that write them.

Each app defines its codes in its own ``audit_codes.py`` (a ``TextChoices``: the stable code
and a label for people) and registers them in its ``AppConfig.ready``, as it registers its
navigation section. The trail's column holds plain strings, so a new module's codes need no
migration of ``platform``. ``audit.record`` refuses a code that no app registered, and the
audit page's filter and labels read this registry.

Codes are stable: once used, a code is never renamed or given to another meaning, because
the trail keeps it for as long as it keeps the event.

This module imports no model, so that ``platform.models`` and every app can import it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum

from django.utils.functional import Promise

#: Where each app's codes appear in the audit page's filter, in the framework's order.
ORDER = {
    "platform": 0,
    "toolkit": 10,
    "assessment": 20,
    "planning": 30,
    "training": 40,
    "dispatch": 50,
    "response": 60,
    "care": 65,
    "homesafe": 68,
    "people": 70,
    "evaluation": 75,
    "demo": 80,
}


class UnknownAuditCode(LookupError):
    """An event with a code that no app registered: a programming error, never swallowed."""


@dataclass
class _Registry:
    labels: dict[str, str | Promise] = field(default_factory=dict)
    order: dict[str, tuple[int, int]] = field(default_factory=dict)
    typed_detail: set[str] = field(default_factory=set)


_REGISTRY = _Registry()


def register(codes: Iterable[Enum], *, app: str, typed_detail: Iterable[Enum] = ()) -> None:
    """Register an app's codes (a ``TextChoices`` class). ``typed_detail``: codes whose
    ``detail`` once held typed text about a person; the trail shows it as a digest.
    Registering the same code twice with the same label is harmless (tests reload apps);
    giving a registered code another label is refused."""
    rank = ORDER.get(app, 1000)
    for position, code in enumerate(codes):
        value = str(code.value)
        label = getattr(code, "label", value)
        known = _REGISTRY.labels.get(value)
        if known is not None and str(known) != str(label):
            raise ValueError(f"Audit code {value!r} is already registered as {known!r}.")
        _REGISTRY.labels[value] = label
        _REGISTRY.order.setdefault(value, (rank, position))
    _REGISTRY.typed_detail.update(str(code.value) for code in typed_detail)


def is_registered(code: str) -> bool:
    return str(code) in _REGISTRY.labels


def check(code: str) -> str:
    """The code as a plain string; raises ``UnknownAuditCode`` for an unregistered one."""
    value = str(getattr(code, "value", code))
    if value not in _REGISTRY.labels:
        raise UnknownAuditCode(
            f"Audit code {value!r} is not registered: define it in the app's audit_codes.py "
            "and register it in the app's AppConfig.ready."
        )
    return value


def label(code: str) -> str | Promise:
    """The label for people; an unknown code (from a module since removed) shows as itself."""
    return _REGISTRY.labels.get(str(code), str(code))


def codes() -> list[str]:
    """Every registered code, in the filter's order."""
    return sorted(_REGISTRY.labels, key=lambda value: _REGISTRY.order[value])


def choices() -> list[tuple[str, str | Promise]]:
    """``(code, label)`` pairs for a form's choices, in the filter's order."""
    return [(value, _REGISTRY.labels[value]) for value in codes()]


def typed_detail_codes() -> frozenset[str]:
    return frozenset(_REGISTRY.typed_detail)
