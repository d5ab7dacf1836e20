"""The CAD import's pages: upload a file and follow its import, the past imports, and the
agency's column mappings. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pmhc.dispatch import (
    cad_import,
    cad_mapping,
    import_selectors,
    import_services,
    import_upload_services,
)
from pmhc.dispatch.import_forms import ImportUploadForm, MappingForm
from pmhc.dispatch.models import CallImport, ImportFormat, ImportStatus
from pmhc.platform.access import Actor
from pmhc.platform.exports import spreadsheet_cell
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of

REJECTS_PAGE = 50
IMPORTS_SHOWN = 50
#: Seconds between two looks at a running import.
POLL_SECONDS = 2
EXAMPLE_MAPPING = {
    "columns": {
        "cad_event_id": "Incident Number",
        "call_type": "Nature Code",
        "priority": "Pri",
        "address": "Location",
    },
    "date_parts": {
        "received_at": {
            "date": "Call Date",
            "time": "Call Time",
            "date_format": "%m/%d/%Y",
            "time_format": "%H:%M:%S",
        }
    },
    "date_formats": {"cleared_at": "%m/%d/%Y %H:%M"},
    "values": {"source": {"E911": "911", "SELF": "officer"}, "priority": {"P1": "1"}},
    "apco_types": {"10-96": "PSYCH"},
    "booleans": {"true": ["X"], "false": ["-"]},
}


@login_required
def imports(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = import_selectors.require_import_organization(actor)
    mappings = import_selectors.mappings(actor, organization)
    form = ImportUploadForm(request.POST or None, request.FILES or None, mappings=mappings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = import_upload_services.queue_import(
                actor,
                organization=organization,
                upload=data["file"],
                format=data["format"],
                mapping=data["mapping"],
                all_or_nothing=data["all_or_nothing"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("dispatch_import", pk=batch.pk)
    past = list(import_selectors.imports(actor, organization)[:IMPORTS_SHOWN])
    return render(
        request,
        "dispatch/imports.html",
        {
            "organization": organization,
            "form": form,
            "imports": past,
            "columns": cad_mapping.CANONICAL_COLUMNS,
            "max_mb": import_upload_services.upload_max_bytes() // (1024 * 1024),
        },
        status=400 if form.errors else 200,
    )


def _running(batch: CallImport) -> bool:
    return batch.status in {ImportStatus.QUEUED, ImportStatus.RUNNING}


def _status(batch: CallImport) -> dict[str, Any]:
    """What the status lines show: the import, and whether its process seems to have died."""
    return {
        "batch": batch,
        "poll": POLL_SECONDS,
        "stalled": import_selectors.is_stalled(batch),
        "seen": import_selectors.last_sign_of_life(batch),
        "stale_minutes": int(import_selectors.stale_after().total_seconds() // 60),
    }


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    batch = import_selectors.import_detail(actor, pk)
    if request.headers.get("HX-Request") == "true":
        if not _running(batch):
            # Finished: load the whole page, with the counts and the rejected rows.
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "dispatch/import_status.html", _status(batch))
    page = Paginator(import_selectors.rejections(actor, batch), REJECTS_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "dispatch/import.html",
        {**_status(batch), "page": page, "running": _running(batch)},
    )


@login_required
def import_rejects(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every rejected row of an import as CSV: line, CAD event id, reason."""
    actor = actor_of(request)
    batch = import_selectors.import_detail(actor, pk)
    rows = import_selectors.rejections(actor, batch)

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(["line", "cad_event_id", "reason"])
        for row in rows.iterator(chunk_size=2000):
            yield writer.writerow(
                [row.line, spreadsheet_cell(row.cad_event_id), spreadsheet_cell(row.reason)]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-rejected.csv"'
    return response


# --- Mappings ----------------------------------------------------------------------------


def _mapping_page(
    request: HttpRequest, actor: Actor, form: MappingForm, editing: Any = None
) -> HttpResponse:
    organization = import_selectors.require_import_organization(actor)
    return render(
        request,
        "dispatch/mappings.html",
        {
            "organization": organization,
            "mappings": import_selectors.mappings(actor, organization),
            "form": form,
            "editing": editing,
            "fields": cad_mapping.FIELDS,
            "value_fields": cad_mapping.VALUE_MAP_FIELDS,
            "example": json.dumps(EXAMPLE_MAPPING, indent=2),
            "eidd_paths": cad_import.DEFAULT_EIDD_COLUMNS,
        },
        status=400 if form.errors else 200,
    )


def _save_mapping(
    request: HttpRequest, actor: Actor, form: MappingForm, mapping: Any = None
) -> HttpResponse | None:
    if request.method != "POST" or not form.is_valid():
        return None
    organization = import_selectors.require_import_organization(actor)
    data = form.cleaned_data
    try:
        import_services.save_mapping(
            actor,
            organization=organization,
            name=data["name"],
            description=data["description"],
            format=data["format"],
            config=data["config"],
            mapping=mapping,
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return None
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    messages.success(request, _("Mapping “%(name)s” saved.") % {"name": data["name"]})
    return redirect("dispatch_mappings")


@login_required
def mappings(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    import_selectors.require_import_organization(actor)
    form = MappingForm(
        request.POST or None,
        initial={"format": ImportFormat.CSV, "config": json.dumps(EXAMPLE_MAPPING, indent=2)},
    )
    return _save_mapping(request, actor, form) or _mapping_page(request, actor, form)


@login_required
def mapping_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    mapping = import_selectors.mapping_detail(actor, pk)
    form = MappingForm(
        request.POST or None,
        initial={
            "name": mapping.name,
            "description": mapping.description,
            "format": mapping.format,
            "config": json.dumps(mapping.config, indent=2),
        },
    )
    return _save_mapping(request, actor, form, mapping) or _mapping_page(
        request, actor, form, mapping
    )
