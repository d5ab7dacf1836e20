"""The edit form for a program type or an essential element. Saving goes through
``services.content.edit_content``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pmhc.platform.forms import USWDSMixin
from pmhc.toolkit.models import PageContent
from pmhc.toolkit.selectors.content import FACT_ROWS

FACT_FIELD_PREFIX = "fact_"
#: What the text's parts are called for a question or an experience.
LABELS: dict[str, dict[str, Any]] = {
    PageContent.Kind.FAQ: {
        "title": _("Question"),
        "summary": _("Short answer"),
        "body": _("Answer"),
    },
    PageContent.Kind.EXPERIENCE: {
        "title": _("Title"),
        "summary": _("Summary"),
        "body": _("The story"),
    },
}


class ContentForm(USWDSMixin, forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        error_messages={
            "required": _("Enter a title."),
            "max_length": _("Keep the title to %(limit_value)d characters or fewer."),
        },
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=1000,
        help_text=_(
            "One or two sentences of plain text, shown in lists and at the top of the page."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Enter a summary of one or two sentences."),
            "max_length": _("Keep the summary to %(limit_value)d characters or fewer."),
        },
    )
    body = forms.CharField(
        label=_("Body"),
        required=False,
        max_length=30000,
        help_text=_(
            "Markdown: ## for a heading, - for a list item, **bold**. Scripts, styles and "
            "images are removed when the page is shown."
        ),
        widget=forms.Textarea(attrs={"rows": 24}),
        error_messages={
            "max_length": _("Keep the body to %(limit_value)d characters or fewer."),
        },
    )
    note = forms.CharField(
        label=_("What changed"),
        required=False,
        max_length=300,
        help_text=_("A short note for the version history, e.g. “Updated the training hours.”"),
        error_messages={
            "max_length": _("Keep the note to %(limit_value)d characters or fewer."),
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, content: PageContent, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.content = content
        labels = LABELS.get(content.kind)
        if labels:
            for name, label in labels.items():
                self.fields[name].label = label
        if content.kind == PageContent.Kind.PROGRAM_TYPE:
            # The comparison table's rows, after the body and before the note.
            note = self.fields.pop("note")
            version = self.fields.pop("version")
            for key, label in FACT_ROWS:
                self.fields[FACT_FIELD_PREFIX + key] = forms.CharField(
                    label=_("Comparison: %(row)s") % {"row": label},
                    required=False,
                    max_length=400,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    help_text=_("Plain text, a sentence or two, shown in the comparison table."),
                    error_messages={
                        "max_length": _(
                            "Keep each comparison entry to %(limit_value)d characters or fewer."
                        )
                    },
                )
            self.fields["note"] = note
            self.fields["version"] = version

    @classmethod
    def initial_for(cls, content: PageContent) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "title": content.title,
            "summary": content.summary,
            "body": content.body,
            "version": content.version,
        }
        for key, _label in FACT_ROWS:
            initial[FACT_FIELD_PREFIX + key] = (content.facts or {}).get(key, "")
        return initial

    def facts(self) -> dict[str, str] | None:
        if self.content.kind != PageContent.Kind.PROGRAM_TYPE:
            return None
        return {
            key: self.cleaned_data.get(FACT_FIELD_PREFIX + key, "") for key, _label in FACT_ROWS
        }


class EntryForm(USWDSMixin, forms.Form):
    """A new question or experience. Saving goes through ``services.content_lists.add_entry``."""

    title = ContentForm.base_fields["title"]
    summary = ContentForm.base_fields["summary"]
    body = ContentForm.base_fields["body"]
    note = ContentForm.base_fields["note"]

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in LABELS.get(kind, {}).items():
            self.fields[name].label = label
        self.fields["body"].required = True
        self.fields["body"].error_messages["required"] = _("Enter the text.")
