"""The call-taker protocol: its questions, routing rules as data, and how they are evaluated.

Pure Python: nothing here touches the database. A rule set (``TriageRuleSet.rules``) is a list
of dicts; ``compile_rules`` checks it strictly and turns it into ``CompiledRules``, which
``evaluate`` applies to a call's answers. Published rule sets never change, so a compiled set is
kept in process memory (``cached_rules``) and a triage costs no query per rule.

Evaluation: the safety overrides first (the first one that matches decides), then the other
rules in order (the first that matches decides), then the default (a last rule without
conditions, or the fallback). Every matching rule's reason is shown, overrides first. Then who
is on duty may change the route, with its own reason.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from threading import Lock
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmhc.dispatch.models import Routing, TeamKind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

YES, NO, UNKNOWN = "yes", "no", "unknown"
WEAPON_NONE, WEAPON_ACCESS, WEAPON_NOW = "none", "access", "now"


@dataclass(frozen=True)
class Question:
    key: str
    label: StrOrPromise
    #: (value, label) pairs; empty for a free-text question, which rules cannot use.
    answers: tuple[tuple[str, StrOrPromise], ...]
    hint: StrOrPromise = ""

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for value, _label in self.answers)

    @property
    def is_free_text(self) -> bool:
        return not self.answers

    def answer_label(self, value: str) -> str:
        for answer, label in self.answers:
            if answer == value:
                return str(label)
        return value


_YES_NO = (
    (YES, gettext_lazy("Yes")),
    (NO, gettext_lazy("No")),
    (UNKNOWN, gettext_lazy("Not known")),
)

#: The short question list of element 4, in the order the call-taker asks it.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "behavior",
        gettext_lazy("What is the person doing or saying?"),
        (),
        gettext_lazy("A few words in the caller's own terms."),
    ),
    Question("danger_self", gettext_lazy("Danger to self?"), _YES_NO),
    Question("danger_others", gettext_lazy("Danger to others?"), _YES_NO),
    Question(
        "weapons",
        gettext_lazy("Weapons?"),
        (
            (WEAPON_NONE, gettext_lazy("None")),
            (WEAPON_ACCESS, gettext_lazy("Has access to weapons")),
            (WEAPON_NOW, gettext_lazy("Has a weapon now")),
            (UNKNOWN, gettext_lazy("Not known")),
        ),
    ),
    Question(
        "treatment_history",
        gettext_lazy("Treatment for mental health or substance use, now or before?"),
        _YES_NO,
    ),
    Question("substance_now", gettext_lazy("Using alcohol or drugs now?"), _YES_NO),
    Question("violence_history", gettext_lazy("History of violence?"), _YES_NO),
    Question("victimization_history", gettext_lazy("History of being a victim?"), _YES_NO),
    Question("medical_emergency", gettext_lazy("Medical emergency?"), _YES_NO),
    Question("crime_in_progress", gettext_lazy("Crime in progress?"), _YES_NO),
    Question("response_plan", gettext_lazy("Known to have a response plan?"), _YES_NO),
    Question(
        "caller_in_crisis",
        gettext_lazy("Is the caller the person in crisis, asking for help?"),
        _YES_NO,
    ),
)
QUESTIONS_BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}
CHOICE_QUESTIONS: tuple[Question, ...] = tuple(q for q in QUESTIONS if not q.is_free_text)
BEHAVIOR_MAX = 500

#: When no rule matches (a rule set without a catch-all rule).
FALLBACK_ROUTE = Routing.CIT_OFFICER
RULE_FIELDS = frozenset({"key", "label", "all", "any", "route", "reason", "override"})
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _rule(
    key: str,
    label: str,
    route: Routing,
    reason: str,
    *,
    all_of: Mapping[str, Sequence[str]] | None = None,
    any_of: Mapping[str, Sequence[str]] | None = None,
    override: bool = False,
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "all": {q: list(a) for q, a in (all_of or {}).items()},
        "any": {q: list(a) for q, a in (any_of or {}).items()},
        "route": str(route),
        "reason": reason,
        "override": override,
    }


def default_rules() -> list[dict[str, Any]]:
    """The product's starting point. It is not a standard: the agency and its mental health
    partners review it and make it theirs (element 4), in the rules editor."""
    return [
        _rule(
            "weapon_threat",
            _("Weapon with a threat"),
            Routing.PATROL_PRIORITY,
            _("Has a weapon now and is a danger to self or others: police go first."),
            all_of={"weapons": [WEAPON_NOW]},
            any_of={"danger_self": [YES], "danger_others": [YES]},
            override=True,
        ),
        _rule(
            "crime_in_progress",
            _("Crime in progress"),
            Routing.PATROL_PRIORITY,
            _("A crime is in progress: police respond."),
            all_of={"crime_in_progress": [YES]},
            override=True,
        ),
        _rule(
            "medical_emergency",
            _("Medical emergency"),
            Routing.EMS,
            _("Medical emergency: send EMS."),
            all_of={"medical_emergency": [YES]},
            override=True,
        ),
        _rule(
            "weapon_now",
            _("Weapon, no threat known"),
            Routing.CIT_OFFICER,
            _("Has a weapon now: a CIT officer responds, not a clinician alone."),
            all_of={"weapons": [WEAPON_NOW]},
        ),
        _rule(
            "danger_to_others",
            _("Danger to others"),
            Routing.CO_RESPONDER,
            _("Danger to others: an officer and a clinician respond together."),
            all_of={"danger_others": [YES]},
        ),
        _rule(
            "danger_to_self",
            _("Danger to self"),
            Routing.CO_RESPONDER,
            _("Danger to self: a clinician, with an officer for safety."),
            all_of={"danger_self": [YES]},
        ),
        _rule(
            "history_of_violence",
            _("History of violence"),
            Routing.CO_RESPONDER,
            _("History of violence: an officer goes with the clinician."),
            all_of={"violence_history": [YES]},
        ),
        _rule(
            "caller_asks_for_help",
            _("The person in crisis asks for help"),
            Routing.TRANSFER_988,
            _(
                "The person in crisis is asking for help, with no danger and no weapons: "
                "warm transfer to 988."
            ),
            all_of={
                "caller_in_crisis": [YES],
                "danger_self": [NO],
                "danger_others": [NO],
                "weapons": [WEAPON_NONE],
            },
        ),
        _rule(
            "no_danger",
            _("No danger, no weapons"),
            Routing.MOBILE_CRISIS,
            _("No danger to self or others and no weapons: a mobile crisis team, without police."),
            all_of={
                "danger_self": [NO],
                "danger_others": [NO],
                "weapons": [WEAPON_NONE],
                "violence_history": [NO, UNKNOWN],
            },
        ),
        _rule(
            "response_plan",
            _("Response plan on file"),
            Routing.CIT_OFFICER,
            _("Known to have a response plan: responders should read it on the way."),
            all_of={"response_plan": [YES]},
        ),
        _rule(
            "default",
            _("Anything else"),
            Routing.CIT_OFFICER,
            _("Danger or weapons not ruled out: a CIT officer responds."),
        ),
    ]


# --- Compiling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    question: str
    allowed: frozenset[str]

    def holds(self, answers: Mapping[str, str]) -> bool:
        return answers.get(self.question, UNKNOWN) in self.allowed


@dataclass(frozen=True)
class CompiledRule:
    key: str
    label: str
    all_of: tuple[Condition, ...]
    any_of: tuple[Condition, ...]
    route: Routing
    reason: str
    override: bool

    @property
    def is_catch_all(self) -> bool:
        return not self.all_of and not self.any_of

    def matches(self, answers: Mapping[str, str]) -> bool:
        if not all(c.holds(answers) for c in self.all_of):
            return False
        return not self.any_of or any(c.holds(answers) for c in self.any_of)


@dataclass(frozen=True)
class CompiledRules:
    overrides: tuple[CompiledRule, ...]
    ordinary: tuple[CompiledRule, ...]
    #: The last rule when it has no condition: it applies only when no other rule does.
    default: CompiledRule | None = None


def _conditions(position: str, raw: Any, part: str, errors: list[str]) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        errors.append(
            _("%(rule)s: “%(part)s” must map questions to answers.")
            % {"rule": position, "part": part}
        )
        return ()
    found: list[Condition] = []
    for question_key, allowed in raw.items():
        question = QUESTIONS_BY_KEY.get(str(question_key))
        if question is None:
            errors.append(
                _("%(rule)s: unknown question “%(question)s”.")
                % {"rule": position, "question": question_key}
            )
            continue
        if question.is_free_text:
            errors.append(
                _("%(rule)s: “%(question)s” is free text; rules cannot use it.")
                % {"rule": position, "question": question_key}
            )
            continue
        if isinstance(allowed, str) or not isinstance(allowed, Sequence) or not allowed:
            errors.append(
                _("%(rule)s: choose at least one answer for “%(question)s”.")
                % {"rule": position, "question": question_key}
            )
            continue
        unknown = [str(a) for a in allowed if a not in question.values]
        if unknown:
            errors.append(
                _("%(rule)s: “%(question)s” has no answer “%(answer)s” (it takes %(known)s).")
                % {
                    "rule": position,
                    "question": question_key,
                    "answer": "”, “".join(unknown),
                    "known": ", ".join(question.values),
                }
            )
            continue
        found.append(Condition(question.key, frozenset(str(a) for a in allowed)))
    return tuple(found)


def compile_rules(rules: Any) -> CompiledRules:
    """Check a rule set strictly and compile it; a ``ValidationError`` lists every problem."""
    errors: list[str] = []
    if not isinstance(rules, list):
        raise ValidationError(_("The rules must be a list."))
    seen: set[str] = set()
    compiled: list[CompiledRule] = []
    for index, raw in enumerate(rules, start=1):
        position = _("Rule %(number)d") % {"number": index}
        if not isinstance(raw, Mapping):
            errors.append(_("%(rule)s is not a rule.") % {"rule": position})
            continue
        key = str(raw.get("key", "")).strip()
        if key:
            position = _("Rule %(number)d (“%(key)s”)") % {"number": index, "key": key}
        before = len(errors)
        extra = sorted(set(raw) - RULE_FIELDS)
        if extra:
            errors.append(
                _("%(rule)s: unknown field “%(field)s”.")
                % {"rule": position, "field": "”, “".join(extra)}
            )
        if not KEY_PATTERN.match(key):
            errors.append(
                _(
                    "%(rule)s: the key must start with a letter and use only lowercase letters, "
                    "digits and underscores (40 at most)."
                )
                % {"rule": position}
            )
        elif key in seen:
            errors.append(_("%(rule)s: another rule already uses this key.") % {"rule": position})
        seen.add(key)
        label = str(raw.get("label", "")).strip()
        reason = str(raw.get("reason", "")).strip()
        if not label:
            errors.append(_("%(rule)s: give it a name.") % {"rule": position})
        if not reason:
            errors.append(
                _("%(rule)s: write the reason the call-taker will see.") % {"rule": position}
            )
        route = raw.get("route")
        if route not in Routing.values:
            errors.append(
                _("%(rule)s: unknown route “%(route)s” (one of %(known)s).")
                % {"rule": position, "route": route, "known": ", ".join(Routing.values)}
            )
        override = raw.get("override", False)
        if not isinstance(override, bool):
            errors.append(_("%(rule)s: “override” must be true or false.") % {"rule": position})
        all_of = _conditions(position, raw.get("all"), "all", errors)
        any_of = _conditions(position, raw.get("any"), "any", errors)
        if not all_of and not any_of and len(errors) == before:
            if override:
                errors.append(
                    _("%(rule)s: an override needs at least one condition.") % {"rule": position}
                )
            elif index != len(rules):
                errors.append(
                    _(
                        "%(rule)s has no condition, so it applies to every call: make it the "
                        "last rule."
                    )
                    % {"rule": position}
                )
        if len(errors) == before:
            compiled.append(
                CompiledRule(
                    key, label, all_of, any_of, Routing(str(route)), reason, bool(override)
                )
            )
    if errors:
        raise ValidationError(errors)
    default = compiled[-1] if compiled and compiled[-1].is_catch_all else None
    return CompiledRules(
        overrides=tuple(r for r in compiled if r.override),
        ordinary=tuple(r for r in compiled if not r.override and not r.is_catch_all),
        default=default,
    )


_CACHE: dict[tuple[Any, ...], CompiledRules] = {}
_CACHE_LOCK = Lock()
_CACHE_MAX = 256


def cached_rules(key: tuple[Any, ...], load: Any) -> CompiledRules:
    """The compiled rules for ``key`` (organization, version and what identifies that
    published row); ``load()`` gives the raw rules on a miss. Published versions never
    change, so an entry never goes stale."""
    found = _CACHE.get(key)
    if found is not None:
        return found
    compiled = compile_rules(load())
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        _CACHE[key] = compiled
    return compiled


# --- Answers ---------------------------------------------------------------------------------


def clean_answers(raw: Mapping[str, Any]) -> dict[str, str]:
    """The answers as the engine reads them: every choice question present ("not known" when
    unanswered) and the behavior as trimmed text. Unknown questions or answers are refused."""
    errors: dict[str, str] = {}
    unknown = sorted(set(raw) - set(QUESTIONS_BY_KEY))
    if unknown:
        errors["answers"] = _("Unknown question: %(keys)s.") % {"keys": ", ".join(unknown)}
    cleaned: dict[str, str] = {}
    for question in QUESTIONS:
        value = raw.get(question.key)
        if question.is_free_text:
            text = "" if value is None else str(value).strip()
            if len(text) > BEHAVIOR_MAX:
                errors[question.key] = _("Keep it under %(n)d characters.") % {"n": BEHAVIOR_MAX}
            cleaned[question.key] = text
            continue
        value = UNKNOWN if value in (None, "") else str(value)
        if value not in question.values:
            errors[question.key] = _(
                "“%(value)s” is not an answer to “%(question)s” (%(known)s)."
            ) % {
                "value": value,
                "question": question.key,
                "known": ", ".join(question.values),
            }
        cleaned[question.key] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- Evaluating ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    """Who can be sent now: a CIT officer on the current shift, and which kinds of team."""

    cit_on_shift: bool
    team_kinds: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class TriageResult:
    route: Routing
    reasons: tuple[str, ...]
    matched: tuple[str, ...]
    #: Whether a safety override decided the route.
    override: bool
    #: What the rules alone advised, before who is on duty was taken into account.
    rules_route: Routing

    @property
    def adjusted(self) -> bool:
        return self.route != self.rules_route

    def as_dict(self) -> dict[str, Any]:
        return {
            "route": str(self.route),
            "reasons": list(self.reasons),
            "matched": list(self.matched),
            "override": self.override,
        }


def evaluate(
    rules: CompiledRules, answers: Mapping[str, str], available: Availability | None = None
) -> TriageResult:
    """Route a call from its answers; ``available=None`` leaves who is on duty out."""
    matched_overrides = [r for r in rules.overrides if r.matches(answers)]
    matched_ordinary = [r for r in rules.ordinary if r.matches(answers)]
    if not matched_overrides and not matched_ordinary and rules.default is not None:
        matched_ordinary = [rules.default]
    reasons = [r.reason for r in (*matched_overrides, *matched_ordinary)]
    matched = tuple(r.key for r in (*matched_overrides, *matched_ordinary))
    if matched_overrides:
        route = matched_overrides[0].route
    elif matched_ordinary:
        route = matched_ordinary[0].route
    else:
        route = FALLBACK_ROUTE
        reasons.append(_("No rule applied: a CIT officer responds."))
    rules_route = route
    if available is not None:
        route = _adjust(route, available, reasons)
    return TriageResult(
        route=route,
        reasons=tuple(reasons),
        matched=matched,
        override=bool(matched_overrides),
        rules_route=rules_route,
    )


def _adjust(route: Routing, available: Availability, reasons: list[str]) -> Routing:
    """Who is on duty may change the route; each change says why."""
    if route == Routing.CO_RESPONDER and TeamKind.CO_RESPONDER not in available.team_kinds:
        reasons.append(_("No co-responder unit is on duty now: a CIT officer instead."))
        route = Routing.CIT_OFFICER
    elif route == Routing.MOBILE_CRISIS and TeamKind.MOBILE_CRISIS not in available.team_kinds:
        reasons.append(_("No mobile crisis team is on duty now: a CIT officer instead."))
        route = Routing.CIT_OFFICER
    if route == Routing.CIT_OFFICER and not available.cit_on_shift:
        reasons.append(_("No CIT officer on this shift: patrol, with priority."))
        route = Routing.PATROL_PRIORITY
    return route


def answer_rows(answers: Mapping[str, str]) -> list[tuple[str, str]]:
    """A call's answers as (question, answer) in the protocol's order, for display."""
    rows: list[tuple[str, str]] = []
    for question in QUESTIONS:
        if question.key not in answers:
            continue
        value = answers[question.key]
        shown = value if question.is_free_text else question.answer_label(value)
        rows.append((str(question.label), shown or "—"))
    return rows


def describe_changes(
    old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> list[str]:
    """What changed between two versions' rules, in plain words, for the version history."""
    before = {str(r.get("key")): r for r in old if isinstance(r, Mapping)}
    after = {str(r.get("key")): r for r in new if isinstance(r, Mapping)}
    lines: list[str] = []
    for key, rule in after.items():
        if key not in before:
            lines.append(_("Added “%(label)s”.") % {"label": rule.get("label", key)})
        elif dict(before[key]) != dict(rule):
            lines.append(_("Changed “%(label)s”.") % {"label": rule.get("label", key)})
    for key, rule in before.items():
        if key not in after:
            lines.append(_("Removed “%(label)s”.") % {"label": rule.get("label", key)})
    if not lines and [r.get("key") for r in old] != [r.get("key") for r in new]:
        lines.append(_("Changed the order."))
    return lines


def rule_summary(rule: Mapping[str, Any]) -> str:
    """A rule's conditions in words, e.g. "Weapons? is Has a weapon now; and any of: …"."""

    def part(conditions: Mapping[str, Sequence[str]]) -> list[str]:
        words = []
        for key, allowed in conditions.items():
            question = QUESTIONS_BY_KEY.get(key)
            if question is None:
                continue
            answers = " / ".join(question.answer_label(a) for a in allowed)
            words.append(f"{question.label} {answers}")
        return words

    all_of = part(rule.get("all") or {})
    any_of = part(rule.get("any") or {})
    text = "; ".join(all_of)
    if any_of:
        either = _(" or ").join(any_of)
        text = f"{text}; {_('and one of')}: {either}" if text else either
    return text or str(_("Every call no other rule matches"))
