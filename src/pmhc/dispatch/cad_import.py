"""Streaming readers for CAD exports: CSV and NENA EIDD-style JSON.

Both read the file a little at a time, so memory stays flat however long the file is, and
yield ``Record``s: the physical line where the record starts, the record as ``{column: value}``
(or the reason it cannot be read), and how many bytes of the file have been read so far.

**CSV.** The first line is the header. A quoted cell may span lines; a record's line is the
line where it starts, so later line numbers stay those an editor shows. A byte-order mark is
skipped; CRLF, LF and CR line ends are read. UTF-16 is read when the mapping names it or the
file starts with its byte-order mark. A line that is not valid in the file's encoding (UTF-8
unless the mapping says otherwise) or holds a NUL byte rejects its record, not the file; so do
a cell too long to be a call's and a quote left open over several lines (each of those lines is
named in the reason). A file that is not text is refused with a plain reason.

**EIDD-style JSON.** NENA's Emergency Incident Data Document (EIDD, NENA-STA-021) is how one
CAD hands an incident to another. The reader accepts a JSON array of incident documents, or one
document per line (JSON Lines). Each document is flattened to dotted paths (``a.b.c``); a list
of objects gives one value per path, joined with the list separator (so every unit's id lands in
one cell). Which paths fill which field is a mapping's ``columns``, like CSV columns; without a
mapping, ``DEFAULT_EIDD_COLUMNS`` below applies. That default shape is this product's own
"EIDD-style" layout, grouped the way an EIDD groups an incident (incident, call, location,
units, notes): it is not a copy of the NENA schema, whose exact element names a mapping can
name instead.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.utils.translation import gettext as _

from pmhc.dispatch.cad_mapping import (
    FileError,
    Mapping,
    merged_lines_reason,
    swallows_records,
)

BOM = b"\xef\xbb\xbf"
CHUNK = 1 << 16
#: One JSON document larger than this is refused: a CAD incident is a few kilobytes.
MAX_DOCUMENT = 8 << 20

#: The EIDD-style paths read when no mapping names others.
DEFAULT_EIDD_COLUMNS: dict[str, str] = {
    "cad_event_id": "incident.id",
    "received_at": "call.receivedAt",
    "dispatched_at": "incident.dispatchedAt",
    "first_arrival_at": "incident.firstArrivalAt",
    "cleared_at": "incident.clearedAt",
    "address": "location.address",
    "district": "location.district",
    "beat": "location.beat",
    "latitude": "location.latitude",
    "longitude": "location.longitude",
    "call_type": "incident.type",
    "apco_type": "incident.apcoType",
    "priority": "incident.priority",
    "source": "call.source",
    "is_mental_health": "incident.mentalHealth",
    "mh_indicators": "incident.indicators",
    "narrative": "notes.text",
    "units": "units.id",
    "cad_disposition": "incident.disposition",
    "cit_requested": "incident.citRequested",
    "cit_dispatched": "incident.citDispatched",
    "cit_arrived": "incident.citArrived",
}


@dataclass
class Record:
    line: int
    values: dict[str, Any] | None
    #: Why the record cannot be read at all (set when ``values`` is None).
    problem: str = ""
    cad_event_id: str = ""
    bytes_done: int = 0


UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
UTF16 = frozenset({"utf-16", "utf-16-le", "utf-16-be"})
#: Bytes that text does not hold (tab, line ends, form feed and escape aside).
CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 27), *range(28, 32)])
#: A cell longer than this rejects its record (the longest field of a call is far shorter).
FIELD_LIMIT = csv.field_size_limit()


def _sniff(raw: IO[bytes], mapping: Mapping) -> tuple[str, bool]:
    """The file's encoding (a UTF-16 byte-order mark wins over the mapping) and whether its
    lines are read as text rather than bytes (UTF-16, or lines that end with CR alone).
    ``FileError`` for a file that is not text at all."""
    head = raw.read(CHUNK)
    raw.seek(0)
    encoding = mapping.encoding
    if head.startswith(UTF16_BOMS):
        return "utf-16", True
    if codecs.lookup(encoding).name in UTF16:
        return encoding, True
    controls = sum(head.count(bytes([c])) for c in CONTROL_BYTES)
    # A stray NUL byte rejects its record; a file that is mostly zero and control bytes is
    # not text at all (UTF-16 without a byte-order mark lands here too: a zero every other
    # byte).
    if controls > len(head) // 20:
        raise FileError(
            _(
                "The file is not a text file (it holds many zero bytes, as a spreadsheet or "
                "a program does). Export the calls as CSV and import that file."
            )
        )
    cr_only = b"\r" in head and b"\n" not in head
    return encoding, cr_only


def _text_lines(raw: IO[bytes], encoding: str, problems: dict[int, str]) -> Iterator[str]:
    """The lines of a file read as text (UTF-16, or CR line ends), line ends kept."""
    stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
    for number, text in enumerate(stream, start=1):
        if number == 1:
            text = text.removeprefix("\ufeff")
        if "\ufffd" in text:
            problems[number] = _(
                "Line %(line)s is not valid %(encoding)s text; save the file as "
                "%(encoding)s or name its encoding in the mapping."
            ) % {"line": number, "encoding": encoding.upper()}
        if "\x00" in text:
            problems.setdefault(number, _("Line %(line)s holds a NUL byte.") % {"line": number})
            text = text.replace("\x00", "")
        yield text


def _decode_lines(raw: IO[bytes], encoding: str, problems: dict[int, str]) -> Iterator[str]:
    """The file's lines as text. A line that does not decode or holds NUL is noted in
    ``problems`` (by line number) and passed on with the bad bytes replaced, so the CSV
    parser still sees where its record ends."""
    for number, line in enumerate(raw, start=1):
        if number == 1 and line.startswith(BOM):
            line = line[len(BOM) :]
        try:
            text = line.decode(encoding)
        except UnicodeDecodeError as exc:
            problems[number] = _(
                "Line %(line)s is not valid %(encoding)s text (at character %(position)s); "
                "save the file as %(encoding)s or name its encoding in the mapping."
            ) % {
                "line": number,
                "encoding": encoding.upper(),
                "position": len(line[: exc.start].decode(encoding, errors="replace")) + 1,
            }
            text = line.decode(encoding, errors="replace")
        if "\x00" in text:
            problems.setdefault(number, _("Line %(line)s holds a NUL byte.") % {"line": number})
            text = text.replace("\x00", "")
        yield text


def _csv_problem(exc: csv.Error) -> str:
    """A CSV parser's complaint in plain words."""
    text = str(exc)
    if "field larger than field limit" in text:
        return _("a cell is longer than %(limit)s characters") % {"limit": f"{FIELD_LIMIT:,}"}
    if "new-line character seen in unquoted field" in text:
        return _("a line ends in the middle of a cell")
    if "NUL" in text:
        return _("it holds a NUL byte")
    return _("its quotes or separators do not form cells")


