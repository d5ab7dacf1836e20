"""A second click never shows a failure: every form posts once.

Each form that carries the CSRF token also carries a fresh random submit token (the
``csrf_token`` template tag of ``templatetags/submit_once.py`` renders both). The first POST
with a token claims it in ``SubmitToken``; the unique constraint there lets exactly one of two
concurrent requests through. When the view answers with a redirect, the address is kept with
the token; a repeat of the same POST (a double click, a browser resending the form: the same
token with the same answers) is not run again but sent to that address. When the view answers
with a page (the form has errors), the token is released so that sending the form again runs
it again.

A repeat that arrives while the first POST is still running waits for it (up to ``WAIT``),
then says the first is still being saved; it never runs the form a second time meanwhile.
A POST without a token, or with one that is malformed, runs as usual: the token is a
convenience for people, never a security check (CSRF protection and the services' own state
checks stay in force). Tokens are per account (per browser when signed out), so another
person's token never leads anywhere but where that person's own form would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from pmhc.platform.models import SubmitToken

#: The name of the hidden field that carries the token.
FIELD = "pmhc_submit"
#: How long a used token keeps leading to its result.
KEEP = dt.timedelta(hours=12)
#: How long a repeat waits for a first POST that is still running before it answers "still
#: working" (it never runs the form a second time while the first may still be running).
WAIT = dt.timedelta(seconds=10)
#: A claim with no result that is older than this belongs to a request that died (no request
#: runs this long: the server's own timeout is shorter), and is given up.
ABANDONED = dt.timedelta(minutes=5)
#: What ``earlier_result`` answers when the first POST is still running after ``WAIT``.
STILL_RUNNING = "\x00still-running"
_CLAIM = "_pmhc_submit_claim"
POLL_SECONDS = 0.1

_WELL_FORMED = re.compile(r"^[A-Za-z0-9_-]{32,64}$")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def new_token() -> str:
    return secrets.token_urlsafe(32)


def owner_of(request: HttpRequest) -> str | None:
    """Whose tokens these are: the signed-in account, else the browser (its CSRF secret)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    secret = request.META.get("CSRF_COOKIE")
    if secret:
        return "browser:" + hashlib.sha256(str(secret).encode()).hexdigest()
    return None


def _digest(token: str, fingerprint: str = "") -> str:
    return hashlib.sha256(f"pmhc-submit-once:{token}:{fingerprint}".encode()).hexdigest()


def fingerprint(request: HttpRequest) -> str:
    """What the form sent, tokens aside: a repeat is the same token with the same answers.
    The same form sent again with other answers (after the Back button, say) is new."""
    digest = hashlib.sha256()
    for key in sorted(request.POST):
        if key in {FIELD, "csrfmiddlewaretoken"}:
            continue
        for value in request.POST.getlist(key):
            digest.update(f"{len(key)}:{key}={len(value)}:{value}\n".encode())
    for key in sorted(request.FILES):
        for upload in request.FILES.getlist(key):
            digest.update(f"file {key}={upload.name}:{upload.size}\n".encode())
    return digest.hexdigest()


