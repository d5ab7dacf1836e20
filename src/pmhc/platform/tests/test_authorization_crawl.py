"""The authorization crawl: every URL pattern, filled with records of each organization and with
a missing id, requested by every kind of caller.

Callers: anonymous; every role of the organization that owns the records; every role of a
partner under an agreement in force that covers every classification and purpose; every role
of a partner whose agreement is only proposed; every role of an unrelated organization; and,
on the API, an API key of the owner and one of the unrelated organization. Every caller GETs
every URL; some also POST an empty body (see ``_posts``).

What must hold:

- nothing answers 500;
- a record the caller may not see answers exactly like a missing one: the same status, the
  same redirect (for anonymous visitors, to sign-in), the same body but for the URL itself
  and CSRF tokens, the same tables written;
- no seeded string reaches a caller the policy does not grant it (bodies, headers, CSV and
  JSON exports, the text of PDFs): anonymous visitors, the proposed partner and the
  unrelated organization see none of the owner's strings; analysts and administrators see no
  personal, safety or clinical string; anyone else sees such a string only if the policy
  (``access.decide``, for some purpose) lets them view it;
- a request about another organization's record, or a missing one, writes nothing; a GET
  writes nothing but the session and the audit trail; an anonymous POST writes nothing
  outside the public forms.

Each request runs in a savepoint that is rolled back, so what one request writes never changes
what the next one sees. The world is built once for the module (``crawl_world.py``) and the
patterns come from the resolver (``crawl_routes.py``): a new page is crawled as soon as it is
routed, and a pattern with arguments fails the crawl until ``FILLS`` says how to fill it.
Two controls keep the crawl honest: every seeded value of the owner is shown to someone (so
its absence elsewhere means something), and pages built to misbehave (``crawl_selftest.py``)
are caught.

Run with ``-s`` to see the one-line summary of what was crawled.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import Morsel
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.signals import got_request_exception
from django.db import connection, models, transaction
from django.http import HttpResponseBase
from django.test import Client, override_settings
from django.urls import reverse

from pmhc.platform import http
from pmhc.platform.access import ANONYMOUS, Action, Actor, actor_for_api_key, actor_for_user, decide
from pmhc.platform.models import Classification, Purpose, Role, User
from pmhc.platform.tests import crawl_selftest
from pmhc.platform.tests.crawl_routes import (
    EXTRAS,
    FILLS,
    LAST,
    SKIPPED,
    Bearer,
    Fill,
    Fixed,
    Owned,
    Public,
    Route,
    all_routes,
)
from pmhc.platform.tests.crawl_world import (
    HOLDERS,
    OWNER,
    PARTNER,
    PROPOSED,
    UNRELATED,
    Secret,
    World,
    build_world,
    private_media,
)

#: The marker makes pytest-django create the test database; the crawl itself runs once, in
#: the module-scoped ``crawl`` fixture, and the tests read what it found.
pytestmark = pytest.mark.django_db

C = Classification
SENSITIVE = frozenset({C.PERSONAL, C.SAFETY, C.CLINICAL, C.SUBSTANCE_USE})
#: Roles that never see a person: administrators run the organization, analysts count.
NO_PERSONAL_DATA = frozenset({Role.ADMINISTRATOR, Role.ANALYST})
#: Every distinctive word of the world: "xq", a holder's tag and a three-letter code.
TOKEN = re.compile("xq(?:" + "|".join(tag.lower() for tag in HOLDERS.values()) + ")[a-z]{3}")
#: Tables a request may write whatever it is: the session, and the audit trail (a read of
#: protected fields is itself an event; the denied-like-missing check compares them).
BOOKKEEPING = frozenset({"django_session", "platform_auditevent", "platform_auditchainhead"})
#: An API key notes when it was last used, whatever it asked.
KEY_BOOKKEEPING = BOOKKEEPING | {"platform_apikey"}
#: Public forms that may write when posted empty, with the reason.
PUBLIC_WRITES = {
    # An empty POST opens a quick self-assessment: that is the page's whole job.
    "assess_quick_start": "starting a quick self-assessment needs no input",
}
WRITE_SQL = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([A-Za-z0-9_]+)"?', re.I)
METHODS = ("GET", "POST")


# --- Callers ---------------------------------------------------------------------------------


class CrawlClient(Client):
    """The test client without what the crawl never reads: it keeps no copy of every template
    context it rendered (thousands of pages), and never raises a view's exception (a 500 is
    an answer the crawl judges)."""

    def __init__(self, **defaults: Any) -> None:
        super().__init__(raise_request_exception=False, **defaults)

    def request(self, **request: Any) -> Any:
        environ = self._base_environ(**request)  # type: ignore[attr-defined]
        uid = f"crawl-exception-{id(request)}"
        got_request_exception.connect(self.store_exc_info, dispatch_uid=uid)
        try:
            response = self.handler(environ)
        finally:
            got_request_exception.disconnect(dispatch_uid=uid)
        response.exc_info = self.exc_info  # type: ignore[attr-defined]
        self.exc_info = None
        if response.cookies:
            self.cookies.update(response.cookies)
        return response


@dataclass
class Caller:
    label: str
    group: str  # anonymous | owner | partner | proposed | unrelated | key
    home: str | None  # the caller's organization, by its key in the world
    role: Role | None
    actor: Actor
    client: CrawlClient
    api_only: bool = False
    #: The account a signed-in caller uses (signed in again if a page signs them out).
    user: User | None = None
    #: The seeded secrets this caller must never see, by index into ``World.secrets``.
    forbidden: frozenset[int] = frozenset()


def _callers(world: World) -> list[Caller]:
    callers = [Caller("anonymous", "anonymous", None, None, ANONYMOUS, CrawlClient())]
    for key in (OWNER, PARTNER, PROPOSED, UNRELATED):
        for role, user in world.members[key].items():
            client = CrawlClient()
            client.force_login(user)
            callers.append(
                Caller(
                    f"{key}:{role.value}", key, key, role, actor_for_user(user), client, user=user
                )
            )
    for key in (OWNER, UNRELATED):
        holdings = world.holdings[key]
        client = CrawlClient(HTTP_AUTHORIZATION=f"Api-Key {holdings.api_key_raw}")
        callers.append(
            Caller(
                f"{key}:api-key",
                "key",
                key,
                None,
                actor_for_api_key(holdings.api_key),
                client,
                api_only=True,
            )
        )
    for caller in callers:
        caller.forbidden = frozenset(
            index for index, secret in enumerate(world.secrets) if _forbidden(caller, secret)
        )
    return callers


def _may_view(actor: Actor, record: models.Model, classification: str | None = None) -> bool:
    """The oracle: the policy lets ``actor`` view ``record`` for at least one purpose."""
    return any(
        decide(actor, Action.VIEW, record, purpose, classification=classification)  # type: ignore[arg-type]
        for purpose in Purpose
    )


def _stranger(caller: Caller, holder: str) -> bool:
    """Whether ``caller`` is outside ``holder`` with no agreement in force between them."""
    if caller.home == holder:
        return False
    return not (caller.home == PARTNER and holder == OWNER)


def _forbidden(caller: Caller, secret: Secret) -> bool:
    """Whether ``secret`` must never reach ``caller``.

    Agency data (a team's name, a course, an assessment's title) stays inside its
    organization and the partners under an agreement in force; within them, which role sees
    which agency record is the pages' business (a dispatcher sees the CIT officers on duty
    without reading their training records). Personal, safety and clinical data go only to
    whom the policy grants them, for some purpose."""
    if caller.group == "anonymous" or _stranger(caller, secret.holder):
        return True
    if secret.classification not in SENSITIVE:
        return False
    if caller.role in NO_PERSONAL_DATA:
        return True
    return not _may_view(caller.actor, secret.record, secret.classification)


# --- What to request --------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One URL to request: which pattern, which fill, and what it must answer like."""

    route: str
    variant: str
    path: str
    #: The holder whose record is in the URL; "" for none, "missing" for a missing id.
    holder: str = ""
    #: Records whose strings this URL may show to anyone (what a private link opens).
    exempt: frozenset[tuple[str, Any]] = frozenset()
    #: The variant whose answer this one must equal ("" when it may differ).
    twin: str = ""
    #: The URL carries a private link's token: whoever holds it may act on it.
    bearer: bool = False