def read_csv(raw: IO[bytes], mapping: Mapping) -> tuple[list[str], Iterator[Record]]:
    """The header and an iterator of records. ``FileError`` when there is no header.

    Every physical line after the header is accounted for: it starts a record, is blank, or
    is named in the reason of a record a quote left open over several lines."""
    problems: dict[int, str] = {}
    encoding, as_text = _sniff(raw, mapping)
    source = (
        _text_lines(raw, encoding, problems) if as_text else _decode_lines(raw, encoding, problems)
    )
    # The physical lines of the record being read, to see whether its quotes are balanced.
    physical: list[str] = []

    def counted() -> Iterator[str]:
        for text in source:
            physical.append(text)
            yield text

    reader = csv.reader(counted(), delimiter=mapping.delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileError(_("The file is empty: it has no header line.")) from None
    except csv.Error as exc:
        raise FileError(
            _("The header line cannot be read: %(problem)s.") % {"problem": _csv_problem(exc)}
        ) from exc
    header = [name.strip() for name in header]
    if not any(header):
        raise FileError(_("The first line of the file is empty; it should name the columns."))
    if 1 in problems:
        raise FileError(problems[1])
    width = len(header)
    cad_column = mapping.column("cad_event_id")
    cad_index = header.index(cad_column) if cad_column in header else -1

    def records() -> Iterator[Record]:
        last = reader.line_num
        while True:
            start = last + 1
            physical.clear()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                # The record is rejected; the reader goes on at the next line.
                last = reader.line_num
                for n in range(start, last + 1):
                    problems.pop(n, None)
                reason = _("Line %(line)s cannot be read as CSV: %(problem)s.") % {
                    "line": start,
                    "problem": _csv_problem(exc),
                }
                if last > start:
                    reason = f"{merged_lines_reason(start, last)} {reason}"
                yield Record(start, None, reason, "", raw.tell())
                continue
            last = reader.line_num
            done = raw.tell()
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # a blank line
            bad = [problems.pop(n) for n in range(start, last + 1) if n in problems]
            cad_id = row[cad_index].strip()[:64] if cad_index >= 0 and len(row) == width else ""
            # A record over several lines is a quoted cell that spans them, unless its cells
            # do not fit the header or a line inside it holds as many separators as a whole
            # record: then a stray quote has swallowed the lines, and each of them is named.
            # (The columnar reader, ``cad_columns``, hands such a file here by the same test.)
            merged = last > start and (
                len(row) != width or swallows_records(physical[1:], mapping.delimiter, width)
            )
            if bad:
                yield Record(start, None, bad[0], cad_id, done)
            elif merged:
                yield Record(start, None, merged_lines_reason(start, last), cad_id, done)
            elif len(row) != width:
                yield Record(
                    start,
                    None,
                    _("The record has %(cells)s cells; the header has %(width)s.")
                    % {"cells": len(row), "width": width},
                    "",
                    done,
                )
            else:
                yield Record(start, dict(zip(header, row, strict=True)), "", cad_id, done)

    return header, records()


def flatten(document: Any, prefix: str = "", out: dict[str, Any] | None = None) -> dict[str, Any]:
    """``{"a": {"b": 1}, "u": [{"id": "X"}, {"id": "Y"}]}`` → ``{"a.b": 1, "u.id": ["X", "Y"]}``."""
    if out is None:
        out = {}
    if isinstance(document, dict):
        for key, value in document.items():
            flatten(value, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(document, list):
        if all(not isinstance(item, dict | list) for item in document):
            out[prefix] = [item for item in document if item is not None]
        else:
            for item in document:
                part = flatten(item, prefix, {})
                for key, value in part.items():
                    existing = out.setdefault(key, [])
                    if not isinstance(existing, list):
                        existing = out[key] = [existing]
                    existing.extend(value if isinstance(value, list) else [value])
    elif isinstance(document, bool):
        out[prefix] = "true" if document else "false"
    elif document is None:
        out[prefix] = ""
    else:
        out[prefix] = document
    return out


def read_eidd(raw: IO[bytes], mapping: Mapping) -> Iterator[Record]:
    """The documents of a JSON array or of JSON Lines, one record each, flattened."""
    decoder = json.JSONDecoder()
    buffer = ""
    line = 1  # the line at the start of ``buffer``
    position = 0  # where the unread part of ``buffer`` starts
    started = False
    closed = False
    eof = False
    decoder_bytes = codecs.getincrementaldecoder(mapping.encoding)()

    def fill() -> bool:
        nonlocal buffer, eof, decoder_bytes
        chunk = raw.read(CHUNK)
        if not chunk:
            eof = True
            buffer += decoder_bytes.decode(b"", final=True)
            return False
        if not started and not buffer and chunk.startswith(BOM):
            chunk = chunk[len(BOM) :]
        elif not started and not buffer and chunk.startswith(UTF16_BOMS):
            decoder_bytes = codecs.getincrementaldecoder("utf-16")()
        try:
            buffer += decoder_bytes.decode(chunk)
        except UnicodeDecodeError as exc:
            raise FileError(
                _("The file is not valid %(encoding)s text near byte %(byte)s.")
                % {
                    "encoding": mapping.encoding.upper(),
                    "byte": raw.tell() - len(chunk) + exc.start,
                }
            ) from exc
        return True

    while True:
        # Skip blanks, the array's brackets and the commas between documents.
        while True:
            while position < len(buffer) and buffer[position] in " \t\r\n,[]":
                char = buffer[position]
                if char == "\n":
                    line += 1
                elif char == "[":
                    if started:
                        raise FileError(_("Line %(line)s: an unexpected “[”.") % {"line": line})
                elif char == "]":
                    closed = True
                started = True
                position += 1
            if position < len(buffer) or eof:
                break
            buffer, position = "", 0
            fill()
        if position >= len(buffer) and eof:
            if not started:
                raise FileError(_("The file is empty."))
            return
        if closed:
            raise FileError(_("Line %(line)s: text after the end of the list.") % {"line": line})
        if buffer[position] != "{":
            raise FileError(
                _("Line %(line)s: expected an incident document (a JSON object).") % {"line": line}
            )
        started = True
        while True:
            try:
                document, end = decoder.raw_decode(buffer, position)
                break
            except json.JSONDecodeError as exc:
                if eof or len(buffer) - position > MAX_DOCUMENT:
                    raise FileError(
                        _("Line %(line)s: the document is not valid JSON (%(error)s).")
                        % {"line": line + buffer.count("\n", position, exc.pos), "error": exc.msg}
                    ) from exc
                buffer, position = buffer[position:], 0
                fill()
        values = flatten(document)
        start = line
        line += buffer.count("\n", position, end)
        position = end
        if position > CHUNK:
            buffer, position = buffer[position:], 0
        cad_column = mapping.columns.get("cad_event_id", DEFAULT_EIDD_COLUMNS["cad_event_id"])
        cad_id = str(values.get(cad_column, "") or "").strip()[:64]
        yield Record(start, values, "", cad_id, raw.tell())


def eidd_mapping(mapping: Mapping) -> Mapping:
    """The mapping with the default EIDD-style paths for every field it does not name."""
    from dataclasses import replace

    return replace(mapping, columns={**DEFAULT_EIDD_COLUMNS, **mapping.columns})