def _cipher(token: str, data: bytes) -> bytes:
    """XOR with an HMAC-SHA256 key stream keyed by the token: each token enciphers one address,
    and only whoever holds the token (the form's browser) can read it back."""
    key = hashlib.sha256(f"pmhc-submit-result:{token}".encode()).digest()
    stream = b"".join(
        hmac.new(key, block.to_bytes(8, "big"), hashlib.sha256).digest()
        for block in range(len(data) // 32 + 1)
    )
    return bytes(a ^ b for a, b in zip(data, stream, strict=False))


def result_of(response: HttpResponseBase) -> str | None:
    """Where a response sends the browser, if it is a redirect (or an htmx redirect)."""
    if response.status_code in _REDIRECTS:
        return str(response["Location"])
    if response.has_header("HX-Redirect"):
        return str(response["HX-Redirect"])
    return None


T = TypeVar("T")


def _patiently(work: Callable[[], T]) -> T:
    """Run ``work``, trying again while SQLite says the table is locked by another request's
    write (its shared-cache mode, used by the tests' live server, does not wait by itself).
    PostgreSQL waits on its own and never gets here."""
    deadline = time.monotonic() + WAIT.total_seconds()
    while True:
        try:
            return work()
        except OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(POLL_SECONDS)


def claim(owner: str, token: str, sent: str = "") -> SubmitToken | None:
    """Claim the token for its first use: the new row, or None if it is claimed already.
    The owner's tokens too old to follow are deleted on the way."""

    def work() -> SubmitToken | None:
        SubmitToken.objects.filter(owner=owner, created_at__lt=timezone.now() - KEEP).delete()
        try:
            with transaction.atomic():
                return SubmitToken.objects.create(owner=owner, digest=_digest(token, sent))
        except IntegrityError:
            return None

    return _patiently(work)


def record(row: SubmitToken, token: str, result: str | None) -> None:
    """Keep where the first POST led; or, with no result, release the token."""
    rows = SubmitToken.objects.filter(pk=row.pk)
    if result is None:
        _patiently(rows.delete)
    else:
        enciphered = _cipher(token, result.encode())
        _patiently(lambda: rows.update(result=enciphered))


def earlier_result(owner: str, token: str, sent: str = "") -> str | None:
    """Where the earlier use of this token led; None when there is none to follow (never
    used, released, expired or abandoned), in which case the claim can be tried again.
    Waits while the earlier POST is still running, and answers ``STILL_RUNNING`` when it
    still is after ``WAIT``."""
    deadline = time.monotonic() + WAIT.total_seconds()
    digest = _digest(token, sent)
    while True:
        found = _patiently(
            SubmitToken.objects.filter(owner=owner, digest=digest)
            .values_list("pk", "result", "created_at")
            .first
        )
        if found is None:
            return None
        pk, result, created_at = found
        now = timezone.now()
        if result and created_at > now - KEEP:
            return _cipher(token, bytes(result)).decode()
        if (result and created_at <= now - KEEP) or created_at <= now - ABANDONED:
            _patiently(SubmitToken.objects.filter(pk=pk).delete)
            return None
        if time.monotonic() > deadline:
            return STILL_RUNNING
        time.sleep(POLL_SECONDS)


def purge(*, now: dt.datetime | None = None) -> int:
    """Delete the tokens too old to be followed; how many."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _ = SubmitToken.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def purge_on_start() -> str:
    """The worker's start-up check: tokens of people who did not come back."""
    deleted = purge()
    return f"deleted {deleted} expired submit tokens" if deleted else ""


def _repeat_response(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return HttpResponse(status=200, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url, status=303)


def _still_running(request: HttpRequest) -> HttpResponse:
    """The answer to a repeat while the first POST is still being saved: no failure, no second
    run, and a way on once it is done."""
    return render(request, "platform/still_saving.html", status=202)


def token_of(request: HttpRequest) -> str | None:
    if request.method != "POST" or request.content_type not in _FORM_TYPES:
        return None
    token = request.POST.get(FIELD, "")
    return token if _WELL_FORMED.match(token) else None


Handler = Callable[[HttpRequest], HttpResponseBase]


class SubmitOnceMiddleware:
    """Runs a form's POST once per submit token (see the module docstring). The token is
    claimed in ``process_view``, after ``CsrfViewMiddleware`` (earlier in ``MIDDLEWARE``) has
    accepted the request, so a forged or stale POST stores nothing; the result is kept when
    the response comes back."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = self.get_response(request)
        except BaseException:
            self._settle(request, None)
            raise
        # An exception in the view usually arrives here as an error page: no result, so the
        # token is released and sending the form again runs it again.
        self._settle(request, result_of(response))
        return response

    @staticmethod
    def _settle(request: HttpRequest, result: str | None) -> None:
        claimed: tuple[SubmitToken, str] | None = getattr(request, _CLAIM, None)
        if claimed is not None:
            row, token = claimed
            record(row, token, result)

    def process_view(
        self, request: HttpRequest, view: Callable[..., object], args: object, kwargs: object
    ) -> HttpResponseBase | None:
        token = token_of(request)
        owner = owner_of(request) if token else None
        if token is None or owner is None:
            return None
        sent = fingerprint(request)
        for _attempt in range(3):
            row = claim(owner, token, sent)
            if row is not None:
                setattr(request, _CLAIM, (row, token))
                return None
            url = earlier_result(owner, token, sent)
            if url is STILL_RUNNING:
                return _still_running(request)
            if url is not None:
                return _repeat_response(request, url)
        return None
