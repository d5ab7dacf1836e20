"""The CAD import's columnar path: a CSV read in blocks by pyarrow and converted a whole column
at a time, under the same mapping and with the same rules as ``cad_rows.RowConverter``.

The common cases are converted with pyarrow's compute functions: ISO dates and dates in simple
numeric formats, with the mapping's time zone; decimals; texts and their length limits. Columns
with few distinct values (call types, priorities, sources, yes/no, indicators, units) are
converted once per distinct value by the row converter's own reader for the field. A row that
anything marks as unusual (a cell that does not parse, a check that fails, a local time that
does not exist or happens twice, a date outside the mapping's plausible range, a required value
missing) is handed to ``RowConverter.convert`` as the ``{column: value}`` record the row path
would give it: the converter is the one authority on what a row becomes and why it is refused,
so the two paths give the same calls and the same reasons.

A record's line is counted from the newlines inside its cells (the header is line 1). When the
reader meets what it cannot number the way the row reader does (a record with the wrong number
of cells, a blank line, an encoding error), it raises ``SwitchToRows`` with the number of
records already handed out, and the import goes on with the row reader from there.

Mappings this path does not cover (dates assembled from several columns, date formats other
than ISO 8601 and numeric ``%Y %m %d %H %M %S`` ones, encodings other than UTF-8, JSON, files
with a carriage return that ends no line, or a NUL byte) are read by the row path as a whole:
``covers`` and ``file_fits`` tell.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pmhc.dispatch.cad_import import FIELD_LIMIT
from pmhc.dispatch.cad_mapping import (
    BOOL,
    DATETIME,
    DECIMAL,
    FIELDS,
    INDICATORS,
    ISO,
    PRIORITY,
    SOURCE,
    TEXT,
    UNITS,
    Mapping,
    swallows_records,
)
from pmhc.dispatch.cad_rows import RowConverter
from pmhc.dispatch.times import EARLIEST, TIME_ORDER

#: Every character Python's ``str.strip`` removes, so trimming a column matches it.
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
#: Texts converted per distinct value: they repeat from call to call.
FEW_VALUES = {"district", "beat", "call_type", "apco_type", "cad_disposition"}
ISO_PATTERN = (
    r"^(?P<day>\d{4}-\d{2}-\d{2})[T ](?P<clock>\d{2}:\d{2})"
    r"(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{1,6}))?)?"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?$"
)
DECIMAL_PATTERN = r"^(?P<whole>-?(?:0|[1-9]\d{0,2}))(?:\.(?P<fraction>\d{1,6}))?$"
DIRECTIVES = {"%Y": r"\d{4}", "%m": r"\d{2}", "%d": r"\d{2}", "%H": r"\d{2}", "%M": r"\d{2}"}
DIRECTIVES["%S"] = r"\d{2}"
MICROS = 1_000_000
BLOCK_BYTES = 1 << 22


def _lean_memory_pool() -> None:
    """jemalloc hands freed blocks back to the system between batches where pyarrow's default
    pool keeps them, so an import's resident memory stays near one batch's working set."""
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without it
        return
    if pa.default_memory_pool().backend_name != pool.backend_name:
        pa.set_memory_pool(pool)


def _strict_strptime(text: pa.Array, fmt: str) -> pa.Array:
    """``strptime``, with null where the text is not a real date and time: pyarrow rolls
    February 30 over into March and a 60th second into the next minute, so each value must
    give back its own text."""
    local = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
    back = pc.strftime(pc.cast(local, pa.timestamp("s"), safe=False), format=fmt)
    return pc.if_else(pc.equal(back, text), local, pa.scalar(None, local.type))


class SwitchToRows(Exception):
    """The file holds something only the row reader numbers right; ``records`` were handed out
    before it."""

    def __init__(self, records: int) -> None:
        super().__init__(records)
        self.records = records


def _format_pattern(fmt: str) -> str | None:
    """A regular expression that matches exactly the zero-padded texts of a numeric ``strptime``
    format, or None for a format this path leaves to the row path."""
    out = ["^"]
    i = 0
    while i < len(fmt):
        if fmt[i] == "%":
            directive = fmt[i : i + 2]
            if directive not in DIRECTIVES:
                return None
            out.append(DIRECTIVES[directive])
            i += 2
        elif fmt[i].isdigit() or fmt[i].isspace():
            return None
        else:
            out.append(re.escape(fmt[i]))
            i += 1
    out.append("$")
    return "".join(out)


def covers(mapping: Mapping) -> bool:
    """Whether the columnar path reads CSV files under ``mapping``."""
    if mapping.date_parts:
        return False
    if codecs.lookup(mapping.encoding).name != "utf-8":
        return False
    if mapping.delimiter in {'"', "\n", "\r"}:
        return False
    for name, spec in FIELDS.items():
        if spec.kind == DATETIME:
            fmt = mapping.date_format(name)
            if fmt != ISO and _format_pattern(fmt) is None:
                return False
    return True


def file_fits(path: Path) -> bool:
    """Whether the file's bytes suit the columnar reader: a header on one line, no NUL byte,
    and no carriage return that ends no line (pyarrow ends a line there, the row reader does
    not)."""
    carried = b""
    with path.open("rb") as handle:
        if handle.readline().count(b'"') % 2:
            return False
        handle.seek(0)
        while chunk := handle.read(1 << 20):
            chunk = carried + chunk
            carried = b""
            if chunk.endswith(b"\r"):
                carried, chunk = b"\r", chunk[:-1]
            if b"\x00" in chunk or chunk.count(b"\r") != chunk.count(b"\r\n"):
                return False
    return not carried


@dataclass
class ColumnBatch:
    """One batch of records, converted."""

    rows: int
    first_number: int
    first_line: int
    last_line: int
    bytes_done: int
    #: The rows converted here: one array per field, plus "number" and "line".
    good: pa.Table
    #: Rows for the row converter: (number, line, raw CAD id, {column: cell}).
    unusual: list[tuple[int, int, str, dict[str, str]]] = field(default_factory=list)


class ColumnReader:
    """Reads a CSV under a mapping and yields ``ColumnBatch``es of ``batch_size`` records."""

    def __init__(
        self,
        path: Path,
        mapping: Mapping,
        converter: RowConverter,
        header: list[str],
        batch_size: int,
    ) -> None:
        self.path = path
        self.mapping = mapping
        self.converter = converter
        self.header = header
        self.batch_size = batch_size
        _lean_memory_pool()
        self.readers = dict(converter.readers)
        self.zone_key = str(getattr(converter.zone, "key", "UTC"))
        now = dt.datetime.now(dt.UTC)
        first, last = mapping.plausible(now)
        self.earliest = max(first, EARLIEST)
        self.latest = min(last, converter.latest)
        self.cad_column = mapping.column("cad_event_id")
        self.invalid = 0
        self.handed_out = 0
        self._lines_of_last = 1

    # --- reading ----------------------------------------------------------------------------

    def _on_invalid(self, row: Any) -> str:
        self.invalid += 1
        return "skip"

    def batches(self) -> Iterator[ColumnBatch]:
        width = len(self.header)
        names = [f"c{i}" for i in range(width)]
        handle = self.path.open("rb")
        try:
            reader = self._open(handle, names)
            pending: list[pa.RecordBatch] = []
            held = 0
            line = 2
            while True:
                try:
                    block = reader.read_next_batch()
                except StopIteration:
                    block = None
                except pa.ArrowInvalid:
                    raise SwitchToRows(self.handed_out) from None
                if self.invalid:
                    raise SwitchToRows(self.handed_out)
                if block is not None and block.num_rows:
                    pending.append(block)
                    held += block.num_rows
                while held >= self.batch_size or (block is None and held):
                    table = pa.Table.from_batches(pending)
                    take = min(self.batch_size, held)
                    part, rest = table.slice(0, take), table.slice(take)
                    pending = rest.to_batches() if rest.num_rows else []
                    held -= take
                    done = handle.tell() if held or block is not None else self.path.stat().st_size
                    converted = self._convert(part, line, done)
                    line = converted.last_line + self._lines_of_last
                    self.handed_out += take
                    yield converted
                    pa.default_memory_pool().release_unused()
                if block is None:
                    return
        finally:
            handle.close()

    def _open(self, handle: Any, names: list[str]) -> Any:
        try:
            return pacsv.open_csv(
                handle,
                read_options=pacsv.ReadOptions(
                    column_names=names, skip_rows=1, block_size=BLOCK_BYTES, use_threads=False
                ),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.mapping.delimiter,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=self._on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                    check_utf8=True,
                ),
            )
        except pa.ArrowInvalid:  # the first block does not read (an encoding error)
            raise SwitchToRows(0) from None

    # --- converting -------------------------------------------------------------------------

    def _convert(self, part: pa.Table, line: int, bytes_done: int) -> ColumnBatch:
        n = part.num_rows
        raw = {name: part.column(i).combine_chunks() for i, name in enumerate(self.header)}
        lengths = [pc.binary_length(column) for column in raw.values()]
        if pc.any(pc.equal(functools.reduce(pc.add, lengths), 0)).as_py():
            # A blank line reads as a record of empty cells here; the row reader skips it.
            raise SwitchToRows(self.handed_out)
        if max(pc.max(length).as_py() or 0 for length in lengths) > FIELD_LIMIT:
            # A cell longer than the row reader reads: it rejects that record in its words.
            raise SwitchToRows(self.handed_out)
        newlines = None
        for column in raw.values():
            count = pc.count_substring(column, "\n")
            newlines = count if newlines is None else pc.add(newlines, count)
        if newlines is not None and pc.any(pc.greater(newlines, 0)).as_py():
            self._check_spanning(raw, newlines)
        spans = pc.add(newlines, 1) if newlines is not None else pa.repeat(1, n)
        ends = pc.cumulative_sum(spans)
        lines = pc.subtract(pc.add(ends, line), spans)
        self._lines_of_last = spans[n - 1].as_py()
        numbers = pa.array(range(self.handed_out + 1, self.handed_out + n + 1), pa.int64())

        bad = pa.repeat(False, n)
        out: dict[str, pa.Array] = {}
        for name, spec in FIELDS.items():
            if name not in self.readers:
                continue
            column = raw.get(self.mapping.column(name))
            if column is None:  # read from a column the header names twice
                raise SwitchToRows(self.handed_out)
            values, problems = self._field(name, spec.kind, spec.max_length, column)
            out[name] = values
            bad = pc.or_(bad, problems)
        bad = pc.or_(bad, self._time_checks(out, n))
        if "cad_event_id" in out:
            bad = pc.or_(bad, pc.equal(out["cad_event_id"], ""))
        if out.get("received_at") is None:
            bad = pa.repeat(True, n)
        if self.converter.apco_from_type:
            out["apco_type"] = self._apco_filled(out, n)
        out["number"] = numbers
        out["line"] = lines
        table = pa.table(out)
        good = table.filter(pc.invert(bad))
        unusual: list[tuple[int, int, str, dict[str, str]]] = []
        if good.num_rows < n:
            picked = pc.indices_nonzero(bad).to_pylist()
            cells = {name: pc.take(column, picked).to_pylist() for name, column in raw.items()}
            cad_cells = cells.get(self.cad_column)
            line_list = pc.take(lines, picked).to_pylist()
            for k, index in enumerate(picked):
                record = {name: values[k] for name, values in cells.items()}
                cad = cad_cells[k].strip()[:64] if cad_cells is not None else ""
                unusual.append((self.handed_out + index + 1, line_list[k], cad, record))
        return ColumnBatch(
            rows=n,
            first_number=self.handed_out + 1,
            first_line=lines[0].as_py(),
            last_line=lines[n - 1].as_py(),
            bytes_done=bytes_done,
            good=good,
            unusual=unusual,
        )

    def _check_spanning(self, raw: dict[str, pa.Array], newlines: pa.Array) -> None:
        """A record over several lines is a quoted cell that spans them, unless a quote was
        left open and swallowed the records after it. The row reader tells the two apart
        and names each swallowed line; here, a line inside a cell that holds as many
        separators as a whole record does hands the file to it."""
        picked = pc.indices_nonzero(pc.greater(newlines, 0))
        width = len(self.header)
        for column in raw.values():
            for cell in pc.take(column, picked).to_pylist():
                continued = cell.split("\n")[1:]
                if swallows_records(continued, self.mapping.delimiter, width):
                    raise SwitchToRows(self.handed_out)

    def _field(
        self, name: str, kind: str, limit: int | None, column: pa.Array
    ) -> tuple[pa.Array, pa.Array]:
        """The field's values and the mask of rows that need the row converter."""
        table = self.mapping.values.get(name)
        if kind in {PRIORITY, SOURCE, BOOL, INDICATORS, UNITS} or name in FEW_VALUES or table:
            return self._per_value(name, kind, column)
        trimmed = pc.utf8_trim(column, characters=WHITESPACE)
        if kind == TEXT:
            problems = (
                pc.greater(pc.utf8_length(trimmed), limit)
                if limit
                else pa.repeat(False, len(column))
            )
            return trimmed, problems
        if kind == DECIMAL:
            return self._decimals(name, trimmed)
        return self._datetimes(name, trimmed)

    def _per_value(self, name: str, kind: str, column: pa.Array) -> tuple[pa.Array, pa.Array]:
        """Convert each distinct cell once with the row converter's reader for the field."""
        encoded = pc.dictionary_encode(column)
        reader = self.readers[name]
        source = self.mapping.column(name)
        converted: list[Any] = []
        failed: list[bool] = []
        for cell in encoded.dictionary.to_pylist():
            try:
                value = reader({source: cell})
            except Exception:
                converted.append(None)
                failed.append(True)
                continue
            if kind in {INDICATORS, UNITS}:
                value = json.dumps(value)
            converted.append(value)
            failed.append(False)
        kinds: dict[str, pa.DataType] = {BOOL: pa.bool_(), PRIORITY: pa.int16()}
        dictionary = pa.array(converted, kinds.get(kind, pa.string()))
        indices = encoded.indices
        return pc.take(dictionary, indices), pc.take(pa.array(failed, pa.bool_()), indices)

    def _decimals(self, name: str, trimmed: pa.Array) -> tuple[pa.Array, pa.Array]:
        bound = 90 if name == "latitude" else 180
        empty = pc.equal(trimmed, "")
        parts = pc.extract_regex(trimmed, DECIMAL_PATTERN)
        matched = pc.is_valid(parts)
        whole = pc.struct_field(parts, "whole")
        fraction = pc.utf8_rpad(pc.struct_field(parts, "fraction"), width=6, padding="0")
        text = pc.binary_join_element_wise(whole, fraction, ".")
        number = pc.cast(pc.if_else(matched, text, "0"), pa.float64())
        outside = pc.greater(pc.abs(number), bound)
        problems = pc.and_(pc.invert(empty), pc.or_(pc.invert(matched), outside))
        values = pc.if_else(
            pc.and_(matched, pc.invert(problems)), text, pa.scalar(None, pa.string())
        )
        return values, pc.fill_null(problems, True)

    def _datetimes(self, name: str, trimmed: pa.Array) -> tuple[pa.Array, pa.Array]:
        """Instants (microseconds, UTC). A row is unusual when its cell is not empty and does
        not parse here, or its local time does not exist or happens twice."""
        fmt = self.mapping.date_format(name)
        empty = pc.equal(trimmed, "")
        if fmt == ISO:
            parts = pc.extract_regex(trimmed, ISO_PATTERN)
            second = pc.struct_field(parts, "second")
            second = pc.if_else(pc.equal(second, ""), "00", second)
            text = pc.binary_join_element_wise(
                pc.struct_field(parts, "day"), pc.struct_field(parts, "clock"), second, ":"
            )
            text = pc.replace_substring(text, ":", " ", max_replacements=1)
            local = _strict_strptime(text, "%Y-%m-%d %H:%M:%S")
            fraction = pc.struct_field(parts, "fraction")
            micros = pc.cast(
                pc.utf8_rpad(
                    pc.if_else(pc.equal(fraction, ""), "0", fraction), width=6, padding="0"
                ),
                pa.int64(),
            )
            offset = pc.struct_field(parts, "offset")
        else:
            pattern = _format_pattern(fmt)
            assert pattern is not None
            matched = pc.match_substring_regex(trimmed, pattern)
            shaped = pc.if_else(matched, trimmed, pa.scalar(None, pa.string()))
            local = _strict_strptime(shaped, fmt)
            micros = pa.repeat(0, len(trimmed))
            offset = pa.repeat("", len(trimmed))
        local = pc.cast(pc.add(pc.cast(local, pa.int64()), micros), pa.timestamp("us"))
        naive = pc.equal(offset, "")
        # The local times, read in the zone both ways round: the two differ where the time
        # does not exist or happens twice, and the row converter decides those rows.
        early = pc.assume_timezone(
            local, timezone=self.zone_key, ambiguous="earliest", nonexistent="earliest"
        )
        late = pc.assume_timezone(
            local, timezone=self.zone_key, ambiguous="latest", nonexistent="latest"
        )
        unclear = pc.and_(naive, pc.not_equal(early, late))
        zulu = pc.equal(offset, "Z")
        plain = pc.or_(naive, zulu)
        sign = pc.if_else(pc.equal(pc.utf8_slice_codeunits(offset, 0, 1), "-"), -1, 1)
        hours = pc.cast(pc.if_else(plain, "0", pc.utf8_slice_codeunits(offset, 1, 3)), pa.int64())
        minutes = pc.cast(pc.if_else(plain, "0", pc.utf8_slice_codeunits(offset, 4, 6)), pa.int64())
        # An offset no zone has (past 14 hours, or 60 minutes or more) is the row converter's.
        odd_offset = pc.or_(pc.greater(hours, 14), pc.greater(minutes, 59))
        unclear = pc.or_(unclear, odd_offset)
        shift = pc.multiply(sign, pc.add(pc.multiply(hours, 3600), pc.multiply(minutes, 60)))
        given = pc.subtract(pc.cast(local, pa.int64()), pc.multiply(shift, MICROS))
        instants = pc.if_else(naive, pc.cast(early, pa.int64()), given)
        instants = pc.cast(instants, pa.timestamp("us", tz="UTC"))
        problems = pc.and_(pc.invert(empty), pc.or_(pc.is_null(instants), unclear))
        values = pc.if_else(empty, pa.scalar(None, instants.type), instants)
        return values, pc.fill_null(problems, True)

    def _time_checks(self, out: dict[str, pa.Array], n: int) -> pa.Array:
        """Rows whose times break ``dispatch.times`` or the mapping's plausible range."""
        bad = pa.repeat(False, n)
        earliest = pa.scalar(self.earliest, pa.timestamp("us", tz="UTC"))
        latest = pa.scalar(self.latest, pa.timestamp("us", tz="UTC"))
        previous: pa.Array | None = None
        for name in TIME_ORDER:
            values = out.get(name)
            if values is None:
                continue
            wrong = pc.or_(pc.less(values, earliest), pc.greater(values, latest))
            if previous is not None:
                wrong = pc.or_(wrong, pc.less(values, previous))
            bad = pc.or_(bad, pc.fill_null(wrong, False))
            previous = values if previous is None else pc.coalesce(values, previous)
        return bad

    def _apco_filled(self, out: dict[str, pa.Array], n: int) -> pa.Array:
        types = self.mapping.apco_types
        call_types = out.get("call_type", pa.repeat("", n))
        encoded = pc.dictionary_encode(call_types)
        fill = pa.array(
            [
                types.get(str(value or "").casefold(), "")
                for value in encoded.dictionary.to_pylist()
            ],
            pa.string(),
        )
        filled = pc.take(fill, encoded.indices)
        apco = out.get("apco_type")
        if apco is None:
            return filled
        return pc.if_else(pc.equal(apco, ""), filled, apco)


