"""Helpers shared by the library's tests (fixtures are in conftest.py)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from typing import Any

from pmhc.platform.access import ANONYMOUS, actor_for_user
from pmhc.platform.models import (
    AuditEvent,
    Organization,
    OutboundEmail,
    User,
)
from pmhc.toolkit.models import LibraryItem, ResourceKind
from pmhc.toolkit.selectors import library as selectors
from pmhc.toolkit.services import library as services

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SECRET_EMAIL = "sam.submitter@example.org"
SECRET_NAME = "Sam Submitter"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@dataclass
class Tta:
    org: Organization
    reviewer: User
    other_org: Organization
    other_reviewer: User


def submit(**overrides: Any) -> tuple[LibraryItem, str]:
    data: dict[str, Any] = {
        "kind": ResourceKind.POLICY,
        "title": "Crisis response policy",
        "summary": "How officers respond to a person in crisis.",
        "body": "The full text of the policy.",
        "submitter_name": SECRET_NAME,
        "submitter_email": SECRET_EMAIL,
        "submitter_agency": "Example PD",
    }
    data.update(overrides)
    return services.submit_item(ANONYMOUS, **data)


def publish(tta: Tta, item: LibraryItem, **overrides: Any) -> LibraryItem:
    data: dict[str, Any] = {"kind": item.kind, "elements": [4], "program_types": ["cit"]}
    data.update(overrides)
    return services.publish_item(actor_for_user(tta.reviewer), item=item, **data)


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "policy",
        "title": "Crisis response policy",
        "summary": "How officers respond to a person in crisis.",
        "body": "",
        "submitter_name": SECRET_NAME,
        "submitter_email": SECRET_EMAIL,
        "submitter_agency": "Example PD",
        "website": "",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int]:
    return LibraryItem.objects.count(), AuditEvent.objects.count(), OutboundEmail.objects.count()


def titles(items: list[LibraryItem]) -> list[str]:
    return [i.title for i in items]


def search(**kwargs: Any) -> list[str]:
    return titles(selectors.search_published(selectors.LibraryQuery(**kwargs)))