def _key(record: models.Model) -> tuple[str, Any]:
    return (record._meta.label_lower, record.pk)


def _records(value: models.Model | Any) -> list[models.Model]:
    return list(value) if isinstance(value, list | tuple) else [value]


class Unfillable(Exception):
    pass


def _probes(
    route: Route, caller: Caller, world: World, all_fills: dict[str, dict[str, Fill]]
) -> list[Probe]:
    fills = all_fills.get(route.name, {})
    arguments = list(route.converters)
    if any(name not in fills for name in arguments):
        raise Unfillable(route.name)
    owned = [name for name in arguments if isinstance(fills[name], Owned)]
    bearer = [name for name in arguments if isinstance(fills[name], Bearer)]
    public = [name for name in arguments if isinstance(fills[name], Public)]

    def plain(name: str) -> Any:
        fill = fills[name]
        if isinstance(fill, Fixed):
            return fill.value
        if isinstance(fill, Public):
            return fill.pick(world)
        if isinstance(fill, Bearer):
            return fill.token(world)
        raise AssertionError(name)

    base = {name: plain(name) for name in arguments if name not in owned}
    url = lambda kwargs: reverse(route.name, kwargs=kwargs)  # noqa: E731
    if not arguments:
        return [Probe(route.name, "plain", url({}))]
    if not owned:
        opened = [r for name in bearer for r in fills[name].opens(world)]  # type: ignore[union-attr]
        probes = [
            Probe(
                route.name,
                "filled",
                url(base),
                exempt=frozenset(_key(r) for r in opened),
                bearer=bool(bearer),
            )
        ]
        if bearer or public:
            missing = base | {name: route.missing_value(name) for name in bearer + public}
            probes.append(Probe(route.name, "missing", url(missing), holder="missing"))
        return probes

    def owned_values(holder: str) -> list[tuple[dict[str, Any], models.Model]]:
        """Every way to fill the owned arguments from ``holder``'s records, with the record
        the URL is about (the last owned argument's)."""
        holdings = world.holdings[holder]
        combos: list[tuple[dict[str, Any], models.Model]] = [({}, holdings.organization)]
        for name in owned:
            fill = fills[name]
            assert isinstance(fill, Owned)
            combos = [
                (values | {name: getattr(record, fill.attr)}, record)
                for values, _ in combos
                for record in _records(fill.pick(holdings))
            ]
        return combos

    missing_all = base | {name: route.missing_value(name) for name in owned}
    probes = [Probe(route.name, "missing", url(missing_all), holder="missing")]
    holders = [OWNER, UNRELATED] if caller.home == OWNER else [OWNER]
    for holder in holders:
        for number, (values, record) in enumerate(owned_values(holder)):
            hidden = caller.group == "anonymous" or _stranger(caller, holder)
            if not hidden and caller.home != holder:
                hidden = not _may_view(caller.actor, record)
            probes.append(
                Probe(
                    route.name,
                    f"{holder}#{number}",
                    url(base | values),
                    holder=holder,
                    twin="missing" if hidden else "",
                )
            )
    # A record of another organization under the caller's own organization's URL (the
    # caller's slug with another's member id): it too must answer like a missing one.
    if len(owned) > 1 and caller.home == OWNER:
        own_values, _ = owned_values(OWNER)[0]
        their_values, _ = owned_values(UNRELATED)[0]
        for name in owned[1:]:
            crossed = base | own_values | {name: their_values[name]}
            gap = base | own_values | {name: route.missing_value(name)}
            probes.append(Probe(route.name, f"gap:{name}", url(gap), holder="missing"))
            probes.append(
                Probe(
                    route.name, f"cross:{name}", url(crossed), holder=UNRELATED, twin=f"gap:{name}"
                )
            )
    if caller.group in {PARTNER, "key"} and not any(p.twin == "missing" for p in probes):
        probes = [p for p in probes if p.variant != "missing"]
    return probes


