"""Signing in and out, passwords, and two-factor enrollment."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from pmhc.platform import account_services
from pmhc.platform.access import actor_for_user
from pmhc.platform.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    TokenForm,
)
from pmhc.platform.models import User

PENDING_USER = "pmhc_pending_user"
PENDING_NEXT = "pmhc_pending_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _complete_login(request: HttpRequest, user: User, device: TOTPDevice | None) -> HttpResponse:
    next_url = request.session.pop(PENDING_NEXT, None)
    request.session.pop(PENDING_USER, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        otp_login(request, device)
    actor = actor_for_user(user)
    account_services.record_login(user=user, actor=actor, second_factor=device is not None)
    return HttpResponseRedirect(_safe_next(request, next_url))


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        throttle = account_services.login_throttle(
            username=username, client_ip=account_services.client_ip()
        )
        if throttle.blocked:
            account_services.record_login_failure(username=username, throttled=True)
            error = _(
                "Too many failed sign-ins. For your account's safety, try again in %(minutes)s "
                "minutes, or reset your password."
            ) % {"minutes": throttle.retry_after_minutes}
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None or not isinstance(user, User):
                account_services.record_login_failure(
                    username=username, reason="wrong username or password"
                )
                error = _("The username or password is not right. Check both and try again.")
            else:
                request.session.cycle_key()
                request.session[PENDING_NEXT] = request.POST.get("next") or request.GET.get("next")
                if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                    request.session[PENDING_USER] = user.pk
                    return redirect("two_factor_verify")
                return _complete_login(request, user, None)
    return render(
        request,
        "registration/login.html",
        {"form": form, "error": error, "next": request.GET.get("next", "")},
        status=400 if error else 200,
    )


@csrf_protect
@never_cache
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Second step of signing in, for accounts with an authenticator app."""
    pending = request.session.get(PENDING_USER)
    user = User.objects.filter(pk=pending, is_active=True).first() if pending else None
    if user is None:
        return redirect("login")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttle = account_services.login_throttle(
            username=user.username, client_ip=account_services.client_ip()
        )
        if throttle.blocked:
            account_services.record_login_failure(username=user.username, throttled=True)
            request.session.pop(PENDING_USER, None)
            messages.error(request, _("Too many failed attempts. Sign in again later."))
            return redirect("login")
        if account_services.second_factor_wait(user=user):
            # Not a failure: the code was not even checked. Say so rather than "wrong code".
            form.add_error(
                "token", _("Wait a few seconds after a wrong code, then enter the current one.")
            )
        else:
            device = account_services.verify_second_factor(
                actor=actor_for_user(None), user=user, token=form.cleaned_data["token"]
            )
            if device is not None:
                return _complete_login(request, user, device)
            form.add_error(
                "token", _("That code is not right or has expired. Enter the current one.")
            )
    return render(request, "registration/two_factor_verify.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    account_services.record_logout(actor=request.actor)  # type: ignore[attr-defined]
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("home")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    from pmhc.platform.models import Membership

    memberships = Membership.objects.filter(user=user).select_related("organization")
    return render(
        request,
        "platform/account.html",
        {"has_device": has_device, "memberships": memberships},
    )


def _qr_svg(uri: str) -> str:
    # Inline SVG: no image request, no script; the secret is also shown as text.
    svg = segno.make(uri, error="m").svg_inline(scale=4, omitsize=True)
    return str(svg)


@login_required
@csrf_protect
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    actor = request.actor  # type: ignore[attr-defined]
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if request.method == "POST" and device is not None:
        form = TokenForm(request.POST)
        if form.is_valid():
            if account_services.confirm_totp_enrollment(
                actor=actor, user=user, device=device, token=form.cleaned_data["token"]
            ):
                otp_login(request, device)
                messages.success(request, _("Two-factor sign-in is on for your account."))
                return redirect("account")
            form.add_error(
                "token",
                _(
                    "That code does not match. Check the time on your phone and enter "
                    "the current code."
                ),
            )
    else:
        form = TokenForm()
        device = account_services.start_totp_enrollment(actor=actor, user=user)
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "platform/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - generated by segno
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": settings.REQUIRE_TWO_FACTOR,
        },
    )


@login_required
@require_POST
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    account_services.remove_totp(actor=request.actor, user=user)  # type: ignore[attr-defined]
    messages.success(request, _("Two-factor sign-in is off for your account."))
    return redirect("account")


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm
    success_url = reverse_lazy("account")

    def get_form(self, form_class: Any = None) -> Any:
        form = super().get_form(form_class)
        form.actor = self.request.actor  # type: ignore[attr-defined]
        return form

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
