"""Input validation for the library's pages. Files are checked again by the service, which
is the one place that decides what may be stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.platform.forms import USWDSMixin
from pmhc.toolkit.models import ProgramTypeCode, ResourceKind, ReviewStatus

FILE_HELP = _(
    "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), plain text (.txt) or CSV, up to 10 MB."
)
TEXT_HELP = _(
    "Required for a question; for anything else, paste the text here, attach a file, or both. "
    "You may use Markdown: *emphasis*, **bold**, lists starting with “-”, and links."
)


class _ContentFields(USWDSMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("What are you sending?"),
        choices=[("", _("- Choose -")), *ResourceKind.choices],
        error_messages={"required": _("Choose what you are sending.")},
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=250,
        error_messages={"required": _("Give it a title.")},
    )
    summary = forms.CharField(
        label=_("Summary"),
        help_text=_("One or two sentences: what it is and who it helps."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a short summary.")},
    )
    body = forms.CharField(
        label=_("Text or question"),
        help_text=TEXT_HELP,
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    #: A plain file input: USWDS's script for ``usa-file-input`` adds inline ``onerror``
    #: handlers to its previews, which the Content-Security-Policy blocks.
    file = forms.FileField(
        label=_("File"),
        help_text=FILE_HELP,
        required=False,
        widget=forms.FileInput(attrs={"class": "pmhc-file-input"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, body, file = data.get("kind"), (data.get("body") or "").strip(), data.get("file")
        if kind == ResourceKind.QUESTION and not body and "body" not in self.errors:
            self.add_error("body", _("Write your question."))
        elif kind and not body and not file and not self.has_existing_file:
            self.add_error("body", _("Paste the text or attach a file (or both)."))
        return data

    @property
    def has_existing_file(self) -> bool:
        return False


class SubmissionForm(_ContentFields):
    submitter_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Enter your name.")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    submitter_email = forms.EmailField(
        label=_("Your e-mail address"),
        help_text=_("We send your reference and a private link to follow the review here."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@agency.gov."),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    submitter_agency = forms.CharField(
        label=_("Agency or organization"),
        max_length=200,
        required=False,
        help_text=_("Shown with the item if it is published; your name and e-mail never are."),
        widget=forms.TextInput(attrs={"autocomplete": "organization"}),
    )
    #: A field people never see (hidden by pmhc.css) and robots fill in.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    honeypot_name = "website"

    def clean_website(self) -> str:
        value: str = self.cleaned_data.get("website", "")
        if value.strip():
            raise forms.ValidationError(
                _(
                    "Leave this field empty: it is there to catch automated spam. Empty it and "
                    "send the form again."
                )
            )
        return ""


class ResubmitForm(_ContentFields):
    """The submitter changes their item after the reviewers asked for changes."""

    def __init__(self, *args: Any, has_file: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._has_file = has_file
        if has_file:
            self.fields["file"].label = _("Replace the file")
            self.fields["file"].help_text = _(
                "Leave empty to keep the file you sent. PDF, Word (.docx), Excel "
                "(.xlsx), PowerPoint (.pptx), plain text (.txt) or CSV, up to 10 MB."
            )

    @property
    def has_existing_file(self) -> bool:
        return self._has_file


def element_choices(titles: dict[int, str]) -> list[tuple[str, str]]:
    return [(str(n), f"{n}. {title}") for n, title in sorted(titles.items())]


class PublishForm(USWDSMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of resource"), choices=ResourceKind.choices)
    elements = forms.MultipleChoiceField(
        label=_("Essential elements"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    program_types = forms.MultipleChoiceField(
        label=_("Program types"),
        choices=ProgramTypeCode.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note to the submitter"),
        required=False,
        max_length=5000,
        help_text=_("Sent with the news that it is published."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, element_titles: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["elements"].choices = element_choices(element_titles)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("elements") and not data.get("program_types") and not self.errors:
            self.add_error(
                "elements",
                _(
                    "Tag at least one essential element or program type, so that the item "
                    "appears on those pages."
                ),
            )
        return data


class ChangesForm(USWDSMixin, forms.Form):
    note = forms.CharField(
        label=_("What should the submitter change?"),
        max_length=5000,
        help_text=_("The submitter reads this in an e-mail and on their private status page."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what the submitter should change.")},
    )


class RejectForm(USWDSMixin, forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        help_text=_("The submitter reads this in an e-mail and on their private status page."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Give the reason the submitter will read.")},
    )


class LibrarySearchForm(USWDSMixin, forms.Form):
    # A text input: USWDS styles every type="search" input as half of its search bar.
    q = forms.CharField(label=_("Search words"), required=False, max_length=200)
    element = forms.TypedChoiceField(
        label=_("Essential element"), required=False, coerce=int, empty_value=None
    )
    program_type = forms.ChoiceField(
        label=_("Program type"),
        required=False,
        choices=[("", _("Any program type")), *ProgramTypeCode.choices],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *ResourceKind.choices]
    )

    def __init__(self, *args: Any, element_titles: dict[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["element"].choices = [  # type: ignore[attr-defined]
            ("", _("Any element")),
            *element_choices(element_titles),
        ]


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=ReviewStatus.choices, initial=ReviewStatus.SUBMITTED
    )
