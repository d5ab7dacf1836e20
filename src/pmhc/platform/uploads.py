"""The one check every uploaded document goes through: size, name, declared type and the real
content, read from its first bytes (and, for Office files, from the zip's directory).

Uploads are only ever served back as attachments with ``nosniff`` and a sandboxing policy, but a
file is checked as if it were not: a browser or a viewer that guesses the type from the bytes
must never find a page, an SVG image or a script under a PDF, image, Office or text name.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
#: How much of a binary file is searched for markup: the part a browser sniffs.
HEAD_BYTES = 2048
#: Text files are read whole, in chunks this long (with an overlap, so no tag is cut in two).
_CHUNK_BYTES = 64 * 1024
_OOXML = "application/vnd.openxmlformats-officedocument"
#: What browsers declare when they do not know a type: then the name decides the kind.
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

#: What a browser could take for a page or a script, in any file whatever its type says.
_MARKUP = (
    b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<iframe", b"<object",
    b"<embed", b"javascript:",
)  # fmt: skip
#: In a text file, any of these too (a PDF may carry XML metadata, a text file has no reason to).
_TEXT_MARKUP = (
    *_MARKUP, b"<?xml", b"<meta", b"<style", b"<link", b"<img", b"<a ", b"<div", b"<form",
    b"<title", b"<p>", b"<!--",
)  # fmt: skip
_LONGEST_TAG = max(len(tag) for tag in _TEXT_MARKUP)
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FileKind:
    """A kind of document pmhc takes, and how to recognise one."""

    label: str  # shown in messages: "a PDF file", "a Word file"
    content_type: str  # the type stored and served, whatever the browser declared
    extensions: frozenset[str]
    #: Other types browsers declare for it (Excel's old type for a CSV file on Windows, say);
    #: taken only when the name has one of ``extensions``.
    aliases: frozenset[str] = frozenset()
    signature: bytes | None = None  # the bytes every such file starts with; None for text
    #: For an Office file: the part its zip must hold (a zip is not yet a Word file).
    zip_member: str = ""
    article: str = "a"  # "an Excel file"
    #: For a text kind whose content has a known first character (JSON's ``[`` or ``{``):
    #: the bytes it may start with, after an optional byte-order mark and white space.
    text_starts: bytes = b""

    @property
    def is_text(self) -> bool:
        return self.signature is None

    def declared_as(self, declared: str) -> bool:
        return declared == self.content_type or declared in self.aliases


_ZIP = b"PK\x03\x04"
PDF = FileKind("PDF", "application/pdf", frozenset({".pdf"}), signature=b"%PDF-")
DOCX = FileKind(
    "Word",
    f"{_OOXML}.wordprocessingml.document",
    frozenset({".docx"}),
    signature=_ZIP,
    zip_member="word/document.xml",
)
XLSX = FileKind(
    "Excel",
    f"{_OOXML}.spreadsheetml.sheet",
    frozenset({".xlsx"}),
    signature=_ZIP,
    zip_member="xl/workbook.xml",
    article="an",
)
PPTX = FileKind(
    "PowerPoint",
    f"{_OOXML}.presentationml.presentation",
    frozenset({".pptx"}),
    signature=_ZIP,
    zip_member="ppt/presentation.xml",
)
PNG = FileKind("PNG", "image/png", frozenset({".png"}), signature=b"\x89PNG\r\n\x1a\n")
JPEG = FileKind(
    "JPEG",
    "image/jpeg",
    frozenset({".jpg", ".jpeg"}),
    aliases=frozenset({"image/jpg", "image/pjpeg"}),
    signature=b"\xff\xd8\xff",
)
TEXT = FileKind("text", "text/plain", frozenset({".txt"}))
CSV = FileKind(
    "CSV",
    "text/csv",
    frozenset({".csv"}),
    aliases=frozenset({"application/vnd.ms-excel", "application/csv"}),
)

#: JSON data, or JSON Lines (one object per line, which also starts with ``{``).
JSON = FileKind(
    "JSON",
    "application/json",
    frozenset({".json", ".jsonl"}),
    aliases=frozenset({"text/json", "application/x-ndjson", "application/jsonl"}),
    text_starts=b"[{",
)


@dataclass(frozen=True)
class CheckedUpload:
    """What passed: the kind, the content type to store and serve, and the name to show."""

    kind: FileKind
    content_type: str
    name: str
    size: int


_DEFAULT_ALLOWED = gettext_lazy("Attach a file of one of these kinds: %(kinds)s.")


class _Refused(Exception):
    """One reason to refuse, with the message for the person who uploaded."""


def check_upload(
    upload: UploadedFile,
    kinds: Sequence[FileKind],
    *,
    field: str = "file",
    max_bytes: int = MAX_UPLOAD_BYTES,
    allowed_message: str | None = None,
    text_scan_bytes: int | None = None,
) -> CheckedUpload:
    """Check ``upload`` against the allowed ``kinds``: its size, that its declared type and its
    name agree on one of them, and that its bytes are that kind (signature, Office zip with its
    main part, text without NUL bytes) and hold no page, SVG image or script.

    Returns what to store (the content type is the kind's, never the browser's word). Raises
    ``ValidationError`` keyed ``field`` with a message that says what to do;
    ``allowed_message`` replaces the generic "attach one of these kinds" message.

    A text file is searched whole, in chunks, unless ``text_scan_bytes`` limits the search to
    its first bytes: for large data files that are only ever parsed, never served back (a CAD
    export of hundreds of MB), where the caller says why.
    """
    allowed = allowed_message or str(_DEFAULT_ALLOWED) % {
        "kinds": ", ".join(f"{k.label} ({', '.join(sorted(k.extensions))})" for k in kinds)
    }
    name = display_name(upload.name)
    try:
        kind = _kind_of(upload, name, kinds, allowed)
        if upload.size is None or upload.size > max_bytes:
            raise _Refused(
                _("The file must be %(megabytes)d MB or smaller.")
                % {"megabytes": max_bytes // (1024 * 1024)}
            )
        if upload.size == 0:
            raise _Refused(_("The file is empty."))
        try:
            _check_content(upload, kind, allowed, text_scan_bytes)
        finally:
            upload.seek(0)
    except _Refused as refused:
        raise ValidationError({field: str(refused)}) from None
    return CheckedUpload(kind=kind, content_type=kind.content_type, name=name, size=upload.size)


def display_name(raw: str | None) -> str:
    """The name to show and send back in a header: no path, no control characters."""
    printable = "".join(ch for ch in (raw or "") if ch.isprintable())
    return PurePath(printable.replace("\\", "/")).name.strip()[:200] or "file"


def _kind_of(upload: UploadedFile, name: str, kinds: Sequence[FileKind], allowed: str) -> FileKind:
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    extension = PurePath(name).suffix.lower()
    for kind in kinds:
        if extension in kind.extensions and (
            declared in _GENERIC_TYPES or kind.declared_as(declared)
        ):
            return kind
    # The declared type is one we take but the name says otherwise: say which name it needs.
    for kind in kinds:
        if declared == kind.content_type:
            raise _Refused(
                _("%(article)s %(label)s file must have a name ending in %(ext)s.")
                % {
                    "article": kind.article.capitalize(),
                    "label": kind.label,
                    "ext": ", ".join(sorted(kind.extensions)),
                }
            )
    raise _Refused(allowed)


def _check_content(
    upload: UploadedFile, kind: FileKind, allowed: str, text_scan_bytes: int | None = None
) -> None:
    not_this_kind = _("This file does not look like %(article)s %(label)s file.") % {
        "article": kind.article,
        "label": kind.label,
    }
    markup = _("Web pages and scripts cannot be attached. %(allowed)s") % {"allowed": allowed}
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    if kind.is_text:
        start = head.removeprefix(_BOM).lstrip(b" \t\r\n")
        if start.startswith(b"#!"):
            raise _Refused(markup)  # a script with an interpreter line
        if _has_markup(head, _TEXT_MARKUP):
            raise _Refused(markup)  # said first: a page named .json is a page, not bad JSON
        if kind.text_starts and (not start or start[0] not in kind.text_starts):
            raise _Refused(not_this_kind)
        # The whole file, not its head: a page after a screenful of text is still a page.
        upload.seek(0)
        tail = b""
        left = text_scan_bytes
        while chunk := upload.read(_CHUNK_BYTES if left is None else min(_CHUNK_BYTES, left)):
            if left is not None:
                left -= len(chunk)
            window = tail + chunk
            # Text in any 8-bit encoding is fine (Excel saves CSV as Windows-1252); NUL is not.
            if b"\x00" in chunk:
                raise _Refused(not_this_kind)
            if _has_markup(window, _TEXT_MARKUP):
                raise _Refused(markup)
            tail = window[-_LONGEST_TAG:]
        return
    if kind.signature is not None and not head.startswith(kind.signature):
        raise _Refused(not_this_kind)
    if _has_markup(head, _MARKUP):
        raise _Refused(markup)
    if kind.zip_member and not _is_office_file(upload, kind.zip_member):
        raise _Refused(not_this_kind)


def _has_markup(data: bytes, tags: tuple[bytes, ...]) -> bool:
    sample = data.lower()
    return any(tag in sample for tag in tags)


def _is_office_file(upload: UploadedFile, member: str) -> bool:
    """A real Office Open XML file: a zip whose directory reads, with its content-types part
    and the kind's main part, and no macros (a .docx with macros is a renamed .docm). Only the
    directory is read; nothing is decompressed."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False
    if "[Content_Types].xml" not in names or member not in names:
        return False
    return not any(n.lower().endswith("vbaproject.bin") for n in names)


def attachment(stored: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """A stored upload as a download: always an attachment with its stored type (an upload is
    never rendered by the browser), sandboxed, and "not found" when the file is gone."""
    try:
        handle = stored.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Not found") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
