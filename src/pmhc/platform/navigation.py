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

    @property
    def url(self) -> str:
        return reverse(self.url_name)


def _roles(*roles: Role) -> Callable[[Actor], bool]:
    return lambda actor: actor.has_role(*roles)


#: In framework order. Later modules insert their sections here.
SECTIONS: list[Section] = [
    Section(_("Organization"), "org_home", _roles(Role.ADMINISTRATOR), "/org/"),
]


def sections_for(actor: Actor) -> list[Section]:
    return [s for s in SECTIONS if s.visible(actor)]
