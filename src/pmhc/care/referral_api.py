"""The referral API for EHRs and referral networks: a referral as a FHIR R4 ServiceRequest and
its Task, and the provider's update of the Task, which moves the referral through the same
service (and transition table) as its staff's buttons. An organization API key with the
``referrals:read`` / ``referrals:write`` scope, or a signed-in member."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pmhc.care import referral_fhir, referral_selectors, referral_services
from pmhc.people.consent_fhir import Problems
from pmhc.platform.api import api_actor
from pmhc.platform.api_parsers import BoundedJSONParser


class FhirJSONParser(BoundedJSONParser):
    media_type = "application/fhir+json"


PARSERS = [BoundedJSONParser, FhirJSONParser]


def _invalid(problems: Problems) -> Response:
    return Response(problems.outcome(), status=status.HTTP_400_BAD_REQUEST)


class ServiceRequestView(APIView):
    @extend_schema(
        summary="A referral as a FHIR ServiceRequest",
        description=(
            "The referral as a FHIR R4 ServiceRequest, for its sender or its receiving provider "
            "(`referrals:read`, or a signed-in member). The person's name and the reason appear "
            "as far as the reader may read them."
        ),
        responses={200: OpenApiResponse(description="A FHIR ServiceRequest."), 404: None},
    )
    def get(self, request: Request, fhir_id: str) -> Response:
        read = referral_selectors.referral_for_api(api_actor(request), str(fhir_id))
        return Response(
            referral_fhir.service_request(
                read.referral, person_name=read.person_name, reason=read.reason
            )
        )


class TaskView(APIView):
    parser_classes = PARSERS

    @extend_schema(
        summary="A referral's FHIR Task",
        description=(
            "The referral's Task: its exact state in `businessStatus` (system "
            "`urn:pmhc:referral-state`), the appointment as an `output`. Sender or provider "
            "(`referrals:read`)."
        ),
        responses={200: OpenApiResponse(description="A FHIR Task."), 404: None},
    )
    def get(self, request: Request, fhir_id: str) -> Response:
        read = referral_selectors.referral_for_api(api_actor(request), str(fhir_id))
        return Response(referral_fhir.task(read.referral, person_name=read.person_name))

    @extend_schema(
        summary="Update a referral by its FHIR Task",
        description=(
            "The receiving provider moves the referral by sending its Task (`referrals:write`): "
            "the new state in `businessStatus` (or a `status` that names one state), the "
            "appointment as an `output` of type `appointment` with `valueDateTime` to schedule, "
            "`statusReason.text` to decline. A move the referral's state does not allow, or an "
            "invalid resource, gets 400 with a FHIR OperationOutcome naming each problem. A Task "
            "that asks for what the referral already is (the same Task sent again) changes "
            "nothing and gets 200 with the Task."
        ),
        request={"application/fhir+json": {"type": "object"}},
        responses={
            200: OpenApiResponse(description="The Task as it now stands."),
            400: OpenApiResponse(description="A FHIR OperationOutcome, one issue per problem."),
            404: None,
        },
    )
    def put(self, request: Request, fhir_id: str) -> Response:
        actor = api_actor(request)
        referral = referral_selectors.referral_for_api_change(actor, str(fhir_id))
        problems = Problems()
        try:
            data: Any = request.data
        except (ParseError, UnsupportedMediaType) as exc:
            problems.add("", f"The body must be a FHIR Task in JSON: {exc.detail}")
            return _invalid(problems)
        update, problems = referral_fhir.from_task(data, referral=referral)
        if update is None:
            return _invalid(problems)
        if referral_fhir.already_stands(
            referral, update, last_note=referral_selectors.last_note(referral)
        ):
            # The same Task sent again: nothing to change, the Task as it stands.
            return Response(referral_fhir.task(referral, person_name=None))
        try:
            moved = referral_services.move_referral(
                actor,
                referral=referral,
                status=update.status,
                appointment_at=update.appointment_at,
                reason=update.reason,
                note=update.note,
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    problems.add(referral_fhir.SERVICE_PATHS.get(name, name), message)
            return _invalid(problems)
        moved.person = referral.person
        moved.organization = referral.organization
        moved.provider = referral.provider
        return Response(referral_fhir.task(moved, person_name=None))

    post = put
