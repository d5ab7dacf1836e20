"""Every write of linkage: asking for a run, and the run itself.

A run is a row first (``LinkageRun``), queued for the worker when the transaction commits; the
task (``people.tasks.run_linkage_task``) calls ``run_linkage``, which moves the row through its
stages with a percentage that the page shows. One run at a time per organization: asking while
one waits or runs returns that one.

What a run does, in order: gives every record without an identity one of its own; picks the
records to compare (all of them, or in incremental mode those that are new since the last
finished run); estimates the model from the organization's records when there is none or it is
stale (``linkage.needs_training``); scores pairs; links the pairs at or above the upper
threshold, by connected components so that a chain of pairs becomes one person, merging their
identities through ``identity_changes.move_records`` (kind ``auto_link``, naming the run, so
each can be undone); and keeps the pairs between the thresholds as ``MatchCandidate`` rows for
review, never again for a pair already decided and never for two records already one person.

What a person decided wins over the model: a pair kept apart is never linked automatically,
nor a record that someone took out of an identity or whose automatic link someone undid; such
pairs wait for review instead.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.people import linkage
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.identity_changes import give_identities, move_records
from pmhc.people.identity_models import (
    IDENTITY_KEEPERS,
    CandidateStatus,
    IdentityChange,
    IdentityChangeKind,
    LinkageRun,
    LinkageRunMode,
    LinkageRunStatus,
    LinkageSettings,
    MatchCandidate,
)
from pmhc.people.models import Person, PersonAlias
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, Target, decide, system_actor
from pmhc.platform.models import Classification, Organization, Purpose

logger = logging.getLogger(__name__)

#: The name the trail keeps for runs that imports ask for and for the worker's runs.
SYSTEM_NAME = "Record linkage"
UNDER_WAY = (LinkageRunStatus.QUEUED, LinkageRunStatus.RUNNING)
#: A run still running this long after it started is taken for dead: its worker stopped.
STALLED_AFTER = dt.timedelta(hours=3)
RUN_FIELDS = ("mode", "status", "records", "pairs_scored", "auto_linked", "to_review", "error")


def linkage_target(organization: Organization) -> Target:
    """An organization's linkage runs as the policy sees them, before one exists."""
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_write_roles=IDENTITY_KEEPERS,
        access_read_roles=IDENTITY_KEEPERS,
    )


def _authorize(actor: Actor, action: Action, obj: Any, purpose: str) -> None:
    if purpose not in Purpose.values:
        raise PermissionDenied(f"unknown purpose {purpose!r}")
    decision = decide(actor, action, obj, purpose)
    if not decision:
        raise PermissionDenied(decision.reason)


def settings_for(organization: Organization) -> LinkageSettings:
    """The organization's linkage settings, made with the defaults the first time."""
    found, _created = LinkageSettings.objects.get_or_create(organization=organization)
    return found


@transaction.atomic
def request_linkage(
    actor: Actor, *, organization: Organization, mode: str, purpose: str
) -> LinkageRun:
    """Queue a linkage run of ``organization``'s records (``mode``: all of them, or the new
    ones). A run already waiting or running is returned instead of a second one."""
    _authorize(actor, Action.CREATE, linkage_target(organization), purpose)
    if mode not in LinkageRunMode.values:
        raise ValidationError({"mode": _("Choose which records to compare.")})
    # The settings row serializes requests of one organization, so two at once make one run.
    settings_for(organization)
    LinkageSettings.objects.select_for_update().get(organization=organization)
    existing = (
        LinkageRun.objects.filter(organization=organization, status__in=UNDER_WAY)
        .order_by("created_at", "pk")
        .first()
    )
    if existing is not None and _stalled(existing):
        _fail(existing, _("The run stopped without finishing (its worker stopped)."))
        existing = None
    if existing is not None:
        return existing
    run = LinkageRun.objects.create(
        organization=organization,
        mode=mode,
        stage=_("Waiting for the worker"),
        requested_by_id=actor.user_id,
    )
    audit.record(
        PeopleAudit.LINKAGE_REQUESTED,
        actor=actor,
        organization_id=organization.pk,
        obj=run,
        purpose=purpose,
        after=audit.snapshot(run, ("mode", "status")),
    )
    transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _stalled(run: LinkageRun) -> bool:
    """A run that started longer ago than any run takes has lost its worker."""
    return (
        run.status == LinkageRunStatus.RUNNING
        and run.started_at is not None
        and timezone.now() - run.started_at > STALLED_AFTER
    )


