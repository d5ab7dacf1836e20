"""A repeated form POST (double click, resend) runs once and lands where the first one went."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.template import engines
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from pmhc.platform import submit_once
from pmhc.platform.models import SubmitToken, User
from pmhc.platform.tests.factories import UserFactory
from pmhc.toolkit.models import TARequest, TAStatus
from pmhc.toolkit.tests.test_assistance import FORM, staff_client, submit, tta  # noqa: F401

TOKEN_INPUT = re.compile(r'name="pmhc_submit" value="([A-Za-z0-9_-]+)"')


class CountingView:
    """A view that counts its calls and answers with ``response``."""

    def __init__(self, response: HttpResponseBase | None = None) -> None:
        self.calls = 0
        self.response = response or HttpResponseRedirect("/done/7/")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        self.calls += 1
        return self.response


def _stack(view: Any) -> Any:
    """The middleware around ``view`` as Django runs it: ``process_view`` (after CSRF has
    passed) before the view, then the middleware's own call around the whole."""

    def handler(request: HttpRequest) -> HttpResponseBase:
        early = middleware.process_view(request, view, (), {})
        return early if early is not None else view(request)

    middleware = submit_once.SubmitOnceMiddleware(handler)
    return middleware


def _post(user: Any, token: str | None, note: str = "x") -> HttpRequest:
    data = {"note": note} if token is None else {"note": note, submit_once.FIELD: token}
    request = RequestFactory().post("/somewhere/", data)
    request.user = user
    return request


@pytest.fixture
def user(db: None) -> User:
    return UserFactory.create(username="clicker")


def test_the_csrf_tag_adds_a_fresh_token_to_every_form() -> None:
    template = engines["django"].from_string("<form>{% csrf_token %}</form>")
    request = RequestFactory().get("/")
    first, second = template.render({}, request), template.render({}, request)
    assert 'name="csrfmiddlewaretoken"' in first
    tokens = TOKEN_INPUT.findall(first) + TOKEN_INPUT.findall(second)
    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32,64}", tokens[0])
    # Without a request (an e-mail, say) there is no form to protect: nothing is rendered.
    assert engines["django"].from_string("{% csrf_token %}").render({}) == ""


def test_first_use_runs_the_view_and_a_repeat_goes_where_it_went(user: User) -> None:
    view = CountingView()
    middleware = _stack(view)
    token = submit_once.new_token()
    first = middleware(_post(user, token))
    assert (view.calls, first.status_code, first["Location"]) == (1, 302, "/done/7/")
    repeat = middleware(_post(user, token))
    assert view.calls == 1
    assert (repeat.status_code, repeat["Location"]) == (303, "/done/7/")
    assert SubmitToken.objects.count() == 1


def test_the_same_form_sent_with_other_answers_is_new(user: User) -> None:
    """Back to a form already sent, changed and sent again: that is not a repeat."""
    view = CountingView()
    middleware = _stack(view)
    token = submit_once.new_token()
    middleware(_post(user, token, note="first"))
    middleware(_post(user, token, note="second"))
    assert view.calls == 2
    middleware(_post(user, token, note="second"))
    assert view.calls == 2


def test_the_address_is_kept_enciphered(user: User) -> None:
    middleware = _stack(CountingView(HttpResponseRedirect("/assistance/status/secret-link-key/")))
    middleware(_post(user, submit_once.new_token()))
    row = SubmitToken.objects.get()
    assert b"secret-link-key" not in bytes(row.result)
    assert row.owner == f"user:{user.pk}"


def test_an_htmx_repeat_is_told_to_go_there(user: User) -> None:
    middleware = _stack(CountingView())
    token = submit_once.new_token()
    middleware(_post(user, token))
    request = _post(user, token)
    request.META["HTTP_HX_REQUEST"] = "true"
    repeat = middleware(request)
    assert (repeat.status_code, repeat["HX-Redirect"]) == (200, "/done/7/")


def test_a_page_with_errors_releases_the_token(user: User) -> None:
    view = CountingView(HttpResponse("Enter the address.", status=400))
    middleware = _stack(view)
    token = submit_once.new_token()
    assert middleware(_post(user, token)).status_code == 400
    assert middleware(_post(user, token)).status_code == 400
    assert view.calls == 2
    assert not SubmitToken.objects.exists()


