"""The call-taker protocol: its questions, routing rules as data, and how they are evaluated.

Pure Python: nothing here touches the database. A rule set (``TriageRuleSet.rules``) is a list
of dicts; ``compile_rules`` checks it strictly and turns it into ``CompiledRules``, which
``evaluate`` applies to a call's answers. Published rule sets never change, so a compiled set is
kept in process memory (``cached_rules``) and a triage costs no query per rule.

Evaluation: the safety overrides first (the first one that matches picks the lead unit),
then the other rules in order (the first that matches picks it when no override did), then the
default (a last rule without conditions, or the fallback). A response is a set of units: every
matching override's unit, the first ordinary rule's, and each unit a matching rule adds. Every
matching rule's reason is shown, overrides first. Then who is free now may change a unit, or
queue the call for a busy team, with its own reason. Rule sets of the protocol's first
version (yes/no for danger to self and crime in progress, a rule on the response plan) are
read as they meant (``upgrade_rules``).
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
#: Suicide risk in grades, as a screener asks it (thoughts, then a plan, then the means, then
#: an attempt under way). "At risk" is for a caller who says so but cannot tell the grade.
RISK_THOUGHTS, RISK_PLAN, RISK_MEANS, RISK_ATTEMPT, RISK_UNGRADED = (
    "thoughts",
    "plan",
    "means",
    "attempt",
    "at_risk",
)
RISK_GRADES = (RISK_THOUGHTS, RISK_PLAN, RISK_MEANS, RISK_ATTEMPT, RISK_UNGRADED)
#: What kind of crime is in progress: a low-level offence alone (trespass, public
#: intoxication, disorder) leaves the clinician-led options open; violence or danger to life
#: sends police first.
CRIME_LOW, CRIME_VIOLENT = "low_level", "violent"
AGE_YOUTH, AGE_ADULT, AGE_OLDER = "youth", "adult", "older"


@dataclass(frozen=True)
class Question:
    key: str
    label: StrOrPromise
    #: (value, label) pairs; empty for a free-text question, which rules cannot use.
    answers: tuple[tuple[str, StrOrPromise], ...]
    hint: StrOrPromise = ""
    #: The key the call-taker presses for each answer, in the order of ``answers``.
    keys: tuple[str, ...] = ()
    #: Longest text a free-text question takes.
    max_length: int = 0
    #: Whether routing rules may test it; the others are information for the responders.
    routes: bool = True

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

    def key_for(self, value: str) -> str:
        for answer, key in zip(self.values, self.keys, strict=True):
            if answer == value:
                return key
        return ""


_YES_NO = (
    (YES, gettext_lazy("Yes")),
    (NO, gettext_lazy("No")),
    (UNKNOWN, gettext_lazy("Not known")),
)
_YNU = ("y", "n", "u")


def _yes_no(key: str, label: StrOrPromise, *, routes: bool = True) -> Question:
    return Question(key, label, _YES_NO, keys=_YNU, routes=routes)


BEHAVIOR_MAX = 500
SHORT_TEXT_MAX = 100

#: The protocol in the order the call-taker asks it: what decides the route first, then what
#: the responders should know. Every choice question takes one key per answer: Y, N and U
#: (not known) for yes and no, digits for grades.
QUESTIONS: tuple[Question, ...] = (
    Question(
        "behavior",
        gettext_lazy("What is the person doing or saying?"),
        (),
        gettext_lazy("A few words in the caller's own terms."),
        max_length=BEHAVIOR_MAX,
    ),
    Question(
        "danger_self",
        gettext_lazy("Suicide risk"),
        (
            (NO, gettext_lazy("None")),
            (RISK_THOUGHTS, gettext_lazy("Thoughts of suicide")),
            (RISK_PLAN, gettext_lazy("Has a plan")),
            (RISK_MEANS, gettext_lazy("Has the means at hand")),
            (RISK_ATTEMPT, gettext_lazy("Attempt in progress")),
            (RISK_UNGRADED, gettext_lazy("At risk, grade not known")),
            (UNKNOWN, gettext_lazy("Not known")),
        ),
        gettext_lazy("Ask in order: thoughts, a plan, the means, an attempt now."),
        keys=("n", "1", "2", "3", "4", "y", "u"),
    ),
    _yes_no("danger_others", gettext_lazy("Danger to others?")),
    Question(
        "weapons",
        gettext_lazy("Weapons?"),
        (
            (WEAPON_NONE, gettext_lazy("None")),
            (WEAPON_ACCESS, gettext_lazy("Has access to weapons")),
            (WEAPON_NOW, gettext_lazy("Has a weapon now")),
            (UNKNOWN, gettext_lazy("Not known")),
        ),
        keys=("n", "1", "2", "u"),
    ),
    _yes_no("medical_emergency", gettext_lazy("Medical emergency?")),
    _yes_no("injured", gettext_lazy("Anyone injured?")),
    _yes_no("overdose", gettext_lazy("Overdose?")),
    Question(
        "crime_in_progress",
        gettext_lazy("Crime in progress?"),
        (
            (NO, gettext_lazy("No")),
            (CRIME_LOW, gettext_lazy("Low-level only (trespass, intoxication, disorder)")),
            (CRIME_VIOLENT, gettext_lazy("Violent, or danger to life")),
            (UNKNOWN, gettext_lazy("Not known")),
        ),
        keys=("n", "1", "2", "u"),
    ),
    _yes_no(
        "caller_in_crisis", gettext_lazy("Is the caller the person in crisis, asking for help?")
    ),
    _yes_no(
        "agrees_to_talk",
        gettext_lazy("Calling about someone else: do they agree to talk to a counselor?"),
    ),
    _yes_no("violence_history", gettext_lazy("History of violence?")),
    _yes_no("substance_now", gettext_lazy("Using alcohol or drugs now?")),
    _yes_no("still_there", gettext_lazy("Is the person still at the location?"), routes=False),
    _yes_no("firearm_home", gettext_lazy("Firearm in the home?"), routes=False),
    Question(
        "age_group",
        gettext_lazy("Age group"),
        (
            (AGE_YOUTH, gettext_lazy("Youth (under 18)")),
            (AGE_ADULT, gettext_lazy("Adult")),
            (AGE_OLDER, gettext_lazy("Older adult")),
            (UNKNOWN, gettext_lazy("Not known")),
        ),
        keys=("1", "2", "3", "u"),
    ),
    _yes_no(
        "treatment_history",
        gettext_lazy("Treatment for mental health or substance use, now or before?"),
    ),
    _yes_no("dementia", gettext_lazy("Known dementia?"), routes=False),
    _yes_no(
        "developmental",
        gettext_lazy("Developmental disability or autism?"),
        routes=False,
    ),
    _yes_no("deaf", gettext_lazy("Deaf or hard of hearing?"), routes=False),
    _yes_no("veteran", gettext_lazy("Veteran?"), routes=False),
    _yes_no("unhoused", gettext_lazy("Unhoused?"), routes=False),
    _yes_no("victimization_history", gettext_lazy("History of being a victim?")),
    _yes_no("response_plan", gettext_lazy("Known to have a response plan?"), routes=False),
    Question(
        "language",
        gettext_lazy("Language, if not English"),
        (),
        gettext_lazy("For an interpreter, e.g. “Spanish” or “ASL”."),
        max_length=SHORT_TEXT_MAX,
    ),
    Question(
        "provider",
        gettext_lazy("The person's current provider, if known"),
        (),
        gettext_lazy("A clinic, a case manager or a program."),
        max_length=SHORT_TEXT_MAX,
    ),
)
QUESTIONS_BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}
CHOICE_QUESTIONS: tuple[Question, ...] = tuple(q for q in QUESTIONS if not q.is_free_text)
TEXT_QUESTIONS: tuple[Question, ...] = tuple(q for q in QUESTIONS if q.is_free_text)
#: The questions a routing rule may test.
RULE_QUESTIONS: tuple[Question, ...] = tuple(q for q in CHOICE_QUESTIONS if q.routes)

#: Answers of earlier versions of the protocol, as rules and callers still write them: a yes
#: to "danger to self" covers every grade of suicide risk, and a yes to "crime in progress"
#: either kind of crime. Published rule sets never change, so they are read this way.
LEGACY_RULE_ANSWERS: dict[str, dict[str, tuple[str, ...]]] = {
    "danger_self": {YES: RISK_GRADES},
    "crime_in_progress": {YES: (CRIME_LOW, CRIME_VIOLENT)},
}
#: The same for a call's answers: a yes without a grade is "at risk, grade not known", and a
#: crime in progress of a kind not known is taken as the more dangerous kind.
LEGACY_ANSWERS: dict[str, dict[str, str]] = {
    "danger_self": {YES: RISK_UNGRADED},
    "crime_in_progress": {YES: CRIME_VIOLENT},
}

#: Questions earlier rule sets routed on that are now information for the responders only:
#: conditions on them are left out when those rule sets are read.
LEGACY_INFORMATION = frozenset({"response_plan"})

#: When no rule matches (a rule set without a catch-all rule).
FALLBACK_ROUTE = Routing.CIT_OFFICER
RULE_FIELDS = frozenset({"key", "label", "all", "any", "route", "add", "reason", "override"})
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
#: The routes a rule may add beside its own: units, not a transfer or a referral.
ADDABLE = frozenset(
    {
        Routing.CO_RESPONDER,
        Routing.CIT_OFFICER,
        Routing.MOBILE_CRISIS,
        Routing.EMS,
        Routing.PATROL_PRIORITY,
    }
)
#: Routes without a unit to send: the call-taker transfers the call or refers it.
NO_UNIT_ROUTES = frozenset({Routing.TRANSFER_988, Routing.FOLLOW_UP})


def _rule(
    key: str,
    label: str,
    route: Routing,
    reason: str,
    *,
    all_of: Mapping[str, Sequence[str]] | None = None,
    any_of: Mapping[str, Sequence[str]] | None = None,
    add: Sequence[Routing] = (),
    override: bool = False,
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "all": {q: list(a) for q, a in (all_of or {}).items()},
        "any": {q: list(a) for q, a in (any_of or {}).items()},
        "route": str(route),
        "add": [str(unit) for unit in add],
        "reason": reason,
        "override": override,
    }


def default_rules() -> list[dict[str, Any]]:
    """The product's starting point. It is not a standard: the agency and its mental health
    partners review it and make it theirs (element 4), in the rules editor.

    Police go first only for a weapon with a threat, violence or danger to life; EMS for a
    medical emergency, an injury, an overdose or an attempt in progress; a co-responder where
    there is danger; a warm transfer to 988 or the local crisis line for thoughts of suicide
    without a plan, a weapon or a medical emergency when the person agrees to talk; and a
    mobile crisis team, without police, for the rest that carries no danger. A response plan
    never picks the unit: it is a note for the responders."""
    at_risk = [RISK_PLAN, RISK_MEANS, RISK_ATTEMPT, RISK_UNGRADED]
    return [
        _rule(
            "weapon_threat",
            _("Weapon with a threat"),
            Routing.PATROL_PRIORITY,
            _("Has a weapon now and is a danger to self or others: police go first."),
            all_of={"weapons": [WEAPON_NOW]},
            any_of={"danger_self": list(RISK_GRADES), "danger_others": [YES]},
            override=True,
        ),
        _rule(
            "violent_crime",
            _("Violent crime or danger to life"),
            Routing.PATROL_PRIORITY,
            _("A violent crime is in progress, or a life is in danger: police go first."),
            all_of={"crime_in_progress": [CRIME_VIOLENT]},
            override=True,
        ),
        _rule(
            "suicide_attempt",
            _("Suicide attempt in progress"),
            Routing.EMS,
            _("A suicide attempt is in progress: EMS, with a clinician and an officer."),
            all_of={"danger_self": [RISK_ATTEMPT]},
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
            "injury_or_overdose",
            _("Injury or overdose"),
            Routing.EMS,
            _("Someone is injured or has overdosed: send EMS."),
            any_of={"injured": [YES], "overdose": [YES]},
            override=True,
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
            _("Suicide risk with a plan or the means"),
            Routing.CO_RESPONDER,
            _("Suicide risk beyond thoughts: a clinician, with an officer for safety."),
            all_of={"danger_self": at_risk},
        ),
        _rule(
            "at_risk_and_using",
            _("Suicide risk while using alcohol or drugs"),
            Routing.CO_RESPONDER,
            _("At risk and using alcohol or drugs now: EMS goes with the co-responders."),
            all_of={"danger_self": at_risk, "substance_now": [YES]},
            add=[Routing.EMS],
        ),
        _rule(
            "weapon_now",
            _("Weapon, no threat known"),
            Routing.CIT_OFFICER,
            _("Has a weapon now: a CIT officer responds, not a clinician alone."),
            all_of={"weapons": [WEAPON_NOW]},
        ),
        _rule(
            "history_of_violence",
            _("History of violence"),
            Routing.CO_RESPONDER,
            _("History of violence: an officer goes with the clinician."),
            all_of={"violence_history": [YES]},
        ),
        _rule(
            "warm_transfer",
            _("Willing to talk, no imminent danger"),
            Routing.TRANSFER_988,
            _(
                "No plan, no weapon, no medical emergency, and the person is willing to talk: "
                "warm transfer to 988 or the local crisis line."
            ),
            all_of={
                "danger_self": [NO, RISK_THOUGHTS],
                "danger_others": [NO],
                "weapons": [WEAPON_NONE],
                "medical_emergency": [NO],
                "crime_in_progress": [NO, CRIME_LOW, UNKNOWN],
            },
            any_of={"caller_in_crisis": [YES], "agrees_to_talk": [YES]},
        ),
        _rule(
            "no_danger",
            _("No danger, no weapons"),
            Routing.MOBILE_CRISIS,
            _(
                "No danger to others, no weapons, no suicide plan: a mobile crisis team, "
                "without police."
            ),
            all_of={
                "danger_self": [NO, RISK_THOUGHTS],
                "danger_others": [NO],
                "weapons": [WEAPON_NONE],
                "violence_history": [NO, UNKNOWN],
            },
        ),
        _rule(
            "default",
            _("Anything else"),
            Routing.CIT_OFFICER,
            _("Danger or weapons not ruled out: a CIT officer responds."),
        ),
    ]


def upgrade_rule(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A rule as the current protocol reads it: earlier answers widened to what they meant
    (``LEGACY_RULE_ANSWERS``), conditions on questions that no longer route left out
    (``LEGACY_INFORMATION``: a response plan is a note for the responders, not a route), and
    no added units when the rule names none. A rule whose only conditions were on such
    questions is dropped by ``upgrade_rules``."""
    rule = dict(raw)
    rule.setdefault("add", [])
    for part in ("all", "any"):
        conditions = rule.get(part)
        if not isinstance(conditions, Mapping):
            continue
        upgraded: dict[str, Any] = {}
        for question, allowed in conditions.items():
            if str(question) in LEGACY_INFORMATION:
                continue
            legacy = LEGACY_RULE_ANSWERS.get(str(question))
            if legacy and isinstance(allowed, Sequence) and not isinstance(allowed, str):
                widened: list[Any] = []
                for answer in allowed:
                    for value in legacy.get(str(answer), (answer,)):
                        if value not in widened:
                            widened.append(value)
                allowed = widened
            upgraded[str(question)] = allowed
        rule[part] = upgraded
    return rule