#: The roles of the partner, proposed and unrelated organizations that also POST (an empty
#: body) to the URLs that name a record: the administrator (agreements, members, keys), the
#: coordinator (plans, training, rules, imports, assessments) and the clinician (the role a
#: partner shares calls, people and reports with). A write across the boundary is refused
#: before any role's own rules apply; every role GETs every URL.
POSTING_ROLES = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR, Role.CLINICIAN})


def _posts(caller: Caller, probe: Probe, got: Answer | None) -> bool:
    """Whether ``caller`` also POSTs ``probe`` (its GET answered ``got``): anonymous visitors
    and API keys everywhere; the owner's members to every page and their own records (the
    richest data, so the most ways to fail) unless the GET found nothing there for them; the
    other organizations' ``POSTING_ROLES`` to the owner's records and to a missing one (which
    the first must answer like)."""
    if probe.variant.startswith("extra:"):
        return False  # a second look at a page is a GET
    if caller.group in {"anonymous", "key"}:
        return True
    if caller.group == OWNER:
        return probe.holder in {"", OWNER} and (got is None or got.status != 404)
    return caller.role in POSTING_ROLES and probe.holder in {OWNER, "missing"}


# --- Requesting and judging ------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What a caller can tell from a response, and what the request wrote."""

    status: int
    location: str
    content_type: str
    tables: frozenset[str]
    #: A digest of the body with the URL and the per-request tokens taken out.
    body: str

    def looks(self) -> str:
        where = f" → {self.location}" if self.location else ""
        tables = f" writes {sorted(self.tables)}" if self.tables else ""
        return f"{self.status}{where} [{self.content_type}, body {self.body[:8]}]{tables}"


