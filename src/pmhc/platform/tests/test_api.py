"""The API shell: session and API-key authentication, scopes, schema and documentation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from pmhc.platform import services
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import ApiKey


def _key(cast, org=None, scopes=("organization:read",)):
    org = org or cast.agency
    admin = cast.admin if org == cast.agency else cast.outsider
    key, raw = services.create_api_key(actor_for_user(admin), organization=org, name="CAD",
                                       scopes=list(scopes))  # fmt: skip
    return key, raw


def test_api_requires_authentication(db):
    response = Client().get(reverse("api_me"))
    assert response.status_code in {401, 403}


def test_me_with_session(cast):
    response = cast.client(cast.member).get(reverse("api_me"))
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "user"
    assert body["roles"] == [{"organization_id": cast.agency.pk, "role": "coordinator"}]


def test_me_with_api_key(cast):
    key, raw = _key(cast)
    response = Client().get(reverse("api_me"), HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    assert response.json()["kind"] == "api_key"
    assert response.json()["scopes"] == ["organization:read"]
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_key_needs_a_scope(cast):
    with pytest.raises(ValidationError):
        _key(cast, scopes=())


def test_bad_or_revoked_key_is_refused(cast):
    key, raw = _key(cast)
    assert Client().get(reverse("api_me"), HTTP_AUTHORIZATION="Api-Key nonsense").status_code == 401
    services.revoke_api_key(actor_for_user(cast.admin), key=key)
    assert Client().get(reverse("api_me"), HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 401


def test_key_reads_only_its_own_organization_and_only_with_scope(cast):
    _, raw = _key(cast)
    own = reverse("api_organization", kwargs={"slug": cast.agency.slug})
    other = reverse("api_organization", kwargs={"slug": cast.outsider_org.slug})
    missing = reverse("api_organization", kwargs={"slug": "nope"})
    headers = {"Authorization": f"Api-Key {raw}"}
    response = Client().get(own, headers=headers)
    assert response.status_code == 200
    assert response.json()["slug"] == "agency"
    assert Client().get(other, headers=headers).status_code == 404
    assert Client().get(missing, headers=headers).status_code == 404
    key, unscoped = _key(cast)
    ApiKey.objects.filter(pk=key.pk).update(scopes=[])
    assert Client().get(own, HTTP_AUTHORIZATION=f"Api-Key {unscoped}").status_code == 404


def test_organization_for_members_partners_and_outsiders(cast):
    url = reverse("api_organization", kwargs={"slug": cast.agency.slug})
    assert cast.client(cast.colleague).get(url).status_code == 200
    assert cast.client(cast.partner_user).get(url).status_code == 200  # agreement covers it
    assert cast.client(cast.expired_user).get(url).status_code == 404
    assert cast.client(cast.outsider).get(url).status_code == 404


def test_schema_and_docs_are_served_offline(db):
    schema = Client().get(reverse("api_schema"), {"format": "json"})
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/me" in document["paths"]
    assert "ApiKey" in document["components"]["securitySchemes"]
    docs = Client().get(reverse("api_docs"))
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "GET /api/v1/organizations/{slug}" in page
    assert "<script" not in page.split("</main>")[0].split("<main")[1]
