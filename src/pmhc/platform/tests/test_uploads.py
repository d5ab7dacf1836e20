"""The upload check every document goes through: real files pass, disguised ones do not."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from reportlab.pdfgen import canvas

from pmhc.platform import uploads

DOCX_TYPE = uploads.DOCX.content_type
AGREEMENT_KINDS = (uploads.PDF, uploads.DOCX, uploads.PNG, uploads.JPEG)
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def pdf_bytes() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Signed agreement")
    page.save()
    return buffer.getvalue()


def png_bytes() -> bytes:
    """A one-pixel PNG, chunk by chunk as the format has it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def zip_bytes(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": "<Types/>",
            "_rels/.rels": "<Relationships/>",
            "word/document.xml": "<w:document><w:body><w:p/></w:body></w:document>",
        }
    )


def check(name: str, content: bytes, declared: str, kinds=AGREEMENT_KINDS, **options):
    return uploads.check_upload(
        SimpleUploadedFile(name, content, content_type=declared), kinds, **options
    )


def refusal(name: str, content: bytes, declared: str, kinds=AGREEMENT_KINDS, **options) -> str:
    with pytest.raises(ValidationError) as error:
        check(name, content, declared, kinds, **options)
    field = options.get("field", "file")
    return " ".join(error.value.message_dict[field])


@pytest.mark.parametrize(
    ("name", "make", "declared", "stored"),
    [
        ("agreement.pdf", pdf_bytes, "application/pdf", "application/pdf"),
        ("scan.png", png_bytes, "image/png", "image/png"),
        (
            "scan.JPG",
            lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64,
            "image/jpeg",
            "image/jpeg",
        ),
        ("agreement.docx", docx_bytes, DOCX_TYPE, DOCX_TYPE),
        # A browser that does not know the type: the name decides, the bytes confirm.
        ("agreement.docx", docx_bytes, "application/octet-stream", DOCX_TYPE),
        ("agreement.pdf", pdf_bytes, "", "application/pdf"),
    ],
)
def test_real_files_pass_with_the_kinds_own_content_type(name, make, declared, stored):
    content = make()
    checked = check(name, content, declared)
    assert (checked.content_type, checked.name, checked.size) == (stored, name, len(content))


@pytest.mark.parametrize(
    ("name", "content", "declared", "message"),
    [
        # SVG and HTML under an image, PDF or Word name and type.
        ("scan.png", SVG, "image/png", "does not look like a PNG file"),
        ("scan.jpg", SVG, "image/jpeg", "does not look like a JPEG file"),
        ("agreement.pdf", HTML, "application/pdf", "does not look like a PDF file"),
        ("agreement.docx", HTML, DOCX_TYPE, "does not look like a Word file"),
        ("agreement.docx", HTML, "application/octet-stream", "does not look like a Word file"),
        # Right signature, page after it: still a page to a sniffing browser.
        ("scan.png", b"\x89PNG\r\n\x1a\n" + HTML, "image/png", "Web pages and scripts"),
        ("agreement.pdf", b"%PDF-1.7\n" + HTML, "application/pdf", "Web pages and scripts"),
        # The SVG's own type, and names and types that disagree.
        ("scan.svg", SVG, "image/svg+xml", "Attach a file of one of these kinds"),
        ("scan.png", SVG, "image/svg+xml", "Attach a file of one of these kinds"),
        ("page.html", HTML, "text/html", "Attach a file of one of these kinds"),
        ("agreement.exe", b"%PDF-1.4\n", "application/pdf", "name ending in .pdf"),
        ("agreement.pdf", b"", "application/pdf", "The file is empty"),
    ],
)
def test_disguised_files_are_refused(name, content, declared, message):
    assert message in refusal(name, content, declared)


def test_a_zip_is_not_yet_a_word_file():
    fake_header = b"PK\x03\x04" + b"\x00" * 200  # the signature, then no zip at all
    assert "does not look like a Word file" in refusal("a.docx", fake_header, DOCX_TYPE)
    other_zip = zip_bytes({"[Content_Types].xml": "<Types/>", "index.html": "<html/>"})
    assert "does not look like a Word file" in refusal("a.docx", other_zip, DOCX_TYPE)
    spreadsheet = zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<w/>"})
    assert "does not look like a Word file" in refusal("a.docx", spreadsheet, DOCX_TYPE)
    with_macros = zip_bytes(
        {
            "[Content_Types].xml": "<Types/>",
            "word/document.xml": "<w:document/>",
            "word/vbaProject.bin": "macro",
        }
    )
    assert "does not look like a Word file" in refusal("a.docx", with_macros, DOCX_TYPE)


