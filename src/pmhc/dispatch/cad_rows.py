"""Turning one record of a CAD file into a call's values, under a mapping (see
``cad_mapping``), or into a ``RowError`` with the reason the row is rejected. Every value is
checked here, so the import can hand it to the database as it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from pmhc.dispatch.cad_mapping import (
    BOOL,
    CALENDAR_PARTS,
    CLOCK_PARTS,
    DATETIME,
    DECIMAL,
    FIELDS,
    INDICATOR_CODES,
    INDICATORS,
    ISO,
    PRIORITY,
    SOURCE,
    SOURCE_CODES,
    TEXT,
    UNIT_MAX_LENGTH,
    DateParts,
    FieldSpec,
    FileError,
    Mapping,
    RowError,
    describe_format,
    shown,
)
from pmhc.dispatch.models import CallSource, Indicator
from pmhc.dispatch.times import latest_allowed, time_problems
from pmhc.platform import dates


class RowConverter:
    """Turns records of one file into call values. Built once per file (it checks the header
    and prepares one reader per field), then called for each record."""

    def __init__(self, mapping: Mapping, *, default_zone: str, header: Iterable[str]) -> None:
        self.mapping = mapping
        self.zone = dates.zone(mapping.time_zone or default_zone)
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
        # Taken once per file: a file is an export of what had happened when it started.
        self.latest = latest_allowed()

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
        # The same rules as the call-taker's screen and the API (``dispatch.times``).
        problems = time_problems(values, latest=self.latest)
        if problems:
            name, problem = next(iter(problems.items()))
            raise RowError(f"{name}: {problem}", cad_id)
        if self.apco_from_type and not values.get("apco_type"):
            values["apco_type"] = self.mapping.apco_types.get(
                str(values.get("call_type", "")).casefold(), ""
            )
        return values
