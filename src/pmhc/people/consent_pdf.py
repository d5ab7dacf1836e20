"""The consent form the agency prints for signature: blank for a person, or the filled copy
of a recorded consent. Drawn with reportlab, letter size, in plain text a screen reader and a
text extractor can read."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from pmhc.people.consent_forms import data_class_label
from pmhc.people.consent_notice import PART2_PLAIN, PART2_SECTION, PART2_STATEMENT, REVOCATION
from pmhc.people.consent_selectors import ConsentRead
from pmhc.people.models import CONSENT_DATA_CLASSES, GivenBy, Person
from pmhc.platform.models import Organization, Purpose

BLANK = "_" * 40
CHECKBOX = "[  ]"
CHECKED = "[X]"


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sheet["BodyText"])
    return {
        "title": ParagraphStyle("title", parent=sheet["Title"]),
        "heading": ParagraphStyle("heading", parent=sheet["Heading3"]),
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
    }


def _esc(text: object) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _person_line(person: Person) -> str:
    born = person.date_of_birth.isoformat() if person.date_of_birth else BLANK[:12]
    return _("Person: %(name)s    Date of birth: %(born)s") % {"name": person, "born": born}


def _choices(options: Iterable[tuple[str, object]], chosen: set[str] | None) -> str:
    return "    ".join(
        f"{CHECKED if chosen is not None and value in chosen else CHECKBOX} {label}"
        for value, label in options
    )


def render(
    *,
    organization: Organization,
    person: Person,
    read: ConsentRead | None = None,
) -> bytes:
    """The form as PDF bytes: the filled copy of ``read``'s consent, or a blank form."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=str(_("Consent to share information")),
        author=organization.name,
        leftMargin=0.8 * inch,
        rightMargin=0.8 * inch,
        topMargin=0.7 * inch,
        bottomMargin=0.7 * inch,
    )
    st = _styles()
    consent = read.consent if read is not None else None
    story: list[Flowable] = [
        Paragraph(_esc(_("Consent to share information")), st["title"]),
        Paragraph(_esc(organization.name), st["body"]),
        Paragraph(_esc(_person_line(person)), st["body"]),
        Spacer(1, 8),
        Paragraph(_esc(_("1. Who gives this consent")), st["heading"]),
    ]
    if consent is None or read is None:
        story += [
            Paragraph(_esc(_choices(GivenBy.choices, None)), st["body"]),
            Paragraph(_esc(_("Representative's name: ") + BLANK), st["body"]),
            Paragraph(_esc(_("Relationship to the person: ") + BLANK), st["body"]),
        ]
    else:
        story.append(Paragraph(_esc(_choices(GivenBy.choices, {consent.given_by})), st["body"]))
        if consent.given_by == GivenBy.REPRESENTATIVE:
            story += [
                Paragraph(
                    _esc(_("Representative's name: ") + str(read.fields["representative_name"])),
                    st["body"],
                ),
                Paragraph(
                    _esc(
                        _("Relationship to the person: ")
                        + str(read.fields["representative_relationship"])
                    ),
                    st["body"],
                ),
            ]
    story.append(Paragraph(_esc(_("2. To whom the information may go")), st["heading"]))
    if consent is None or read is None:
        story += [
            Paragraph(
                _esc(
                    CHECKBOX
                    + " "
                    + _(
                        "Any partner of this organization under a data-sharing "
                        "agreement in force (not for substance use disorder records)"
                    )
                ),
                st["body"],
            ),
            Paragraph(_esc(CHECKBOX + " " + _("These organizations: ") + BLANK), st["body"]),
        ]
    elif consent.any_recipient:
        story.append(
            Paragraph(
                _esc(
                    CHECKED
                    + " "
                    + _("Any partner of this organization under a data-sharing agreement in force")
                ),
                st["body"],
            )
        )
    else:
        names = ", ".join(org.name for org in read.recipients)
        story.append(
            Paragraph(_esc(CHECKED + " " + _("These organizations: ") + names), st["body"])
        )
    data_options = [(c, data_class_label(c)) for c in CONSENT_DATA_CLASSES]
    purpose_options = [
        (p.value, p.label)
        for p in (Purpose.ACTIVE_CALL, Purpose.CASE_MANAGEMENT, Purpose.EMERGENCY)
    ]
    story += [
        Paragraph(_esc(_("3. What information")), st["heading"]),
        Paragraph(
            _esc(_choices(data_options, set(consent.data_classes) if consent else None)),
            st["body"],
        ),
        Paragraph(_esc(_("4. For what purpose")), st["heading"]),
        Paragraph(
            _esc(_choices(purpose_options, set(consent.purposes) if consent else None)), st["body"]
        ),
        Paragraph(_esc(_("5. For how long")), st["heading"]),
    ]
    if consent is None:
        story.append(
            Paragraph(
                _esc(
                    _("From: ") + BLANK[:16] + "    " + _("Until (or until revoked): ") + BLANK[:16]
                ),
                st["body"],
            )
        )
    else:
        until = consent.valid_until.isoformat() if consent.valid_until else _("until revoked")
        story.append(
            Paragraph(
                _esc(
                    _("From: %(start)s    Until: %(end)s")
                    % {"start": consent.valid_from.isoformat(), "end": until}
                ),
                st["body"],
            )
        )
    if consent is None or consent.part2:
        heading = _("Notice under %(section)s (substance use disorder records)") % {
            "section": PART2_SECTION
        }
        story += [
            Paragraph(_esc(heading), st["heading"]),
            Paragraph(_esc(PART2_STATEMENT), st["body"]),
            Paragraph(_esc(PART2_PLAIN), st["body"]),
        ]
    story += [
        Paragraph(_esc(_("Revoking this consent")), st["heading"]),
        Paragraph(_esc(REVOCATION), st["body"]),
        Spacer(1, 18),
    ]
    table = Table(
        [
            [_("Signature"), "", _("Date"), ""],
            [_("Printed name"), "", _("Witness"), ""],
        ],
        colWidths=[1.1 * inch, 2.6 * inch, 0.8 * inch, 2.3 * inch],
        rowHeights=[0.45 * inch, 0.45 * inch],
    )
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (1, -1), 0.6, colors.black),
                ("LINEBELOW", (3, 0), (3, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    story.append(table)
    footer = (
        _("Recorded consent %(pk)s, printed %(when)s")
        % {"pk": consent.pk, "when": timezone.localdate().isoformat()}
        if consent is not None
        else _("Blank form printed %(when)s") % {"when": timezone.localdate().isoformat()}
    )
    story += [Spacer(1, 12), Paragraph(_esc(footer), st["small"])]
    doc.build(story)
    return buffer.getvalue()
