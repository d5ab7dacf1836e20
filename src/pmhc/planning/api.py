"""``GET /api/v1/staffing``: the Erlang C staffing answer for one arrival rate.

Who may call it: any signed-in user and any valid API key, whatever its scopes. It reads no
organization's data (it is arithmetic on the four numbers it is given), so no scope or role
narrows it; it is not open to anonymous callers because the API is for the product's users
and systems, and an open endpoint would be free computing for anyone on the network.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pmhc.planning import erlang

#: Beyond this the question is no longer one of crisis response staffing.
MAX_OFFERED_LOAD = 1000.0
#: Rows past the answer, so a caller sees what one or two more units would give.
EXTRA_ROWS = 3
#: Rows below the answer (a large load needs no table from one unit up).
ROWS_BELOW = 10


class StaffingQuery(serializers.Serializer[dict[str, Any]]):
    arrivals_per_hour = serializers.FloatField(
        min_value=0.0001,
        max_value=10000,
        help_text="Mean number of calls arriving per hour (more than 0, at most 10000).",
        error_messages={
            "invalid": "arrivals_per_hour must be a number, e.g. 2.5.",
            "required": "arrivals_per_hour is required: the mean number of calls per hour.",
            "min_value": "arrivals_per_hour must be more than 0.",
            "max_value": "arrivals_per_hour must be at most 10000.",
        },
    )
    handle_minutes = serializers.FloatField(
        min_value=0.01,
        max_value=1440,
        help_text="Mean minutes a call keeps a unit busy (travel plus time on scene).",
        error_messages={
            "invalid": "handle_minutes must be a number, e.g. 45.",
            "required": "handle_minutes is required: the mean minutes a call keeps a unit busy.",
            "min_value": "handle_minutes must be more than 0.",
            "max_value": "handle_minutes must be at most 1440 (a day).",
        },
    )
    answer_within_minutes = serializers.FloatField(
        min_value=0,
        max_value=1440,
        help_text="How long a call may wait for a free unit, in minutes (0 or more).",
        error_messages={
            "invalid": "answer_within_minutes must be a number, e.g. 10.",
            "required": "answer_within_minutes is required: the longest acceptable wait.",
            "min_value": "answer_within_minutes cannot be negative.",
            "max_value": "answer_within_minutes must be at most 1440 (a day).",
        },
    )
    target = serializers.FloatField(
        help_text="Share of calls that must wait no longer than answer_within_minutes, as a "
        "fraction strictly between 0 and 1 (0.8 for 80%).",
        error_messages={
            "invalid": "target must be a number, e.g. 0.8 for 80%.",
            "required": "target is required: a fraction such as 0.8 for 80%.",
        },
    )

    def validate_target(self, value: float) -> float:
        if not 0 < value < 1:
            raise serializers.ValidationError(
                "target must be a fraction strictly between 0 and 1, e.g. 0.8 for 80%."
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        load = erlang.offered_load(attrs["arrivals_per_hour"], attrs["handle_minutes"])
        if load > MAX_OFFERED_LOAD:
            raise serializers.ValidationError(
                f"arrivals_per_hour x handle_minutes / 60 is {load:.0f} erlangs; this service "
                f"answers up to {MAX_OFFERED_LOAD:.0f}."
            )
        return attrs


class CandidateSerializer(serializers.Serializer[erlang.Candidate]):
    units = serializers.IntegerField()
    service_level = serializers.FloatField(
        help_text="Share of calls that wait no longer than answer_within_minutes (Erlang C)."
    )
    wait_probability = serializers.FloatField(help_text="Share of calls that wait at all.")
    overflow_probability = serializers.FloatField(
        help_text="Share of calls that find every unit busy, if calls do not queue (Erlang B)."
    )


class StaffingSerializer(serializers.Serializer[dict[str, Any]]):
    offered_load = serializers.FloatField(help_text="Erlangs: arrivals per hour x hours per call.")
    units = serializers.IntegerField(help_text="The smallest number of units meeting the target.")
    candidates = CandidateSerializer(many=True)


EXAMPLE = {
    "offered_load": 2.0,
    "units": 4,
    "candidates": [
        {
            "units": 3,
            "service_level": 0.6238,
            "wait_probability": 0.4444,
            "overflow_probability": 0.2105,
        },
        {
            "units": 4,
            "service_level": 0.8754,
            "wait_probability": 0.1739,
            "overflow_probability": 0.0952,
        },
    ],
}


class StaffingView(APIView):
    @extend_schema(
        summary="Units needed for a service level (Erlang C)",
        description=(
            "For calls arriving at random (`arrivals_per_hour`) that each keep a unit busy for "
            "`handle_minutes` on average, the smallest number of units (`units`) such that a "
            "share `target` of calls waits no longer than `answer_within_minutes` for a free "
            "unit, with the figures for each candidate number of units beside it: the service "
            "level and waiting probability when calls queue (Erlang C) and the overflow "
            "probability when they go elsewhere instead (Erlang B). Reads no organization's "
            "data: any signed-in user or any valid API key may call it, whatever its scopes."
        ),
        parameters=[
            OpenApiParameter(
                "arrivals_per_hour",
                OpenApiTypes.DOUBLE,
                required=True,
                description="Mean calls per hour, more than 0.",
                examples=[OpenApiExample("Two calls an hour", value=2)],
            ),
            OpenApiParameter(
                "handle_minutes",
                OpenApiTypes.DOUBLE,
                required=True,
                description="Mean minutes per call, more than 0.",
            ),
            OpenApiParameter(
                "answer_within_minutes",
                OpenApiTypes.DOUBLE,
                required=True,
                description="Longest acceptable wait for a free unit, 0 or more.",
            ),
            OpenApiParameter(
                "target",
                OpenApiTypes.DOUBLE,
                required=True,
                description="Fraction between 0 and 1, e.g. 0.8 for 80%.",
            ),
        ],
        responses={200: StaffingSerializer},
        examples=[
            OpenApiExample(
                "2 calls an hour, 60 minutes each, 80% within 10 minutes (rows abridged)",
                value=EXAMPLE,
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        query = StaffingQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        handle = data["handle_minutes"]
        within = data["answer_within_minutes"]
        load = erlang.offered_load(data["arrivals_per_hour"], handle)
        units = erlang.units_for_service_level(
            load, within=within, handle=handle, target=data["target"]
        )
        rows = erlang.candidates(
            load,
            within=within,
            handle=handle,
            start=max(1, units - ROWS_BELOW),
            up_to=units + EXTRA_ROWS,
        )
        return Response(
            StaffingSerializer({"offered_load": load, "units": units, "candidates": rows}).data
        )
