"""The consent API for EHRs and health information exchanges: a person's consents as a FHIR
R4 Bundle, and recording a consent sent as a FHIR R4 Consent. An organization API key with
the ``consents:read`` / ``consents:write`` scope, or a signed-in keeper of consent."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pmhc.people import consent_fhir, consent_selectors, consent_services
from pmhc.platform.access import Action, decide
from pmhc.platform.api import api_actor

PURPOSE = consent_selectors.PURPOSE


def _resource(read: consent_selectors.ConsentRead) -> dict[str, Any]:
    return consent_fhir.to_resource(
        read.consent,
        recipients=read.recipients,
        representative_name=read.fields.data("representative_name"),
        representative_relationship=read.fields.data("representative_relationship"),
    )


def _invalid(problems: consent_fhir.Problems) -> Response:
    return Response(problems.outcome(), status=status.HTTP_400_BAD_REQUEST)


class PersonConsentsView(APIView):
    @extend_schema(
        summary="A person's consents as FHIR",
        description=(
            "The person's consents to share, newest first (at most 100), as a FHIR R4 "
            "`searchset` Bundle of Consent resources. Needs the `consents:read` scope (a key "
            "reads people of its own organization) or a signed-in keeper of consent."
        ),
        responses={200: OpenApiResponse(description="A FHIR Bundle."), 404: None},
    )
    def get(self, request: Request, pk: int) -> Response:
        actor = api_actor(request)
        person = consent_selectors.person_for_api(actor, pk)
        reads = consent_selectors.consents_for_export(actor, person)
        return Response(consent_fhir.bundle([_resource(read) for read in reads]))

    @extend_schema(
        summary="Record a consent sent as FHIR",
        description=(
            "Records a FHIR R4 Consent for the person: `patient` must be `Patient/<id>` of the "
            "address; recipients are `provision.actor` entries with role IRCP referring to "
            "`Organization/<slug>`; purposes are ActReason TREAT, CAREMGT, BTG or ETREAT; data "
            "classes are ActCode PSY (clinical) or ETH (substance use); `policyRule` ActCode "
            "42CFRPart2 or OPTIN. An invalid resource gets 400 with a FHIR OperationOutcome "
            "naming each problem's path. Needs `consents:write` or a signed-in keeper."
        ),
        request={"application/json": {"type": "object"}},
        responses={
            201: OpenApiResponse(description="The recorded Consent."),
            400: OpenApiResponse(description="A FHIR OperationOutcome, one issue per problem."),
            404: None,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = api_actor(request)
        person = consent_selectors.person_for_api(actor, pk, Action.CREATE)
        if not decide(actor, Action.CREATE, consent_selectors.consent_target(person), PURPOSE):
            raise Http404("Not found")
        terms, problems = consent_fhir.from_resource(request.data, person=person)
        if terms is None:
            return _invalid(problems)
        try:
            consent = consent_services.give_consent(
                actor, person=person, purpose=PURPOSE, **terms.values
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    problems.add(consent_fhir.SERVICE_PATHS.get(name, name), message)
            return _invalid(problems)
        # The answer repeats what the caller sent, as recorded: no read of anything else.
        recorded = consent_fhir.to_resource(
            consent,
            recipients=terms.values["recipients"],
            representative_name=terms.values["representative_name"],
            representative_relationship=terms.values["representative_relationship"],
        )
        return Response(recorded, status=status.HTTP_201_CREATED)
