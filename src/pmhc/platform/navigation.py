"""The top navigation follows the field's framework: Learn, Assess, Plan, Train, Operate,
Measure. A section appears only once its module exists and only for the roles it serves;
the platform adds the organization's own administration."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from pmhc.platform.access import Actor
from pmhc.platform.models import Role


@dataclass(frozen=True)
class Section:
    label: str | Promise
    url_name: str
    visible: Callable[[Actor], bool]
    match_prefix: str
    #: Position in the bar: the framework's order (see ``ORDER``), then the work queues.
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _roles(*roles: Role) -> Callable[[Actor], bool]:
    return lambda actor: actor.has_role(*roles)


#: Where each part of the framework sits in the bar; modules give their section one of these.
ORDER = {
    "learn": 10,
    "assess": 20,
    "plan": 30,
    "train": 40,
    "operate": 50,
    "measure": 60,
    "queues": 80,
    "organization": 90,
}

#: Modules add their sections here (in their ``AppConfig.ready``); the bar sorts them.
SECTIONS: list[Section] = [
    Section(
        _("Organization"), "org_home", _roles(Role.ADMINISTRATOR), "/org/", ORDER["organization"]
    ),
    Section(
        _("Break-glass reviews"),
        "break_glass_reviews",
        _roles(Role.SUPERVISOR),
        "/operate/break-glass/reviews/",
        ORDER["queues"],
    ),
]


def sections_for(actor: Actor) -> list[Section]:
    return sorted((s for s in SECTIONS if s.visible(actor)), key=lambda s: s.order)