def _enqueue(run_id: int) -> None:
    from pmhc.people.tasks import run_linkage_task

    run_linkage_task.enqueue(run_id)


def queue_linkage_after_import(organization: Organization) -> LinkageRun:
    """After an import has brought in records: compare the new ones with the people already
    resolved (or join the run already waiting or running)."""
    return request_linkage(
        system_actor(SYSTEM_NAME),
        organization=organization,
        mode=LinkageRunMode.INCREMENTAL,
        purpose=Purpose.ADMINISTRATION,
    )


# --- The run --------------------------------------------------------------------------------


def _progress(run: LinkageRun, stage: str, percent: int) -> None:
    """Show how far the run is: written at once, outside any transaction of the run, so the
    page sees it while the run goes on."""
    run.stage, run.percent = stage, percent
    LinkageRun.objects.filter(pk=run.pk).update(stage=stage, percent=percent)


def _claim(run_id: int) -> LinkageRun | None:
    with transaction.atomic():
        run = LinkageRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != LinkageRunStatus.QUEUED:
            return None
        run.status = LinkageRunStatus.RUNNING
        run.started_at = timezone.now()
        run.stage = _("Starting")
        run.percent = 0
        run.save(update_fields=["status", "started_at", "stage", "percent"])
        return run


def run_linkage(
    run_id: int, *, backend: linkage.Backend = "duckdb", spark: Any = None
) -> LinkageRun | None:
    """Carry out a queued run (the task calls this). A run that is not waiting is left
    alone, so running the task twice is harmless. A failure is kept on the run, with its
    reason in plain words, and audited; it never escapes to the worker."""
    run = _claim(run_id)
    if run is None:
        return LinkageRun.objects.filter(pk=run_id).first()
    try:
        _execute(run, backend=backend, spark=spark)
    except Exception:
        # The exception's own text may hold anything (a query, a value from a record): it
        # goes to the server's log only; the run and the audit trail keep plain words.
        logger.exception("Linkage run %s failed.", run.pk)
        _fail(
            run,
            _(
                "The run failed; no record was linked by it. Ask the system administrator to "
                "look at the server's log, then run linkage again."
            ),
        )
    run.refresh_from_db()
    return run


