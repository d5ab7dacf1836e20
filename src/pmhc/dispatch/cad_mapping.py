"""How a CAD export's columns and values become a call's fields.

A mapping (``ImportMapping.config``) is a JSON object; every key is optional:

``columns``
    ``{field: column}``: the column (CSV) or dotted path (EIDD-style JSON) that holds each
    field. A field left out is read from the column named like the field itself.
``date_formats``
    ``{field: format}``: a ``strptime`` format such as ``"%m/%d/%Y %H:%M"``, or ``"iso"``
    (the default, ISO 8601). ``"*"`` sets the format of every date field.
``date_parts``
    ``{field: parts}``: a date assembled from several columns. Either ``{"date": column,
    "time": column, "date_format": ..., "time_format": ...}`` or ``{"year": column,
    "month": column, "day": column, "hour": column, "minute": column, "second": column}``
    (hour, minute and second may be left out).
``values``
    ``{field: {cad value: our value}}``: value maps for ``call_type``, ``apco_type``,
    ``priority``, ``source``, ``cad_disposition``, ``mh_indicators`` and the yes/no fields.
    Matching ignores case and surrounding spaces. A value not in the map is kept as it is.
``apco_types``
    ``{agency call type: APCO code}``: fills the APCO incident type from the agency's call
    type when the file has no APCO column or leaves it empty.
``booleans``
    ``{"true": [...], "false": [...]}``: more words for yes and no, besides
    true/false/1/0/yes/no/y/n.
``list_separator``
    What separates indicators and units in one cell (``";"``).
``time_zone``
    Where times without an offset were recorded (the agency's time zone by default).
``encoding`` and ``delimiter``
    Of a CSV file (``"utf-8"`` and ``","`` by default; a byte-order mark is skipped).

``parse_config`` checks a mapping and returns a ``Mapping``; ``RowConverter`` turns one record
into the values of a call or raises ``RowError`` with the reason, in words a coordinator can act
on.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pmhc.dispatch.models import CallSource, Indicator

TEXT, DATETIME, DECIMAL, PRIORITY, SOURCE, BOOL, INDICATORS, UNITS = (
    "text",
    "datetime",
    "decimal",
    "priority",
    "source",
    "bool",
    "indicators",
    "units",
)


#: Looked up once: an enum's ``values`` is rebuilt on every access, and these are read per row.
SOURCE_CODES = frozenset(CallSource.values)
INDICATOR_CODES = frozenset(Indicator.values)


@dataclass(frozen=True)
class FieldSpec:
    kind: str
    max_length: int | None = None
    required: bool = False


#: The canonical columns, in the order a template file lists them, with how each is read.
FIELDS: dict[str, FieldSpec] = {
    "cad_event_id": FieldSpec(TEXT, 64, required=True),
    "received_at": FieldSpec(DATETIME, required=True),
    "dispatched_at": FieldSpec(DATETIME),
    "first_arrival_at": FieldSpec(DATETIME),
    "cleared_at": FieldSpec(DATETIME),
    "address": FieldSpec(TEXT, 200),
    "district": FieldSpec(TEXT, 60),
    "beat": FieldSpec(TEXT, 30),
    "latitude": FieldSpec(DECIMAL),
    "longitude": FieldSpec(DECIMAL),
    "call_type": FieldSpec(TEXT, 60),
    "apco_type": FieldSpec(TEXT, 12),
    "priority": FieldSpec(PRIORITY),
    "source": FieldSpec(SOURCE),
    "is_mental_health": FieldSpec(BOOL),
    "mh_indicators": FieldSpec(INDICATORS),
    "narrative": FieldSpec(TEXT, 20000),
    "units": FieldSpec(UNITS),
    "cad_disposition": FieldSpec(TEXT, 60),
    "cit_requested": FieldSpec(BOOL),
    "cit_dispatched": FieldSpec(BOOL),
    "cit_arrived": FieldSpec(BOOL),
}
CANONICAL_COLUMNS = tuple(FIELDS)
DATE_FIELDS = tuple(name for name, spec in FIELDS.items() if spec.kind == DATETIME)
VALUE_MAP_FIELDS = tuple(
    name
    for name, spec in FIELDS.items()
    if name in {"call_type", "apco_type", "cad_disposition"}
    or spec.kind in {PRIORITY, SOURCE, BOOL, INDICATORS}
)
UNIT_MAX_LENGTH = 60
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "f", ""})
ISO = "iso"
CLOCK_PARTS = ("hour", "minute", "second")
CALENDAR_PARTS = ("year", "month", "day")
MAX_SHOWN = 40


class RowError(Exception):
    """One record cannot become a call; ``reason`` says why."""

    def __init__(self, reason: str, cad_event_id: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.cad_event_id = cad_event_id


class FileError(Exception):
    """The whole file is refused (no header, a required column missing, unreadable)."""


def shown(value: str) -> str:
    """A cell's value as quoted in a reason: short, and on one line."""
    value = value.replace("\r", " ").replace("\n", " ")
    if len(value) > MAX_SHOWN:
        value = value[: MAX_SHOWN - 1] + "…"
    return f'"{value}"'


