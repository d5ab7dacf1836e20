"""Input validation for the dispatch pages. Saving always goes through a service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.dispatch import triage
from pmhc.dispatch.models import (
    NEXT_STEP,
    CallSource,
    CrisisLine,
    Indicator,
    PersonRole,
    Routing,
    Team,
    TeamKind,
    TeamStatus,
)
from pmhc.dispatch.selectors import CallFilters
from pmhc.platform.forms import USWDSMixin
from pmhc.training.models import Trainee

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


def _local_input(**attrs: Any) -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local", **attrs}, format=DATETIME_LOCAL)


def protocol_answers(data: Mapping[str, Any]) -> dict[str, Any]:
    """The protocol's answers as posted (the question keys only), for the engine to check."""
    return {q.key: data.get(q.key, "") for q in triage.QUESTIONS}


def officer_label(trainee: Trainee) -> str:
    district = f" · {trainee.district}" if trainee.district else ""
    return f"{trainee.first_name} {trainee.last_name} ({trainee.badge_number}){district}"


class TakeCallForm(USWDSMixin, forms.Form):
    """The call-taker's screen: the call's id and time, the protocol, the decision, the units
    sent, then the call's details and the person involved."""

    cad_event_id = forms.CharField(label=_("CAD event id"), max_length=64)
    received_at = forms.DateTimeField(
        label=_("Received"), input_formats=[DATETIME_LOCAL], widget=_local_input()
    )
    behavior = forms.CharField(
        label=triage.QUESTIONS_BY_KEY["behavior"].label,
        help_text=triage.QUESTIONS_BY_KEY["behavior"].hint,
        max_length=triage.BEHAVIOR_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    transfer_line = forms.ChoiceField(
        label=_("Warm transfer to"),
        choices=CrisisLine.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    transfer_accepted = forms.TypedChoiceField(
        label=_("Did the line take the call?"),
        choices=[("yes", _("Yes, accepted")), ("no", _("No: send a unit instead"))],
        coerce=lambda value: value == "yes",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Follow the recommendation")), *Routing.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    decision_reason = forms.CharField(
        label=_("Why a different route"),
        help_text=_(
            "Needed only when the decision differs from the recommendation. Up to 1,000 characters."
        ),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    officers = forms.TypedMultipleChoiceField(
        label=_("Send CIT officers on this shift"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    teams = forms.TypedMultipleChoiceField(
        label=_("Send teams on duty"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    unit = forms.CharField(label=_("Other unit (call sign)"), max_length=60, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    district = forms.CharField(label=_("District"), max_length=60, required=False)
    beat = forms.CharField(label=_("Beat"), max_length=30, required=False)
    call_type = forms.CharField(label=_("Call type"), max_length=60, required=False)
    priority = forms.IntegerField(label=_("Priority"), min_value=1, max_value=9, required=False)
    source = forms.ChoiceField(label=_("Source"), choices=CallSource.choices)
    mh_indicators = forms.MultipleChoiceField(
        label=_("Mental health indicators"),
        choices=Indicator.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    narrative = forms.CharField(
        label=_("Narrative"),
        help_text=_("Restricted: each reading of it is recorded."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    given_name = forms.CharField(label=_("Given name"), max_length=100, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    approximate_age = forms.IntegerField(
        label=_("Approximate age"), min_value=0, max_value=120, required=False
    )
    description = forms.CharField(
        label=_("Description"),
        help_text=_("Height, build, clothing, anything that helps."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    person_role = forms.ChoiceField(
        label=_("Involved as"), choices=PersonRole.choices, initial=PersonRole.SUBJECT
    )

    PERSON_FIELDS = ("given_name", "family_name", "approximate_age", "description")
    CALL_FIELDS = (
        "address",
        "district",
        "beat",
        "call_type",
        "priority",
        "source",
        "mh_indicators",
        "narrative",
    )

    def __init__(
        self,
        *args: Any,
        officers: Iterable[Trainee] = (),
        teams: Iterable[Team] = (),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "received_at": timezone.localtime().strftime(DATETIME_LOCAL),
                "source": CallSource.NINE_ONE_ONE,
                "person_role": PersonRole.SUBJECT,
                **{q.key: triage.UNKNOWN for q in triage.CHOICE_QUESTIONS},
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["cad_event_id"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})
        for question in triage.CHOICE_QUESTIONS:
            # Unanswered means "not known", as the engine reads it.
            self.fields[question.key] = forms.ChoiceField(
                label=question.label,
                choices=question.answers,
                widget=forms.RadioSelect,
                required=False,
            )
        for question in triage.TEXT_QUESTIONS:
            if question.key in self.fields:
                self.fields[question.key].help_text = _("%(hint)s Up to %(n)d characters.") % {
                    "hint": question.hint,
                    "n": question.max_length,
                }
                continue
            self.fields[question.key] = forms.CharField(
                label=question.label,
                help_text=_("%(hint)s Up to %(n)d characters.")
                % {"hint": question.hint, "n": question.max_length},
                max_length=question.max_length,
                required=False,
            )
        cast(forms.ChoiceField, self.fields["officers"]).choices = [
            (t.pk, officer_label(t)) for t in officers
        ]
        cast(forms.ChoiceField, self.fields["teams"]).choices = [
            (team.pk, f"{team.name} · {team.get_kind_display()} · {team.get_status_display()}")
            for team in teams
        ]

    def protocol_fields(self) -> list[forms.BoundField]:
        return [self[q.key] for q in triage.CHOICE_QUESTIONS]

    def protocol_rows(self) -> list[dict[str, Any]]:
        """Each choice question with its answers and the key that picks each, for the keyed
        screen."""
        return [
            {
                "field": self[q.key],
                "options": list(zip(self[q.key], q.keys, strict=True)),
                "routes": q.routes,
            }
            for q in triage.CHOICE_QUESTIONS
        ]

    #: The keys of the warm transfer's answers, in the order of their choices.
    TRANSFER_KEYS = (("transfer_line", ("9", "l")), ("transfer_accepted", ("y", "n")))

    def transfer_rows(self) -> list[dict[str, Any]]:
        return [
            {"field": self[name], "options": list(zip(self[name], keys, strict=True))}
            for name, keys in self.TRANSFER_KEYS
        ]

    def text_fields(self) -> list[forms.BoundField]:
        return [self[q.key] for q in triage.TEXT_QUESTIONS if q.key != "behavior"]

    def answers(self) -> dict[str, Any]:
        return {q.key: self.cleaned_data.get(q.key, "") for q in triage.QUESTIONS}

    def call_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.CALL_FIELDS}

    def person(self) -> dict[str, Any] | None:
        values = {name: self.cleaned_data[name] for name in self.PERSON_FIELDS}
        if not any(v not in (None, "") for v in values.values()):
            return None
        return {k: v for k, v in values.items() if v not in (None, "")}


class AssignForm(USWDSMixin, forms.Form):
    """Send one more unit to a call from its page."""

    officer = forms.TypedChoiceField(
        label=_("CIT officer on this shift"), coerce=int, required=False, empty_value=None
    )
    team = forms.TypedChoiceField(
        label=_("Team on duty"), coerce=int, required=False, empty_value=None
    )
    unit = forms.CharField(label=_("Or a unit by call sign"), max_length=60, required=False)

    def __init__(
        self,
        *args: Any,
        officers: Iterable[Trainee] = (),
        teams: Iterable[Team] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["officer"]).choices = [
            ("", "—"),
            *((t.pk, officer_label(t)) for t in officers),
        ]
        cast(forms.ChoiceField, self.fields["team"]).choices = [
            ("", "—"),
            *((t.pk, f"{t.name} · {t.get_status_display()}") for t in teams),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [data.get("officer"), data.get("team"), (data.get("unit") or "").strip() or None]
        if sum(1 for x in chosen if x) != 1:
            raise forms.ValidationError(_("Choose one: an officer, a team, or a call sign."))
        return data


class TimesForm(USWDSMixin, forms.Form):
    first_arrival_at = forms.DateTimeField(
        label=_("First unit arrived"),
        input_formats=[DATETIME_LOCAL],
        widget=_local_input(),
        required=False,
    )
    cleared_at = forms.DateTimeField(
        label=_("Cleared"), input_formats=[DATETIME_LOCAL], widget=_local_input(), required=False
    )
    cit_arrived = forms.BooleanField(label=_("A CIT officer arrived"), required=False)
    close_reason = forms.CharField(
        label=_("Why closed without a unit"),
        help_text=_(
            "Needed to clear a call when no unit was sent and no transfer was accepted. "
            "Up to 500 characters. Restricted: each reading of it is recorded."
        ),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CallFilterForm(USWDSMixin, forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    district = forms.ChoiceField(label=_("District"), required=False)
    mental_health = forms.BooleanField(label=_("Mental health calls only"), required=False)
    differs = forms.BooleanField(
        label=_("Routed differently from the recommendation"), required=False
    )

    def __init__(self, *args: Any, districts: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["district"]).choices = [
            ("", _("Any")),
            *((d, d) for d in districts),
        ]

    def filters(self) -> CallFilters:
        if not self.is_bound or not self.is_valid():
            return CallFilters()
        data = self.cleaned_data
        return CallFilters(
            start=data["start"],
            end=data["end"],
            mental_health=bool(data["mental_health"]),
            district=data["district"] or "",
            differs=bool(data["differs"]),
        )


# --- Rules editor -----------------------------------------------------------------------


class RuleForm(USWDSMixin, forms.Form):
    """One rule of the draft: a name, conditions as checkboxes per question, a route, the
    reason the call-taker sees, and whether it is a safety override."""

    key = forms.SlugField(label=_("Key"), max_length=40)
    label = forms.CharField(label=_("Name"), max_length=120)
    route = forms.ChoiceField(label=_("Route (the lead unit)"), choices=Routing.choices)
    add = forms.MultipleChoiceField(
        label=_("Also send"),
        help_text=_("Units that go with the route when this rule matches, e.g. EMS."),
        choices=[(r.value, r.label) for r in Routing if r in triage.ADDABLE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=_("Reason shown to the call-taker"), max_length=300)
    override = forms.BooleanField(
        label=_("Safety override (decides before other rules)"), required=False
    )
    order = forms.IntegerField(label=_("Order"), min_value=1, max_value=999)
    delete = forms.BooleanField(label=_("Remove this rule"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in triage.RULE_QUESTIONS:
            for part, help_text in (
                ("all", _("All of these must hold")),
                ("any", _("At least one of the “any” conditions must hold")),
            ):
                self.fields[f"{part}__{question.key}"] = forms.MultipleChoiceField(
                    label=question.label,
                    help_text=help_text,
                    choices=question.answers,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )

    @staticmethod
    def initial_for(rule: Mapping[str, Any], order: int) -> dict[str, Any]:
        rule = triage.upgrade_rule(rule)
        data: dict[str, Any] = {
            "key": rule.get("key", ""),
            "label": rule.get("label", ""),
            "route": rule.get("route", ""),
            "add": list(rule.get("add") or []),
            "reason": rule.get("reason", ""),
            "override": bool(rule.get("override", False)),
            "order": order,
        }
        for part in ("all", "any"):
            for question, answers in (rule.get(part) or {}).items():
                data[f"{part}__{question}"] = list(answers)
        return data

    def condition_fields(self, part: str) -> list[forms.BoundField]:
        return [self[f"{part}__{q.key}"] for q in triage.RULE_QUESTIONS]

    @property
    def all_fields(self) -> list[forms.BoundField]:
        return self.condition_fields("all")

    @property
    def any_fields(self) -> list[forms.BoundField]:
        return self.condition_fields("any")

    def rule(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "key": data["key"],
            "label": data["label"],
            "all": {
                q.key: data[f"all__{q.key}"]
                for q in triage.RULE_QUESTIONS
                if data.get(f"all__{q.key}")
            },
            "any": {
                q.key: data[f"any__{q.key}"]
                for q in triage.RULE_QUESTIONS
                if data.get(f"any__{q.key}")
            },
            "route": data["route"],
            "add": [unit for unit in data.get("add") or [] if unit != data["route"]],
            "reason": data["reason"],
            "override": bool(data["override"]),
        }


RuleFormSet = forms.formset_factory(RuleForm, extra=1, max_num=100, validate_max=True)


class RulesNoteForm(USWDSMixin, forms.Form):
    note = forms.CharField(label=_("What changed"), max_length=300, required=False)


class TryForm(USWDSMixin, forms.Form):
    """Sample answers to try the draft with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {q.key: triage.UNKNOWN for q in triage.CHOICE_QUESTIONS})
        super().__init__(*args, **kwargs)
        for question in triage.CHOICE_QUESTIONS:
            self.fields[question.key] = forms.ChoiceField(
                label=question.label,
                choices=question.answers,
                widget=forms.RadioSelect,
                required=False,
            )


# --- Duty board --------------------------------------------------------------------------


class ShiftForm(USWDSMixin, forms.Form):
    name = forms.CharField(
        label=_("Shift"), max_length=40, help_text=_("As written on the roster, e.g. “Night”.")
    )
    starts_at = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(
        label=_("Ends"),
        help_text=_("An end before the start runs past midnight."),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )


class TeamForm(USWDSMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=TeamKind.choices)
    provider = forms.CharField(label=_("Run by"), max_length=200, required=False)
    contact = forms.CharField(label=_("Radio or phone"), max_length=60, required=False)
    days = forms.TypedMultipleChoiceField(
        label=_("Days"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    starts_at = forms.TimeField(
        label=_("On duty from"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    ends_at = forms.TimeField(
        label=_("Until"),
        help_text=_("An end before the start runs past midnight; the same time means all day."),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    is_active = forms.BooleanField(label=_("In service"), required=False, initial=True)
    members = forms.TypedMultipleChoiceField(
        label=_("Members"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "They see the calls the team is sent to and record its progress: the agency's "
            "officers, supervisors and clinicians, and a partner's under an agreement in force."
        ),
    )

    def __init__(self, *args: Any, candidates: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {m.user_id: m for m in candidates}
        field = self.fields["members"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [
            (m.user_id, f"{m.user.display_name} · {m.organization.name} · {m.get_role_display()}")
            for m in self.candidates.values()
        ]

    def chosen_members(self) -> list[Any]:
        return [self.candidates[pk].user for pk in self.cleaned_data.get("members") or []]


class TeamStatusForm(USWDSMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=TeamStatus.choices, widget=forms.RadioSelect
    )


class StepForm(forms.Form):
    """The next step of a unit on a call; the button carries it."""

    to = forms.ChoiceField(choices=[(value, value) for value in NEXT_STEP.values()])


def time_initial(value: dt.time) -> str:
    return value.strftime("%H:%M")
