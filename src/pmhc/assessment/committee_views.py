"""A program's committee assessment, for its coordinator: open, invite, see the combined
answers, agree ratings, read and download the report, close, and compare with another."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.assessment import pdf, reporting, scoring, selectors, services
from pmhc.assessment.forms import (
    AgreeForm,
    CompareForm,
    InviteForm,
    OpenAssessmentForm,
    ProfileForm,
)
from pmhc.assessment.models import Assessment
from pmhc.assessment.views import actor_of
from pmhc.platform.access import Action
from pmhc.platform.forms import apply_errors


@login_required
def new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    programs = selectors.programs_for(actor)
    if not programs:
        raise Http404("Not found")
    earlier = [a for a in selectors.program_assessments(actor) if a.organization in programs]
    form = OpenAssessmentForm(
        request.POST or None,
        programs=programs,
        earlier=earlier,
        initial={"invite_again_from": earlier[0].pk if earlier else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.open_assessment(
                actor,
                organization=form.cleaned_data["organization"],
                title=form.cleaned_data["title"],
                invite_again_from=form.cleaned_data["invite_again_from"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        else:
            messages.success(request, _("Assessment opened. Now invite the committee."))
            return redirect("assess_detail", pk=assessment.pk)
    return render(
        request, "assessment/new.html", {"form": form}, status=400 if form.errors else 200
    )


def _agreed_counts(assessment: Assessment) -> list[tuple[int, str, int, int]]:
    agreed = selectors.agreed_of(assessment)
    edition = selectors.edition_of(assessment)
    return [
        (
            element.number,
            element.title,
            sum(1 for item in element.items if item.key in agreed),
            len(element.items),
        )
        for element in edition.elements
    ]


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk)
    edition = selectors.edition_of(assessment)
    agreed = _agreed_counts(assessment)
    return render(
        request,
        "assessment/detail.html",
        {
            "assessment": assessment,
            "edition": edition,
            "respondents": selectors.respondents_of(assessment),
            "agreed": agreed,
            "agreed_total": sum(row[2] for row in agreed),
            "can_change": selectors.may_change(actor, assessment),
            "others": selectors.comparable(actor, assessment),
            "profile": [
                (q.label, q.label_for(assessment.profile.get(q.key, "")))
                for q in edition.profile
                if assessment.profile.get(q.key)
            ],
        },
    )


@login_required
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk, Action.CHANGE)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            respondent = services.invite(actor, assessment=assessment, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Invitation sent to %(name)s (%(how)s).")
                % {
                    "name": respondent.name,
                    "how": _("answers signed in")
                    if respondent.user_id
                    else _("answers by private link"),
                },
            )
            if "another" in request.POST:
                return redirect("assess_invite", pk=assessment.pk)
            return redirect("assess_detail", pk=assessment.pk)
    return render(
        request,
        "assessment/invite.html",
        {"assessment": assessment, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def profile(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk, Action.CHANGE)
    edition = selectors.edition_of(assessment)
    form = ProfileForm(request.POST or None, questions=edition.profile, initial=assessment.profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_committee_profile(actor, assessment=assessment, answers=form.answers())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Agency profile saved."))
            return redirect("assess_detail", pk=assessment.pk)
    return render(
        request,
        "assessment/profile.html",
        {"assessment": assessment, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def combined(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk)
    edition = selectors.edition_of(assessment)
    rows = selectors.combined(assessment)
    by_element = [
        (element, [r for r in rows if r.item.element == element.number])
        for element in edition.elements
    ]
    return render(
        request,
        "assessment/combined.html",
        {
            "assessment": assessment,
            "by_element": by_element,
            "divides": scoring.widest_divides(rows),
            "chart": reporting.perspective_chart(rows, edition),
            "sides": reporting.sides_by_element(rows, edition),
            "respondents": selectors.respondents_of(assessment),
            "can_change": selectors.may_change(actor, assessment),
        },
    )


@login_required
def agree(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk, Action.CHANGE)
    edition = selectors.edition_of(assessment)
    element = edition.find(number)
    if element is None:
        raise Http404("Not found")
    spreads = {r.item.key: r for r in selectors.combined(assessment) if r.item.element == number}
    form = AgreeForm(
        request.POST or None,
        element=element,
        initial=AgreeForm.initial_for(element, selectors.agreed_of(assessment)),
    )
    numbers = [e.number for e in edition.elements]
    position = numbers.index(number)
    following = numbers[position + 1] if position + 1 < len(numbers) else None
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.agree_ratings(actor, assessment=assessment, ratings=form.answers())
        except ValidationError as exc:
            form.errors_by_service(exc)
        else:
            messages.success(
                request,
                _("Element %(n)d: %(count)d agreed rating(s) saved.")
                % {"n": number, "count": changed},
            )
            if following is not None and "next" in request.POST:
                return redirect("assess_agree", pk=assessment.pk, number=following)
            return redirect("assess_detail", pk=assessment.pk)
    return render(
        request,
        "assessment/agree.html",
        {
            "assessment": assessment,
            "element": element,
            "form": form,
            "rows": form.rows(spreads),
            "following": following,
        },
        status=400 if form.errors else 200,
    )


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk)
    edition = selectors.edition_of(assessment)
    result = selectors.report_for(assessment)
    assert assessment.organization is not None
    return render(
        request,
        "assessment/report.html",
        {
            "assessment": assessment,
            "report": result,
            "chart": reporting.score_chart(result),
            "help": selectors.help_for(result),
            "profile": [
                (q.label, q.label_for(assessment.profile.get(q.key, "")))
                for q in edition.profile
                if assessment.profile.get(q.key)
            ],
            "program": assessment.organization.name,
            "pdf_link": reverse("assess_report_pdf", args=[assessment.pk]),
            "csv_link": reverse("assess_answers_csv", args=[assessment.pk]),
            "back_link": reverse("assess_detail", args=[assessment.pk]),
            "can_plan": selectors.may_change(actor, assessment),
        },
    )


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk, Action.EXPORT)
    result = selectors.report_for(assessment)
    services.record_download(actor, assessment=assessment, kind="pdf")
    assert assessment.organization is not None
    document = pdf.report_pdf(
        assessment, result, selectors.help_for(result), program=assessment.organization.name
    )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="pmhc-self-assessment-{assessment.pk}.pdf"'
    )
    return response


@login_required
def answers_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk, Action.EXPORT)
    services.record_download(actor, assessment=assessment, kind="csv")
    return reporting.csv_download(
        assessment,
        selectors.edition_of(assessment),
        selectors.answer_sheet(assessment),
        f"pmhc-self-assessment-{assessment.pk}-answers.csv",
    )


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk, Action.CHANGE)
    services.close_assessment(actor, assessment=assessment)
    messages.success(request, _("Assessment closed. Its answers and ratings are now fixed."))
    return redirect("assess_detail", pk=assessment.pk)


@login_required
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    assessment = selectors.assessment_for(actor, pk)
    others = selectors.comparable(actor, assessment)
    if not others:
        messages.info(request, _("There is no other assessment of this program to compare with."))
        return redirect("assess_detail", pk=assessment.pk)
    choices = sorted([assessment, *others], key=lambda a: (a.opened_at, a.pk))
    earlier = [a for a in choices if a.opened_at <= assessment.opened_at and a.pk != assessment.pk]
    default_before = earlier[-1] if earlier else others[0]
    form = CompareForm(
        request.GET or None,
        assessments=choices,
        initial={"before": default_before.pk, "after": assessment.pk},
    )
    before, after = default_before, assessment
    if form.is_bound and form.is_valid():
        before, after = form.cleaned_data["before"], form.cleaned_data["after"]
    comparison = scoring.compare(selectors.report_for(before), selectors.report_for(after))
    return render(
        request,
        "assessment/compare.html",
        {
            "assessment": assessment,
            "form": form,
            "before": before,
            "after": after,
            "comparison": comparison,
            "chart": reporting.comparison_chart(comparison),
        },
    )