#: What differs between two identical pages: the CSRF and one-time submit tokens of each form.
PER_REQUEST = re.compile(rb'name="(?:csrfmiddlewaretoken|pmhc_submit)" value="[^"]*"')


def _digest(body: bytes, path: str) -> str:
    normal = PER_REQUEST.sub(b"", body)
    for form in {quote(path, safe=""), quote(path), path}:
        normal = normal.replace(form.encode(), b"<this-url>")
    return hashlib.sha256(normal).hexdigest()


@dataclass
class Failure:
    kind: str  # unfillable | 500 | denied-differs | leak | wrote
    route: str
    caller: str
    group: str
    detail: str

    def line(self) -> str:
        return f"{self.kind:14} {self.route:28} {self.caller:26} {self.detail}"


@dataclass(repr=False)
class Crawl:
    world: World
    routes: list[Route]
    callers: list[Caller]
    fills: dict[str, dict[str, Fill]] = field(default_factory=lambda: FILLS)
    extras: list[tuple[str, str]] = field(default_factory=list)
    #: Requests by caller group and method, for the summary.
    by_group: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)
    requests: Counter[str] = field(default_factory=Counter)
    comparisons: Counter[str] = field(default_factory=Counter)
    #: The seeded values some page showed to someone, by index into ``World.secrets``.
    seen: set[int] = field(default_factory=set)
    #: Seconds spent on each pattern, to find what makes the crawl slow.
    route_seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    #: The crawl of ``crawl_selftest``'s misbehaving pages.
    selftest: Crawl | None = None
    needles: _Needles = field(init=False)

    def __post_init__(self) -> None:
        self.needles = _Needles.of(self.world)

    crawled_routes: set[str] = field(default_factory=set)
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    def summary(self) -> str:
        with_arguments = sum(1 for r in self.routes if r.converters)
        return (
            f"authorization crawl: {len(self.routes)} URL patterns ({with_arguments} with "
            f"arguments, {len(SKIPPED)} skipped), {len(self.callers)} callers, "
            f"{sum(self.requests.values())} requests ({self.requests['GET']} GET, "
            f"{self.requests['POST']} POST), {sum(self.comparisons.values())} hidden-like-missing "
            f"comparisons, {len(self.world.secrets)} seeded values, "
            f"{len(self.failures)} failures, {self.seconds:.1f}s ({self.cpu_seconds:.1f}s CPU)"
        )