def test_text_is_read_whole_and_kinds_are_the_callers():
    padded = b"Minutes of the meeting.\n" * 500 + b"<script>alert(1)</script>"
    assert len(padded) > uploads.HEAD_BYTES
    text_kinds = (uploads.TEXT, uploads.CSV)
    assert "Web pages and scripts" in refusal("notes.txt", padded, "text/plain", text_kinds)
    assert "does not look like a text file" in refusal("n.txt", b"a\x00b", "text/plain", text_kinds)
    # Excel's old type for a CSV file is taken, and stored as CSV.
    checked = check("calls.csv", b"month,calls\n1,2\n", "application/vnd.ms-excel", text_kinds)
    assert checked.content_type == "text/csv"
    # A kind the caller did not allow is refused, with the caller's own message.
    message = refusal(
        "notes.txt", b"plain", "text/plain", allowed_message="Upload a PDF.", field="document"
    )
    assert message == "Upload a PDF."


def test_size_limit_and_clean_name():
    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)
    assert "2 MB or smaller" in refusal("a.pdf", big, "application/pdf", max_bytes=2 * 1024 * 1024)
    upload = SimpleUploadedFile("x.pdf", pdf_bytes(), content_type="application/pdf")
    upload.name = 'C:\\Users\\me\\my "signed"\r\n agreement.pdf'
    assert uploads.check_upload(upload, AGREEMENT_KINDS).name == 'my "signed" agreement.pdf'


def test_a_file_on_disk_is_checked_and_left_at_its_start(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    content = docx_bytes()
    upload = TemporaryUploadedFile("a.docx", DOCX_TYPE, len(content), None)
    upload.write(content)
    upload.seek(7)
    try:
        assert uploads.check_upload(upload, AGREEMENT_KINDS).kind == uploads.DOCX
        assert upload.tell() == 0
        assert upload.read() == content
    finally:
        upload.close()


DATA_KINDS = (uploads.CSV, uploads.JSON)


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("calls.json", b'[{"id": "1"}]', "application/json"),
        ("calls.json", b'\xef\xbb\xbf \n\t{"incidents": []}', "application/octet-stream"),
        ("calls.jsonl", b'{"id": "1"}\n{"id": "2"}\n', ""),
        ("calls.jsonl", b'{"id": "1"}\n', "application/x-ndjson"),
    ],
)
def test_json_passes(name, content, declared):
    checked = check(name, content, declared, DATA_KINDS)
    assert (checked.kind, checked.content_type) == (uploads.JSON, "application/json")


@pytest.mark.parametrize(
    ("name", "content", "declared", "message"),
    [
        ("calls.json", HTML, "application/json", "Web pages and scripts"),
        ("calls.json", SVG, "application/json", "Web pages and scripts"),
        ("calls.csv", SVG, "text/csv", "Web pages and scripts"),
        ("calls.csv", HTML, "application/vnd.ms-excel", "Web pages and scripts"),
        ("calls.json", b"id,time\n1,2\n", "application/json", "does not look like a JSON file"),
        ("calls.json", b"   \n", "application/json", "does not look like a JSON file"),
        ("calls.json", b'{"id": "1\x00"}', "application/json", "does not look like a JSON file"),
        ("calls.json", b'[{"narrative": "<html>"}]', "", "Web pages and scripts"),
    ],
)
def test_disguised_data_files_are_refused(name, content, declared, message):
    assert message in refusal(name, content, declared, DATA_KINDS)


def test_a_data_file_can_be_searched_only_at_its_head():
    head = b'[{"id": "1"}' + b', {"id": "2"}' * 10_000
    late_page = head + b', {"n": "<script>"}]'
    assert "Web pages and scripts" in refusal("c.json", late_page, "application/json", DATA_KINDS)
    checked = check("c.json", late_page, "application/json", DATA_KINDS, text_scan_bytes=64 * 1024)
    assert checked.kind == uploads.JSON
    # Markup, or a NUL byte, within the head is still found.
    early = b'[{"n": "x"}' + b" " * 70_000 + b"<svg>]"
    assert "Web pages and scripts" in refusal(
        "c.json", early, "application/json", DATA_KINDS, text_scan_bytes=100_000
    )
