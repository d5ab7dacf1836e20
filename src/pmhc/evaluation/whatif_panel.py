"""Plan's staffing page links to the what-if of the program's own calls, for those who read
the organization's figures (a panel: Plan does not import Measure)."""

from __future__ import annotations

from typing import Any

from pmhc.evaluation import rollup_selectors
from pmhc.platform import panels
from pmhc.platform.access import Actor

#: Plan's staffing page, by its panel name.
STAFFING_PAGE = "planning.staffing"


def context(*, actor: Actor, **_page: Any) -> dict[str, Any]:
    return {"show": rollup_selectors.may_read(actor, actor.organization_id)}


def register() -> None:
    panels.register(STAFFING_PAGE, template="evaluation/_whatif_panel.html", context=context)