@dataclass(frozen=True)
class DateParts:
    columns: dict[str, str]
    date_format: str = ISO
    time_format: str = ISO


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    date_formats: dict[str, str] = field(default_factory=dict)
    date_parts: dict[str, DateParts] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    apco_types: dict[str, str] = field(default_factory=dict)
    true_words: frozenset[str] = TRUE_WORDS
    false_words: frozenset[str] = FALSE_WORDS
    list_separator: str = ";"
    time_zone: str = ""
    encoding: str = "utf-8"
    delimiter: str = ","

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def date_format(self, name: str) -> str:
        return self.date_formats.get(name, self.date_formats.get("*", ISO))

    def needed_columns(self, name: str) -> list[str]:
        """The columns a field is read from."""
        if name in self.date_parts:
            return list(self.date_parts[name].columns.values())
        return [self.column(name)]


def _format_works(fmt: str, sample: dt.datetime) -> bool:
    if "%" not in fmt:
        return False
    try:
        return dt.datetime.strptime(sample.strftime(fmt), fmt) is not None
    except ValueError:
        return False


def _str_map(value: Any, where: str, errors: list[str]) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int) for k, v in value.items()
    ):
        errors.append(_("%(where)s must map text to text.") % {"where": where})
        return {}
    return {str(k): str(v) for k, v in value.items()}