def _only_information(raw: Mapping[str, Any]) -> bool:
    """A rule whose every condition is on a question that no longer routes."""
    keys = [
        str(q) for part in ("all", "any") if isinstance(raw.get(part), Mapping) for q in raw[part]
    ]
    return bool(keys) and all(key in LEGACY_INFORMATION for key in keys)


def upgrade_rules(rules: Any) -> Any:
    """A rule set as the current protocol reads it (see ``upgrade_rule``); anything that is
    not a list of rules is returned as it is, for ``compile_rules`` to refuse."""
    if not isinstance(rules, list):
        return rules
    return [
        upgrade_rule(rule) if isinstance(rule, Mapping) else rule
        for rule in rules
        if not (isinstance(rule, Mapping) and _only_information(rule))
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
    #: Units sent beside the route, e.g. EMS with a co-responder.
    add: tuple[Routing, ...] = ()

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
        if not question.routes:
            errors.append(
                _(
                    "%(rule)s: “%(question)s” is information for the responders; rules "
                    "cannot use it."
                )
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


def _added_units(position: str, raw: Any, errors: list[str]) -> tuple[Routing, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str) or not isinstance(raw, Sequence):
        errors.append(_("%(rule)s: “add” must list units.") % {"rule": position})
        return ()
    addable = [str(unit) for unit in Routing if unit in ADDABLE]
    wrong = [str(unit) for unit in raw if unit not in addable]
    if wrong:
        errors.append(
            _("%(rule)s: cannot add “%(unit)s” (a rule adds one of %(known)s).")
            % {"rule": position, "unit": "”, “".join(wrong), "known": ", ".join(addable)}
        )
        return ()
    found: list[Routing] = []
    for unit in raw:
        if Routing(unit) not in found:
            found.append(Routing(unit))
    return tuple(found)


def compile_rules(rules: Any) -> CompiledRules:
    """Check a rule set strictly and compile it; a ``ValidationError`` lists every problem."""
    errors: list[str] = []
    if not isinstance(rules, list):
        raise ValidationError(_("The rules must be a list."))
    rules = upgrade_rules(rules)
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
        add = _added_units(position, raw.get("add"), errors)
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
                    key,
                    label,
                    all_of,
                    any_of,
                    Routing(str(route)),
                    reason,
                    bool(override),
                    tuple(unit for unit in add if unit != route),
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
    unanswered) and the free-text ones as trimmed text within their limits. Answers of the
    protocol's earlier versions are read as they meant (``LEGACY_ANSWERS``). Unknown questions
    or answers are refused."""
    errors: dict[str, str] = {}
    unknown = sorted(set(raw) - set(QUESTIONS_BY_KEY))
    if unknown:
        errors["answers"] = _("Unknown question: %(keys)s.") % {"keys": ", ".join(unknown)}
    cleaned: dict[str, str] = {}
    for question in QUESTIONS:
        value = raw.get(question.key)
        if question.is_free_text:
            text = "" if value is None else str(value).strip()
            if len(text) > question.max_length:
                errors[question.key] = _("Keep it under %(n)d characters.") % {
                    "n": question.max_length
                }
            cleaned[question.key] = text
            continue
        value = UNKNOWN if value in (None, "") else str(value)
        value = LEGACY_ANSWERS.get(question.key, {}).get(value, value)
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
    """Who can be sent now: a CIT officer on the current shift, the kinds of team with a team
    free now (on duty and available), and the kinds whose teams on duty are all busy (a call
    for them waits in a queue)."""

    cit_on_shift: bool
    team_kinds: frozenset[str] = field(default_factory=frozenset)
    busy_kinds: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class TriageResult:
    #: The lead unit: what ``Call.recommendation`` keeps.
    route: Routing
    reasons: tuple[str, ...]
    matched: tuple[str, ...]
    #: Whether a safety override decided the route.
    override: bool
    #: What the rules alone advised, before who is on duty was taken into account.
    rules_route: Routing
    #: Every unit of the response, the lead first.
    units: tuple[Routing, ...] = ()
    #: The name of the rule that put each unit in the response (or who is on duty, when a
    #: unit replaced one that is not), in the order of ``units``.
    decided_by: tuple[str, ...] = ()
    #: Information for the responders that does not change the route (a response plan).
    notes: tuple[str, ...] = ()
    #: The kinds of team the call would wait for: every team of the kind on duty is busy.
    queued_kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def adjusted(self) -> bool:
        return self.route != self.rules_route

    @property
    def is_transfer(self) -> bool:
        return self.route == Routing.TRANSFER_988

    @property
    def unit_labels(self) -> list[str]:
        return [str(unit.label) for unit in self.units]

    @property
    def unit_rows(self) -> list[tuple[str, str]]:
        """Each unit's label with the rule that decided it."""
        return list(zip(self.unit_labels, self.decided_by, strict=True))

    def as_dict(self) -> dict[str, Any]:
        return {
            "route": str(self.route),
            "units": [str(unit) for unit in self.units],
            "reasons": list(self.reasons),
            "matched": list(self.matched),
            "override": self.override,
            "notes": list(self.notes),
        }


def _add(units: list[Routing], unit: Routing) -> None:
    if unit not in units:
        units.append(unit)


def evaluate(
    rules: CompiledRules,
    answers: Mapping[str, str],
    available: Availability | None = None,
    *,
    without_transfer: bool = False,
) -> TriageResult:
    """Route a call from its answers; ``available=None`` leaves who is on duty out.

    The lead unit is the first matching override's route, else the first matching ordinary
    rule's, else the default. The response also holds every other matching override's route
    (a safety override adds police without dropping the clinician or EMS), the ordinary
    rule's route when an override leads, and every unit a matching rule adds. A transfer or a
    referral is never a unit beside another. ``without_transfer`` leaves out the rules that
    transfer the call: the fallback when a warm transfer is not accepted."""
    overrides = rules.overrides
    ordinary = rules.ordinary
    if without_transfer:
        overrides = tuple(r for r in overrides if r.route != Routing.TRANSFER_988)
        ordinary = tuple(r for r in ordinary if r.route != Routing.TRANSFER_988)
    matched_overrides = [r for r in overrides if r.matches(answers)]
    matched_ordinary = [r for r in ordinary if r.matches(answers)]
    default = rules.default
    if default is not None and without_transfer and default.route == Routing.TRANSFER_988:
        default = None
    if not matched_overrides and not matched_ordinary and default is not None:
        matched_ordinary = [default]
    reasons = [r.reason for r in (*matched_overrides, *matched_ordinary)]
    matched = tuple(r.key for r in (*matched_overrides, *matched_ordinary))
    units: list[Routing] = []
    #: Which rule put each unit in the response (the first that did).
    decided_by: dict[Routing, str] = {}

    def put(unit: Routing, rule: CompiledRule) -> None:
        _add(units, unit)
        decided_by.setdefault(unit, rule.label)

    for rule in matched_overrides:
        put(rule.route, rule)
    if matched_ordinary:
        put(matched_ordinary[0].route, matched_ordinary[0])
    if not units:
        units.append(FALLBACK_ROUTE)
        reasons.append(_("No rule applied: a CIT officer responds."))
        decided_by[FALLBACK_ROUTE] = _("No rule applied")
    for rule in (*matched_overrides, *matched_ordinary):
        for unit in rule.add:
            put(unit, rule)
    lead = units[0]
    units = [lead, *(u for u in units[1:] if u not in NO_UNIT_ROUTES)]
    notes: list[str] = []
    if answers.get("response_plan") == YES:
        notes.append(_("Known to have a response plan: responders should read it on the way."))
    queued: set[str] = set()
    if available is not None:
        units = _adjust(
            units,
            available,
            reasons,
            queued,
            decided=bool(matched_overrides),
            low_risk=answers.get("danger_self") == NO,
        )
        for unit in units:
            decided_by.setdefault(unit, _("Who is on duty now"))
    return TriageResult(
        route=units[0],
        reasons=tuple(reasons),
        matched=matched,
        override=bool(matched_overrides),
        rules_route=lead,
        units=tuple(units),
        decided_by=tuple(decided_by.get(unit, "") for unit in units),
        notes=tuple(notes),
        queued_kinds=frozenset(queued),
    )


_TEAM_KIND = {
    Routing.CO_RESPONDER: TeamKind.CO_RESPONDER,
    Routing.MOBILE_CRISIS: TeamKind.MOBILE_CRISIS,
}


def _adjust(
    units: list[Routing],
    available: Availability,
    reasons: list[str],
    queued: set[str],
    *,
    decided: bool,
    low_risk: bool = False,
) -> list[Routing]:
    """Who is free now may change the units; each change says why. A team counts when it is
    on duty and available. When every team of the kind on duty is busy, the call waits in a
    queue for one (or the call-taker chooses another route, with a reason). When none is on
    duty: a co-responder call gets a CIT officer; a low-risk call (no risk to self known) that
    a mobile crisis team would take is referred for follow-up rather than sent to patrol, and
    any other call it would take (thoughts of suicide, say) gets a CIT officer; a unit added
    beside others is left out."""
    adjusted: list[Routing] = []
    for position, unit in enumerate(units):
        kind = _TEAM_KIND.get(unit)
        if kind is not None and kind not in available.team_kinds:
            if kind in available.busy_kinds:
                queued.add(kind)
                reasons.append(
                    _(
                        "Every %(unit)s on duty is on a call: the call waits in the queue, or "
                        "choose another route and say why."
                    )
                    % {"unit": str(TeamKind(kind).label).lower()}
                )
            elif unit == Routing.CO_RESPONDER:
                reasons.append(_("No co-responder unit is on duty now: a CIT officer instead."))
                unit = Routing.CIT_OFFICER
            elif position == 0 and not decided and not low_risk:
                reasons.append(
                    _(
                        "No mobile crisis team is on duty now and a risk to self is not ruled "
                        "out: a CIT officer instead."
                    )
                )
                unit = Routing.CIT_OFFICER
            elif position == 0 and not decided:
                reasons.append(
                    _(
                        "No mobile crisis team is on duty now: refer the call for follow-up, "
                        "or choose another route and say why."
                    )
                )
                unit = Routing.FOLLOW_UP
            else:
                reasons.append(_("No mobile crisis team is on duty now: it is left out."))
                continue
        if unit == Routing.CIT_OFFICER and not available.cit_on_shift:
            reasons.append(_("No CIT officer on this shift: patrol, with priority."))
            unit = Routing.PATROL_PRIORITY
        _add(adjusted, unit)
    return adjusted


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