def _fail(run: LinkageRun, reason: str) -> None:
    with transaction.atomic():
        run.status = LinkageRunStatus.FAILED
        run.error = reason[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        audit.record(
            PeopleAudit.LINKAGE_FAILED,
            actor=system_actor(SYSTEM_NAME),
            organization_id=run.organization_id,
            obj=run,
            purpose=Purpose.ADMINISTRATION,
            after=audit.snapshot(run, RUN_FIELDS),
        )


def mentions_of(organization: Organization) -> list[linkage.Mention]:
    """Every record of the organization as linkage reads it, with its aliases."""
    aliases: dict[int, list[str]] = {}
    alias_rows = (
        PersonAlias.objects.filter(person__organization=organization)
        .order_by("person_id", "kind", "name")
        .values_list("person_id", "name", "kind")
    )
    for person_id, name, kind in alias_rows.iterator(chunk_size=5000):
        names = aliases.setdefault(person_id, [])
        # A name the person goes by comes first: it is the one compared with given names.
        names.insert(0 if kind == "nickname" else len(names), name)
    rows = (
        Person.objects.filter(organization=organization)
        .order_by("pk")
        .values_list(
            "pk",
            "family_name",
            "given_name",
            "date_of_birth",
            "approximate_age",
            "created_at",
            "sex",
            "address",
            "description",
        )
    )
    return [
        linkage.Mention(
            pk=pk,
            family_name=family,
            given_name=given,
            aliases=tuple(aliases.get(pk, ())),
            date_of_birth=born,
            approximate_age=age,
            recorded_year=created.year if created else None,
            sex=sex,
            address=address,
            description=description,
        )
        for pk, family, given, born, age, created, sex, address, description in rows.iterator(
            chunk_size=5000
        )
    ]


def _new_records(run: LinkageRun, without_identity: set[int]) -> list[int] | None:
    """The records an incremental run compares: those that had no identity, and those made
    since the last finished run started. None means all (a full run, or no run before)."""
    if run.mode == LinkageRunMode.FULL:
        return None
    last = (
        LinkageRun.objects.filter(organization_id=run.organization_id, status=LinkageRunStatus.DONE)
        .exclude(pk=run.pk)
        .order_by("-started_at", "-pk")
        .first()
    )
    if last is None or last.started_at is None:
        return None
    since = set(
        Person.objects.filter(
            organization_id=run.organization_id, created_at__gte=last.started_at
        ).values_list("pk", flat=True)
    )
    return sorted(since | without_identity)


def _model(
    run: LinkageRun, kept: LinkageSettings, table: Any, backend: linkage.Backend, spark: Any
) -> Mapping[str, Any] | None:
    """The model to score with: the kept one, or one estimated now when it is missing or
    stale and there are enough records. None: too few records and no model (rules instead)."""
    now = timezone.now()
    if not linkage.needs_training(kept.model, kept.model_trained_at, table.num_rows, now):
        return kept.model
    if table.num_rows < linkage.MIN_TRAINING_RECORDS:
        return kept.model or None
    _progress(run, _("Estimating the model from the organization's records"), 20)
    try:
        model = linkage.train(table, backend=backend, spark=spark)
    except ValueError:
        logger.warning("Linkage run %s could not estimate a model.", run.pk, exc_info=True)
        return kept.model or None
    LinkageSettings.objects.filter(pk=kept.pk).update(model=model, model_trained_at=now)
    return model


def _execute(run: LinkageRun, *, backend: linkage.Backend, spark: Any) -> None:
    organization = run.organization
    _progress(run, _("Reading the records"), 5)
    mentions = mentions_of(organization)
    without = set(
        Person.objects.filter(organization=organization, identity__isnull=True).values_list(
            "pk", flat=True
        )
    )
    _progress(run, _("Giving each new record an identity"), 10)
    give_identities(organization, without)
    new_ids = _new_records(run, without)
    kept = settings_for(organization)
    table = linkage.prepare(mentions)
    if new_ids is not None and not new_ids:
        _finish(run, records=len(mentions), scored=0, linked=0, queued=0, rules=False)
        return
    model = _model(run, kept, table, backend, spark)
    _progress(run, _("Comparing records"), 50)
    if model is None:
        pairs = linkage.deterministic_pairs(
            table,
            auto_link_at=kept.auto_link_at,
            review_from=kept.review_from,
            new_ids=new_ids,
        )
        scored = len(pairs)
    else:
        scores = linkage.score(
            table, model, threshold=kept.review_from, new_ids=new_ids, backend=backend, spark=spark
        )
        pairs, scored = scores.pairs, scores.scored
    _progress(run, _("Linking records and keeping pairs for review"), 80)
    with transaction.atomic():
        linked, queued = _apply(run, kept, pairs)
        _finish(
            run,
            records=len(mentions),
            scored=scored,
            linked=linked,
            queued=queued,
            rules=model is None,
        )


def _guarded(organization_id: int) -> tuple[set[tuple[int, int]], set[int]]:
    """What people decided: the pairs kept apart, and the records someone took out of an
    identity or whose automatic link someone undid."""
    apart = set(
        MatchCandidate.objects.filter(
            organization_id=organization_id, status=CandidateStatus.KEPT_APART
        ).values_list("left_id", "right_id")
    )
    touched: set[int] = set()
    changes = IdentityChange.objects.filter(organization_id=organization_id).filter(
        Q(kind=IdentityChangeKind.UNLINK)
        | Q(kind=IdentityChangeKind.UNDO, undoes__kind=IdentityChangeKind.AUTO_LINK)
    )
    for after in changes.values_list("after", flat=True).iterator(chunk_size=2000):
        touched.update(int(pk) for pk in after)
    return apart, touched


def _identities(organization_id: int, pks: Iterable[int]) -> dict[int, int | None]:
    wanted = sorted(set(pks))
    out: dict[int, int | None] = {}
    for start in range(0, len(wanted), 5000):
        chunk = wanted[start : start + 5000]
        out.update(
            Person.objects.filter(organization_id=organization_id, pk__in=chunk).values_list(
                "pk", "identity_id"
            )
        )
    return out


def _apply(
    run: LinkageRun, kept: LinkageSettings, pairs: list[linkage.ScoredPair]
) -> tuple[int, int]:
    """Link the pairs above the upper threshold and keep those between for review; returns
    how many records moved into another identity and how many pairs wait for review."""
    organization = run.organization
    apart, guarded = _guarded(organization.pk)
    # What people decided binds identities, not only the records they looked at: a link moves
    # every record of the identities involved.
    involved = {pk for pair in pairs for pk in (pair.left, pair.right)}
    involved |= {pk for key in apart for pk in key} | guarded
    now = _identities(organization.pk, involved)
    apart_identities = {
        frozenset((now[a], now[b]))
        for a, b in apart
        if now.get(a) is not None and now.get(b) is not None
    }
    guarded_identities = {now[pk] for pk in guarded if now.get(pk) is not None}

    def _held(pk: int) -> bool:
        return pk in guarded or now.get(pk) in guarded_identities

    strong: list[linkage.ScoredPair] = []
    review: list[linkage.ScoredPair] = []
    for pair in pairs:
        key = (pair.left, pair.right)
        if key in apart:
            continue
        if (
            pair.probability >= kept.auto_link_at
            and frozenset((now.get(pair.left), now.get(pair.right))) not in apart_identities
            and not _held(pair.left)
            and not _held(pair.right)
        ):
            strong.append(pair)
        else:
            review.append(pair)
    linked = 0
    for component in linkage.components((p.left, p.right) for p in strong):
        members = set(component)
        joined = {now[pk] for pk in members if now.get(pk) is not None}
        if any(len(key) == 2 and key <= joined for key in apart_identities):
            review += [p for p in strong if p.left in members]
            continue
        current = _identities(organization.pk, component)
        identities = {i for i in current.values() if i is not None}
        if len(identities) < 2:
            continue
        target = min(identities)
        moving = Person.objects.filter(
            organization=organization, identity__in=identities - {target}
        ).values_list("pk", flat=True)
        moves: dict[int, int | None] = dict.fromkeys(moving, target)
        change = move_records(organization, IdentityChangeKind.AUTO_LINK, moves, run=run)
        # Every link is audited, automatic ones too: which records moved, by which change of
        # which run; never a name.
        audit.record(
            PeopleAudit.IDENTITY_AUTO_LINKED,
            actor=system_actor(SYSTEM_NAME),
            organization_id=organization.pk,
            obj=change,
            purpose=Purpose.CASE_MANAGEMENT,
            after={"kind": change.kind, "after": change.after, "run": run.pk},
        )
        linked += len(moves)
    return linked, _queue_for_review(run, review)


def _queue_for_review(run: LinkageRun, review: list[linkage.ScoredPair]) -> int:
    if not review:
        return 0
    organization_id = run.organization_id
    pks = {p.left for p in review} | {p.right for p in review}
    current = _identities(organization_id, pks)
    decided: set[tuple[int, int]] = set()
    lefts = sorted({p.left for p in review})
    for start in range(0, len(lefts), 5000):
        decided.update(
            MatchCandidate.objects.filter(
                organization_id=organization_id, left_id__in=lefts[start : start + 5000]
            ).values_list("left_id", "right_id")
        )
    fresh = [
        MatchCandidate(
            organization_id=organization_id,
            left_id=p.left,
            right_id=p.right,
            probability=p.probability,
            evidence={**p.evidence, "match_weight": round(p.match_weight, 3)},
            run=run,
        )
        for p in review
        if (p.left, p.right) not in decided
        and (current.get(p.left) is None or current.get(p.left) != current.get(p.right))
    ]
    MatchCandidate.objects.bulk_create(fresh, batch_size=1000, ignore_conflicts=True)
    return len(fresh)


def _finish(
    run: LinkageRun, *, records: int, scored: int, linked: int, queued: int, rules: bool
) -> None:
    run.status = LinkageRunStatus.DONE
    run.records = records
    run.pairs_scored = scored
    run.auto_linked = linked
    run.to_review = queued
    run.percent = 100
    run.stage = (
        _("Done, by fixed rules: the records were too few to estimate a model from")
        if rules
        else _("Done")
    )
    run.finished_at = timezone.now()
    run.save(
        update_fields=[
            "status",
            "records",
            "pairs_scored",
            "auto_linked",
            "to_review",
            "percent",
            "stage",
            "finished_at",
        ]
    )
    audit.record(
        PeopleAudit.LINKAGE_FINISHED,
        actor=system_actor(SYSTEM_NAME),
        organization_id=run.organization_id,
        obj=run,
        purpose=Purpose.ADMINISTRATION,
        after=audit.snapshot(run, RUN_FIELDS),
    )