def parse_config(config: Any) -> Mapping:
    """Check a mapping and return it ready to use; ``ValidationError`` lists every problem."""
    if config in (None, ""):
        return Mapping()
    if not isinstance(config, dict):
        raise ValidationError(_("A mapping is a JSON object."))
    errors: list[str] = []
    known = {
        "columns",
        "date_formats",
        "date_parts",
        "values",
        "apco_types",
        "booleans",
        "list_separator",
        "time_zone",
        "encoding",
        "delimiter",
    }
    for key in sorted(set(config) - known):
        errors.append(_("Unknown setting “%(key)s”.") % {"key": key})

    columns = _str_map(config.get("columns", {}), "columns", errors)
    for name in sorted(set(columns) - set(FIELDS)):
        errors.append(_("columns: “%(name)s” is not a field of a call.") % {"name": name})

    sample = dt.datetime(2026, 11, 27, 14, 35, 9)
    date_formats = _str_map(config.get("date_formats", {}), "date_formats", errors)
    for name, fmt in date_formats.items():
        if name != "*" and name not in DATE_FIELDS:
            errors.append(_("date_formats: “%(name)s” is not a date field.") % {"name": name})
        elif fmt != ISO and not _format_works(fmt, sample):
            errors.append(
                _("date_formats: “%(fmt)s” is not a date format (for example %%m/%%d/%%Y %%H:%%M).")
                % {"fmt": fmt}
            )

    date_parts: dict[str, DateParts] = {}
    raw_parts = config.get("date_parts", {})
    if not isinstance(raw_parts, dict):
        errors.append(_("date_parts must be an object."))
        raw_parts = {}
    for name, parts in raw_parts.items():
        if name not in DATE_FIELDS:
            errors.append(_("date_parts: “%(name)s” is not a date field.") % {"name": name})
            continue
        if not isinstance(parts, dict):
            errors.append(_("date_parts: %(name)s must be an object.") % {"name": name})
            continue
        parts = {str(k): str(v) for k, v in parts.items()}
        if "date" in parts:
            date_format = parts.get("date_format", ISO)
            time_format = parts.get("time_format", ISO)
            for fmt in (date_format, time_format):
                if fmt != ISO and not _format_works(fmt, sample):
                    errors.append(
                        _("date_parts: “%(fmt)s” is not a date or time format.") % {"fmt": fmt}
                    )
            cols = {k: parts[k] for k in ("date", "time") if k in parts}
            date_parts[name] = DateParts(cols, date_format, time_format)
        elif all(part in parts for part in CALENDAR_PARTS):
            extra = set(parts) - set(CALENDAR_PARTS) - set(CLOCK_PARTS)
            if extra:
                errors.append(
                    _("date_parts: %(name)s has unknown parts %(parts)s.")
                    % {"name": name, "parts": ", ".join(sorted(extra))}
                )
            date_parts[name] = DateParts(
                {k: parts[k] for k in (*CALENDAR_PARTS, *CLOCK_PARTS) if k in parts}
            )
        else:
            errors.append(
                _(
                    "date_parts: %(name)s needs either “date” (and “time”) or “year”, “month” "
                    "and “day”."
                )
                % {"name": name}
            )

    values: dict[str, dict[str, str]] = {}
    raw_values = config.get("values", {})
    if not isinstance(raw_values, dict):
        errors.append(_("values must be an object."))
        raw_values = {}
    for name, table in raw_values.items():
        if name not in VALUE_MAP_FIELDS:
            errors.append(
                _("values: “%(name)s” takes no value map (these do: %(allowed)s).")
                % {"name": name, "allowed": ", ".join(VALUE_MAP_FIELDS)}
            )
            continue
        mapped = _str_map(table, f"values.{name}", errors)
        values[name] = {k.strip().casefold(): v for k, v in mapped.items()}
        kind = FIELDS[name].kind
        for target in mapped.values():
            problem = _target_problem(kind, target)
            if problem:
                errors.append(f"values.{name}: {problem}")

    apco_types = {
        k.strip().casefold(): v
        for k, v in _str_map(config.get("apco_types", {}), "apco_types", errors).items()
    }
    for code in apco_types.values():
        if len(code) > (FIELDS["apco_type"].max_length or 0):
            errors.append(
                _("apco_types: “%(code)s” is longer than 12 characters.") % {"code": code}
            )

    true_words, false_words = TRUE_WORDS, FALSE_WORDS
    booleans = config.get("booleans", {})
    if not isinstance(booleans, dict) or not all(
        isinstance(v, list) and all(isinstance(w, str) for w in v) for v in booleans.values()
    ):
        errors.append(_("booleans must map “true” and “false” to lists of words."))
    else:
        true_words = true_words | {w.strip().casefold() for w in booleans.get("true", [])}
        false_words = false_words | {w.strip().casefold() for w in booleans.get("false", [])}
        if true_words & false_words:
            errors.append(
                _("booleans: %(words)s cannot mean both yes and no.")
                % {"words": ", ".join(sorted(true_words & false_words))}
            )

    separator = config.get("list_separator", ";")
    if not isinstance(separator, str) or len(separator) != 1:
        errors.append(_("list_separator must be one character."))
        separator = ";"
    delimiter = config.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        errors.append(_("delimiter must be one character."))
        delimiter = ","
    time_zone = config.get("time_zone", "")
    if time_zone:
        try:
            zoneinfo.ZoneInfo(str(time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.append(_("“%(zone)s” is not a time zone.") % {"zone": time_zone})
    encoding = str(config.get("encoding", "utf-8"))
    try:
        codecs.lookup(encoding)
    except LookupError:
        errors.append(_("“%(encoding)s” is not a text encoding.") % {"encoding": encoding})
        encoding = "utf-8"
    if errors:
        raise ValidationError(errors)
    return Mapping(
        columns=columns,
        date_formats=date_formats,
        date_parts=date_parts,
        values=values,
        apco_types=apco_types,
        true_words=true_words,
        false_words=false_words,
        list_separator=separator,
        time_zone=str(time_zone),
        encoding=encoding,
        delimiter=delimiter,
    )


def _target_problem(kind: str, target: str) -> str:
    if kind == PRIORITY and target not in {str(n) for n in range(1, 10)}:
        return _("“%(value)s” is not a priority from 1 to 9.") % {"value": target}
    if kind == SOURCE and target not in CallSource.values:
        return _("“%(value)s” is not one of %(allowed)s.") % {
            "value": target,
            "allowed": ", ".join(CallSource.values),
        }
    if kind == INDICATORS and target not in Indicator.values:
        return _("“%(value)s” is not one of %(allowed)s.") % {
            "value": target,
            "allowed": ", ".join(Indicator.values),
        }
    if kind == BOOL and target.strip().casefold() not in TRUE_WORDS | FALSE_WORDS:
        return _("“%(value)s” is not true or false.") % {"value": target}
    return ""


def describe_format(fmt: str) -> str:
    """A date format as a person reads it."""
    return _("ISO 8601 (2026-02-28T14:30:00)") if fmt == ISO else fmt


class RowConverter:
    """Turns records of one file into call values. Built once per file (it checks the header
    and prepares one reader per field), then called for each record."""

    def __init__(self, mapping: Mapping, *, default_zone: str, header: Iterable[str]) -> None:
        self.mapping = mapping
        self.zone = zoneinfo.ZoneInfo(mapping.time_zone or default_zone or "UTC")
        self.header = set(header)
        missing: list[str] = []
        for name, spec in FIELDS.items():
            if spec.required:
                for column in mapping.needed_columns(name):
                    if column not in self.header:
                        missing.append(
                            _("“%(column)s” (for %(field)s)") % {"column": column, "field": name}
                        )
        if missing:
            raise FileError(
                _(
                    "The file has no column %(missing)s, which every call needs; "
                    "nothing was imported."
                )
                % {"missing": _(" and ").join(missing)}
            )
        self.readers: list[tuple[str, Callable[[dict[str, Any]], Any]]] = []
        for name in FIELDS:
            reader = self._reader(name)
            if reader is not None:
                self.readers.append((name, reader))
        self.apco_from_type = bool(mapping.apco_types)

    # --- building readers -------------------------------------------------------------------

    def _reader(self, name: str) -> Callable[[dict[str, Any]], Any] | None:
        spec = FIELDS[name]
        mapping = self.mapping
        if spec.kind == DATETIME and name in mapping.date_parts:
            return self._parts_reader(name, mapping.date_parts[name])
        column = mapping.column(name)
        if column not in self.header:
            return None
        table = mapping.values.get(name, {})

        def cell(record: dict[str, Any]) -> str:
            value = record.get(column)
            if value is None:
                return ""
            if isinstance(value, list):
                value = mapping.list_separator.join(str(v) for v in value)
            text = str(value).strip()
            if table:
                text = table.get(text.casefold(), text)
            return text

        convert = self._converter(name, spec)
        return lambda record: convert(cell(record))

    def _converter(self, name: str, spec: FieldSpec) -> Callable[[str], Any]:
        kind = spec.kind
        if kind == TEXT:
            limit = spec.max_length

            def text(value: str) -> str:
                if limit and len(value) > limit:
                    raise RowError(
                        _("%(field)s is %(length)s characters long; at most %(limit)s fit.")
                        % {"field": name, "length": len(value), "limit": limit}
                    )
                return value

            return text
        if kind == DATETIME:
            fmt = self.mapping.date_format(name)
            return lambda value: self._datetime(name, value, fmt) if value else None
        if kind == DECIMAL:
            bound = 90 if name == "latitude" else 180
            return lambda value: self._decimal(name, value, bound) if value else None
        if kind == PRIORITY:
            return lambda value: self._priority(value) if value else None
        if kind == SOURCE:
            return self._source
        if kind == BOOL:
            return lambda value: self._bool(name, value)
        if kind == INDICATORS:
            return self._indicators
        return self._units

    def _parts_reader(self, name: str, parts: DateParts) -> Callable[[dict[str, Any]], Any]:
        columns = parts.columns

        def read(record: dict[str, Any]) -> dt.datetime | None:
            cells = {
                part: str(record.get(column) or "").strip() for part, column in columns.items()
            }
            if not any(cells.values()):
                return None
            if "date" in cells:
                day = self._datetime(name, cells["date"], parts.date_format, date_only=True)
                assert day is not None
                clock = dt.time(0, 0)
                if cells.get("time"):
                    clock = self._time(name, cells["time"], parts.time_format)
                return dt.datetime.combine(day.date(), clock, tzinfo=self.zone)
            try:
                numbers = {part: int(value or 0) for part, value in cells.items()}
                return dt.datetime(
                    numbers["year"],
                    numbers["month"],
                    numbers["day"],
                    numbers.get("hour", 0),
                    numbers.get("minute", 0),
                    numbers.get("second", 0),
                    tzinfo=self.zone,
                )
            except (ValueError, KeyError) as exc:
                given = "-".join(cells.get(p, "") for p in CALENDAR_PARTS)
                hour = ":".join(cells.get(p, "") for p in CLOCK_PARTS if p in cells)
                raise RowError(
                    _("%(field)s: %(value)s is not a date and time (%(problem)s).")
                    % {"field": name, "value": shown(f"{given} {hour}".strip()), "problem": exc}
                ) from exc

        return read

    # --- value parsers ----------------------------------------------------------------------

    def _datetime(
        self, name: str, value: str, fmt: str, *, date_only: bool = False
    ) -> dt.datetime | None:
        try:
            if fmt == ISO:
                parsed = dt.datetime.fromisoformat(value)
            else:
                parsed = dt.datetime.strptime(value, fmt)
        except ValueError as exc:
            raise RowError(
                _("%(field)s: %(value)s is not a valid date in the format %(format)s.")
                % {"field": name, "value": shown(value), "format": describe_format(fmt)}
            ) from exc
        if date_only:
            return parsed
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.zone)
        return parsed

    def _time(self, name: str, value: str, fmt: str) -> dt.time:
        try:
            if fmt == ISO:
                return dt.time.fromisoformat(value).replace(tzinfo=None)
            return dt.datetime.strptime(value, fmt).time()
        except ValueError as exc:
            raise RowError(
                _("%(field)s: %(value)s is not a valid time in the format %(format)s.")
                % {"field": name, "value": shown(value), "format": describe_format(fmt)}
            ) from exc

    def _decimal(self, name: str, value: str, bound: int) -> Decimal:
        try:
            number = Decimal(value)
        except InvalidOperation as exc:
            raise RowError(
                _("%(field)s: %(value)s is not a number.") % {"field": name, "value": shown(value)}
            ) from exc
        if not number.is_finite() or abs(number) > bound:
            raise RowError(
                _("%(field)s: %(value)s is outside -%(bound)s to %(bound)s.")
                % {"field": name, "value": shown(value), "bound": bound}
            )
        return number.quantize(Decimal("0.000001"))

    def _priority(self, value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            number = 0
        if not 1 <= number <= 9:
            raise RowError(
                _("priority: %(value)s is not a priority from 1 to 9.") % {"value": shown(value)}
            )
        return number

    def _source(self, value: str) -> str:
        if not value:
            return CallSource.NINE_ONE_ONE.value
        folded = value.casefold()
        if folded in SOURCE_CODES:
            return folded
        raise RowError(
            _("source: %(value)s is not one of %(allowed)s.")
            % {"value": shown(value), "allowed": ", ".join(CallSource.values)}
        )

    def _bool(self, name: str, value: str) -> bool:
        folded = value.casefold()
        if folded in self.mapping.true_words:
            return True
        if folded in self.mapping.false_words:
            return False
        raise RowError(
            _("%(field)s: %(value)s is not yes or no (true/false, 1/0, yes/no).")
            % {"field": name, "value": shown(value)}
        )

    def _split(self, value: str) -> list[str]:
        return [part.strip() for part in value.split(self.mapping.list_separator) if part.strip()]

    def _indicators(self, value: str) -> list[str]:
        table = self.mapping.values.get("mh_indicators", {})
        codes: list[str] = []
        for part in self._split(value):
            code = table.get(part.casefold(), part).casefold()
            if code not in INDICATOR_CODES:
                raise RowError(
                    _("mh_indicators: %(value)s is not one of %(allowed)s.")
                    % {"value": shown(part), "allowed": ", ".join(Indicator.values)}
                )
            if code not in codes:
                codes.append(code)
        return codes

    def _units(self, value: str) -> list[str]:
        units = self._split(value)
        for unit in units:
            if len(unit) > UNIT_MAX_LENGTH:
                raise RowError(
                    _("units: %(value)s is longer than %(limit)s characters.")
                    % {"value": shown(unit), "limit": UNIT_MAX_LENGTH}
                )
        return units

    # --- one record -------------------------------------------------------------------------

    def convert(self, record: dict[str, Any]) -> dict[str, Any]:
        """The call's values from one record, or ``RowError``."""
        raw_id = record.get(self.mapping.column("cad_event_id"))
        cad_id = str(raw_id).strip() if raw_id is not None else ""
        values: dict[str, Any] = {}
        try:
            for name, reader in self.readers:
                values[name] = reader(record)
        except RowError as exc:
            exc.cad_event_id = cad_id[:64]
            raise
        if not values.get("cad_event_id"):
            raise RowError(_("The CAD event id is missing."))
        if values.get("received_at") is None:
            raise RowError(_("received_at: the time the call was received is missing."), cad_id)
        # The same order the call-taker screen and the API hold the times to.
        earlier, earlier_name = values["received_at"], "received_at"
        for name in ("dispatched_at", "first_arrival_at", "cleared_at"):
            moment = values.get(name)
            if moment is None:
                continue
            if moment < earlier:
                raise RowError(
                    _("%(name)s: %(moment)s is before %(earlier)s.")
                    % {"name": name, "moment": moment.isoformat(), "earlier": earlier_name},
                    cad_id,
                )
            earlier, earlier_name = moment, name
        if self.apco_from_type and not values.get("apco_type"):
            values["apco_type"] = self.mapping.apco_types.get(
                str(values.get("call_type", "")).casefold(), ""
            )
        return values


def csv_template() -> str:
    """The header line of a file in the canonical columns."""
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(CANONICAL_COLUMNS)
    return out.getvalue()
