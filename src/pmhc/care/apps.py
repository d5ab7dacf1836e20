from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from pmhc.platform.access import Actor
    from pmhc.response.models import ContactNote


class CareConfig(AppConfig):
    name = "pmhc.care"
    label = "care"
    verbose_name = _("Care (Operate)")

    def ready(self) -> None:
        from pmhc.care.audit_codes import CareAudit
        from pmhc.platform import audit_codes
        from pmhc.platform.panels import register as register_panel

        audit_codes.register(CareAudit, app="care")
        # Operate links officers and clinicians to "where can I take this person now?".
        register_panel(
            "dispatch.index",
            template="care/_index_directory.html",
            context=_index_directory,
            order=5,
        )
        # A call's pages link to it with the call's place filled in.
        for page in ("dispatch.call", "dispatch.unit_call"):
            register_panel(
                page, template="care/_call_where_now.html", context=_call_where_now, order=5
            )
        # The referral lists, from the Operate page.
        register_panel(
            "dispatch.index", template="care/_index_referrals.html", context=_index_panel, order=20
        )
        # Refer the person from an encounter report or a contact note.
        register_panel(
            "response.encounter", template="care/_refer_panel.html", context=_encounter_panel
        )
        register_panel(
            "response.contact", template="care/_refer_panel.html", context=_contact_panel
        )

        from pmhc.platform.worker_hooks import register_startup_check

        # The hourly reminder of referrals that have not moved.
        register_startup_check(_start_referral_reminders)
        # Cases: "Open a case" on the high-utilizer list, the caseload on the Operate page.
        register_panel(
            "people.utilizer", template="care/_utilizer_case.html", context=_utilizer_case
        )
        register_panel(
            "dispatch.index", template="care/_index_caseload.html", context=_index_caseload, order=6
        )
        from pmhc.response import follow_up_hooks

        # A clinician's follow-up marked done is a visit on the person's open case.
        follow_up_hooks.register(_follow_up_done)
        register_panel(
            "response.follow_up", template="care/_follow_up_case.html", context=_follow_up_case
        )
        from pmhc.platform.worker_hooks import register_startup_check

        # Case managers are reminded of the contacts due once a day.
        register_startup_check(_start_daily_reminders)


def _index_directory(**page: Any) -> dict[str, Any]:
    # Imported when the page is shown, not when the apps load.
    from pmhc.care.directory_views import index_panel

    return index_panel(**page)


def _call_where_now(**page: Any) -> dict[str, Any]:
    from pmhc.care.directory_views import call_panel

    return call_panel(**page)


def _encounter_panel(**page: Any) -> dict[str, Any]:
    # Imported when the page is shown, not when the apps load: views reach forms and services.
    from pmhc.care.referral_views import encounter_panel

    return encounter_panel(**page)


def _contact_panel(**page: Any) -> dict[str, Any]:
    from pmhc.care.referral_views import contact_panel

    return contact_panel(**page)


def _index_panel(**page: Any) -> dict[str, Any]:
    from pmhc.care.referral_views import index_panel

    return index_panel(**page)


def _start_referral_reminders() -> str:
    # Imported when the worker starts, not when the apps load: tasks reach the services.
    from pmhc.care.tasks import schedule_referral_reminders

    return schedule_referral_reminders()


def _utilizer_case(**page: Any) -> dict[str, Any]:
    # Imported when the page is shown, not when the apps load: views reach forms and services.
    from pmhc.care.case_views import utilizer_panel

    return utilizer_panel(**page)


def _index_caseload(**page: Any) -> dict[str, Any]:
    from pmhc.care.case_views import index_panel

    return index_panel(**page)


def _follow_up_case(**page: Any) -> dict[str, Any]:
    from pmhc.care.case_views import follow_up_panel

    return follow_up_panel(**page)


def _follow_up_done(actor: Actor, note: ContactNote) -> None:
    from pmhc.care.case_services import log_follow_up_done

    log_follow_up_done(actor, note)


def _start_daily_reminders() -> str:
    # Imported when the worker starts, not when the apps load: tasks reach the services.
    from pmhc.care.tasks import schedule_daily_reminders

    return schedule_daily_reminders()
