"""The roster CSV: its format, the parser that checks every row, and the plan that says what
applying it would change. Reading and planning change nothing; ``import_services`` applies.

Format (documented on the import page, with a sample to download): a header row, then one
row per person. Required columns, in any order: ``badge_number``, ``last_name``,
``first_name``, ``role``, ``shift``, ``district``, ``cit_volunteer``. Any further column is a
course code from the agency's catalogue (or a standard course code), holding the dates the
person completed that course: ``YYYY-MM-DD`` or ``MM/DD/YYYY``, several separated by ``;``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from pmhc.training.models import CitSelection, Completion, Course, Trainee, TraineeRole

REQUIRED_COLUMNS = (
    "badge_number",
    "last_name",
    "first_name",
    "role",
    "shift",
    "district",
    "cit_volunteer",
)
MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 20000
EARLIEST = dt.date(1970, 1, 1)

ROLE_WORDS: dict[str, str] = {
    "patrol_officer": TraineeRole.PATROL,
    "patrol officer": TraineeRole.PATROL,
    "patrol": TraineeRole.PATROL,
    "supervisor": TraineeRole.SUPERVISOR,
    "other_sworn": TraineeRole.OTHER_SWORN,
    "other sworn": TraineeRole.OTHER_SWORN,
    "call_taker_dispatcher": TraineeRole.DISPATCHER,
    "call-taker / dispatcher": TraineeRole.DISPATCHER,
    "call-taker": TraineeRole.DISPATCHER,
    "call taker": TraineeRole.DISPATCHER,
    "dispatcher": TraineeRole.DISPATCHER,
    "non_sworn": TraineeRole.NON_SWORN,
    "non-sworn": TraineeRole.NON_SWORN,
    "non-sworn staff": TraineeRole.NON_SWORN,
}
YES = {"yes", "y", "true", "1", "volunteer"}
NO = {"no", "n", "false", "0", "assigned"}

SAMPLE_CSV = (
    "badge_number,last_name,first_name,role,shift,district,cit_volunteer,cit,mhfa_ps,"
    "dispatcher_cit\r\n"
    "1001,Example,Alex,patrol_officer,Day,North,yes,2024-03-15,,\r\n"
    "1002,Sample,Jordan,patrol_officer,Night,South,,,2023-11-02,\r\n"
    "1003,Placeholder,Casey,supervisor,Evening,Central,no,2022-06-10;2025-06-12,,\r\n"
    "2001,Specimen,Riley,call_taker_dispatcher,Day,,,,,2024-09-30\r\n"
)


@dataclass(frozen=True)
class RosterRow:
    line: int
    badge_number: str
    last_name: str
    first_name: str
    role: str
    shift: str
    district: str
    cit_selection: str
    #: (course code, completion date), in the file's order.
    completions: tuple[tuple[str, dt.date], ...]


@dataclass(frozen=True)
class Rejection:
    line: int
    badge_number: str
    reason: str


@dataclass
class ParsedRoster:
    course_codes: tuple[str, ...] = ()
    rows: list[RosterRow] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    #: Problems with the file as a whole (no rows can be read).
    errors: list[str] = field(default_factory=list)


#: What a NUL character in an upload becomes: PostgreSQL cannot store NUL in text, and the
#: row that holds one is rejected by ``parse`` (as is a row with the replacement character).
NUL_STAND_IN = "\ufffd"


def decode(content: bytes) -> str:
    """The file's text; UTF-8 (with or without a byte-order mark) only. NUL characters are
    replaced by ``NUL_STAND_IN`` so that the text can be kept for the preview."""
    if len(content) > MAX_BYTES:
        raise ValueError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from exc
    return text.replace("\x00", NUL_STAND_IN)


def _read_date(text: str) -> dt.date | None:
    """The day a cell names, or None. The common ``YYYY-MM-DD`` is read without ``strptime``
    (several times faster); every other spelling goes through the patterns."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _parse_date(text: str, today: dt.date) -> dt.date:
    text = text.strip()
    day = _read_date(text)
    if day is not None:
        if day > today:
            raise ValueError(_("%(date)s is in the future") % {"date": text})
        if day < EARLIEST:
            raise ValueError(_("%(date)s is before 1970") % {"date": text})
        return day
    raise ValueError(_("“%(date)s” is not a date (use YYYY-MM-DD)") % {"date": text})


