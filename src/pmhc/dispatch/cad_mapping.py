"""How a CAD export's columns and values become a call's fields.

A mapping (``ImportMapping.config``) is a JSON object; every key is optional:

``columns``
    ``{field: column}``: the column (CSV) or dotted path (EIDD-style JSON) that holds each
    field. A field left out is read from the column named like the field itself. For a date
    read from an EIDD path that holds several values (an incident with several calls),
    ``{"path": path, "pick": "earliest"}`` (or ``"latest"``) takes one of them.
``date_formats``
    ``{field: format}``: a ``strptime`` format such as ``"%m/%d/%Y %H:%M"``, or ``"iso"``
    (the default, ISO 8601). ``"*"`` sets the format of every date field.
``date_parts``
    ``{field: parts}``: a date assembled from several columns. Either ``{"date": column,
    "time": column, "date_format": ..., "time_format": ...}`` or ``{"year": column,
    "month": column, "day": column, "hour": column, "minute": column, "second": column}``
    (hour, minute and second may be left out). The month may be a number or a month's name
    ("March", "Mar"). Without ``day`` (an open-data export that gives only the month), the
    call is stored on the month's first day and marked as known to the month; a
    ``weekday`` column may then be named and is checked to be a day's name or number.
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
    Of a CSV file (``"utf-8"`` and ``","`` by default; a byte-order mark is skipped, and a
    UTF-16 byte-order mark is read as UTF-16 whatever the mapping says).
``plausible_dates``
    ``{"earliest": "YYYY-MM-DD", "days_ahead": N}``: a date before ``earliest`` (1990-01-01
    by default) or later than now plus ``days_ahead`` days (1) rejects its row as garbled.
``nonexistent_times`` and ``ambiguous_times``
    What a local time the clocks skipped (spring forward) or passed twice (fall back) becomes:
    ``"reject"`` (the default: the row is rejected with its reason), ``"earlier"`` or
    ``"later"`` (the earlier or later of the two possible instants, and the import notes it).

``parse_config`` checks a mapping and returns a ``Mapping``; ``cad_rows.RowConverter`` turns
one record into the values of a call or raises ``RowError`` with the reason, in words a
coordinator can act on.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
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
#: The parts of an open-data date known only to its month; ``weekday`` is checked, not used.
MONTH_PARTS = ("year", "month")
WEEKDAY = "weekday"
#: How one value is taken from an EIDD path holding several.
EARLIEST_PICK = "earliest"
LATEST_PICK = "latest"
PICKS = (EARLIEST_PICK, LATEST_PICK)
MAX_SHOWN = 40
EARLIEST = dt.date(1990, 1, 1)
DAYS_AHEAD = 1
#: How a local time that does not exist or happens twice is read: refused (the row is rejected
#: with its reason), or taken as the earlier or the later of the two instants and flagged.
REJECT = "reject"
EARLIER = "earlier"
LATER = "later"
LOCAL_TIME_RULES = (REJECT, EARLIER, LATER)


class RowError(Exception):
    """One record cannot become a call; ``reason`` says why."""

    def __init__(self, reason: str, cad_event_id: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.cad_event_id = cad_event_id


class FileError(Exception):
    """The whole file is refused (no header, a required column missing, unreadable)."""


def merged_lines_reason(first: int, last: int) -> str:
    """The reason for a record that a quote left open runs over several lines, which would
    otherwise vanish into it: every line is named, so the report accounts for each."""
    return _(
        "Lines %(first)s to %(last)s were read as one record: a quote opened on line "
        "%(first)s is not closed where the line ends. Check the quotes on line %(first)s."
    ) % {"first": first, "last": last}


def swallows_records(continued: Iterable[str], delimiter: str, width: int) -> bool:
    """Whether the lines a record runs on to (after its first) hold a whole record each: a
    quoted cell over several lines holds text, but a quote left open swallows the records
    after it, each with as many separators as the header. One rule for both readers."""
    return any(text.count(delimiter) >= width - 1 for text in continued)


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
    #: Dates before this day, or later than now plus ``days_ahead``, are refused as garbled.
    earliest: dt.date = EARLIEST
    days_ahead: int = DAYS_AHEAD
    #: What a local time that does not exist (spring forward) or happens twice (fall back)
    #: becomes: one of ``LOCAL_TIME_RULES``.
    nonexistent_times: str = REJECT
    ambiguous_times: str = REJECT
    #: ``{field: "earliest" | "latest"}``: which of several values of a path a date takes.
    picks: dict[str, str] = field(default_factory=dict)

    def plausible(self, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """The first and last instants (UTC) a date in this file may have."""
        first = dt.datetime.combine(self.earliest, dt.time(), tzinfo=dt.UTC)
        return first, now.astimezone(dt.UTC) + dt.timedelta(days=self.days_ahead)

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
        "plausible_dates",
        "nonexistent_times",
        "ambiguous_times",
    }
    for key in sorted(set(config) - known):
        errors.append(_("Unknown setting “%(key)s”.") % {"key": key})

    raw_columns = config.get("columns", {})
    picks: dict[str, str] = {}
    if isinstance(raw_columns, dict):
        raw_columns = dict(raw_columns)
        for name, spec in list(raw_columns.items()):
            if isinstance(spec, dict):
                path, pick = spec.get("path"), spec.get("pick", EARLIEST_PICK)
                if name not in DATE_FIELDS or not isinstance(path, str) or pick not in PICKS:
                    errors.append(
                        _(
                            "columns: %(name)s can be {“path”: …, “pick”: “earliest” or "
                            "“latest”} only for a date field."
                        )
                        % {"name": name}
                    )
                    del raw_columns[name]
                    continue
                raw_columns[name] = path
                picks[name] = pick
    columns = _str_map(raw_columns, "columns", errors)
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
        elif all(part in parts for part in MONTH_PARTS):
            allowed = {*CALENDAR_PARTS, *CLOCK_PARTS}
            if "day" not in parts:
                allowed.add(WEEKDAY)
            extra = set(parts) - allowed
            if extra:
                errors.append(
                    _("date_parts: %(name)s has unknown parts %(parts)s.")
                    % {"name": name, "parts": ", ".join(sorted(extra))}
                )
            date_parts[name] = DateParts(
                {k: parts[k] for k in (*CALENDAR_PARTS, *CLOCK_PARTS, WEEKDAY) if k in parts}
            )
            if "day" not in parts and name != "received_at":
                errors.append(
                    _("date_parts: only received_at may leave out the day; %(name)s needs “day”.")
                    % {"name": name}
                )
        else:
            errors.append(
                _(
                    "date_parts: %(name)s needs either “date” (and “time”) or “year” and "
                    "“month” (and “day”, unless only the month is known)."
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
    earliest, days_ahead = _plausible_dates(config.get("plausible_dates", {}), errors)
    rules: dict[str, str] = {}
    for key in ("nonexistent_times", "ambiguous_times"):
        rule = config.get(key, REJECT)
        if rule not in LOCAL_TIME_RULES:
            errors.append(
                _("%(key)s must be one of %(allowed)s.")
                % {"key": key, "allowed": ", ".join(LOCAL_TIME_RULES)}
            )
            rule = REJECT
        rules[key] = rule
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
        earliest=earliest,
        days_ahead=days_ahead,
        nonexistent_times=rules["nonexistent_times"],
        ambiguous_times=rules["ambiguous_times"],
        picks=picks,
    )


def _plausible_dates(value: Any, errors: list[str]) -> tuple[dt.date, int]:
    if not isinstance(value, dict) or set(value) - {"earliest", "days_ahead"}:
        errors.append(_("plausible_dates takes “earliest” (YYYY-MM-DD) and “days_ahead”."))
        return EARLIEST, DAYS_AHEAD
    earliest = EARLIEST
    if "earliest" in value:
        try:
            earliest = dt.date.fromisoformat(str(value["earliest"]))
        except ValueError:
            errors.append(
                _("plausible_dates: “%(value)s” is not a date like 1990-01-01.")
                % {"value": value["earliest"]}
            )
        else:
            if earliest.year < 1900:
                errors.append(_("plausible_dates: the earliest date cannot be before 1900."))
                earliest = EARLIEST
    days_ahead = value.get("days_ahead", DAYS_AHEAD)
    if (
        isinstance(days_ahead, bool)
        or not isinstance(days_ahead, int)
        or not 0 <= days_ahead <= 366
    ):
        errors.append(_("plausible_dates: days_ahead is a whole number of days from 0 to 366."))
        days_ahead = DAYS_AHEAD
    return earliest, days_ahead


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


def csv_template() -> str:
    """The header line of a file in the canonical columns."""
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(CANONICAL_COLUMNS)
    return out.getvalue()
