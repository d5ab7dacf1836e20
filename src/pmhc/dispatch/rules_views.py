"""The routing rules editor: the published version, the history, the draft edited through a
structured form, a try-out against sample answers, and publishing. Coordinators only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.dispatch import rules_services, selectors, triage
from pmhc.dispatch.forms import RuleForm, RuleFormSet, RulesNoteForm, TryForm
from pmhc.dispatch.models import Routing, TriageRuleSet
from pmhc.platform.access import Action, Actor
from pmhc.platform.http import actor_of
from pmhc.platform.models import Organization


def _organization(actor: Actor) -> Organization:
    return selectors.require(selectors.rules_organization(actor))


def _rows(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    labels = dict(Routing.choices)
    return [
        rule
        | {
            "summary": triage.rule_summary(rule),
            "route_label": labels.get(rule["route"], ""),
            "add_labels": [labels.get(unit, unit) for unit in rule.get("add") or []],
        }
        for rule in triage.upgrade_rules(rules)
    ]


def _history(versions: list[TriageRuleSet]) -> list[dict[str, Any]]:
    rows = []
    for index, version in enumerate(versions):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        changes = (
            triage.describe_changes(previous.rules, version.rules)
            if previous is not None
            else [_("First version.")]
        )
        rows.append({"version": version, "changes": changes})
    return rows


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = _organization(actor)
    versions = selectors.rule_sets(actor, organization)
    published = next((v for v in versions if v.is_published), None)
    draft = versions[0] if versions and not versions[0].is_published else None
    return render(
        request,
        "dispatch/rules.html",
        {
            "organization": organization,
            "published": published,
            "published_rows": _rows(published.rules) if published else [],
            "defaults": _rows(triage.default_rules()) if published is None else [],
            "draft": draft,
            "history": _history(versions),
        },
    )


@login_required
def version(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    _organization(actor)
    found = selectors.rule_set_detail(actor, pk, Action.CHANGE)
    return render(
        request, "dispatch/rules_version.html", {"rule_set": found, "rows": _rows(found.rules)}
    )


def _starting_rules(organization: Organization) -> tuple[list[dict[str, Any]], str]:
    draft = selectors.rules_draft(organization)
    if draft is not None:
        return draft.rules, draft.note
    published = selectors.published_rule_set(organization)
    if published is not None:
        published.refresh_from_db(fields=["rules"])
        return published.rules, ""
    return triage.default_rules(), ""


@login_required
def draft(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = _organization(actor)
    current, note = _starting_rules(organization)
    initial = [
        RuleForm.initial_for(rule, n * 10)
        for n, rule in enumerate(triage.upgrade_rules(current), start=1)
    ]
    service_errors: list[str] = []
    if request.method == "POST":
        formset = RuleFormSet(request.POST, prefix="rule")
        note_form = RulesNoteForm(request.POST)
        if formset.is_valid() and note_form.is_valid():
            kept = [
                (form.cleaned_data["order"], n, form.rule())
                for n, form in enumerate(formset.forms)
                if form.cleaned_data and not form.cleaned_data.get("delete")
            ]
            ordered = [rule for _order, _n, rule in sorted(kept, key=lambda x: (x[0], x[1]))]
            try:
                rules_services.save_rules_draft(
                    actor,
                    organization=organization,
                    rules=ordered,
                    note=note_form.cleaned_data["note"],
                )
            except ValidationError as exc:
                service_errors = exc.messages
            else:
                messages.success(request, _("Draft saved. Try it, then publish it."))
                return redirect("dispatch_rules_draft")
        status = 400
    else:
        formset = RuleFormSet(initial=initial, prefix="rule")
        note_form = RulesNoteForm(initial={"note": note})
        status = 200
    return render(
        request,
        "dispatch/rules_draft.html",
        {
            "formset": formset,
            "note_form": note_form,
            "errors": service_errors,
            "draft": selectors.rules_draft(organization),
        },
        status=status,
    )


@login_required
def try_draft(request: HttpRequest) -> HttpResponse:
    """Run sample answers through the draft (or, without one, the published rules) and the
    published version side by side; nothing is saved."""
    actor = actor_of(request)
    organization = _organization(actor)
    form = TryForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "draft": selectors.rules_draft(organization)}
    if form.is_bound and form.is_valid():
        answers = triage.clean_answers(dict(form.cleaned_data))
        current, _note = _starting_rules(organization)
        try:
            context["draft_result"] = triage.evaluate(triage.compile_rules(current), answers)
        except ValidationError as exc:
            context["draft_errors"] = exc.messages
        published = selectors.published_rule_set(organization)
        if published is not None:
            context["published"] = published
            context["published_result"] = triage.evaluate(selectors.compiled(published), answers)
    return render(request, "dispatch/rules_try.html", context)


@login_required
@require_POST
def publish(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = _organization(actor)
    found = selectors.rules_draft(organization)
    if found is None:
        raise Http404("Not found")
    try:
        published = rules_services.publish_rules(actor, rule_set=found)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("dispatch_rules_draft")
    messages.success(
        request,
        _("Version %(v)d published: new calls use it.") % {"v": published.version},
    )
    return redirect("dispatch_rules")