def _body(response: HttpResponseBase) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(response.content)  # type: ignore[attr-defined]


def _text(response: HttpResponseBase, body: bytes) -> str:
    content_type = response.get("Content-Type", "")
    text = body.decode("utf-8", "replace")
    if content_type.startswith("application/pdf") and body.startswith(b"%PDF"):
        from pypdf import PdfReader

        try:
            reader = PdfReader(io.BytesIO(body))
            text += "\n".join(page.extract_text() or "" for page in reader.pages)
        except Exception as exc:  # an unreadable PDF is reported, not fatal
            text += f"\n(unreadable PDF: {exc})"
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return (headers + "\n" + text).lower()


def _location(response: HttpResponseBase, path: str) -> str:
    location = response.get("Location", "")
    for form in (quote(path, safe=""), quote(path), path):
        location = location.replace(form, "<this-url>")
    return location


@dataclass(frozen=True)
class _Needles:
    """Where each seeded value can be found: its distinctive words, and other texts (dates)."""

    words: dict[str, int]
    texts: tuple[tuple[str, int], ...]

    @classmethod
    def of(cls, world: World) -> _Needles:
        words: dict[str, int] = {}
        texts: list[tuple[str, int]] = []
        for index, secret in enumerate(world.secrets):
            for needle in (t.lower() for t in secret.texts):
                if TOKEN.fullmatch(needle):
                    words[needle] = index
                else:
                    texts.append((needle, index))
        return cls(words, tuple(texts))


def _shown(needles: _Needles, text: str) -> set[int]:
    """The seeded values ``text`` shows, by index into ``World.secrets``."""
    found = {needles.words[w] for w in TOKEN.findall(text) if w in needles.words}
    return found | {index for needle, index in needles.texts if needle in text}


def _leaks(crawl: Crawl, caller: Caller, probe: Probe, shown: set[int]) -> list[str]:
    world = crawl.world
    # A word the caller typed into the URL (a search) comes back to them: that is no leak.
    typed = _shown(crawl.needles, probe.path.lower())
    found = []
    for index in sorted((shown & caller.forbidden) - typed):
        secret = world.secrets[index]
        if _key(secret.record) not in probe.exempt:
            found.append(
                f"{secret.holder} {secret.label} ({secret.classification}): {secret.texts[0]}"
            )
    return found


class _Writes:
    """The tables a request changed: its INSERT, UPDATE and DELETE statements that touched a
    row (an ``execute_wrapper``)."""

    def __init__(self) -> None:
        self.tables: set[str] = set()

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if (match := WRITE_SQL.match(sql)) is not None and context["cursor"].rowcount != 0:
            self.tables.add(match.group(1).lower())
        return result


def _request(caller: Caller, method: str, path: str) -> tuple[HttpResponseBase, bytes, set[str]]:
    writes = _Writes()
    with transaction.atomic(), connection.execute_wrapper(writes):
        response = caller.client.get(path) if method == "GET" else caller.client.post(path, {})
        # Reading a streamed body to its end closes the response (and the file behind it),
        # as a WSGI server would; the test client has already closed any other response.
        # Closing again would signal the end of a request a second time, and with it close
        # the database connection that holds the whole crawl's transaction.
        body = _body(response)
        transaction.set_rollback(True)
    # Messages left for the next page would follow the caller to an unrelated request.
    session = settings.SESSION_COOKIE_NAME
    for name in list(caller.client.cookies):
        if name not in {session, settings.CSRF_COOKIE_NAME}:
            del caller.client.cookies[name]
    # A page that signed the caller out (only ``LAST`` ones should) must not turn the rest of
    # their crawl into an anonymous one.
    if caller.user is not None and not caller.client.cookies.get(session, Morsel()).value:
        caller.client.force_login(caller.user)
    return response, body, writes.tables


