"""The Assess home page and answering: the quick public sitting (private link, results at
once) and a committee respondent's own answers (signed in, or by private link)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from pmhc.assessment import pdf, reporting, selectors, services
from pmhc.assessment.forms import ElementAnswersForm, ProfileForm
from pmhc.assessment.instrument import Edition
from pmhc.assessment.instrument_services import may_revise
from pmhc.assessment.models import Mode, Respondent
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of


def home(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    edition = services.current_instrument()
    context: dict[str, object] = {
        "edition": edition,
        "item_count": selectors.edition_of_instrument(edition).item_count,
    }
    if actor.is_authenticated:
        context.update(
            {
                "waiting": selectors.waiting_for(actor),
                "programs": selectors.programs_for(actor),
                "assessments": list(selectors.program_assessments(actor)),
                "plan_programs": selectors.plan_organizations(actor),
                "overdue": selectors.overdue_count(actor),
                "may_revise": may_revise(actor),
            }
        )
    return render(request, "assessment/home.html", context)


@require_POST
def quick_start(request: HttpRequest) -> HttpResponse:
    try:
        _assessment, token = services.start_quick(actor_of(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("assess_home")
    messages.success(
        request,
        _(
            "Your self-assessment has started. Bookmark this page: its address is your private "
            "link back to your answers and results."
        ),
    )
    return redirect("assess_respond_profile", token=token)


# --- One respondent's answers ----------------------------------------------------------------


@dataclass(frozen=True)
class Sitting:
    """A respondent reached by their private link (``token``) or as the invited account."""

    respondent: Respondent
    token: str
    edition: Edition

    @property
    def quick(self) -> bool:
        return self.respondent.assessment.mode == Mode.QUICK

    def url(self, name: str, *args: object) -> str:
        if self.token:
            return reverse(f"assess_respond{name}", args=[self.token, *args])
        return reverse(f"assess_mine{name}", args=[self.respondent.pk, *args])


def _sitting(request: HttpRequest, token: str = "", pk: int | None = None) -> Sitting:
    actor = actor_of(request)
    if token:
        respondent = selectors.respondent_by_token(token)
    elif pk is not None:
        respondent = selectors.respondent_for_user(actor, pk)
    else:
        raise Http404("Not found")
    return Sitting(respondent, token, selectors.edition_of(respondent.assessment))


def _progress(sitting: Sitting) -> list[tuple[int, str, int, int, str]]:
    """Per element: number, title, answered, items, link."""
    answered = selectors.ratings_of(sitting.respondent)
    rows = []
    for element in sitting.edition.elements:
        done = sum(
            1
            for item in element.items
            if item.key in answered
            and (answered[item.key].rating is not None or answered[item.key].dont_know)
        )
        rows.append(
            (
                element.number,
                element.title,
                done,
                len(element.items),
                sitting.url("_element", element.number),
            )
        )
    return rows


@never_cache
def respond_overview(request: HttpRequest, token: str = "", pk: int | None = None) -> HttpResponse:
    sitting = _sitting(request, token, pk)
    progress = _progress(sitting)
    return render(
        request,
        "assessment/respond_overview.html",
        {
            "sitting": sitting,
            "assessment": sitting.respondent.assessment,
            "progress": progress,
            "answered": sum(row[2] for row in progress),
            "total": sitting.edition.item_count,
            "first_link": sitting.url("_element", sitting.edition.elements[0].number),
            "profile_link": sitting.url("_profile") if sitting.quick else "",
            "results_link": sitting.url("_results") if sitting.quick else "",
            "review_link": "" if sitting.quick else sitting.url("_review"),
        },
    )


@never_cache
def respond_profile(request: HttpRequest, token: str) -> HttpResponse:
    sitting = _sitting(request, token)
    if not sitting.quick:
        raise Http404("Not found")
    assessment = sitting.respondent.assessment
    form = ProfileForm(
        request.POST or None, questions=sitting.edition.profile, initial=assessment.profile
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_quick_profile(
                actor_of(request),
                respondent=sitting.respondent,
                token=token,
                answers=form.answers(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect(sitting.url("_element", sitting.edition.elements[0].number))
    return render(
        request,
        "assessment/respond_profile.html",
        {"sitting": sitting, "assessment": assessment, "form": form},
        status=400 if form.errors else 200,
    )


@never_cache
def respond_element(
    request: HttpRequest, number: int, token: str = "", pk: int | None = None
) -> HttpResponse:
    sitting = _sitting(request, token, pk)
    element = sitting.edition.find(number)
    if element is None:
        raise Http404("Not found")
    assessment = sitting.respondent.assessment
    saved = selectors.ratings_of(sitting.respondent)
    form = ElementAnswersForm(
        request.POST or None,
        element=element,
        initial=ElementAnswersForm.initial_for(element, saved),
    )
    numbers = [e.number for e in sitting.edition.elements]
    position = numbers.index(number)
    following = numbers[position + 1] if position + 1 < len(numbers) else None
    if request.method == "POST" and assessment.is_open and form.is_valid():
        try:
            services.save_answers(
                actor_of(request),
                respondent=sitting.respondent,
                answers=form.answers(),
                token=token,
            )
        except ValidationError as exc:
            form.errors_by_service(exc)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        else:
            if following is not None:
                return redirect(sitting.url("_element", following))
            if sitting.quick:
                return redirect(sitting.url("_results"))
            return redirect(sitting.url("_review"))
    return render(
        request,
        "assessment/respond_element.html",
        {
            "sitting": sitting,
            "assessment": assessment,
            "element": element,
            "form": form,
            "rows": form.rows(),
            "position": position + 1,
            "count": len(numbers),
            "steps": [(n, n == number, n < number) for n in numbers],
            "previous_link": sitting.url("_element", numbers[position - 1]) if position else "",
            "overview_link": sitting.url(""),
            "is_last": following is None,
        },
        status=400 if form.errors else 200,
    )


@never_cache
def respond_review(request: HttpRequest, token: str = "", pk: int | None = None) -> HttpResponse:
    sitting = _sitting(request, token, pk)
    if sitting.quick:
        return redirect(sitting.url("_results"))
    if request.method == "POST":
        try:
            services.submit_answers(actor_of(request), respondent=sitting.respondent, token=token)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        else:
            messages.success(
                request,
                _(
                    "Thank you. Your answers are with the coordinator; you can change them "
                    "until the assessment closes."
                ),
            )
            return redirect(sitting.url(""))
    progress = _progress(sitting)
    return render(
        request,
        "assessment/respond_review.html",
        {
            "sitting": sitting,
            "assessment": sitting.respondent.assessment,
            "progress": progress,
            "answered": sum(row[2] for row in progress),
            "total": sitting.edition.item_count,
        },
    )


def _quick(request: HttpRequest, token: str) -> Sitting:
    sitting = _sitting(request, token)
    if not sitting.quick:
        raise Http404("Not found")
    return sitting


@never_cache
def respond_results(request: HttpRequest, token: str) -> HttpResponse:
    sitting = _quick(request, token)
    assessment = sitting.respondent.assessment
    report = selectors.report_for(assessment)
    profile = [
        (q.label, q.label_for(assessment.profile.get(q.key, "")))
        for q in sitting.edition.profile
        if assessment.profile.get(q.key)
    ]
    return render(
        request,
        "assessment/report.html",
        {
            "assessment": assessment,
            "report": report,
            "chart": reporting.score_chart(report),
            "help": selectors.help_for(report),
            "profile": profile,
            "pdf_link": sitting.url("_pdf"),
            "csv_link": sitting.url("_csv"),
            "back_link": sitting.url(""),
            "program": "",
            "can_plan": False,
        },
    )


@never_cache
def respond_pdf(request: HttpRequest, token: str) -> HttpResponse:
    sitting = _quick(request, token)
    assessment = sitting.respondent.assessment
    report = selectors.report_for(assessment)
    services.record_download(actor_of(request), assessment=assessment, kind="pdf")
    document = pdf.report_pdf(
        assessment, report, selectors.help_for(report), program=_("Quick self-assessment")
    )
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="pmhc-self-assessment.pdf"'
    return response


@never_cache
def respond_csv(request: HttpRequest, token: str) -> StreamingHttpResponse:
    sitting = _quick(request, token)
    assessment = sitting.respondent.assessment
    services.record_download(actor_of(request), assessment=assessment, kind="csv")
    return reporting.csv_download(
        assessment,
        sitting.edition,
        selectors.answer_sheet(assessment),
        "pmhc-self-assessment-answers.csv",
    )
