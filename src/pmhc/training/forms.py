"""Input for Train's pages. Saving always goes through ``services`` or ``import_services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pmhc.platform import uploads
from pmhc.platform.forms import USWDSMixin
from pmhc.platform.models import User
from pmhc.training import roster_csv
from pmhc.training.models import (
    CitSelection,
    Course,
    CourseKind,
    EnrollmentStatus,
    TraineeRole,
)
from pmhc.training.selectors import RosterFilters

DATE = forms.DateInput(attrs={"type": "date"})


class CourseForm(USWDSMixin, forms.Form):
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lowercase letters, digits and underscores, e.g. cit; the column in a CSV."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Counts as"), choices=CourseKind.choices)
    hours = forms.DecimalField(
        label=_("Hours"), required=False, min_value=0.1, max_digits=5, decimal_places=1
    )
    validity_months = forms.IntegerField(
        label=_("Certification valid for (months)"),
        required=False,
        min_value=1,
        max_value=600,
        help_text=_("Leave empty if it does not expire."),
    )
    refresher_due_months = forms.IntegerField(
        label=_("Refresher due after (months)"), required=False, min_value=1, max_value=600
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    is_active = forms.BooleanField(label=_("Offered"), required=False)

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().lower().replace("-", "_")


class TraineeForm(USWDSMixin, forms.Form):
    badge_number = forms.CharField(label=_("Badge number"), max_length=30)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    first_name = forms.CharField(label=_("First name"), max_length=100)
    role = forms.ChoiceField(label=_("Role"), choices=TraineeRole.choices)
    shift = forms.CharField(label=_("Shift"), max_length=40, required=False)
    district = forms.CharField(label=_("District"), max_length=60, required=False)
    cit_selection = forms.ChoiceField(
        label=_("Came to CIT by"), choices=CitSelection.choices, required=False
    )
    is_active = forms.BooleanField(label=_("Active on the roster"), required=False)
    user = forms.ModelChoiceField(
        label=_("Sign-in account"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Not linked"),
        help_text=_("Linking lets this person see their own training record."),
    )

    def __init__(self, *args: Any, users: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"  # type: ignore[attr-defined]


class CompletionForm(USWDSMixin, forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)
    hours = forms.DecimalField(
        label=_("Hours"),
        required=False,
        min_value=0.1,
        max_digits=5,
        decimal_places=1,
        help_text=_("Leave empty to use the course's hours."),
    )

    def __init__(self, *args: Any, courses: QuerySet[Course], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]


class SessionForm(USWDSMixin, forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    starts_on = forms.DateField(label=_("First day"), widget=DATE)
    ends_on = forms.DateField(label=_("Last day"), widget=DATE)
    location = forms.CharField(label=_("Location"), max_length=200)
    instructors = forms.CharField(label=_("Instructors"), max_length=300, required=False)
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=1000)

    def __init__(self, *args: Any, courses: QuerySet[Course], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]


class EnrollForm(USWDSMixin, forms.Form):
    badge_number = forms.CharField(label=_("Badge number to enroll"), max_length=30)


class AttendanceForm(USWDSMixin, forms.Form):
    status = forms.ChoiceField(label=_("Attendance"), choices=EnrollmentStatus.choices)


STATUS_CHOICES = [
    ("", _("Anyone active")),
    ("cit", _("CIT-certified")),
    ("not_cit", _("Not CIT-certified")),
    ("expiring", _("A certification expires within 90 days")),
    ("inactive", _("No longer active")),
]


class RosterFilterForm(USWDSMixin, forms.Form):
    q = forms.CharField(label=_("Name or badge number"), required=False, max_length=100)
    shift = forms.ChoiceField(label=_("Shift"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args: Any, shifts: list[str], districts: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shift"].choices = [("", _("Any shift")), *((s, s) for s in shifts)]  # type: ignore[attr-defined]
        self.fields["district"].choices = [("", _("Any district")), *((d, d) for d in districts)]  # type: ignore[attr-defined]

    def filters(self) -> RosterFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return RosterFilters(
            shift=data.get("shift", ""),
            district=data.get("district", ""),
            status=data.get("status", ""),
            q=data.get("q", "").strip(),
        )


class RosterUploadForm(USWDSMixin, forms.Form):
    file = forms.FileField(
        label=_("Roster file (CSV)"),
        help_text=_("UTF-8 CSV, at most 4 MB and 20,000 rows, in the format described above."),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> UploadedFile:
        """The roster's own size limit and messages first, then the check every upload goes
        through (a page or a script named .csv is refused). ``import_services.upload_roster``
        still decodes and parses what passes."""
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > roster_csv.MAX_BYTES:
            limit = roster_csv.MAX_BYTES // (1024 * 1024)
            raise ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": limit})
        try:
            uploads.check_upload(
                upload,
                [uploads.CSV],
                max_bytes=roster_csv.MAX_BYTES,
                allowed_message=str(_("Choose a .csv file.")),
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["file"]) from None
        return upload
