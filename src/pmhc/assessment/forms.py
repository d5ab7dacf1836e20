"""Input validation for the self-assessment's pages. Saving always goes through a service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _

from pmhc.assessment.instrument import Element, Item, ProfileQuestion
from pmhc.assessment.instrument_services import ItemRevision
from pmhc.assessment.models import LEVELS, ActionStatus, Assessment, Perspective
from pmhc.assessment.services import AnswerInput
from pmhc.platform.forms import USWDSMixin
from pmhc.platform.models import Organization

DONT_KNOW = "dk"
RATING_CHOICES = [(str(value), label) for value, label in LEVELS] + [(DONT_KNOW, _("Don't know"))]


DONT_KNOW_HINT = _("You cannot tell from where you sit; the committee will find out.")


def field_name(item: Item) -> str:
    """Item keys hold dots; form field names use the shown code instead ("3.2" -> "i3_2")."""
    return "i" + item.code.replace(".", "_")


def _to_input(value: str, note: str = "", evidence: str = "") -> AnswerInput:
    if value == DONT_KNOW:
        return AnswerInput(dont_know=True, note=note, evidence_url=evidence)
    if value in {"0", "1", "2", "3"}:
        return AnswerInput(rating=int(value), note=note, evidence_url=evidence)
    return AnswerInput(note=note, evidence_url=evidence)


def initial_value(rating: int | None, dont_know: bool) -> str:
    return DONT_KNOW if dont_know else ("" if rating is None else str(rating))


@dataclass
class ItemFields:
    """The bound fields of one item, for the template."""

    item: Item
    rating: BoundField
    note: BoundField
    evidence: BoundField | None
    extra: Any = None  # the combined figures on the committee's page

    @property
    def options(self) -> list[tuple[Any, str]]:
        """Each radio with the line that describes that step for this item."""
        descriptions = [*self.item.levels, str(DONT_KNOW_HINT)]
        return list(zip(self.rating, descriptions, strict=True))

    @property
    def has_extra_text(self) -> bool:
        return bool(self.note.value() or (self.evidence is not None and self.evidence.value()))


class ElementAnswersForm(forms.Form):
    """One element's items: a step of the continuum or "don't know" for each, with an optional
    note and evidence link. Nothing is required: a partial sitting is saved as it is."""

    def __init__(
        self,
        *args: Any,
        element: Element,
        with_evidence: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.element = element
        self.with_evidence = with_evidence
        for item in element.items:
            name = field_name(item)
            self.fields[name] = forms.ChoiceField(
                label=item.statement,
                choices=RATING_CHOICES,
                required=False,
                widget=forms.RadioSelect,
            )
            self.fields[f"{name}_note"] = forms.CharField(
                label=_("Note"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2, "class": "usa-textarea"}),
            )
            if with_evidence:
                self.fields[f"{name}_evidence"] = forms.URLField(
                    label=_("Evidence link"),
                    required=False,
                    max_length=500,
                    assume_scheme="https",
                    help_text=_("A web address of a document that shows it, if there is one."),
                    widget=forms.URLInput(attrs={"class": "usa-input"}),
                )

    def rows(self, extra: Mapping[str, Any] | None = None) -> list[ItemFields]:
        rows = []
        for item in self.element.items:
            name = field_name(item)
            rows.append(
                ItemFields(
                    item=item,
                    rating=self[name],
                    note=self[f"{name}_note"],
                    evidence=self[f"{name}_evidence"] if self.with_evidence else None,
                    extra=(extra or {}).get(item.key),
                )
            )
        return rows

    def answers(self) -> dict[str, AnswerInput]:
        data = self.cleaned_data
        result = {}
        for item in self.element.items:
            name = field_name(item)
            result[item.key] = _to_input(
                data.get(name) or "",
                data.get(f"{name}_note") or "",
                data.get(f"{name}_evidence") or "" if self.with_evidence else "",
            )
        return result

    @staticmethod
    def initial_for(element: Element, saved: Mapping[str, Any]) -> dict[str, str]:
        """Form initial values from saved answers (anything with rating, dont_know, note and
        optionally evidence_url)."""
        initial: dict[str, str] = {}
        for item in element.items:
            row = saved.get(item.key)
            if row is None:
                continue
            name = field_name(item)
            initial[name] = initial_value(row.rating, row.dont_know)
            initial[f"{name}_note"] = row.note
            initial[f"{name}_evidence"] = getattr(row, "evidence_url", "")
        return initial

    def errors_by_service(self, exc: ValidationError) -> None:
        """Put a service's errors on the right fields: those keyed by item key on the item's
        fields, the rest (a closed assessment, say, which is one message with no key) at the
        top of the form."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        names = {item.key: field_name(item) for item in self.element.items}
        for key, messages in exc.message_dict.items():
            base, _sep, part = key.partition("__")
            name = names.get(base)
            if name is None:
                self.add_error(None, messages)
            elif part == "evidence" and self.with_evidence:
                self.add_error(f"{name}_evidence", messages)
            elif part == "note":
                self.add_error(f"{name}_note", messages)
            else:
                self.add_error(name, messages)


