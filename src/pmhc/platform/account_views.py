"""Signing in and out, passwords, e-mail address, two-factor enrollment, and accepting an
invitation to join an organization."""

from __future__ import annotations

import base64
import datetime as dt

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from pmhc.platform import account_services, invitation_selectors, invitation_services
from pmhc.platform.access import Actor, actor_for_user
from pmhc.platform.account_services import IdentityRefused
from pmhc.platform.forms import (
    ConfirmIdentityForm,
    EmailChangeForm,
    InvitationSignupForm,
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    TokenForm,
    TwoFactorEnrollForm,
    TwoFactorRemoveForm,
    apply_errors,
)
from pmhc.platform.http import SESSION_KEY, actor_of
from pmhc.platform.models import Membership, User

PENDING_USER = "pmhc_pending_user"
PENDING_NEXT = "pmhc_pending_next"
#: The unconfirmed device this session is enrolling: the QR code it showed, and no other.
ENROLLING = "pmhc_enrolling_device"
#: A browser that completed a sign-in holds this signed cookie naming the account, and its
#: attempts for that account skip the per-address throttle (``account_services.login_throttle``).
KNOWN_DEVICE_COOKIE = "pmhc_known_device"
_KNOWN_DEVICE_SALT = "pmhc.platform.account_views.known-device"


def _known_device_age() -> dt.timedelta:
    return dt.timedelta(days=settings.LOGIN_KNOWN_DEVICE_DAYS)


def _is_known_device(request: HttpRequest, username: str) -> bool:
    """Whether this browser signed in to ``username`` before. A cookie that is missing, forged,
    older than ``LOGIN_KNOWN_DEVICE_DAYS`` or for another account is no help."""
    named = request.get_signed_cookie(
        KNOWN_DEVICE_COOKIE, default=None, salt=_KNOWN_DEVICE_SALT, max_age=_known_device_age()
    )
    return bool(named) and named == account_services.throttle_name(username)


