"""The platform's public pages: health check, API documentation; and the landing address that
sends a signed-in person to their work. (The home page is the toolkit's:
``pmhc.toolkit.views.learn.home``.)"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from drf_spectacular.generators import SchemaGenerator

from pmhc.platform import selectors
from pmhc.platform.caching import public_page
from pmhc.platform.http import actor_of
from pmhc.platform.landing import landing_url


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse(
            {"status": "error", "database": "unreachable", "error": type(exc).__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "reachable", "vendor": connection.vendor})


@login_required
@never_cache
def landing(request: HttpRequest) -> HttpResponse:
    """Where signing in and the product's name in the header lead: the page of the person's
    work, by their role in the organization they act for (``platform.landing``)."""
    return HttpResponseRedirect(landing_url(actor_of(request)))


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    operations = []
    for path, item in sorted(schema.get("paths", {}).items()):
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary") or op.get("description", ""),
                    "description": op.get("description", ""),
                    "parameters": op.get("parameters", []),
                    "responses": sorted(op.get("responses", {}).items()),
                    "anchor": op.get("operationId", f"{method}{path}"),
                }
            )
    return operations


@public_page
def api_docs(request: HttpRequest) -> HttpResponse:
    """The OpenAPI document as a plain, accessible page; it needs no script and no network."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return render(
        request,
        "platform/api_docs.html",
        {"schema": schema, "operations": _operations(schema)},
    )


__all__ = ["api_docs", "healthz", "landing", "selectors"]
