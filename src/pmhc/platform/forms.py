"""Input validation for the platform's pages. Saving always goes through a service."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.forms.utils import pretty_name
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from pmhc.platform import audit_codes
from pmhc.platform.access import ANONYMOUS
from pmhc.platform.models import (
    Classification,
    Organization,
    Outcome,
    Purpose,
    Role,
    User,
    role_choices,
)
from pmhc.platform.services import API_SCOPES

TIME_ZONES = sorted(
    z
    for z in zoneinfo.available_timezones()
    if z.startswith(("America/", "Pacific/", "US/", "UTC"))
)


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where the form has that field,
    otherwise at the top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, error)
    else:
        for error in exc.messages:
            form.add_error(None, error)


#: Words that already make a label a noun phrase ("Your current password").
_DETERMINERS = frozenset({"the", "a", "an", "your", "this", "these", "those", "its", "their"})
_DJANGO_REQUIRED = str(forms.Field.default_error_messages["required"])


#: A label that starts with one of these is a clause ("What changed"), not a noun; one that
#: ends with one of these is half a sentence ("Involved as"): both are quoted whole.
_CLAUSE_STARTS = frozenset({"what", "how", "who", "when", "where", "why", "which", "is", "are"})
_OPEN_ENDS = frozenset({"as", "at", "by", "from", "to", "for", "in", "on", "within", "of"})
_ORDINALS = frozenset({"first", "last", "next", "highest", "lowest", "earliest", "latest"})


def _quoted(label: str) -> bool:
    words = re.sub(r"\([^)]*\)", "", label).lower().split()
    return not words or words[0] in _CLAUSE_STARTS or words[-1] in _OPEN_ENDS


def _noun(label: str, article: str) -> str:
    """``Address`` → ``the address``; ``CAD event ID`` → ``the CAD event ID``; ``Your name``
    → ``your name``."""
    first = label.split(" ", 1)[0]
    if not first[1:2].isupper():  # an acronym keeps its capitals
        label = label[:1].lower() + label[1:]
    if first.lower() in _DETERMINERS:
        return label
    if first.lower() in _ORDINALS:
        article = "the"
    if article == "a" and label[:1].lower() in "aeiou":
        article = "an"
    return f"{article} {label}"


def required_message(field: forms.Field, label: str) -> str:
    """What to say when a required field is left empty, naming the field in plain words:
    "Enter the address.", "Choose a disposition.", "Choose at least one of the purposes."."""
    label = label.strip().rstrip(":").strip() or gettext("this field")
    if label.endswith("?"):
        return gettext("Answer “%(label)s”.") % {"label": label}
    widget = field.widget
    if _quoted(label):
        if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
            return gettext("Choose an answer for “%(label)s”.") % {"label": label}
        temporal = forms.DateField | forms.DateTimeField | forms.TimeField
        if not isinstance(field, forms.BooleanField | forms.FileField | temporal):
            return gettext("Enter “%(label)s”.") % {"label": label}
    if isinstance(field, forms.BooleanField) or isinstance(widget, forms.CheckboxInput):
        return gettext("Check the box “%(label)s” to go on.") % {"label": label}
    if isinstance(field, forms.FileField):
        return gettext("Choose %(noun)s to upload.") % {"noun": _noun(label, "a")}
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return gettext("Choose at least one of %(noun)s.") % {"noun": _noun(label, "the")}
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        return gettext("Choose %(noun)s.") % {"noun": _noun(label, "a")}
    if isinstance(field, forms.DateTimeField | forms.SplitDateTimeField):
        return gettext("Enter a date and time for “%(label)s”.") % {"label": label}
    if isinstance(field, forms.DateField):
        return gettext("Enter a date for “%(label)s”.") % {"label": label}
    if isinstance(field, forms.TimeField):
        return gettext("Enter a time for “%(label)s”.") % {"label": label}
    return gettext("Enter %(noun)s.") % {"noun": _noun(label, "the")}


def limit_hint(max_length: int) -> str:
    return ngettext("Up to %(limit)d character.", "Up to %(limit)d characters.", max_length) % {
        "limit": max_length
    }


def _plain_errors(name: str, field: forms.Field) -> None:
    """Every field says what is wrong in words that name it; every text limit is stated beside
    the field and enforced on the server, never by the browser cutting pasted text short.
    Runs once per field (a form may add fields after its ``__init__``)."""
    if getattr(field, "_pmhc_plain", False):
        return
    field._pmhc_plain = True  # type: ignore[attr-defined]
    label = str(field.label if field.label is not None else pretty_name(name))
    if field.required and str(field.error_messages.get("required", "")) == _DJANGO_REQUIRED:
        field.error_messages["required"] = required_message(field, label)
    max_length = getattr(field, "max_length", None)
    widget = field.widget
    if (
        not isinstance(field, forms.CharField)
        or not max_length
        or widget.is_hidden
        or isinstance(widget, forms.PasswordInput)
    ):
        return
    if "max_length" not in field.error_messages:
        # Django fills in the numbers when it raises the error.
        field.error_messages["max_length"] = gettext(
            "%(label)s can be up to %(limit_value)d characters; you entered %(show_value)d. "
            "Please shorten it."
        ).replace("%(label)s", label.replace("%", "%%"))
    if "character" not in str(field.help_text).lower():
        hint = limit_hint(max_length)
        field.help_text = f"{field.help_text} {hint}" if field.help_text else hint
    if str(widget.attrs.get("maxlength")) == str(max_length):
        del widget.attrs["maxlength"]


class USWDSMixin:
    """Give widgets USWDS classes so every form looks and reads the same, and every field
    plain error messages and its stated text limit (``_plain_errors``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            _plain_errors(name, field)
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                widget.attrs.setdefault("class", "usa-checkbox__input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "usa-select")
            elif isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("class", "usa-textarea")
            elif isinstance(widget, forms.ClearableFileInput | forms.FileInput):
                # A plain input: USWDS's enhanced file input writes inline event handlers,
                # which the Content-Security-Policy (rightly) blocks.
                pass
            else:
                widget.attrs.setdefault("class", "usa-input")

    def __getitem__(self, name: str) -> forms.BoundField:
        _plain_errors(name, self.fields[name])  # type: ignore[attr-defined]
        return super().__getitem__(name)  # type: ignore[misc]

    def full_clean(self) -> None:
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            _plain_errors(name, field)
        super().full_clean()  # type: ignore[misc]


class LoginForm(USWDSMixin, forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(USWDSMixin, forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the six digits your app shows, without spaces.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}
        ),
    )


CODE_FIELD_ATTRS = {"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6"}


class ConfirmIdentityForm(USWDSMixin, forms.Form):
    """The password and, with two-factor sign-in on, a current code: what a change to how the
    account signs in asks for, so that a session left open or stolen is not enough."""

    current_password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        error_messages={"required": _("Enter your current password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    current_code = forms.RegexField(
        label=_("Current code from your authenticator app"),
        regex=r"^\d{6}$",
        help_text=_("The six digits one of your authenticator apps shows now."),
        error_messages={
            "required": _("Enter the code your authenticator app shows now."),
            "invalid": _("Enter the six digits your app shows, without spaces."),
        },
        widget=forms.TextInput(attrs=CODE_FIELD_ATTRS),
    )
    #: The fields that prove who is typing; templates show them together, last.
    identity_fields = ("current_password", "current_code")

    def __init__(self, *args: Any, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_code:
            del self.fields["current_code"]
        # Whatever the subclass asks for first, then the proof.
        self.order_fields([n for n in self.fields if n not in self.identity_fields])

    def change_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.identity_fields]

    def proof_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.identity_fields if name in self.fields]

    def refuse(self, field: str, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)


class TwoFactorEnrollForm(ConfirmIdentityForm):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\d{6}$",
        error_messages={
            "required": _("Enter the code the app shows after you scan the QR code."),
            "invalid": _("Enter the six digits your app shows, without spaces."),
        },
        widget=forms.TextInput(attrs=CODE_FIELD_ATTRS),
    )
    name = forms.CharField(
        label=_("Name for this app"),
        max_length=64,
        required=False,
        help_text=_("So that you can tell your apps apart later, for example “Work phone”."),
    )

    def __init__(self, *args: Any, needs_code: bool, **kwargs: Any) -> None:
        super().__init__(*args, needs_code=needs_code, **kwargs)
        if needs_code:
            # Two codes on one form: say which app each comes from.
            self.fields["token"].label = _("Code from the new authenticator app")
            self.fields["current_code"].label = _("Code from an app you already use")