def _judge(crawl: Crawl, caller: Caller, route: Route, probes: list[Probe]) -> None:
    got: dict[str, Answer] = {}
    for method in METHODS:
        chosen = [p for p in probes if method == "GET" or _posts(caller, p, got.get(p.variant))]
        wanted = {p.twin for p in chosen if p.twin}
        chosen += [p for p in probes if p.variant in wanted and p not in chosen]
        answers: dict[str, Answer] = {}
        for probe in chosen:
            response, body, tables = _request(caller, method, probe.path)
            crawl.requests[method] += 1
            crawl.by_group[caller.group, method] += 1
            problems: list[tuple[str, str]] = []
            if response.status_code >= 500:
                exc = getattr(response, "exc_info", None)
                problems.append(("500", repr(exc[1]) if exc else f"status {response.status_code}"))
            shown = _shown(crawl.needles, _text(response, body))
            crawl.seen |= shown
            problems += [("leak", leak) for leak in _leaks(crawl, caller, probe, shown)]
            foreign = bool(probe.holder) and probe.holder != caller.home
            written = tables - (KEY_BOOKKEEPING if caller.group == "key" else BOOKKEEPING)
            public = probe.bearer or route.name in PUBLIC_WRITES
            if written and (foreign or (caller.group == "anonymous" and not public)):
                problems.append(("wrote", f"wrote {sorted(written)}"))
            crawl.failures += [
                Failure(kind, route.name, caller.label, caller.group, f"{method} {probe.path}: {d}")
                for kind, d in problems
            ]
            if method == "GET" and written and not problems:
                problems.append(("wrote", f"a GET wrote {sorted(written)}"))
            answers[probe.variant] = Answer(
                response.status_code,
                _location(response, probe.path),
                response.get("Content-Type", "").split(";")[0],
                frozenset(tables - {"django_session"}),
                _digest(body, probe.path),
            )
        if method == "GET":
            got = answers
        for probe in chosen:
            if not probe.twin:
                continue
            crawl.comparisons[method] += 1
            if answers[probe.variant] != answers[probe.twin]:
                crawl.failures.append(
                    Failure(
                        "denied-differs",
                        route.name,
                        caller.label,
                        caller.group,
                        f"{method} {probe.path} answers {answers[probe.variant].looks()}; "
                        f"missing answers {answers[probe.twin].looks()}",
                    )
                )


