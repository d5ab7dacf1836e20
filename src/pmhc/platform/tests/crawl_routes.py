"""Every URL pattern of the product, and how the authorization crawl fills each one.

The patterns come from the resolver, never from a list, so a new page is crawled as soon as it
is routed. A pattern with arguments is crawled only once ``FILLS`` says where each argument
comes from; until then the crawl fails and names it. How to fill an argument:

- ``Owned(pick, attr)``: a record a holder organization owns, ``pick(holdings)``, written into
  the URL by ``attr`` (its ``pk``, ``slug`` or ``reference``). The crawl tries the owner's
  record, the unrelated organization's record and a missing one, and expects a record the
  caller may not see to answer exactly like the missing one. ``pick`` may give several
  records (a draft report and an accepted one); each is crawled.
- ``Bearer(token, opens)``: a private link's token. Whoever holds it may see what it opens, so
  those records' strings are allowed on that page; the crawl also tries a token that opens
  nothing.
- ``Public(pick)``: a record everyone may see (a learning site, a toolkit page).
- ``Fixed(value)``: a value that is not a record (an element number, a step name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter
from rest_framework.views import APIView

from pmhc.platform.tests.crawl_world import OWNER, UNRELATED, Holdings, World

MISSING_INT = 999_999_999
MISSING_TEXT = "missing-999999999"
MISSING_UUID = "00000000-0000-4000-8000-000000000999"


@dataclass(frozen=True)
class Owned:
    pick: Callable[[Holdings], models.Model | Sequence[models.Model]]
    attr: str = "pk"


@dataclass(frozen=True)
class Bearer:
    token: Callable[[World], str]
    opens: Callable[[World], Sequence[models.Model]]


@dataclass(frozen=True)
class Public:
    pick: Callable[[World], str | int]


@dataclass(frozen=True)
class Fixed:
    value: str | int


Fill = Owned | Bearer | Public | Fixed


def _org(h: Holdings) -> models.Model:
    return h.organization


ORG = Owned(_org, "slug")
ONE = Fixed(1)


def _owner(pick: Callable[[Holdings], Any]) -> Callable[[World], Any]:
    return lambda w: pick(w.holdings[OWNER])


LINK = Bearer(
    _owner(lambda h: h.link_token),
    _owner(lambda h: [h.link_respondent, h.assessment]),
)
QUICK = Bearer(lambda w: w.quick_token, lambda w: [])


def _identity(holdings: Holdings) -> models.Model:
    """The person the holder resolved its two records of one person into."""
    identity = holdings.person.identity
    assert identity is not None
    return identity


HOME_SAFE_LINK = Bearer(_owner(lambda h: h.enrolment_token), _owner(lambda h: [h.enrolment]))
HOME_SAFE_AGENCY = Public(lambda w: w.organizations[OWNER].slug)

#: Where every argument of every pattern comes from, by URL name and argument name.
FILLS: dict[str, dict[str, Fill]] = {
    # --- Home Safe: the public's pages, the family's private link, the agency's pages -------
    "homesafe_enrol": {"slug": HOME_SAFE_AGENCY},
    "homesafe_ask": {"slug": HOME_SAFE_AGENCY},
    **{
        name: {"token": HOME_SAFE_LINK}
        for name in (
            "homesafe_confirm",
            "homesafe_mine",
            "homesafe_change",
            "homesafe_reconfirm",
            "homesafe_withdraw",
            "homesafe_family_photo",
            "homesafe_ask_mine",
        )
    },
    "homesafe_enrolment": {"reference": Owned(lambda h: h.enrolment, "reference")},
    "homesafe_photo": {"reference": Owned(lambda h: h.enrolment, "reference")},
    "homesafe_correction": {"reference": Owned(lambda h: h.correction, "reference")},
    # --- Platform: an organization's own administration and the platform API -------------
    "org_detail": {"slug": ORG},
    "member_list": {"slug": ORG},
    "member_edit": {"slug": ORG, "pk": Owned(lambda h: h.membership)},
    "member_invitation_cancel": {"slug": ORG, "pk": Owned(lambda h: h.invitation)},
    # The invitation's link: only the invited account may act on it, whoever holds the link.
    "invitation_accept": {
        "token": Bearer(_owner(lambda h: h.invitation_token), _owner(lambda h: [h.invitation]))
    },
    # A confirmation link that matches no request: the page must say so, never fail.
    "email_change_confirm": {"token": Fixed("c0ffee-beef")},
    "agreement_list": {"slug": ORG},
    "agreement_new": {"slug": ORG},
    "agreement_detail": {"slug": ORG, "pk": Owned(lambda h: h.agreement)},
    "agreement_document": {"slug": ORG, "pk": Owned(lambda h: h.agreement)},
    "agreement_accept": {"slug": ORG, "pk": Owned(lambda h: h.agreement)},
    "agreement_decline": {"slug": ORG, "pk": Owned(lambda h: h.agreement)},
    "agreement_amend": {"slug": ORG, "pk": Owned(lambda h: h.agreement)},
    "agreement_end": {"slug": ORG, "pk": Owned(lambda h: h.agreement)},
    "api_key_list": {"slug": ORG},
    "api_key_revoke": {"slug": ORG, "pk": Owned(lambda h: h.api_key)},
    "email_list": {"slug": ORG},
    "email_retry": {"slug": ORG, "pk": Owned(lambda h: h.email)},
    "audit_list": {"slug": ORG},
    "audit_export": {"slug": ORG},
    "retention": {"slug": ORG},
    "api_organization": {"slug": ORG},
    # A reset link that matches no account: the page must say so, never fail.
    "password_reset_confirm": {"uidb64": Fixed("MTIzNDU2Nzg"), "token": Fixed("c0ffee-beef")},
    # --- Learn: the toolkit's public pages and what TTA staff keep ---------------------------
    "learn_program": {"slug": Public(lambda w: w.public["program_slug"])},
    "learn_element": {"number": ONE},
    "learn_edit": {
        "kind": Fixed("program_type"),
        "slug": Public(lambda w: w.public["program_slug"]),
    },
    "learn_manage": {"kind": Fixed("faq")},
    "learn_manage_add": {"kind": Fixed("faq")},
    "learn_manage_act": {
        "kind": Fixed("faq"),
        "slug": Public(lambda w: w.public["faq_slug"]),
    },
    "sites_detail": {"pk": Public(lambda w: w.public["site_pk"])},
    "sites_edit": {"pk": Public(lambda w: w.public["site_pk"])},
    "ta_status": {"token": Bearer(_owner(lambda h: h.ta_token), _owner(lambda h: [h.ta_request]))},
    "ta_choose_date": {
        "token": Bearer(_owner(lambda h: h.ta_token), _owner(lambda h: [h.ta_request]))
    },
    "ta_travel": {"token": Bearer(_owner(lambda h: h.ta_token), _owner(lambda h: [h.ta_request]))},
    "ta_detail": {"reference": Owned(lambda h: h.ta_request, "reference")},
    # A learning site's own pages: the request is reached through the site matched to it.
    "site_request": {"reference": Owned(lambda h: h.ta_request, "reference")},
    "site_request_answer": {"reference": Owned(lambda h: h.ta_request, "reference")},
    "site_request_visit": {"reference": Owned(lambda h: h.ta_request, "reference")},
    "sites_invite": {"pk": Public(lambda w: w.public["site_pk"])},
    "sites_account_remove": {"pk": Public(lambda w: w.public["site_pk"])},
    "sites_invitation_cancel": {"pk": Public(lambda w: w.public["site_pk"])},
    "ta_action": {"reference": Owned(lambda h: h.ta_request, "reference"), "step": Fixed("note")},
    "library_status": {
        "token": Bearer(_owner(lambda h: h.library_token), _owner(lambda h: [h.library_item]))
    },
    "library_review_item": {"pk": Owned(lambda h: h.library_item)},
    # The unpublished submission: nobody sees it on the public page, not even its reviewers.
    "library_item": {"pk": Owned(lambda h: h.library_item)},
    "library_file": {"pk": Owned(lambda h: h.library_item)},
    # --- Assess ----------------------------------------------------------------------------
    "assess_respond": {"token": LINK},
    "assess_respond_profile": {"token": LINK},
    "assess_respond_element": {"token": LINK, "number": ONE},
    "assess_respond_review": {"token": LINK},
    "assess_respond_results": {"token": QUICK},
    "assess_respond_pdf": {"token": QUICK},
    "assess_respond_csv": {"token": QUICK},
    "assess_mine": {"pk": Owned(lambda h: h.account_respondent)},
    "assess_mine_element": {"pk": Owned(lambda h: h.account_respondent), "number": ONE},
    "assess_mine_review": {"pk": Owned(lambda h: h.account_respondent)},
    "assess_detail": {"pk": Owned(lambda h: h.assessment)},
    "assess_invite": {"pk": Owned(lambda h: h.assessment)},
    "assess_profile": {"pk": Owned(lambda h: h.assessment)},
    "assess_combined": {"pk": Owned(lambda h: h.assessment)},
    "assess_agree": {"pk": Owned(lambda h: h.assessment), "number": ONE},
    "assess_report": {"pk": Owned(lambda h: h.assessment)},
    "assess_report_pdf": {"pk": Owned(lambda h: h.assessment)},
    "assess_answers_csv": {"pk": Owned(lambda h: h.assessment)},
    "assess_close": {"pk": Owned(lambda h: h.assessment)},
    "assess_compare": {"pk": Owned(lambda h: h.assessment)},
    "assess_action_edit": {"pk": Owned(lambda h: h.action)},
    "assess_edition": {"number": Public(lambda w: 1)},
    "assess_draft_element": {"number": ONE},
    # --- Train -----------------------------------------------------------------------------
    "training_trainee": {"pk": Owned(lambda h: h.trainee)},
    "training_trainee_edit": {"pk": Owned(lambda h: h.trainee)},
    "training_completion_new": {"pk": Owned(lambda h: h.trainee)},
    "training_course_edit": {"pk": Owned(lambda h: h.course)},
    "training_session": {"pk": Owned(lambda h: h.session)},
    "training_session_edit": {"pk": Owned(lambda h: h.session)},
    "training_enrollment_status": {"pk": Owned(lambda h: h.enrollment)},
    "training_import_preview": {"pk": Owned(lambda h: h.roster_import)},
    "training_import_apply": {"pk": Owned(lambda h: h.roster_import)},
    # --- Operate: dispatch -----------------------------------------------------------------
    "dispatch_call": {"pk": Owned(lambda h: [h.call, h.imported_call])},
    "dispatch_call_assign": {"pk": Owned(lambda h: h.call)},
    "dispatch_call_times": {"pk": Owned(lambda h: h.call)},
    "dispatch_rules_version": {"pk": Owned(lambda h: h.rule_set)},
    "dispatch_shift_edit": {"pk": Owned(lambda h: h.shift)},
    "evaluation_change_edit": {"pk": Owned(lambda h: h.program_change)},
    "evaluation_change_remove": {"pk": Owned(lambda h: h.program_change)},
    "dispatch_shift_delete": {"pk": Owned(lambda h: h.shift)},
    "dispatch_team_edit": {"pk": Owned(lambda h: h.team)},
    "dispatch_team_status": {"pk": Owned(lambda h: h.team)},
    "dispatch_unit_call": {"pk": Owned(lambda h: h.unit_assignment)},
    "dispatch_unit_step": {"pk": Owned(lambda h: h.unit_assignment)},
    "dispatch_import": {"pk": Owned(lambda h: h.call_import)},
    "dispatch_import_rejects": {"pk": Owned(lambda h: h.call_import)},
    "dispatch_mapping": {"pk": Owned(lambda h: h.mapping)},
    "api_call_triage": {"pk": Owned(lambda h: h.call)},
    "api_person_consents": {"pk": Owned(lambda h: h.person)},
    # --- Operate: response and people --------------------------------------------------------
    "response_encounter_new": {"call_pk": Owned(lambda h: h.call)},
    "response_encounter": {"pk": Owned(lambda h: [h.draft_encounter, h.accepted_encounter])},
    "response_responder_add": {"pk": Owned(lambda h: h.draft_encounter)},
    "response_responder_remove": {
        "pk": Owned(lambda h: h.draft_encounter),
        "responder_pk": Owned(lambda h: h.responder),
    },
    "response_person_add": {"pk": Owned(lambda h: h.draft_encounter)},
    "response_person_remove": {
        "pk": Owned(lambda h: h.draft_encounter),
        "link_pk": Owned(lambda h: h.encounter_person),
    },
    "response_review": {"pk": Owned(lambda h: h.accepted_encounter)},
    "response_amend": {"pk": Owned(lambda h: h.accepted_encounter)},
    "response_disposition_edit": {"pk": Owned(lambda h: h.disposition)},
    "response_contact_new": {"assignment_pk": Owned(lambda h: h.unit_assignment)},
    "response_contact": {"pk": Owned(lambda h: h.contact_note)},
    "care_referral": {"pk": Owned(lambda h: h.referral)},
    "care_referral_close": {"pk": Owned(lambda h: h.referral)},
    "care_referral_received": {"pk": Owned(lambda h: h.referral)},
    "care_referral_move": {"pk": Owned(lambda h: h.referral)},
    "api_referral_service_request": {"fhir_id": Owned(lambda h: h.referral, "fhir_id")},
    "api_referral_task": {"fhir_id": Owned(lambda h: h.referral, "fhir_id")},
    "response_follow_up_done": {"pk": Owned(lambda h: h.contact_note)},
    "people_person": {"pk": Owned(lambda h: h.person)},
    "people_person_edit": {"pk": Owned(lambda h: h.person)},
    "people_pair": {"pk": Owned(lambda h: h.identity_pair)},
    "people_identity": {"pk": Owned(_identity)},
    "people_identity_merge": {"pk": Owned(_identity)},
    "people_take_out": {"pk": Owned(lambda h: h.person)},
    "people_undo": {"pk": Owned(lambda h: h.identity_change)},
    "people_plan": {"pk": Owned(lambda h: h.person)},
    "people_plan_draft": {"pk": Owned(lambda h: h.person)},
    "people_plan_version": {"pk": Owned(lambda h: h.plan_version)},
    "people_plan_submit": {"pk": Owned(lambda h: h.plan_version)},
    "people_plan_approve": {"pk": Owned(lambda h: h.plan_version)},
    "people_plan_retire": {"pk": Owned(lambda h: h.plan)},
    **{
        name: {"reference": Owned(lambda h: h.search.enrolment, "reference")}
        for name in (
            "homesafe_search_enrolment",
            "homesafe_search_photo",
            "homesafe_incident_open",
        )
    },
    **{
        name: {"reference": Owned(lambda h: h.search.incident, "reference")}
        for name in (
            "homesafe_incident",
            "homesafe_incident_sighting",
            "homesafe_incident_found",
            "homesafe_incident_close",
            "homesafe_incident_flyer",
        )
    },
    "dispatch_call_plan": {"pk": Owned(lambda h: h.call), "plan_pk": Owned(lambda h: h.plan)},
    "people_consents": {"pk": Owned(lambda h: h.person)},
    "people_consent_new": {"pk": Owned(lambda h: h.person)},
    "people_consent_blank_pdf": {"pk": Owned(lambda h: h.person)},
    "people_consent": {"pk": Owned(lambda h: h.person), "consent_pk": Owned(lambda h: h.consent)},
    "people_consent_revoke": {
        "pk": Owned(lambda h: h.person),
        "consent_pk": Owned(lambda h: h.consent),
    },
    "people_consent_pdf": {
        "pk": Owned(lambda h: h.person),
        "consent_pk": Owned(lambda h: h.consent),
    },
    "people_consent_document": {
        "pk": Owned(lambda h: h.person),
        "consent_pk": Owned(lambda h: h.consent),
    },
    # --- Operate: care ---------------------------------------------------------------------
    "care_service": {"pk": Owned(lambda h: h.service)},
    "care_service_edit": {"pk": Owned(lambda h: h.service)},
    "care_capacity": {"pk": Owned(lambda h: h.service)},
    "care_service_listing": {"pk": Owned(lambda h: h.service)},
    "care_case": {"pk": Owned(lambda h: h.case)},
    "care_contact_new": {"pk": Owned(lambda h: h.case)},
    "care_case_plan": {"pk": Owned(lambda h: h.case)},
    "care_case_transfer": {"pk": Owned(lambda h: h.case)},
    "care_case_close": {"pk": Owned(lambda h: h.case)},
    "care_case_reopen": {"pk": Owned(lambda h: h.case)},
    # --- Measure ---------------------------------------------------------------------------
    # A public page that is not published answers like a missing one, to everyone.
    "measure_public": {"slug": ORG},
}

#: Patterns the crawl leaves alone, each with its reason. Keep this short: a pattern here is
#: a page nobody checks.
SKIPPED: dict[str, str] = {}

#: Patterns crawled last for each caller: they end the caller's session.
LAST = ("logout",)


def _extra_paths(w: World) -> list[tuple[str, str]]:
    """Pages worth a second look with a query or another record: searches that would list
    the people of either holder, the agency-wide lists, a published library item."""
    owner, unrelated = w.holdings[OWNER], w.holdings[UNRELATED]
    queries: list[tuple[str, dict[str, Any], str]] = [
        ("people_index", {}, f"q={owner.person.family_name}"),
        ("care_case_new", {}, f"person={owner.person.pk}"),
        ("care_case_new", {}, f"person={unrelated.person.pk}"),
        ("people_index", {}, f"q={unrelated.person.family_name}"),
        ("people_index", {}, f"q={owner.person.aliases.values_list('name', flat=True)[0]}"),
        ("response_index", {}, "scope=agency"),
        ("dispatch_calls", {}, "district=North"),
        ("ta_queue", {}, "show=all"),
        ("library_review", {}, "status=all"),
        ("library_index", {}, f"q={owner.published_item.title.split()[-1]}"),
        ("library_item", {"pk": owner.published_item.pk}, ""),
        ("library_review_item", {"pk": owner.published_item.pk}, ""),
        ("audit_list", {"slug": owner.organization.slug}, "text=person"),
        ("care_now", {}, "latitude=40&longitude=-90"),
        ("care_now", {}, f"call={owner.call.pk}"),
    ]
    return [
        (name, reverse(name, kwargs=kwargs) + (f"?{query}" if query else ""))
        for name, kwargs, query in queries
    ]


EXTRAS: Callable[[World], list[tuple[str, str]]] = _extra_paths


@dataclass(frozen=True)
class Route:
    """One URL pattern: its name, its route, its arguments and their converters."""

    name: str
    route: str
    converters: dict[str, Any]
    callback: Callable[..., Any]

    @property
    def is_api(self) -> bool:
        cls = getattr(self.callback, "cls", None)
        return isinstance(cls, type) and issubclass(cls, APIView)

    def missing_value(self, kwarg: str) -> str | int:
        converter = self.converters.get(kwarg)
        if isinstance(converter, IntConverter):
            return MISSING_INT
        if isinstance(converter, UUIDConverter):
            return MISSING_UUID
        return MISSING_TEXT


def _walk(
    patterns: Sequence[URLPattern | URLResolver], prefix: str, converters: dict[str, Any]
) -> Iterator[Route]:
    for pattern in patterns:
        found = dict(converters)
        found.update(getattr(pattern.pattern, "converters", {}) or {})
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route, found)
        else:
            arguments = pattern.pattern.regex.groupindex
            found.update({name: None for name in arguments if name not in found})
            yield Route(pattern.name or route, route, found, pattern.callback)


def all_routes() -> list[Route]:
    """Every pattern the resolver knows, the API under /api/v1/ included."""
    return list(_walk(get_resolver().url_patterns, "", {}))