def parse(text: str, known_codes: Iterable[str], today: dt.date) -> ParsedRoster:
    """Check every row; a row with any problem is rejected whole, with its line number and
    every reason, and the others are kept."""
    parsed = ParsedRoster()
    # Strict: a quote left open would otherwise swallow the rest of the file without a word.
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        parsed.errors.append(_("The file is empty."))
        return parsed
    except csv.Error as exc:
        parsed.errors.append(_("Line 1 cannot be read: %(error)s.") % {"error": exc})
        return parsed
    columns = [name.strip().lower() for name in header]
    known = set(known_codes)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        parsed.errors.append(
            _("Line 1: the header lacks these columns: %(names)s.") % {"names": ", ".join(missing)}
        )
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        parsed.errors.append(
            _("Line 1: these columns appear more than once: %(names)s.")
            % {"names": ", ".join(repeated)}
        )
    courses = [name for name in columns if name not in REQUIRED_COLUMNS]
    unknown = [name or _("(empty)") for name in courses if name not in known]
    if unknown:
        parsed.errors.append(
            _("Line 1: these columns are not course codes of your catalogue: %(names)s.")
            % {"names": ", ".join(unknown)}
        )
    if parsed.errors:
        return parsed
    parsed.course_codes = tuple(courses)
    seen: dict[str, int] = {}
    count = 0
    previous_line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # The reader cannot tell where the broken row ends, so nothing after it can be
            # trusted: the whole file is refused, naming the line where it became unreadable.
            parsed.rows.clear()
            parsed.rejections.clear()
            parsed.errors.append(
                _(
                    "Line %(line)d cannot be read (%(error)s), and nothing from that line on "
                    "can be: nothing was imported. Check that line for a quote that is not "
                    "closed, then upload the file again."
                )
                % {"line": previous_line + 1, "error": exc}
            )
            return parsed
        line, previous_line = previous_line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        count += 1
        if count > MAX_ROWS:
            parsed.errors.append(
                _("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS}
            )
            return parsed
        row, rejection = _parse_row(line, columns, cells, courses, seen, today)
        if rejection is not None:
            parsed.rejections.append(rejection)
        else:
            assert row is not None
            seen[row.badge_number] = line
            parsed.rows.append(row)
    return parsed


def _parse_row(
    line: int,
    columns: list[str],
    cells: list[str],
    courses: list[str],
    seen: Mapping[str, int],
    today: dt.date,
) -> tuple[RosterRow | None, Rejection | None]:
    badge_guess = cells[columns.index("badge_number")].strip() if len(cells) == len(columns) else ""
    if len(cells) != len(columns):
        reason = _("expected %(expected)d values, found %(found)d") % {
            "expected": len(columns),
            "found": len(cells),
        }
        return None, Rejection(line, badge_guess, reason)
    value = {name: cell.strip() for name, cell in zip(columns, cells, strict=True)}
    reasons: list[str] = []
    damaged = [
        name
        for name, cell in zip(columns, cells, strict=True)
        if "\x00" in cell or NUL_STAND_IN in cell
    ]
    if damaged:
        reasons.append(
            _("%(names)s: contains a NUL character or an unreadable character (�)")
            % {"names": ", ".join(damaged)}
        )
    badge = value["badge_number"]
    if not badge:
        reasons.append(_("badge_number is empty"))
    elif len(badge) > 30:
        reasons.append(_("badge_number is longer than 30 characters"))
    elif badge in seen:
        reasons.append(
            _("badge number %(badge)s already appears on line %(line)d")
            % {"badge": badge, "line": seen[badge]}
        )
    for name, limit in (("last_name", 100), ("first_name", 100), ("shift", 40), ("district", 60)):
        if len(value[name]) > limit:
            reasons.append(_("%(name)s is too long") % {"name": name})
    for name in ("last_name", "first_name"):
        if not value[name]:
            reasons.append(_("%(name)s is empty") % {"name": name})
    role = ROLE_WORDS.get(value["role"].lower())
    if role is None:
        reasons.append(
            _("role “%(role)s” is not one of: %(roles)s")
            % {"role": value["role"], "roles": ", ".join(TraineeRole.values)}
        )
    elif role == TraineeRole.PATROL and not (value["shift"] and value["district"]):
        reasons.append(_("a patrol officer needs a shift and a district"))
    volunteer = value["cit_volunteer"].lower()
    if volunteer in YES:
        selection = CitSelection.VOLUNTEER
    elif volunteer in NO:
        selection = CitSelection.ASSIGNED
    elif not volunteer:
        selection = CitSelection.UNKNOWN
    else:
        selection = CitSelection.UNKNOWN
        reasons.append(_("cit_volunteer must be yes, no or empty"))
    completions: list[tuple[str, dt.date]] = []
    for code in courses:
        for part in value[code].split(";"):
            if not part.strip():
                continue
            try:
                day = _parse_date(part, today)
            except ValueError as exc:
                reasons.append(f"{code}: {exc}")
                continue
            if (code, day) not in completions:
                completions.append((code, day))
    if reasons:
        return None, Rejection(line, badge, "; ".join(reasons))
    assert role is not None
    return (
        RosterRow(
            line=line,
            badge_number=badge,
            last_name=value["last_name"],
            first_name=value["first_name"],
            role=role,
            shift=value["shift"],
            district=value["district"],
            cit_selection=selection,
            completions=tuple(completions),
        ),
        None,
    )


# --- What applying would change ----------------------------------------------------------

NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"


@dataclass(frozen=True)
class RowPlan:
    row: RosterRow
    outcome: str  # NEW | CHANGED | UNCHANGED
    trainee: Trainee | None
    #: Field names whose values the row changes.
    changed_fields: tuple[str, ...]
    #: (course code, date) not yet on record.
    new_completions: tuple[tuple[str, dt.date], ...]


ROW_FIELDS = ("last_name", "first_name", "role", "shift", "district", "cit_selection")


#: Badge numbers looked up per query when planning (a bound on the query's parameters).
PLAN_CHUNK = 2000


def plan(organization_id: int, parsed: ParsedRoster) -> list[RowPlan]:
    """Compare every accepted row with the roster: one query for the courses and two for each
    ``PLAN_CHUNK`` rows, whatever the file's size. The caller has checked that the actor may
    read this organization's roster."""
    courses = {
        c.code: c.pk
        for c in Course.objects.filter(
            organization_id=organization_id, code__in=parsed.course_codes
        )
    }
    code_by_course = {pk: code for code, pk in courses.items()}
    plans: list[RowPlan] = []
    for first in range(0, len(parsed.rows), PLAN_CHUNK):
        rows = parsed.rows[first : first + PLAN_CHUNK]
        trainees = {
            t.badge_number: t
            for t in Trainee.objects.filter(
                organization_id=organization_id, badge_number__in=[row.badge_number for row in rows]
            )
        }
        recorded = (
            {
                (trainee_id, code_by_course[course_id], day)
                for trainee_id, course_id, day in Completion.objects.filter(
                    trainee_id__in=[t.pk for t in trainees.values()],
                    course_id__in=list(courses.values()),
                ).values_list("trainee_id", "course_id", "completed_on")
            }
            if trainees and courses
            else set()
        )
        for row in rows:
            trainee = trainees.get(row.badge_number)
            if trainee is None:
                plans.append(RowPlan(row, NEW, None, ROW_FIELDS, row.completions))
                continue
            changed = tuple(
                name for name in ROW_FIELDS if getattr(trainee, name) != getattr(row, name)
            )
            if not trainee.is_active:
                changed = (*changed, "is_active")
            new = tuple(
                (code, day)
                for code, day in row.completions
                if (trainee.pk, code, day) not in recorded
            )
            outcome = CHANGED if changed or new else UNCHANGED
            plans.append(RowPlan(row, outcome, trainee, changed, new))
    return plans