@contextmanager
def _crawling(callers: list[Caller]) -> Iterator[None]:
    """Quiet, and quicker: the 404s and 405s the crawl provokes by the thousand are not logged,
    and each caller's actor is built once. Every request is rolled back, so the world (and
    with it each user's memberships and agreements) is the same for every request, and the
    actor ``ActorMiddleware`` builds for a user is the one built here."""
    actors = {c.actor.user_id: c.actor for c in callers if c.actor.user_id is not None}
    build = http.actor_for_user

    def actor_for(user: Any, **acting: Any) -> Actor:
        pk = getattr(user, "pk", None)
        known = actors.get(pk) if isinstance(pk, int) else None
        if known is not None and user.is_authenticated and user.is_active:
            return known
        return build(user, **acting)

    loggers = [logging.getLogger(name) for name in ("django.request", "django.security")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with mock.patch.object(http, "actor_for_user", actor_for):
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _run(world: World) -> tuple[Crawl, Crawl]:
    """The crawl of the self-test's pages (see ``crawl_selftest.py``), and the crawl of the
    product."""
    callers = _callers(world)
    with override_settings(ROOT_URLCONF=crawl_selftest.__name__):
        picked = {"anonymous", "owner:officer", "partner:analyst", "proposed:clinician"}
        selftest = Crawl(
            world,
            [r for r in all_routes() if r.name.startswith("selftest_")],
            [c for c in callers if c.label in picked],
            fills=crawl_selftest.FILLS,
        )
        with _crawling(selftest.callers):
            _crawl(selftest)
    started, cpu = time.monotonic(), time.process_time()
    routes = sorted(all_routes(), key=lambda r: (r.name in LAST, r.name))
    crawl = Crawl(world, routes, callers, extras=EXTRAS(world))
    with _crawling(crawl.callers):
        _crawl(crawl)
    crawl.seconds = time.monotonic() - started
    crawl.cpu_seconds = time.process_time() - cpu
    return crawl, selftest


def _crawl(crawl: Crawl) -> None:
    world = crawl.world
    for route in crawl.routes:
        if route.name in SKIPPED:
            continue
        for caller in crawl.callers:
            if caller.api_only and not route.is_api:
                continue
            try:
                probes = _probes(route, caller, world, crawl.fills)
            except Unfillable:
                crawl.failures.append(
                    Failure(
                        "unfillable",
                        route.name,
                        "-",
                        "-",
                        f"/{route.route}: add its arguments "
                        f"{sorted(set(route.converters) - set(crawl.fills.get(route.name, {})))} "
                        "to FILLS in platform/tests/crawl_routes.py (or, with a reason, to "
                        "SKIPPED)",
                    )
                )
                break
            probes += [
                Probe(route.name, f"extra:{path}", path)
                for name, path in crawl.extras
                if name == route.name
            ]
            started = time.monotonic()
            _judge(crawl, caller, route, probes)
            crawl.route_seconds[route.name] += time.monotonic() - started
            crawl.crawled_routes.add(route.name)


@pytest.fixture(scope="module")
def crawl(django_db_setup: None, django_db_blocker: Any) -> Iterator[Crawl]:
    with (
        django_db_blocker.unblock(),
        private_media() as workdir,
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            TTA_ORGANIZATION="crawl-owner",
            # Sessions in the cache instead of the database: where a session is kept has no
            # bearing on who may see what, and it saves a read and a write on every request.
            SESSION_ENGINE="django.contrib.sessions.backends.cache",
        ),
        transaction.atomic(),
    ):
        try:
            world = build_world(workdir)
            world.public.update(_public_records())
            result, selftest = _run(world)
        finally:
            transaction.set_rollback(True)
    for cache in caches.all():
        cache.clear()
    result.selftest = selftest
    print("\n" + result.summary())
    print(", ".join(f"{g} {m} {n}" for (g, m), n in sorted(result.by_group.items())))
    print(
        "slowest patterns: "
        + ", ".join(
            f"{name} {sec:.1f}s"
            for name, sec in sorted(result.route_seconds.items(), key=lambda kv: -kv[1])[:12]
        )
    )
    yield result


def _public_records() -> dict[str, Any]:
    from pmhc.toolkit.models import LearningSite, PageContent

    program = PageContent.objects.filter(kind=PageContent.Kind.PROGRAM_TYPE).order_by("pk").first()
    site = LearningSite.objects.order_by("pk").first()
    question = PageContent.objects.filter(kind=PageContent.Kind.FAQ).order_by("pk").first()
    assert program is not None and site is not None and question is not None, (
        "the toolkit's reference data is missing"
    )
    return {"program_slug": program.slug, "site_pk": site.pk, "faq_slug": question.slug}


def _report(failures: list[Failure], title: str) -> str:
    lines = [f"{len(failures)} {title}:"]
    lines += [f.line() for f in sorted(failures, key=lambda f: (f.route, f.caller, f.detail))]
    return "\n".join(lines)


GROUPS = ["anonymous", OWNER, PARTNER, PROPOSED, UNRELATED, "key"]


def _open(failures: list[Failure], kind: str, group: str | None = None) -> list[Failure]:
    """The failures of ``kind`` (for ``group``)."""
    return [f for f in failures if f.kind == kind and (group is None or f.group == group)]


# --- The tests ------------------------------------------------------------------------------


