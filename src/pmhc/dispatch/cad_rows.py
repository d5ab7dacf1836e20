"""Turning one record of a CAD file into a call's values, under a mapping (see
``cad_mapping``), or into a ``RowError`` with the reason the row is rejected. Every value is
checked here, so the import can hand it to the database as it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.dispatch.cad_mapping import (
    BOOL,
    CALENDAR_PARTS,
    CLOCK_PARTS,
    DATETIME,
    DECIMAL,
    EARLIER,
    EARLIEST_PICK,
    FIELDS,
    INDICATOR_CODES,
    INDICATORS,
    ISO,
    PRIORITY,
    REJECT,
    SOURCE,
    SOURCE_CODES,
    TEXT,
    UNIT_MAX_LENGTH,
    WEEKDAY,
    DateParts,
    FieldSpec,
    FileError,
    Mapping,
    RowError,
    describe_format,
    shown,
)
from pmhc.dispatch.models import CallSource, DatePrecision, Indicator
from pmhc.dispatch.times import latest_allowed, time_problems
from pmhc.platform import dates

#: Month names and their usual short forms, as open-data exports write them.
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
WEEKDAYS = frozenset(
    {
        *(str(n) for n in range(8)),
        *(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
        *(["mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"]),
    }
)
#: How many flagged rows an import names; the count covers them all.
NOTES_KEPT = 50


#: The furthest any time zone is from UTC (Kiribati's +14:00); a wider offset is a typo.
MAX_OFFSET = dt.timedelta(hours=14)


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(abs(offset).total_seconds()) // 60
    sign = "-" if offset < dt.timedelta() else "+"
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


class RowConverter:
    """Turns records of one file into call values. Built once per file (it checks the header
    and prepares one reader per field), then called for each record.

    Every date is checked against the mapping's plausible range, and a local time the clocks
    skipped or passed twice follows the mapping's rule; a row whose time was taken that way
    is counted in ``flagged`` and named (up to ``NOTES_KEPT``) in ``notes``."""

    def __init__(
        self,
        mapping: Mapping,
        *,
        default_zone: str,
        header: Iterable[str],
        now: dt.datetime | None = None,
    ) -> None:
        self.mapping = mapping
        self.zone = dates.zone(mapping.time_zone or default_zone)
        self.first, self.last = mapping.plausible(now or timezone.now())
        # The same range as wall times, a day wider (no zone is a day off UTC), and a day
        # narrower: a wall time between the narrow bounds needs no check as an instant.
        day = dt.timedelta(days=1)
        first, last = self.first.replace(tzinfo=None), self.last.replace(tzinfo=None)
        self.wall_first, self.wall_last = first - day, last + day
        self.wall_inside_first, self.wall_inside_last = first + day, last - day
        self.flagged = 0
        self.notes: list[str] = []
        self._pending_notes: list[str] = []
        self._clean_days: dict[dt.date, bool] = {}
        received = mapping.date_parts.get("received_at")
        self.month_only = (
            received is not None and "year" in received.columns and ("day" not in received.columns)
        )
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
        pick = mapping.picks.get(name)
        if pick is not None:

            def picked(record: dict[str, Any]) -> Any:
                value = record.get(column)
                if not isinstance(value, list):
                    return convert(cell(record))
                times = [convert(str(v).strip()) for v in value if str(v).strip()]
                times = [t for t in times if t is not None]
                if not times:
                    return None
                return min(times) if pick == EARLIEST_PICK else max(times)

            return picked
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
                text = f"{cells['date']} {cells.get('time', '')}".strip()
                return self._settle(name, text, dt.datetime.combine(day.date(), clock))
            given = "-".join(cells.get(p, "") for p in CALENDAR_PARTS if p in cells)
            hour = ":".join(cells.get(p, "") for p in CLOCK_PARTS if p in cells)
            text = f"{given} {hour}".strip()
            try:
                numbers = {
                    part: self._month(value) if part == "month" else int(value or 0)
                    for part, value in cells.items()
                    if part != WEEKDAY
                }
                if cells.get(WEEKDAY) and cells[WEEKDAY].casefold() not in WEEKDAYS:
                    raise ValueError(
                        _("%(value)s is not a day of the week") % {"value": shown(cells[WEEKDAY])}
                    )
                naive = dt.datetime(
                    numbers["year"],
                    numbers["month"],
                    numbers.get("day", 1),
                    numbers.get("hour", 0),
                    numbers.get("minute", 0),
                    numbers.get("second", 0),
                )
            except (ValueError, KeyError) as exc:
                raise RowError(
                    _("%(field)s: %(value)s is not a date and time (%(problem)s).")
                    % {"field": name, "value": shown(text), "problem": exc}
                ) from exc
            return self._settle(name, text, naive)

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
        return self._settle(name, value, parsed)

    @staticmethod
    def _month(value: str) -> int:
        if value.isdigit():
            return int(value)
        try:
            return MONTHS[value.strip().rstrip(".").casefold()]
        except KeyError:
            raise ValueError(_("%(value)s is not a month") % {"value": shown(value)}) from None

    def _settle(self, name: str, value: str, parsed: dt.datetime) -> dt.datetime:
        """A parsed time as an instant: a time without an offset is read in the mapping's zone
        (by its rule for times the clocks skipped or passed twice), and it must fall within
        the plausible dates."""
        # The range first: a garbled year would otherwise be read at the zone's offset of that
        # year (local mean time before 1883), or not be a time at all.
        if parsed.tzinfo is None:
            if not self.wall_first <= parsed <= self.wall_last:
                raise self._implausible(name, value)
            wall = parsed
            parsed = self._local(name, value, wall)
            if self.wall_inside_first <= wall <= self.wall_inside_last:
                return parsed  # a day or more inside the range, whatever the zone's offset
        else:
            offset = parsed.utcoffset() or dt.timedelta()
            if abs(offset) > MAX_OFFSET:
                raise RowError(
                    _(
                        "%(field)s: %(value)s is %(offset)s from UTC; no time zone is more "
                        "than 14 hours from UTC."
                    )
                    % {"field": name, "value": shown(value), "offset": _offset_text(offset)}
                )
            try:
                parsed = parsed.astimezone(dt.UTC)
            except OverflowError:  # the first or the last day a calendar holds
                raise self._implausible(name, value) from None
        if not self.first <= parsed <= self.last:
            raise self._implausible(name, value)
        return parsed

    def _implausible(self, name: str, value: str) -> RowError:
        return RowError(
            _(
                "%(field)s: %(value)s is outside the dates this import accepts, "
                "%(first)s to %(last)s; check the year and the date format."
            )
            % {
                "field": name,
                "value": shown(value),
                "first": self.first.date().isoformat(),
                "last": self.last.date().isoformat(),
            }
        )

    def _local(self, name: str, value: str, wall: dt.datetime) -> dt.datetime:
        zone = self.zone
        first = wall.replace(tzinfo=zone)
        day = wall.date()
        clean = self._clean_days.get(day)
        if clean is None:
            # A day whose offset is the same at its start and at the next day's start has no
            # clock change (no zone changes its clocks twice in a day): its times need no
            # further look. One entry per day: a file spans at most some thousands of days.
            start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
            clean = start.utcoffset() == (start + dt.timedelta(days=1)).utcoffset()
            self._clean_days[day] = clean
        if clean:
            return first
        second = first.replace(fold=1)
        if first.utcoffset() == second.utcoffset():
            return first
        instants = sorted((first.astimezone(dt.UTC), second.astimezone(dt.UTC)))
        skipped = instants[0].astimezone(zone).replace(tzinfo=None) != wall
        rule = self.mapping.nonexistent_times if skipped else self.mapping.ambiguous_times
        if skipped:
            what = _(
                "%(field)s: %(value)s did not happen in %(zone)s: the clocks moved forward over it"
            )
        else:
            what = _(
                "%(field)s: %(value)s happened twice in %(zone)s: the clocks moved back over it"
            )
        what = what % {"field": name, "value": shown(value), "zone": zone.key}
        if rule == REJECT:
            raise RowError(
                _(
                    "%(problem)s. Correct the time, or let the mapping take the earlier or "
                    "the later instant (%(setting)s)."
                )
                % {
                    "problem": what,
                    "setting": "nonexistent_times" if skipped else "ambiguous_times",
                }
            )
        chosen = instants[0] if rule == EARLIER else instants[1]
        self._pending_notes.append(
            _("%(problem)s; read as %(when)s.")
            % {"problem": what, "when": chosen.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")}
        )
        return chosen

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

    def convert(self, record: dict[str, Any], line: int = 0) -> dict[str, Any]:
        """The call's values from one record, or ``RowError``. ``line``, when the caller
        gives it, names the record's line in a flagged row's note."""
        raw_id = record.get(self.mapping.column("cad_event_id"))
        cad_id = str(raw_id).strip() if raw_id is not None else ""
        values: dict[str, Any] = {}
        self._pending_notes.clear()
        try:
            for name, reader in self.readers:
                values[name] = reader(record)
        except RowError as exc:
            exc.cad_event_id = cad_id[:64]
            raise
        if self.month_only and values.get("received_at") is not None:
            values["received_precision"] = DatePrecision.MONTH.value
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
        if self._pending_notes:
            # Only a row that is taken is flagged; a row rejected above says why instead.
            self.flagged += 1
            if len(self.notes) < NOTES_KEPT:
                where = _("line %(line)s (%(cad)s)") % {"line": line, "cad": cad_id[:64]}
                self.notes.append(
                    f"{where if line else cad_id[:64]}: {' '.join(self._pending_notes)}"
                )
        return values
