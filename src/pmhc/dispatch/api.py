"""The calls API for CAD systems: record a call (optionally triaged at once) and triage a
call. The same services and rules as the call-taker's screen; an organization API key with the
``calls:write`` scope, or a signed-in user whose role takes calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pmhc.dispatch import selectors, services, times, triage
from pmhc.dispatch.models import Call, CallSource, Indicator, Routing
from pmhc.platform.access import Actor
from pmhc.platform.api import api_actor
from pmhc.platform.models import Organization

ANSWERS_HELP = (
    "Protocol answers by question: "
    + "; ".join(
        f"`{q.key}`: " + ("free text" if q.is_free_text else " / ".join(q.values))
        for q in triage.QUESTIONS
    )
    + ". A question left out counts as not known."
)


class TriageInputSerializer(serializers.Serializer[Any]):
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True), help_text=ANSWERS_HELP
    )
    decision = serializers.ChoiceField(
        choices=Routing.choices,
        required=False,
        help_text="The route taken, when it differs from the recommendation.",
    )
    decision_reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Required when the decision differs."
    )


class CallTimeField(serializers.DateTimeField):
    """A call's time, held to the rules of ``dispatch.times`` as soon as it is read: a time
    near year 9999 with an offset would otherwise fail as "out of range" when DRF moves it to
    the server's zone, which says less. The order of the times is the service's check."""

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        name = self.field_name or "received_at"
        if timezone.is_aware(value):
            problem = times.time_problems({name: value}).get(name)
            if problem:
                raise serializers.ValidationError(problem)
        return super().enforce_timezone(value)


class CallInputSerializer(serializers.Serializer[Any]):
    cad_event_id = serializers.CharField(max_length=64)
    received_at = CallTimeField(
        help_text="When the call was received; not in the future and not before 1970."
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    district = serializers.CharField(max_length=60, required=False, allow_blank=True)
    beat = serializers.CharField(max_length=30, required=False, allow_blank=True)
    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, required=False, allow_null=True
    )
    call_type = serializers.CharField(max_length=60, required=False, allow_blank=True)
    apco_type = serializers.CharField(max_length=12, required=False, allow_blank=True)
    priority = serializers.IntegerField(min_value=1, max_value=9, required=False, allow_null=True)
    # A field named like DRF's own ``Field.source`` attribute: the metaclass collects it.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=CallSource.choices, required=False
    )
    mh_indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=Indicator.choices), required=False
    )
    narrative = serializers.CharField(required=False, allow_blank=True)
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="When given, the call is triaged at once. " + ANSWERS_HELP,
    )
    decision = serializers.ChoiceField(choices=Routing.choices, required=False)
    decision_reason = serializers.CharField(required=False, allow_blank=True)


class OfficerSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    badge_number = serializers.CharField()
    district = serializers.CharField()


class TeamSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    contact = serializers.CharField()
    status = serializers.CharField(help_text="available, on_call or out_of_service.")


class OnDutySerializer(serializers.Serializer[Any]):
    shift = serializers.CharField(help_text="The current shift's name; empty when none.")
    cit_officers = OfficerSerializer(many=True)
    teams = TeamSerializer(many=True)


class CallResultSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    cad_event_id = serializers.CharField()
    recommendation = serializers.CharField(allow_null=True, help_text="The lead unit.")
    recommended_units = serializers.ListField(
        child=serializers.CharField(),
        help_text="Every unit of the recommended response, the lead first.",
    )
    reasons = serializers.ListField(child=serializers.CharField())
    rule_version = serializers.IntegerField(allow_null=True)
    decision = serializers.CharField(allow_null=True)
    decision_reason = serializers.CharField()
    on_duty = OnDutySerializer()


class ConflictSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    id = serializers.IntegerField(help_text="The existing call with this CAD event id.")


CALL_EXAMPLE = {
    "cad_event_id": "2026-004512",
    "received_at": "2026-03-02T21:14:05-06:00",
    "address": "400 Elm St",
    "district": "North",
    "call_type": "Welfare check",
    "source": "911",
    "mh_indicators": ["distress"],
    "answers": {
        "behavior": "Crying, says she cannot go on",
        "danger_self": "plan",
        "danger_others": "no",
        "weapons": "none",
    },
}
RESULT_EXAMPLE = {
    "id": 812,
    "cad_event_id": "2026-004512",
    "recommendation": "co_responder",
    "recommended_units": ["co_responder"],
    "reasons": ["Suicide risk beyond thoughts: a clinician, with an officer for safety."],
    "rule_version": 3,
    "decision": "co_responder",
    "decision_reason": "",
    "on_duty": {
        "shift": "Evening",
        "cit_officers": [
            {"id": 41, "name": "Ana Ruiz", "badge_number": "1182", "district": "North"}
        ],
        "teams": [
            {
                "id": 3,
                "name": "Co-response 1",
                "kind": "co_responder",
                "contact": "Radio 7",
                "status": "available",
            }
        ],
    },
}


def _result(call: Call, duty: selectors.OnDuty) -> dict[str, Any]:
    return {
        "id": call.pk,
        "cad_event_id": call.cad_event_id,
        "recommendation": call.recommendation or None,
        "recommended_units": list(call.recommended_units),
        "reasons": list(call.reasons),
        "rule_version": call.rule_set.version if call.rule_set_id and call.rule_set else None,
        "decision": call.decision or None,
        "decision_reason": call.decision_reason,
        "on_duty": duty.as_dict(),
    }


def _errors(exc: ValidationError) -> dict[str, Any]:
    if hasattr(exc, "error_dict"):
        return dict(exc.message_dict)
    return {"non_field_errors": exc.messages}


def _organization(actor: Actor) -> Organization:
    if actor.kind == "api_key" and actor.key_organization_id is not None:
        found = Organization.objects.filter(pk=actor.key_organization_id).first()
    else:
        found = selectors.call_organization(actor)
    if found is None:
        raise PermissionDenied("this caller does not record calls")
    return found


class CallsView(APIView):
    @extend_schema(
        summary="Record a call for service",
        description=(
            "Records a call for the key's agency (a signed-in user: the agency where they take "
            "calls). With `answers`, the call is triaged at once with the agency's published "
            "routing rules and who is on duty now. The CAD event id is unique per agency: a "
            "second call with the same id gets 409 with the existing call's id. Needs the "
            "`calls:write` scope."
        ),
        request=CallInputSerializer,
        responses={
            201: CallResultSerializer,
            400: OpenApiResponse(description="Invalid input, by field."),
            403: OpenApiResponse(description="The key lacks `calls:write`, or the user's role."),
            409: ConflictSerializer,
        },
        examples=[
            OpenApiExample("A call triaged at once", value=CALL_EXAMPLE, request_only=True),
            OpenApiExample("Recorded and triaged", value=RESULT_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request: Request) -> Response:
        actor = api_actor(request)
        data = CallInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        answers = values.pop("answers", None)
        decision = values.pop("decision", None)
        decision_reason = values.pop("decision_reason", "")
        try:
            organization = _organization(actor)
            with transaction.atomic():
                call = services.create_call(actor, organization=organization, **values)
                duty = selectors.on_duty(organization)
                if answers is not None:
                    services.triage_call(
                        actor,
                        call=call,
                        answers=answers,
                        decision=decision,
                        decision_reason=decision_reason,
                        duty=duty,
                    )
        except PermissionDenied:
            return Response(
                {"detail": "Not allowed to record calls."}, status=status.HTTP_403_FORBIDDEN
            )
        except services.DuplicateCall as exc:
            return Response(
                {
                    "detail": "This agency already has a call with this CAD event id.",
                    "id": exc.existing_id,
                },
                status=status.HTTP_409_CONFLICT,
            )
        except ValidationError as exc:
            return Response(_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(_result(call, duty), status=status.HTTP_201_CREATED)


class CallTriageView(APIView):
    @extend_schema(
        summary="Triage a call",
        description=(
            "Applies the agency's published routing rules to the answers, with who is on duty "
            "now, and records the answers, the rule version, the recommendation with its "
            "reasons and the decision (the recommendation unless `decision` says otherwise, "
            "which needs `decision_reason`). A call of another agency, or a key without "
            "`calls:write`, gets 404."
        ),
        request=TriageInputSerializer,
        responses={
            200: CallResultSerializer,
            400: OpenApiResponse(description="Invalid answers, or a decision without reason."),
            404: OpenApiResponse(description="No such call for this caller."),
        },
        examples=[
            OpenApiExample(
                "Answers",
                value={
                    "answers": {
                        "danger_self": "no",
                        "danger_others": "no",
                        "weapons": "none",
                        "caller_in_crisis": "yes",
                    },
                },
                request_only=True,
            ),
            OpenApiExample(
                "A different decision",
                value={
                    "answers": {"danger_others": "yes"},
                    "decision": "patrol_priority",
                    "decision_reason": "Caller reports a crowd gathering",
                },
                request_only=True,
            ),
            OpenApiExample("Triaged", value=RESULT_EXAMPLE, response_only=True),
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = api_actor(request)
        data = TriageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # Missing and forbidden give the same 404 (DRF turns Http404 into it).
        try:
            call, duty = services.triage_call_by_id(
                actor,
                pk=pk,
                answers=values["answers"],
                decision=values.get("decision"),
                decision_reason=values.get("decision_reason", ""),
            )
        except PermissionDenied as exc:
            raise NotFound() from exc
        except ValidationError as exc:
            return Response(_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(_result(call, duty))