class ProfileForm(USWDSMixin, forms.Form):
    def __init__(self, *args: Any, questions: Sequence[ProfileQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[question.key] = forms.ChoiceField(
                label=question.label,
                choices=[("", _("Choose one")), *question.choices],
                required=False,
            )

    def answers(self) -> dict[str, str]:
        return {key: value for key, value in self.cleaned_data.items() if value}


class AssessmentChoiceField(forms.ModelChoiceField[Assessment]):
    def label_from_instance(self, obj: Assessment) -> str:
        return f"{obj.title} ({obj.organization}, {obj.opened_at:%Y-%m-%d})"


class OpenAssessmentForm(USWDSMixin, forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Program"), queryset=Organization.objects.none(), empty_label=None
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("A name the committee will recognise, e.g. “Spring 2027 baseline”."),
    )
    invite_again_from = AssessmentChoiceField(
        label=_("Invite the respondents of an earlier assessment again"),
        queryset=Assessment.objects.none(),
        required=False,
        empty_label=_("No, I will invite people myself"),
        help_text=_("Each gets a new invitation; the agency profile is carried over too."),
    )

    def __init__(
        self,
        *args: Any,
        programs: Sequence[Organization],
        earlier: Iterable[Assessment],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.filter(pk__in=[p.pk for p in programs])
        earlier_field = self.fields["invite_again_from"]
        assert isinstance(earlier_field, forms.ModelChoiceField)
        earlier_field.queryset = Assessment.objects.filter(pk__in=[a.pk for a in earlier])


class InviteForm(USWDSMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    organization_name = forms.CharField(
        label=_("Organization"),
        max_length=200,
        required=False,
        help_text=_("Filled in from their account if they have one."),
    )
    perspective = forms.ChoiceField(
        label=_("Answers from the perspective of"),
        choices=[("", _("Their organization's (if they have an account)")), *Perspective.choices],
        required=False,
        help_text=_(
            "The combined view compares law enforcement and mental health respondents, so "
            "choose the side this person speaks for."
        ),
    )


class AgreeForm(ElementAnswersForm):
    """The committee's agreed rating for each item of one element, with a note."""

    def __init__(self, *args: Any, element: Element, **kwargs: Any) -> None:
        super().__init__(*args, element=element, with_evidence=False, **kwargs)
        for item in element.items:
            self.fields[f"{field_name(item)}_note"].label = _("Why the committee agreed this")


class ActionForm(USWDSMixin, forms.Form):
    title = forms.CharField(label=_("Action"), max_length=250)
    owner = forms.CharField(
        label=_("Owner"), max_length=200, help_text=_("Who will see it through.")
    )
    due_on = forms.DateField(
        label=_("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For example 2027-03-31."),
    )
    detail = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["status"]

    def clean_due_on(self) -> dt.date:
        value: dt.date = self.cleaned_data["due_on"]
        if value.year < 2000:
            raise forms.ValidationError(_("Enter a date in this century."))
        return value


class CompareForm(USWDSMixin, forms.Form):
    before = AssessmentChoiceField(
        label=_("Earlier assessment"), queryset=Assessment.objects.none(), empty_label=None
    )
    after = AssessmentChoiceField(
        label=_("Later assessment"), queryset=Assessment.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, assessments: Sequence[Assessment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("before", "after"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Assessment.objects.filter(pk__in=[a.pk for a in assessments])


class RevisionForm(USWDSMixin, forms.Form):
    """One element of the draft edition: its intent, each item (statement, four steps, next
    step, remove) and two blank rows for new items."""

    NEW_ROWS = 2

    intent = forms.CharField(
        label=_("What the element asks for"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, element: Element, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.element = element
        self.keys = [item.key.split(".", 1)[1] for item in element.items] + [
            "" for _ in range(self.NEW_ROWS)
        ]
        for index, key in enumerate(self.keys):
            required = False
            prefix = f"item{index}"
            self.fields[f"{prefix}_statement"] = forms.CharField(
                label=_("Statement"),
                required=required,
                max_length=300,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            for level, label in LEVELS:
                self.fields[f"{prefix}_level{level}"] = forms.CharField(
                    label=str(label), required=required, max_length=300
                )
            self.fields[f"{prefix}_next_step"] = forms.CharField(
                label=_("Next step when this is a gap"),
                required=required,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            if key:
                self.fields[f"{prefix}_remove"] = forms.BooleanField(
                    label=_("Remove this item from the next edition"), required=False
                )

    @staticmethod
    def initial_for(element: Element) -> dict[str, str]:
        initial = {"intent": element.intent}
        for index, item in enumerate(element.items):
            prefix = f"item{index}"
            initial[f"{prefix}_statement"] = item.statement
            for level, text in enumerate(item.levels):
                initial[f"{prefix}_level{level}"] = text
            initial[f"{prefix}_next_step"] = item.next_step
        return initial

    def groups(self) -> list[tuple[str, list[BoundField]]]:
        groups = []
        for index, key in enumerate(self.keys):
            names = [n for n in self.fields if n.startswith(f"item{index}_")]
            groups.append((key, [self[n] for n in names]))
        return groups

    def revisions(self) -> list[ItemRevision]:
        data = self.cleaned_data
        result = []
        for index, key in enumerate(self.keys):
            prefix = f"item{index}"
            statement = data.get(f"{prefix}_statement") or ""
            levels = tuple(data.get(f"{prefix}_level{level}") or "" for level in range(4))
            next_step = data.get(f"{prefix}_next_step") or ""
            if not key and not statement.strip() and not any(levels) and not next_step:
                continue  # an unused blank row
            result.append(
                ItemRevision(
                    key=key,
                    statement=statement,
                    levels=(levels[0], levels[1], levels[2], levels[3]),
                    next_step=next_step,
                    remove=bool(data.get(f"{prefix}_remove")),
                )
            )
        return result


class PublishForm(USWDSMixin, forms.Form):
    note = forms.CharField(
        label=_("What changed in this edition"),
        max_length=300,
        help_text=_("Shown with the edition, e.g. “Clearer steps for dispatcher training”."),
    )