def test_a_view_that_raises_releases_the_token(user: User) -> None:
    def broken(request: HttpRequest) -> HttpResponse:
        raise RuntimeError("boom")

    token = submit_once.new_token()
    with pytest.raises(RuntimeError):
        _stack(broken)(_post(user, token))
    assert not SubmitToken.objects.exists()


def test_another_persons_token_leads_nowhere_of_theirs(user: User) -> None:
    view = CountingView()
    token = submit_once.new_token()
    _stack(view)(_post(user, token))
    other = UserFactory.create(username="someone-else")
    elsewhere = CountingView(HttpResponseRedirect("/mine/"))
    response = _stack(elsewhere)(_post(other, token))
    # The other person's POST runs as their own first use, and goes to their own result.
    assert (elsewhere.calls, response["Location"]) == (1, "/mine/")
    assert SubmitToken.objects.count() == 2


def test_no_token_an_unknown_or_a_malformed_one_runs_as_usual(user: User) -> None:
    view = CountingView()
    middleware = _stack(view)
    middleware(_post(user, None))
    middleware(_post(user, None))
    middleware(_post(user, "not a token"))
    assert view.calls == 3
    assert not SubmitToken.objects.exists()
    middleware(_post(user, submit_once.new_token()))  # never seen: a first use
    assert view.calls == 4


def test_a_get_is_never_held(user: User) -> None:
    view = CountingView()
    request = RequestFactory().get("/somewhere/", {submit_once.FIELD: submit_once.new_token()})
    request.user = user
    _stack(view)(request)
    assert view.calls == 1 and not SubmitToken.objects.exists()


def test_an_expired_token_runs_again_and_is_purged(user: User) -> None:
    view = CountingView()
    middleware = _stack(view)
    token = submit_once.new_token()
    middleware(_post(user, token))
    long_ago = timezone.now() - submit_once.KEEP - dt.timedelta(minutes=1)
    SubmitToken.objects.update(created_at=long_ago)
    middleware(_post(user, token))
    assert view.calls == 2
    assert SubmitToken.objects.get().created_at > long_ago
    # The purge deletes only what is too old to follow.
    stale = SubmitToken.objects.create(owner="user:0", digest="0" * 64, created_at=long_ago)
    assert submit_once.purge() == 1
    assert not SubmitToken.objects.filter(pk=stale.pk).exists()
    assert SubmitToken.objects.count() == 1


