from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from pmhc.dispatch.models import Call


class ResponseConfig(AppConfig):
    name = "pmhc.response"
    label = "response"
    verbose_name = _("Response (Operate)")

    def ready(self) -> None:
        from pmhc.platform import audit_codes
        from pmhc.response.audit_codes import ResponseAudit

        audit_codes.register(
            ResponseAudit, app="response", typed_detail=[ResponseAudit.ENCOUNTER_AMENDED]
        )

        from pmhc.dispatch import report_states
        from pmhc.platform import landing
        from pmhc.platform.models import Role
        from pmhc.platform.panels import register as register_panel

        # The officer's list of calls shows the state of their report on each.
        report_states.register(
            report_states.ReportStates(annotate=_own_report_states, label=_report_state_label)
        )
        # Supervisors land on the reports waiting for their review.
        landing.register("response_review_queue", Role.SUPERVISOR)

        register_panel(
            "people.person",
            template="response/_person_encounters.html",
            context=_person_encounters,
            order=20,
        )
        register_panel(
            "dispatch.index",
            template="response/_index_follow_ups.html",
            context=_index_follow_ups,
            order=10,
        )
        register_panel(
            "dispatch.unit_call",
            template="response/_unit_call_notes.html",
            context=_unit_call_notes,
            order=10,
        )
        register_panel(
            "dispatch.call",
            template="response/_call_notes.html",
            context=_call_notes,
            order=10,
        )
        from pmhc.response import retention as response_retention

        # How long encounter reports are kept (``platform/retention.py``).
        response_retention.register()
        # Encounters and contact notes count toward the high-utilizer list.
        from pmhc.people import contacts
        from pmhc.response import people_contacts as found

        contacts.register(
            contacts.ContactSource(
                "response.encounters", found.encounters_by_identity, found.encounters_of
            )
        )
        contacts.register(
            contacts.ContactSource("response.notes", found.notes_by_identity, found.notes_of)
        )


def _own_report_states(calls: QuerySet[Call], user_id: int) -> QuerySet[Call]:
    # Imported when the list is read, not when the apps load, like the panels above.
    from pmhc.response.selectors import own_report_states

    return own_report_states(calls, user_id)


def _report_state_label(state: str | None) -> str:
    from pmhc.response.selectors import report_state_label

    return report_state_label(state)


def _person_encounters(**page: Any) -> dict[str, Any]:
    # Imported when the page is shown, not when the apps load: views reach forms and services.
    from pmhc.response.views import person_encounters_panel

    return person_encounters_panel(**page)


def _index_follow_ups(**page: Any) -> dict[str, Any]:
    from pmhc.response.contact_views import index_panel

    return index_panel(**page)


def _unit_call_notes(**page: Any) -> dict[str, Any]:
    from pmhc.response.contact_views import unit_call_panel

    return unit_call_panel(**page)


def _call_notes(**page: Any) -> dict[str, Any]:
    from pmhc.response.contact_views import call_panel

    return call_panel(**page)
