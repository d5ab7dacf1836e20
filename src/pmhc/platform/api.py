"""The platform's API: who am I, and my organization."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pmhc.platform.access import Action, Actor, actor_for_api_key, decide
from pmhc.platform.http import build_actor
from pmhc.platform.models import ApiKey, Organization, Purpose


def api_actor(request: Request) -> Actor:
    """An API key acts for its own organization; a signed-in session for the organization
    its person acts for (see ``pmhc.platform.http``)."""
    if isinstance(request.auth, ApiKey):
        return actor_for_api_key(request.auth)
    return build_actor(request._request, request.user)


class GrantSerializer(serializers.Serializer[object]):
    organization_id = serializers.IntegerField()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer[object]):
    kind = serializers.CharField(help_text="user or api_key")
    name = serializers.CharField()
    roles = GrantSerializer(many=True)
    scopes = serializers.ListField(child=serializers.CharField())


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ["id", "slug", "name", "kind", "time_zone", "is_synthetic"]


class MeView(APIView):
    @extend_schema(
        summary="Who is calling",
        description=(
            "The signed-in user's role in the organization they act for (a member of several "
            "organizations acts for one at a time), or the API key's scopes."
        ),
        responses=MeSerializer,
    )
    def get(self, request: Request) -> Response:
        actor = api_actor(request)
        return Response(
            MeSerializer(
                {
                    "kind": actor.kind,
                    "name": actor.name,
                    "roles": [
                        {"organization_id": g.organization_id, "role": g.role} for g in actor.grants
                    ],
                    "scopes": sorted(actor.scopes),
                }
            ).data
        )


class OrganizationView(APIView):
    @extend_schema(
        summary="One organization",
        description=(
            "An organization's profile. Members see their own organization; an API key needs "
            "the `organization:read` scope and sees only its own organization."
        ),
        responses=OrganizationSerializer,
    )
    def get(self, request: Request, slug: str) -> Response:
        actor = api_actor(request)
        organization = Organization.objects.filter(slug=slug).first()
        target = _Scoped(organization) if organization is not None else None
        if organization is None or not decide(actor, Action.VIEW, target, Purpose.ADMINISTRATION):
            raise Http404
        return Response(OrganizationSerializer(organization).data)


class _Scoped:
    """An organization as the policy sees it when an API key asks for it."""

    access_classification = Organization.access_classification
    access_scope = "organization"

    def __init__(self, organization: Organization) -> None:
        self.organization = organization

    def access_organization_ids(self) -> frozenset[int]:
        return frozenset({self.organization.pk})