def _remember_device(response: HttpResponse, user: User) -> None:
    response.set_signed_cookie(
        KNOWN_DEVICE_COOKIE,
        account_services.throttle_name(user.username),
        salt=_KNOWN_DEVICE_SALT,
        max_age=int(_known_device_age().total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


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
    response = HttpResponseRedirect(_safe_next(request, next_url))
    _remember_device(response, user)
    return response


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        throttle = account_services.login_throttle(
            username=username,
            client_ip=account_services.client_ip(),
            known_device=_is_known_device(request, username),
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
            username=user.username,
            client_ip=account_services.client_ip(),
            known_device=_is_known_device(request, user.username),
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


@login_required
@require_POST
def acting_organization(request: HttpRequest) -> HttpResponse:
    """The header switch: act for another of one's organizations from now on. A choice that
    is not one of the person's active memberships gets the same 404 as a missing page."""
    actor = actor_of(request)
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError as exc:
        raise Http404("Not found") from exc
    try:
        account_services.choose_acting_organization(actor, organization_id=organization_id)
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    request.session[SESSION_KEY] = organization_id
    name = next(m.name for m in actor.memberships if m.organization_id == organization_id)
    messages.success(request, _("You now act for %(name)s.") % {"name": name})
    return HttpResponseRedirect(_safe_next(request, request.POST.get("next")))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    account_services.record_logout(actor=actor_of(request))
    logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("home")


def _signed_in(request: HttpRequest) -> tuple[User, Actor]:
    user = request.user
    assert isinstance(user, User)
    return user, actor_of(request)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    user, _actor = _signed_in(request)
    devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    memberships = Membership.objects.filter(user=user).select_related("organization")
    return render(
        request,
        "platform/account.html",
        {"devices": list(devices), "memberships": memberships},
    )


def _posted(request: HttpRequest) -> QueryDict | None:
    # An empty POST is a refused change, not a fresh page: bind it so that it says why.
    return request.POST if request.method == "POST" else None


def _confirmed(
    form: ConfirmIdentityForm, request: HttpRequest, *, change: str
) -> account_services.IdentityConfirmed | None:
    """Check the form's password and code; on a refusal, put it on the form."""
    user, actor = _signed_in(request)
    result = account_services.confirm_identity(
        actor=actor,
        user=user,
        password=form.cleaned_data["current_password"],
        code=form.cleaned_data.get("current_code", ""),
        change=change,
    )
    if isinstance(result, IdentityRefused):
        form.refuse(result.field, result.message)
        return None
    return result


def _qr_svg(uri: str) -> str:
    # Inline SVG: no image request, no script; the secret is also shown as text.
    svg = segno.make(uri, error="m").svg_inline(scale=4, omitsize=True)
    return str(svg)


@login_required
@sensitive_post_parameters("current_password", "current_code", "token")
@csrf_protect
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator app: the first turns two-factor sign-in on; another one needs a
    code from an app already set up, as well as the password."""
    user, actor = _signed_in(request)
    needs_code = account_services.has_second_factor(user)
    device = None
    if request.method == "POST":
        device = TOTPDevice.objects.filter(
            pk=request.session.get(ENROLLING), user=user, confirmed=False
        ).first()
    form = TwoFactorEnrollForm(_posted(request), needs_code=needs_code)
    if request.method == "POST" and form.is_valid():
        if device is None:
            form.add_error(
                None,
                _(
                    "The QR code you scanned is no longer in use (the page was open in another "
                    "tab, or for too long). Scan the new one below, then enter its code."
                ),
            )
        elif (proof := _confirmed(form, request, change="adding an authenticator app")) is None:
            pass
        elif account_services.confirm_totp_enrollment(
            actor=actor,
            user=user,
            device=device,
            token=form.cleaned_data["token"],
            proof=proof,
            name=form.cleaned_data["name"],
        ):
            request.session.pop(ENROLLING, None)
            if needs_code:
                device.refresh_from_db()
                messages.success(
                    request,
                    _("“%(name)s” was added. Its codes now work for signing in.")
                    % {"name": device.name},
                )
            else:
                otp_login(request, device)
                messages.success(request, _("Two-factor sign-in is on for your account."))
            return redirect("account")
        else:
            form.add_error(
                "token",
                _(
                    "That code does not match the QR code below. Check the time on your phone "
                    "and enter the code the new app shows now."
                ),
            )
    if device is None:
        device = account_services.start_totp_enrollment(actor=actor, user=user)
        request.session[ENROLLING] = device.pk
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "platform/two_factor_setup.html",
        {
            "form": form,
            "adding": needs_code,
            "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 - generated by segno
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": settings.REQUIRE_TWO_FACTOR,
        },
        status=400 if form.errors else 200,
    )


@login_required
@sensitive_post_parameters("current_password", "current_code")
@csrf_protect
@never_cache
def two_factor_remove(request: HttpRequest) -> HttpResponse:
    user, actor = _signed_in(request)
    devices = list(
        TOTPDevice.objects.filter(user=user, confirmed=True)
        .order_by("pk")
        .values_list("pk", "name")
    )
    if not devices:
        return redirect("account")
    form = TwoFactorRemoveForm(_posted(request), devices=devices, needs_code=True)
    if request.method == "POST" and form.is_valid():
        proof = _confirmed(form, request, change="removing two-factor sign-in")
        if proof is not None:
            account_services.remove_totp(
                actor=actor, user=user, proof=proof, device_id=form.device_id()
            )
            if account_services.has_second_factor(user):
                messages.success(request, _("The authenticator app was removed."))
            else:
                messages.success(request, _("Two-factor sign-in is off for your account."))
            return redirect("account")
    return render(
        request,
        "platform/two_factor_remove.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@sensitive_post_parameters("current_password", "current_code", "new_password1", "new_password2")
@csrf_protect
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    user, actor = _signed_in(request)
    form = PasswordChangeForm(
        _posted(request), user=user, needs_code=account_services.has_second_factor(user)
    )
    if request.method == "POST" and form.is_valid():
        proof = _confirmed(form, request, change="changing the password")
        if proof is not None:
            account_services.change_password(
                actor=actor,
                user=user,
                new_password=form.cleaned_data["new_password1"],
                via_reset=False,
                proof=proof,
            )
            # This session stays signed in; every other one ends.
            update_session_auth_hash(request, user)
            messages.success(request, _("Your password has been changed."))
            return redirect("account")
    return render(
        request,
        "registration/password_change_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@sensitive_post_parameters("current_password", "current_code")
@csrf_protect
@never_cache
def email_change(request: HttpRequest) -> HttpResponse:
    user, actor = _signed_in(request)
    form = EmailChangeForm(
        _posted(request),
        current_email=user.email,
        needs_code=account_services.has_second_factor(user),
    )
    if request.method == "POST" and form.is_valid():
        proof = _confirmed(form, request, change="changing the e-mail address")
        if proof is not None:
            account_services.change_email(
                actor=actor,
                user=user,
                new_email=form.cleaned_data["email"],
                proof=proof,
                base_url=request.build_absolute_uri("/"),
            )
            # The same words whatever happened: an address another account uses is refused
            # without saying so (see the service).
            messages.success(
                request,
                _(
                    "A link to confirm the change was sent to the new address. Your e-mail "
                    "address changes when you open it, signed in as yourself."
                ),
            )
            return redirect("account")
    return render(
        request,
        "platform/email_change.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@csrf_protect
@never_cache
def email_change_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The page the link sent to a new address opens: a button makes the change."""
    user, actor = _signed_in(request)
    new_email = account_services.email_change_requested(user=user, token=token)
    if request.method == "POST" and new_email is not None:
        if account_services.confirm_email_change(actor=actor, user=user, token=token):
            messages.success(
                request,
                _(
                    "Your e-mail address has been changed. A notice went to the old and the new "
                    "address."
                ),
            )
            return redirect("account")
        new_email = None
    return render(
        request,
        "platform/email_change_confirm.html",
        {"new_email": new_email},
        status=200 if new_email else 400 if request.method == "POST" else 404,
    )


@csrf_protect
@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation's link opens. An invited account, signed in, accepts it; with no
    account for the address, the link's holder creates one here; someone signed in to another
    account gets 404, like a link that does not exist."""
    invitation = invitation_selectors.invitation_by_link(token)
    organization = invitation.organization
    new_account = invitation_selectors.for_new_account(invitation)
    user = request.user
    signed_in = isinstance(user, User) and user.is_authenticated
    if signed_in:
        assert isinstance(user, User)
        if invitation.accepted_by_id == user.pk:
            messages.info(
                request,
                _("You are already a member of %(org)s.") % {"org": organization.name},
            )
            return redirect("home")
        if not new_account and not invitation_selectors.may_accept(invitation, user):
            raise Http404("No such invitation")
    actor: Actor = request.actor  # type: ignore[attr-defined]
    error = ""
    form = None
    if new_account and not signed_in:
        form = InvitationSignupForm(
            request.POST or None,
            initial={"first_name": invitation.first_name, "last_name": invitation.last_name},
        )
    if request.method == "POST" and invitation.is_pending():
        try:
            if form is not None:
                if form.is_valid():
                    membership = invitation_services.join_with_new_account(
                        actor,
                        token=token,
                        username=form.cleaned_data["username"],
                        password=form.cleaned_data["password1"],
                        first_name=form.cleaned_data["first_name"],
                        last_name=form.cleaned_data["last_name"],
                    )
                    messages.success(
                        request,
                        _(
                            "Your account was created and you are a member of %(org)s, as "
                            "%(role)s. Sign in with your username and password."
                        )
                        % {"org": organization.name, "role": membership.get_role_display()},
                    )
                    return redirect("login")
            elif signed_in and not new_account:
                assert isinstance(user, User)
                membership = invitation_services.accept_invitation(actor, user=user, token=token)
                messages.success(
                    request,
                    _("You are now a member of %(org)s, as %(role)s.")
                    % {"org": organization.name, "role": membership.get_role_display()},
                )
                return redirect("home")
        except PermissionDenied as exc:
            raise Http404("No such invitation") from exc
        except invitation_services.AlreadyMember as exc:
            messages.info(
                request,
                _("You are already a member of %(org)s.") % {"org": exc.organization.name},
            )
            return redirect("home")
        except ValidationError as exc:
            if form is not None:
                apply_errors(form, exc)
            else:
                error = " ".join(exc.messages)
    pending = invitation.is_pending()
    invalid = bool(error) or (form is not None and bool(form.errors))
    return render(
        request,
        "platform/member_invitation.html",
        {
            "invitation": invitation,
            "pending": pending,
            "error": error,
            "form": form,
            "new_account": new_account,
            "signed_in": signed_in,
        },
        status=410 if not pending else 400 if invalid else 200,
    )


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