class TwoFactorRemoveForm(ConfirmIdentityForm):
    ALL = "all"

    device = forms.ChoiceField(
        label=_("Authenticator app to remove"),
        help_text=_("Removing your last app turns two-factor sign-in off."),
    )

    def __init__(
        self, *args: Any, devices: list[tuple[int, str]], needs_code: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, needs_code=needs_code, **kwargs)
        choices: list[tuple[str, str]] = [(str(pk), name) for pk, name in devices]
        if len(devices) > 1:
            choices.append((self.ALL, str(_("All of them"))))
        self.fields["device"].choices = choices  # type: ignore[attr-defined]

    def device_id(self) -> int | None:
        value = self.cleaned_data["device"]
        return None if value == self.ALL else int(value)


class PasswordChangeForm(auth_forms.SetPasswordMixin, ConfirmIdentityForm):
    """Django's password checks; the change itself goes through the account service."""

    new_password1, new_password2 = auth_forms.SetPasswordMixin.create_password_fields(
        label1=_("New password"), label2=_("New password again")
    )

    def __init__(self, *args: Any, user: Any, needs_code: bool, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, needs_code=needs_code, **kwargs)

    def clean(self) -> dict[str, Any]:
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password2")
        return super().clean() or {}


class EmailChangeForm(ConfirmIdentityForm):
    email = forms.EmailField(
        label=_("New e-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("Password reset links and notices about your account go here."),
    )

    def __init__(self, *args: Any, current_email: str, needs_code: bool, **kwargs: Any) -> None:
        self.current_email = current_email.strip().lower()
        super().__init__(*args, needs_code=needs_code, **kwargs)

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"]).strip().lower()
        if email == self.current_email:
            raise ValidationError(_("That is already your e-mail address."))
        return email


class SetPasswordForm(USWDSMixin, auth_forms.SetPasswordForm):
    def save(self, commit: bool = True) -> Any:
        from pmhc.platform.account_services import change_password

        change_password(
            actor=ANONYMOUS,
            user=self.user,
            new_password=self.cleaned_data["new_password1"],
            via_reset=True,
        )
        return self.user


class PasswordResetForm(USWDSMixin, auth_forms.PasswordResetForm):
    """Mail goes through the outbox (saved, then sent by the worker); the request is audited."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from django.template import loader

        from pmhc.platform.services import queue_email

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        queue_email(ANONYMOUS, to=[to_email], subject=subject, body=body, purpose="password_reset")

    def save(self, *args: Any, **kwargs: Any) -> None:
        from pmhc.platform.account_services import record_password_reset_request

        email = self.cleaned_data["email"]
        matched = any(True for _ in self.get_users(email))
        record_password_reset_request(email=email, matched=matched)
        super().save(*args, **kwargs)


class MemberAddForm(USWDSMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        required=False,
        help_text=_("Offered to the person if they create an account; they may change it."),
    )
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    shift = forms.CharField(
        label=_("Shift"),
        max_length=40,
        required=False,
        help_text=_("Officers, call-takers and supervisors."),
    )
    district = forms.CharField(label=_("District or beat"), max_length=60, required=False)

    def __init__(self, *args: Any, kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind:
            self.fields["role"].choices = role_choices(kind)  # type: ignore[attr-defined]


class InvitationSignupForm(USWDSMixin, forms.Form):
    """The account a person creates from an invitation sent to an address with none."""

    username = forms.RegexField(
        label=_("Username"),
        regex=r"^[\w.@+-]+$",
        max_length=150,
        help_text=_("You sign in with it. Letters, digits and @ . + - _ only."),
        error_messages={"invalid": _("Use only letters, digits and @ . + - _ in a username.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2:
            if password1 != password2:
                self.add_error("password2", _("The two passwords are not the same."))
            else:
                candidate = User(
                    username=data.get("username", ""),
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                )
                try:
                    password_validation.validate_password(password1, candidate)
                except ValidationError as exc:
                    self.add_error("password1", exc)
        return data


class MembershipForm(USWDSMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    shift = forms.CharField(label=_("Shift"), max_length=40, required=False)
    district = forms.CharField(label=_("District or beat"), max_length=60, required=False)
    is_active = forms.BooleanField(label=_("Active member"), required=False)

    def __init__(self, *args: Any, kind: str = "", current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kind:
            # The member's present role stays on offer, so that the rest can still be changed.
            self.fields["role"].choices = [  # type: ignore[attr-defined]
                (value, label)
                for value, label in Role.choices
                if value in {v for v, _label in role_choices(kind)} or value == current
            ]


class OrganizationForm(USWDSMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(z, z) for z in TIME_ZONES],
        help_text=_("Times are stored in UTC and shown to your members in this zone."),
    )


class AgreementForm(USWDSMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner organizations"),
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": _("Choose at least one partner organization.")},
    )
    classifications = forms.MultipleChoiceField(
        label=_("Data the agreement covers"),
        choices=[c for c in Classification.choices if c[0] != Classification.PUBLIC],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of data.")},
    )
    purposes = forms.MultipleChoiceField(
        label=_("Purposes the agreement covers"),
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one purpose.")},
    )
    effective_on = forms.DateField(
        label=_("Effective on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for an agreement without an end date."),
    )
    document = forms.FileField(
        label=_("Signed document"),
        required=False,
        help_text=_("PDF, Word, PNG or JPEG, up to 10 MB."),
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(
        self, *args: Any, partner_queryset: Any = None, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["partners"]
        elif partner_queryset is not None:
            self.fields["partners"].queryset = partner_queryset  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("effective_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end date must be on or after the effective date."))
        return data


class ApiKeyForm(USWDSMixin, forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Which system uses it, e.g. “CAD interface”.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("What the key may do"),
        choices=list(API_SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one scope.")},
    )


def _audit_action_choices() -> list[tuple[str, Any]]:
    # Read when the form is built: every app has registered its codes by then.
    return [("", _("Any event")), *audit_codes.choices()]


class AuditFilterForm(USWDSMixin, forms.Form):
    text = forms.CharField(label=_("Object, detail or request id"), required=False, max_length=150)
    actor_name = forms.CharField(label=_("Who"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("Event"), choices=_audit_action_choices, required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Any outcome")), *Outcome.choices], required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since: dt.date | None = data.get("since")
        until: dt.date | None = data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date must be on or after the start date."))
        return data
