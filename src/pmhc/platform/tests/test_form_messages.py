"""Form errors in plain words that name the field; text limits stated and enforced on the
server; a success banner never beside form errors."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.contrib import messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.template import engines
from django.test import RequestFactory

from pmhc.platform.forms import USWDSMixin, required_message


class ReportForm(USWDSMixin, forms.Form):
    address = forms.CharField(label="Address", max_length=200)
    disposition = forms.ChoiceField(label="Disposition", choices=[("a", "A"), ("b", "B")])
    purposes = forms.MultipleChoiceField(
        label="Purposes", choices=[("x", "X")], widget=forms.CheckboxSelectMultiple
    )
    arrived_at = forms.DateTimeField(label="Arrived on scene")
    agree = forms.BooleanField(label="I checked the facts")
    document = forms.FileField(label="Signed document")
    cad = forms.CharField(label="CAD event ID", max_length=40)
    password = forms.CharField(label="Your current password", widget=forms.PasswordInput)
    involved = forms.ChoiceField(label="Involved as", choices=[("a", "A")])
    armed = forms.CharField(label="Is the person armed?")
    intent = forms.CharField(label="What the element asks for")
    kept = forms.CharField(label="Kept", error_messages={"required": "Say what was kept."})
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea)


def test_every_required_field_says_what_to_do_and_names_the_field() -> None:
    form = ReportForm(data={})
    assert not form.is_valid()
    errors = {name: list(messages_) for name, messages_ in form.errors.items()}
    assert errors == {
        "address": ["Enter the address."],
        "disposition": ["Choose a disposition."],
        "purposes": ["Choose at least one of the purposes."],
        "arrived_at": ["Enter a date and time for “Arrived on scene”."],
        "agree": ["Check the box “I checked the facts” to go on."],
        "document": ["Choose a signed document to upload."],
        "cad": ["Enter the CAD event ID."],
        "password": ["Enter your current password."],
        "involved": ["Choose an answer for “Involved as”."],
        "armed": ["Answer “Is the person armed?”."],
        "intent": ["Enter “What the element asks for”."],
        "kept": ["Say what was kept."],  # a form's own words win
    }
    # Every problem at once: nothing is left for a second round.
    assert "notes" not in errors


def test_the_bare_django_message_appears_nowhere() -> None:
    html = ReportForm(data={}).as_div()
    assert "This field is required" not in html


@pytest.mark.parametrize(
    ("field", "label", "expected"),
    [
        (forms.CharField(), "Address", "Enter the address."),
        (forms.EmailField(), "E-mail address", "Enter the e-mail address."),
        (forms.ChoiceField(), "Outcome", "Choose an outcome."),
        (forms.ChoiceField(), "Highest level of force", "Choose the highest level of force."),
        (forms.DateField(), "Due date", "Enter a date for “Due date”."),
        (forms.TimeField(), "Starts", "Enter a time for “Starts”."),
        (forms.CharField(), "", "Enter this field."),
    ],
)
def test_message_wording(field: forms.Field, label: str, expected: str) -> None:
    assert required_message(field, label) == expected


def test_a_text_limit_is_stated_beside_the_field_and_enforced() -> None:
    form = ReportForm()
    assert form["address"].help_text == "Up to 200 characters."
    assert form["notes"].help_text == ""  # no limit, nothing to state
    html = str(form["address"])
    # The browser does not cut pasted text short: the server says what is too long.
    assert "maxlength" not in html
    long = ReportForm(data={"address": "x" * 201})
    long.is_valid()
    assert long.errors["address"] == [
        "Address can be up to 200 characters; you entered 201. Please shorten it."
    ]
    assert ReportForm(data={"address": "x" * 200}).errors.get("address") is None


def test_a_hint_already_about_length_is_not_repeated() -> None:
    class Form(USWDSMixin, forms.Form):
        reason = forms.CharField(max_length=300, help_text="Up to 300 characters.")

    assert Form()["reason"].help_text == "Up to 300 characters."


def test_a_field_added_after_the_form_is_built_is_covered_too() -> None:
    class Form(USWDSMixin, forms.Form):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.fields["late"] = forms.CharField(label="Late field", max_length=10)

    form = Form(data={})
    assert form.errors["late"] == ["Enter the late field."]
    assert form["late"].help_text == "Up to 10 characters."


def test_the_error_summary_takes_focus_and_links_to_each_field() -> None:
    template = engines["django"].from_string('{% include "platform/includes/form_errors.html" %}')
    html = template.render({"form": ReportForm(data={})})
    assert re.search(r'class="[^"]*pmhc-error-summary[^"]*"[^>]*tabindex="-1"', html)
    assert "data-error-summary" in html
    assert '<a href="#id_address">Address: Enter the address.</a>' in html
    assert '<a href="#id_purposes_0">' in html  # a group of boxes: its first box


def _page(form: forms.Form | None, level: int) -> str:
    request = RequestFactory().get("/")
    request.session = {}  # type: ignore[assignment]
    storage = FallbackStorage(request)
    request._messages = storage  # type: ignore[attr-defined]
    messages.add_message(request, level, "Draft saved.")
    messages.add_message(request, messages.INFO, "Your changes are saved as a draft.")
    template = engines["django"].from_string(
        "{% extends 'base.html' %}{% block content %}page{% endblock %}"
    )
    return template.render({"form": form}, request)


@pytest.mark.django_db
def test_no_success_banner_on_a_page_with_form_errors() -> None:
    with_errors = _page(ReportForm(data={}), messages.SUCCESS)
    assert "Draft saved." not in with_errors
    # A note still shows, as a note.
    assert "Your changes are saved as a draft." in with_errors
    assert "usa-alert--info" in with_errors
    clean = _page(ReportForm(), messages.SUCCESS)
    assert "Draft saved." in clean and "usa-alert--success" in clean
    # A warning or an error is never hidden.
    assert "Draft saved." in _page(ReportForm(data={}), messages.WARNING)
