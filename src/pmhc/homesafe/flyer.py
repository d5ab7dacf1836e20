"""The missing-person flyer: one printable Letter page with the photo, the name, the age, how
the person looks, what they wore and where they were last seen, and whom to call.

A flyer is public: it is printed, posted and handed out. It therefore never carries the
medical needs, the home address, the caregivers, the device or anything else only a responder
needs; ``incident_selectors.FLYER_FIELDS`` names what it reads.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Image, Paragraph, SimpleDocTemplate, Spacer, Table

from pmhc.homesafe.incident_selectors import Flyer

MARGIN = 0.6 * inch
CONTENT_WIDTH = LETTER[0] - 2 * MARGIN
PHOTO_BOX = (3.2 * inch, 4.0 * inch)
#: The image types a photo may be printed from (what reportlab reads through Pillow).
PRINTABLE = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def height_text(cm: int | None) -> str:
    if not cm:
        return ""
    inches = round(cm / 2.54)
    return f"{cm} cm ({inches // 12} ft {inches % 12} in)"


def weight_text(kg: int | None) -> str:
    if not kg:
        return ""
    return f"{kg} kg ({round(kg * 2.20462)} lb)"


def _photo(sheet: Flyer) -> Flowable | None:
    enrolment = sheet.enrolment
    if not enrolment.photo or enrolment.photo_content_type not in PRINTABLE:
        return None
    try:
        with enrolment.photo.open("rb") as handle:
            data = io.BytesIO(handle.read())
        width, height = ImageReader(data).getSize()
    except (OSError, ValueError):
        # A photo that cannot be read leaves the flyer without one rather than without a flyer.
        return None
    data.seek(0)
    scale = min(PHOTO_BOX[0] / width, PHOTO_BOX[1] / height)
    return Image(data, width=width * scale, height=height * scale)


def _local(value: object) -> str:
    if value is None:
        return ""
    return f"{timezone.localtime(value):%B %-d, %Y at %-I:%M %p}"  # type: ignore[arg-type]


def pdf(sheet: Flyer) -> bytes:
    incident, enrolment = sheet.incident, sheet.enrolment
    styles = getSampleStyleSheet()
    body = ParagraphStyle("flyer-body", parent=styles["BodyText"], fontSize=12, leading=15)
    banner = ParagraphStyle(
        "flyer-banner",
        parent=styles["Title"],
        fontSize=40,
        leading=46,
        textColor=colors.HexColor("#b50909"),
    )
    name_style = ParagraphStyle("flyer-name", parent=styles["Title"], fontSize=24, leading=28)
    call_style = ParagraphStyle(
        "flyer-call", parent=styles["Title"], fontSize=20, leading=24, spaceBefore=6
    )
    name = enrolment.full_name
    if enrolment.preferred_name and enrolment.preferred_name != enrolment.full_name:
        name = _("%(name)s (answers to %(preferred)s)") % {
            "name": enrolment.full_name,
            "preferred": enrolment.preferred_name,
        }
    age = enrolment.age_on(timezone.localdate())
    facts = [
        (_("Age"), str(age) if age is not None else ""),
        (_("Sex"), enrolment.sex),
        (_("Height"), height_text(enrolment.height_cm)),
        (_("Weight"), weight_text(enrolment.weight_kg)),
        (_("Hair"), enrolment.hair),
        (_("Eyes"), enrolment.eyes),
    ]
    rows = [
        [Paragraph(f"<b>{escape(label)}</b>", body), Paragraph(escape(value), body)]
        for label, value in facts
        if value
    ]
    details: Flowable = (
        Table(rows, colWidths=[1.0 * inch, CONTENT_WIDTH - PHOTO_BOX[0] - 1.3 * inch])
        if rows
        else Spacer(1, 1)
    )
    photo = _photo(sheet)
    top = Table(
        [[photo or Paragraph(escape(_("No photo on file.")), body), details]],
        colWidths=[PHOTO_BOX[0] + 0.2 * inch, CONTENT_WIDTH - PHOTO_BOX[0] - 0.2 * inch],
    )
    top.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])
    story: list[Flowable] = [
        Paragraph(escape(_("MISSING")), banner),
        Paragraph(escape(name), name_style),
        Spacer(1, 6),
        top,
        Spacer(1, 10),
    ]

    def section(title: str, text: str) -> None:
        if text.strip():
            story.append(Paragraph(f"<b>{escape(title)}</b>", body))
            for line in text.splitlines():
                if line.strip():
                    story.append(Paragraph(escape(line), body))
            story.append(Spacer(1, 6))

    section(_("How they look"), enrolment.description)
    section(_("Wearing when last seen"), incident.clothing)
    last_seen = ", ".join(
        part for part in (incident.last_seen_place, _local(incident.last_seen_at)) if part
    )
    section(_("Last seen"), last_seen)
    story.append(Spacer(1, 8))
    story.append(Paragraph(escape(_("If you see this person, call 911.")), call_style))
    agency = sheet.agency_name + (f": {sheet.agency_phone}" if sheet.agency_phone else "")
    story.append(
        Paragraph(
            escape(
                _("Or call %(agency)s. Reference %(reference)s.")
                % {
                    "agency": agency,
                    "reference": incident.reference,
                }
            ),
            ParagraphStyle("flyer-agency", parent=body, alignment=1),
        )
    )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=0.5 * inch,
        bottomMargin=0.5 * inch,
        title=_("Missing: %(name)s") % {"name": enrolment.full_name},
    )
    document.build(story)
    return buffer.getvalue()