#: Lists of a batch's values column by column, for ``executemany``: a date as SQLite's column
#: holds it (naive UTC text), everything else as pyarrow gives it.
def sqlite_columns(good: pa.Table, names: list[str]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    for name in names:
        values = good.column(name).combine_chunks()
        if pa.types.is_timestamp(values.type):
            columns[name] = _utc_texts(values)
        else:
            columns[name] = values.to_pylist()
    return columns


def _utc_texts(values: pa.Array) -> list[Any]:
    """``str(datetime)`` of each instant in UTC, naive: microseconds only when there are some."""
    # Read as naive UTC first: casting an instant with a zone to text looks the zone up for
    # every value.
    naive = values.view(pa.timestamp("us"))
    text = pc.cast(naive, pa.string())  # 2025-01-01 00:00:00.000000
    base = pc.utf8_slice_codeunits(text, 0, 19)
    fraction = pc.utf8_slice_codeunits(text, 19, 26)
    whole = pc.if_else(
        pc.equal(fraction, ".000000"), base, pc.binary_join_element_wise(base, fraction, "")
    )
    return whole.to_pylist()


def utc_text_column(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Instants as text that PostgreSQL reads back exactly (``2025-01-01 00:00:00.000000+00``),
    made without looking the zone up for every value."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    text = pc.cast(values.view(pa.timestamp("us")), pa.string())
    return pc.binary_join_element_wise(text, pa.scalar("+00"), "")