def test_every_pattern_is_crawled(crawl: Crawl, record_property: Any) -> None:
    unfillable = _open(crawl.failures, "unfillable")
    names = {r.name for r in crawl.routes}
    stale = sorted((set(FILLS) | set(SKIPPED)) - names)
    record_property("crawl_summary", crawl.summary())
    record_property("crawl_patterns", len(crawl.routes))
    record_property("crawl_callers", len(crawl.callers))
    record_property("crawl_requests", sum(crawl.requests.values()))
    record_property(
        "crawl_requests_by_group",
        ", ".join(f"{group} {method} {n}" for (group, method), n in sorted(crawl.by_group.items())),
    )
    assert not unfillable, _report(unfillable, "URL patterns the crawl cannot fill")
    assert not stale, f"FILLS or SKIPPED name patterns that no longer exist: {stale}"
    assert crawl.crawled_routes == names - set(SKIPPED)


def test_the_crawl_finds_what_it_looks_for(crawl: Crawl) -> None:
    """The control of the judging: pages built to misbehave are caught, each for its kind."""
    assert crawl.selftest is not None
    found = {(f.kind, f.route) for f in crawl.selftest.failures}
    assert found >= {
        ("500", "selftest_broken"),
        ("leak", "selftest_person_name"),
        ("denied-differs", "selftest_person_name"),
        ("wrote", "selftest_scribble"),
    }, _report(crawl.selftest.failures, "failures in the self-test")
    # and nothing is blamed on the owner's officer for the owner's own person, whom they may
    # see and (on this page) change.
    own = f"/selftest/people/{crawl.world.holdings[OWNER].person.pk}/"
    blamed = [
        f
        for f in crawl.selftest.failures
        if f.caller == "owner:officer" and own in f.detail and f.kind != "500"
    ]
    assert not blamed, _report(blamed, "failures blamed on a caller who may see the record")


def test_every_seeded_value_is_shown_to_someone(crawl: Crawl) -> None:
    """The control: a value no page ever shows would make its leak check prove nothing. (The
    unrelated organization's values are shown to nobody: its members only ever ask for the
    owner's records, and the owner's values are the control for both.)"""
    never = [
        s for i, s in enumerate(crawl.world.secrets) if i not in crawl.seen and s.holder == OWNER
    ]
    assert not never, "seeded values no page shows: " + ", ".join(
        f"{s.holder} {s.label}" for s in never
    )
    assert crawl.comparisons["GET"] and crawl.comparisons["POST"]


def test_no_request_answers_500(crawl: Crawl) -> None:
    errors = _open(crawl.failures, "500")
    assert not errors, _report(errors, "requests answered 500")


@pytest.mark.parametrize("group", GROUPS)
def test_a_record_the_caller_may_not_see_answers_like_a_missing_one(
    crawl: Crawl, group: str
) -> None:
    differ = _open(crawl.failures, "denied-differs", group)
    assert not differ, _report(differ, "answers that tell a hidden record from a missing one")


@pytest.mark.parametrize("group", GROUPS)
def test_no_seeded_string_reaches_a_caller_the_policy_does_not_grant(
    crawl: Crawl, group: str
) -> None:
    leaks = _open(crawl.failures, "leak", group)
    assert not leaks, _report(leaks, "seeded strings shown to a caller who may not see them")


@pytest.mark.parametrize("group", GROUPS)
def test_a_request_about_a_record_it_may_not_change_writes_nothing(
    crawl: Crawl, group: str
) -> None:
    wrote = _open(crawl.failures, "wrote", group)
    assert not wrote, _report(wrote, "requests that wrote what they may not")


def test_analysts_are_crawled_and_reach_no_personal_value(crawl: Crawl) -> None:
    """Analysts read counts, never rows: the analysts of the owner and of the partner request
    every page and API, every personal, safety or clinical value they could meet is on their
    forbidden list, and none of those values reached them."""
    analysts = [c for c in crawl.callers if c.role == Role.ANALYST]
    assert {c.group for c in analysts} >= {OWNER, PARTNER}
    sensitive = {
        i for i, secret in enumerate(crawl.world.secrets) if secret.classification in SENSITIVE
    }
    assert sensitive
    for analyst in analysts:
        assert sensitive <= analyst.forbidden, analyst.label
    leaks = [f for f in crawl.failures if f.kind == "leak" and f.caller.endswith(":analyst")]
    assert not leaks, _report(leaks, "personal values shown to analysts")
