"""Input for Plan's pages: the community profile, the pledge date and the model policy (saved
by ``services``), and the staffing page's what-if parameters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from pmhc.planning.models import MAX_CALL_MINUTES, CommunityProfile, Setting
from pmhc.planning.services import PROFILE_FIELDS
from pmhc.platform.forms import USWDSMixin

WHOLE = {
    "invalid": _("Enter a whole number, without commas."),
    "min_value": _("The number cannot be negative."),
}


def _whole(
    label: Any, *, required: bool = True, help_text: Any = "", **kwargs: Any
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=kwargs.pop("min_value", 0),
        help_text=help_text,
        error_messages=WHOLE | kwargs.pop("error_messages", {}),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        **kwargs,
    )


def _decimal(
    label: Any, *, required: bool = True, help_text: Any = "", **kwargs: Any
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        decimal_places=1,
        help_text=help_text,
        error_messages={
            "invalid": _("Enter a number, e.g. 12.5."),
            "min_value": _("The number cannot be negative."),
            "max_decimal_places": _("Use at most one decimal place."),
            **kwargs.pop("error_messages", {}),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        **kwargs,
    )


def _call_minutes(label: Any) -> forms.DecimalField:
    """Minutes per call, at most a day (``MAX_CALL_MINUTES``)."""
    return _decimal(
        label,
        max_value=Decimal(MAX_CALL_MINUTES),
        help_text=format_lazy(_("At most {max} minutes (a day)."), max=MAX_CALL_MINUTES),
        error_messages={
            "max_value": format_lazy(
                _("Enter at most {max} minutes (a day)."), max=MAX_CALL_MINUTES
            )
        },
    )


def _percent(label: Any, help_text: Any) -> forms.IntegerField:
    message = _("Enter a whole percentage from 1 to 99.")
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=99,
        help_text=help_text,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class NameListField(forms.CharField):
    """Names separated by commas ("Day, Evening, Night")."""

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part.strip() for part in text.split(",") if part.strip()]

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value


class PatternField(forms.CharField):
    """A fixed number of non-negative numbers separated by commas, or nothing."""

    def __init__(self, *, size: int, **kwargs: Any) -> None:
        self.size = size
        super().__init__(required=False, **kwargs)

    def to_python(self, value: Any) -> list[float]:  # type: ignore[override]
        text = super().to_python(value) or ""
        parts = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
        if not parts:
            return []
        try:
            numbers = [float(part) for part in parts]
        except ValueError:
            raise forms.ValidationError(
                _("Enter numbers only, separated by commas (e.g. 2, 3.5, 0).")
            ) from None
        if len(numbers) != self.size:
            raise forms.ValidationError(
                _("Enter %(size)d numbers; you entered %(count)d.")
                % {"size": self.size, "count": len(numbers)}
            )
        if any(n < 0 or n != n or n == float("inf") for n in numbers):
            raise forms.ValidationError(_("The numbers cannot be negative."))
        return numbers

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(f"{v:g}" for v in value)
        return value


class ProfileForm(USWDSMixin, forms.Form):
    population = _whole(_("Population"), error_messages={"required": _("Enter the population.")})
    area_square_miles = _decimal(_("Area (square miles)"))
    setting = forms.ChoiceField(
        label=_("Setting"),
        choices=[("", _("Choose one")), *Setting.choices],
        error_messages={"required": _("Choose urban, suburban or rural.")},
    )
    sworn_officers = _whole(_("Sworn officers"))
    patrol_per_shift = _whole(_("Patrol officers per shift"), min_value=1)
    shifts = NameListField(
        label=_("Shifts"),
        max_length=300,
        help_text=_(
            "Names separated by commas, in the order they work, e.g. Day, Evening, Night. The "
            "staffing model splits the day into equal shifts; use the names your roster uses."
        ),
        error_messages={"required": _("Enter at least one shift.")},
    )
    first_shift_starts = forms.IntegerField(
        label=_("First shift starts at (hour, 0-23)"),
        min_value=0,
        max_value=23,
        initial=7,
        error_messages={
            "invalid": _("Enter an hour from 0 to 23."),
            "min_value": _("Enter an hour from 0 to 23."),
            "max_value": _("Enter an hour from 0 to 23."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    districts = NameListField(
        label=_("Districts"),
        max_length=600,
        help_text=_("Names separated by commas, e.g. North, Central, South."),
        error_messages={"required": _("Enter at least one district.")},
    )
    calls_per_year = _whole(_("Calls for service per year"))
    mh_calls_per_year = _whole(
        _("Mental health calls per year (counted)"),
        required=False,
        help_text=_("Leave empty to estimate them from a share of all calls (next field)."),
    )
    mh_call_percent = forms.DecimalField(
        label=_("Or: mental health share of all calls (%)"),
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        help_text=_(
            "Used when no count is entered. Calls coded as mental health in CAD are often 1-2% "
            "of calls; calls with a behavioral health element can be up to about 20%."
        ),
        error_messages={
            "invalid": _("Enter a percentage, e.g. 3.5."),
            "min_value": _("Enter a percentage from 0 to 100."),
            "max_value": _("Enter a percentage from 0 to 100."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    hourly_pattern = PatternField(
        size=24,
        label=_("Mental health calls by hour of day"),
        help_text=_(
            "24 numbers separated by commas, from 00:00-01:00 to 23:00-24:00: counts or shares. "
            "Leave empty to spread calls evenly over the day."
        ),
    )
    weekday_pattern = PatternField(
        size=7,
        label=_("Mental health calls by day of week"),
        help_text=_(
            "7 numbers separated by commas, Monday first: counts or shares. Leave empty to "
            "spread calls evenly over the week."
        ),
    )
    on_scene_minutes = _call_minutes(_("Average time on scene (minutes)"))
    travel_minutes = _call_minutes(_("Average travel time (minutes)"))
    has_crisis_line = forms.BooleanField(label=_("A crisis line or 988 center"), required=False)
    has_mobile_crisis = forms.BooleanField(label=_("A mobile crisis team"), required=False)
    has_receiving_center = forms.BooleanField(
        label=_("A crisis receiving or stabilization center that accepts police drop-offs"),
        required=False,
    )
    has_co_responders = forms.BooleanField(
        label=_("Clinicians who can respond with officers (co-responders)"), required=False
    )
    has_psychiatric_emergency = forms.BooleanField(
        label=_("A psychiatric emergency service"), required=False
    )
    case_management_capacity = _whole(
        _("Case management capacity (people followed at once)"),
        help_text=_("0 if no case management is available for people who call repeatedly."),
    )
    service_target_percent = _percent(
        _("Service level target (%)"),
        _("The share of calls that should find a unit free within the time below, e.g. 80."),
    )
    answer_within_minutes = forms.IntegerField(
        label=_("A unit free within (minutes)"),
        min_value=0,
        max_value=240,
        help_text=_(
            "How long a call may wait for a unit to become free, e.g. 10. This is not the time "
            "to reach the scene: travel time comes on top."
        ),
        error_messages={
            "invalid": _("Enter whole minutes from 0 to 240."),
            "min_value": _("Enter whole minutes from 0 to 240."),
            "max_value": _("Enter whole minutes from 0 to 240."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    overflow_bound_percent = _percent(
        _("Overflow to patrol at most (%)"),
        _("If calls do not wait for a unit: the largest share that may go to patrol, e.g. 10."),
    )
    cit_available_percent = _percent(
        _("A CIT officer free when a call arrives (%)"),
        _("How often at least one CIT-certified officer on the shift should be free, e.g. 90."),
    )

    SERVICE_FIELDS = PROFILE_FIELDS

    SECTIONS = (
        (_("Place"), ("population", "area_square_miles", "setting")),
        (
            _("Force, shifts and districts"),
            ("sworn_officers", "patrol_per_shift", "shifts", "first_shift_starts", "districts"),
        ),
        (
            _("Calls"),
            (
                "calls_per_year",
                "mh_calls_per_year",
                "mh_call_percent",
                "hourly_pattern",
                "weekday_pattern",
                "on_scene_minutes",
                "travel_minutes",
            ),
        ),
        (
            _("Services that exist"),
            (
                "has_crisis_line",
                "has_mobile_crisis",
                "has_receiving_center",
                "has_co_responders",
                "has_psychiatric_emergency",
                "case_management_capacity",
            ),
        ),
        (
            _("Staffing targets"),
            (
                "service_target_percent",
                "answer_within_minutes",
                "overflow_bound_percent",
                "cit_available_percent",
            ),
        ),
    )

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def service_arguments(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}

    @staticmethod
    def initial_for(profile: CommunityProfile | None) -> dict[str, Any]:
        if profile is None:
            return {
                "first_shift_starts": 7,
                "service_target_percent": 80,
                "answer_within_minutes": 10,
                "overflow_bound_percent": 10,
                "cit_available_percent": 90,
                "case_management_capacity": 0,
            }
        return {name: getattr(profile, name) for name in PROFILE_FIELDS}


class PledgeForm(USWDSMixin, forms.Form):
    pledged_on = forms.DateField(
        label=_("Pledge date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Enter the date the pledge was taken."),
            "invalid": _("Enter a date like 2025-03-31."),
        },
    )


class PolicyForm(USWDSMixin, forms.Form):
    title = forms.CharField(
        label=_("Policy title"),
        max_length=200,
        error_messages={"required": _("Enter the policy's title.")},
    )
    adopted_on = forms.DateField(
        label=_("Adopted on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty while the policy is still a draft."),
        error_messages={"invalid": _("Enter a date like 2025-03-31.")},
    )
    file = forms.FileField(
        label=_("Policy document"),
        required=False,
        help_text=_(
            "PDF, Word (.docx) or plain text, up to 10 MB. Leave empty to keep the current one."
        ),
    )