def test_a_repeat_waits_for_the_first_still_running(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = submit_once.new_token()
    row = submit_once.claim(f"user:{user.pk}", token, submit_once.fingerprint(_post(user, token)))
    assert row is not None
    waits: list[float] = []

    def first_finishes(seconds: float) -> None:
        # While the repeat waits, the first POST ends with its redirect.
        waits.append(seconds)
        submit_once.record(row, token, "/done/first/")

    monkeypatch.setattr(submit_once.time, "sleep", first_finishes)
    view = CountingView()
    response = _stack(view)(_post(user, token))
    assert waits and view.calls == 0
    assert response["Location"] == "/done/first/"


def test_a_claim_left_by_a_request_that_died_is_given_up(user: User) -> None:
    token = submit_once.new_token()
    submit_once.claim(f"user:{user.pk}", token, submit_once.fingerprint(_post(user, token)))
    SubmitToken.objects.update(created_at=timezone.now() - submit_once.ABANDONED)
    view = CountingView()
    _stack(view)(_post(user, token))
    assert view.calls == 1


def test_a_repeat_of_a_slow_first_post_is_not_run_again(
    user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first POST still running after the wait (an upload, say) is not run a second time:
    the repeat says it is still being saved, without a failure."""
    token = submit_once.new_token()
    row = submit_once.claim(f"user:{user.pk}", token, submit_once.fingerprint(_post(user, token)))
    assert row is not None
    SubmitToken.objects.update(created_at=timezone.now() - submit_once.WAIT)
    clock = iter(range(0, 10_000, 5))
    monkeypatch.setattr(submit_once.time, "monotonic", lambda: float(next(clock)))
    monkeypatch.setattr(submit_once.time, "sleep", lambda seconds: None)
    view = CountingView()
    response = _stack(view)(_post(user, token))
    assert view.calls == 0
    assert response.status_code == 202
    assert "Still saving what you sent" in response.content.decode()
    assert SubmitToken.objects.filter(pk=row.pk).exists()


# --- Through the real pages -----------------------------------------------------------------


def _token(client: Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    found = TOKEN_INPUT.findall(page.content.decode())
    assert found, "the page has no submit token"
    return found[0]


def test_the_public_request_sent_twice_is_saved_once(tta: Any) -> None:  # noqa: F811
    client = Client()
    token = _token(client, reverse("ta_request"))
    data = {**FORM, submit_once.FIELD: token}
    first = client.post(reverse("ta_request"), data)
    second = client.post(reverse("ta_request"), data)
    assert first.status_code == 302 and second.status_code == 303
    assert second["Location"] == first["Location"]
    assert TARequest.objects.count() == 1
    # A new visit to the form is a new request.
    data[submit_once.FIELD] = _token(client, reverse("ta_request"))
    assert client.post(reverse("ta_request"), data).status_code == 302
    assert TARequest.objects.count() == 2


def test_the_confirm_step_clicked_twice_confirms_once(tta: Any) -> None:  # noqa: F811
    ta_request = submit()
    client = staff_client(tta.staff)
    detail = reverse("ta_detail", kwargs={"reference": ta_request.reference})
    token = _token(client, detail)
    url = reverse("ta_action", kwargs={"reference": ta_request.reference, "step": "confirm"})
    first = client.post(url, {submit_once.FIELD: token})
    second = client.post(url, {submit_once.FIELD: token})
    assert first["Location"] == second["Location"] == detail
    ta_request.refresh_from_db()
    assert ta_request.status == TAStatus.CONFIRMED
    page = client.get(detail)
    assert page.status_code == 200
    assert "cannot" not in page.content.decode().lower()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason=(
        "needs PostgreSQL: threads of the test client share SQLite's in-memory test database, "
        "which locks whole tables; the browser test sends two POSTs at once on SQLite"
    ),
)
def test_two_concurrent_posts_with_one_token_save_once(tta: Any) -> None:  # noqa: F811
    client = Client()
    token = _token(client, reverse("ta_request"))
    data = {**FORM, submit_once.FIELD: token}
    start = threading.Barrier(2)
    answers: list[HttpResponseBase] = []

    def send() -> None:
        own = Client()  # one browser: the same cookies, a client per thread
        own.cookies.update(client.cookies)
        try:
            start.wait()
            answers.append(own.post(reverse("ta_request"), data))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [302, 303]
    assert answers[0]["Location"] == answers[1]["Location"]
    assert TARequest.objects.count() == 1


def test_the_worker_purges_expired_tokens_when_it_starts(db: None) -> None:
    from pmhc.platform.worker_hooks import STARTUP_CHECKS

    assert submit_once.purge_on_start in STARTUP_CHECKS
    long_ago = timezone.now() - submit_once.KEEP - dt.timedelta(minutes=1)
    SubmitToken.objects.create(owner="user:0", digest="1" * 64, created_at=long_ago)
    SubmitToken.objects.create(owner="user:0", digest="2" * 64)
    assert submit_once.purge_on_start() == "deleted 1 expired submit tokens"
    assert submit_once.purge_on_start() == ""
    assert SubmitToken.objects.count() == 1


def test_a_locked_table_is_waited_for_and_other_errors_are_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import OperationalError

    monkeypatch.setattr(submit_once.time, "sleep", lambda seconds: None)
    attempts: list[int] = []

    def busy_twice() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("database table is locked")
        return "done"

    assert submit_once._patiently(busy_twice) == "done"
    assert len(attempts) == 3

    def broken() -> str:
        raise OperationalError("no such table: platform_submittoken")

    with pytest.raises(OperationalError, match="no such table"):
        submit_once._patiently(broken)


def test_a_post_refused_by_csrf_stores_no_token(user: User) -> None:
    """The token is claimed only after CSRF protection has accepted the request: a forged
    POST, signed in or not, leaves nothing in the table."""
    client = Client(enforce_csrf_checks=True)
    token = submit_once.new_token()
    response = client.post("/accounts/login/", {"username": "x", submit_once.FIELD: token})
    assert response.status_code == 403
    client.force_login(user)
    response = client.post("/accounts/", {"note": "x", submit_once.FIELD: token})
    assert response.status_code == 403
    assert not SubmitToken.objects.exists()
