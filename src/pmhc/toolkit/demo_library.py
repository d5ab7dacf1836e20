"""Demo data for the resource library: synthetic submissions from the demo county's agencies,
some published with their tags, some waiting for review, one sent back for changes and one
declined. Every title says "(synthetic)" and every submitter address is on demo.pmhc.invalid.

The texts are outlines built from the facts in FACTS.md (what each essential element asks
for); they name no real agency and state no figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pmhc.platform.access import Actor, actor_for_user
from pmhc.toolkit.models import ProgramTypeCode, ResourceKind
from pmhc.toolkit.services import library as services

if TYPE_CHECKING:
    # Only for the annotation: the generator imports this module to register the step.
    from pmhc.demo.context import DemoContext

P = ProgramTypeCode
K = ResourceKind

AGENCIES = (
    "Example County Police Department (synthetic)",
    "Example County Behavioral Health Center (synthetic)",
    "Example County Sheriff's Office (synthetic)",
    "Example City 911 Communications (synthetic)",
    "Example County Family Alliance (synthetic)",
)


@dataclass(frozen=True)
class DemoItem:
    kind: str
    title: str
    summary: str
    body: str
    elements: tuple[int, ...] = ()
    program_types: tuple[str, ...] = ()
    #: "publish", "wait", "changes" or "reject"
    outcome: str = "publish"
    note: str = ""


ITEMS: tuple[DemoItem, ...] = (
    DemoItem(
        K.POLICY,
        "Model policy: responding to people in a mental health crisis (synthetic)",
        "An outline of a department policy for calls that involve a person in a mental health "
        "crisis, from dispatch to disposition. Written for the demo; adapt it with your "
        "partners.",
        "## Purpose\n\nSafe, respectful responses that connect people to care and favor "
        "alternatives to jail where no serious crime occurred.\n\n"
        "## On scene\n\n- De-escalate safely; take time where safety allows.\n"
        "- Decide whether a crime occurred and whether the person is a danger to self or "
        "others.\n\n"
        "## Disposition\n\n- Follow the written disposition guidelines agreed with the mental "
        "health partners.\n- Record the disposition, including any linkage to services.\n\n"
        "## Transport and transfer\n\n- Transport safely and sensitively; record the time and "
        "method of the custodial transfer.\n",
        elements=(5, 6, 9),
        program_types=(P.CIT, P.TAILORED),
    ),
    DemoItem(
        K.DISPATCH_PROTOCOL,
        "Call-taker questions for calls that may involve a mental health crisis (synthetic)",
        "A short list of questions for call-takers, written with the mental health partners, "
        "and rules for recording mental health indicators in CAD.",
        "## Ask\n\n1. What is the person doing right now? Describe the behavior.\n"
        "2. Is the person a danger to themselves or to others?\n"
        "3. Does the person have access to weapons?\n"
        "4. Do you know of treatment for mental health or substance use?\n"
        "5. Any history of violence, or of being a victim of violence?\n\n"
        "## Then\n\n- Check which designated responders are on duty and send them.\n"
        "- Record the mental health indicators in CAD as the agency's rules say.\n",
        elements=(4,),
        program_types=(P.CIT, P.CO_RESPONDER, P.MOBILE_CRISIS),
    ),
    DemoItem(
        K.MOU,
        "Information-sharing MOU between a police department and a behavioral health center "
        "(synthetic)",
        "A template memorandum of understanding for the release and exchange of information "
        "between partners, with cross-training on its procedures.",
        "## Parties and purpose\n\nThe police department and the behavioral health center "
        "agree how they exchange information to help people in crisis while protecting their "
        "confidentiality.\n\n"
        "## What may be shared, and when\n\n- Only what the purpose needs.\n"
        "- Health information in a serious and imminent threat (HIPAA, 45 CFR 164.512(j)).\n"
        "- Substance use treatment records only with written consent (42 CFR Part 2).\n\n"
        "## Training and review\n\nStaff of both partners are cross-trained on these "
        "procedures; the partners review the agreement together.\n",
        elements=(7,),
        program_types=(P.CO_RESPONDER, P.MOBILE_CRISIS),
    ),
    DemoItem(
        K.CURRICULUM,
        "Outline of a 40-hour CIT course (synthetic)",
        "The topics of a 40-hour Crisis Intervention Team course for volunteer patrol "
        "officers, planned with the mental health partners.",
        "## Topics\n\n- Mental illnesses and substance use\n- Suicide\n- Youth and elders\n"
        "- PTSD\n- Medications\n- Panels of consumers and families\n- Site visits\n"
        "- Role play and de-escalation\n\n"
        "## Who takes it\n\nOfficers who volunteer; enough of them to cover every shift and "
        "district. Supervisors, field training officers and dispatchers are included.\n",
        elements=(3,),
        program_types=(P.CIT,),
    ),
    DemoItem(
        K.EVALUATION,
        "Baseline data checklist for a new co-responder program (synthetic)",
        "What to collect before a program starts, so that its effect can be measured later "
        "against the four key outcomes.",
        "## Collect from the start\n\n- Injuries and deaths of officers and civilians\n"
        "- Response times\n- Incidents handled by trained officers\n- Repeat calls for service\n"
        "- Dispositions, including linkage to services\n"
        "- Time and method of custodial transfer\n- Officer and community perceptions\n",
        elements=(10,),
        program_types=(P.CO_RESPONDER, P.TAILORED),
    ),
    DemoItem(
        K.FORM,
        "Custodial transfer log (synthetic)",
        "A one-page form to record when and how a person was handed over to a receiving "
        "facility, so officers return to duty quickly and the program can measure it.",
        "| Field | What to write |\n| --- | --- |\n| Arrival | Date and time at the facility |\n"
        "| Handoff | Date and time the facility took over |\n"
        "| Method | Walk-in, ambulance or patrol car |\n| Officer | Badge number |\n",
        elements=(6, 10),
        program_types=(P.CIT, P.CO_RESPONDER),
    ),
    DemoItem(
        K.QUESTION,
        "How do other agencies keep trained officers on every shift? (synthetic)",
        "A question from a mid-sized department planning its first CIT class.",
        "We are planning our first CIT class. How do agencies make sure trained officers are "
        "on duty on every shift and in every district, when officers volunteer for the "
        "course?",
        elements=(3, 9),
        program_types=(P.CIT,),
    ),
    DemoItem(
        K.POLICY,
        "Follow-up visits for people who call repeatedly (synthetic draft)",
        "A draft procedure for a case management team that visits people who call for "
        "service often, with their behavioral health partners.",
        "## Draft\n\n- The team reviews repeat calls each week.\n"
        "- An officer and a behavioral health professional visit together.\n"
        "- The team records referrals and follow-up.\n",
        outcome="wait",
    ),
    DemoItem(
        K.QUESTION,
        "Should call-takers record mental health indicators in CAD? (synthetic)",
        "A question from a communications center about what to record, and who may see it.",
        "Our call-takers ask about mental health on some calls. Should the answers be recorded "
        "in CAD, and who should be able to see them later?",
        outcome="wait",
    ),
    DemoItem(
        K.FORM,
        "Planning committee membership worksheet (synthetic)",
        "A worksheet to check that the planning committee includes the partners it needs.",
        "- Mental health providers\n- People with lived experience and their families\n"
        "- Advocates\n- Optional: substance use and health providers, housing, hospitals, "
        "prosecutors, jail staff, elected officials, funders\n",
        outcome="wait",
    ),
    DemoItem(
        K.CURRICULUM,
        "Dispatcher crisis-call training session plan (synthetic)",
        "A session plan for call-takers and dispatchers on crisis calls.",
        "## Sessions\n\n1. Recognizing a mental health crisis on the phone\n"
        "2. The call-taker questions\n3. Sending designated responders\n",
        outcome="changes",
        note=(
            "Thank you. Please add how long each session takes and who teaches it (by role, "
            "not by name), then send it back."
        ),
    ),
    DemoItem(
        K.POLICY,
        "Brochure for a commercial crisis-response app (synthetic)",
        "Product information from a vendor.",
        "A brochure describing a commercial product.",
        outcome="reject",
        note="The library shares practice from agencies and their partners, not advertising.",
    ),
)


def _reviewer(ctx: DemoContext) -> Actor:
    user = ctx.users.get("tta_staff")
    return actor_for_user(user) if user is not None else ctx.actor


def step(ctx: DemoContext) -> None:
    reviewer = _reviewer(ctx)
    counts = {"publish": 0, "wait": 0, "changes": 0, "reject": 0}
    for demo in ITEMS:
        given, family = ctx.person_name()
        item, _token = services.submit_item(
            ctx.actor,
            kind=demo.kind,
            title=demo.title,
            summary=demo.summary,
            body=demo.body,
            submitter_name=f"{given} {family}",
            submitter_email=f"{given}.{family}@demo.pmhc.invalid".lower(),
            submitter_agency=ctx.rng.choice(AGENCIES),
        )
        if demo.outcome == "publish":
            services.publish_item(
                reviewer,
                item=item,
                kind=demo.kind,
                elements=demo.elements,
                program_types=demo.program_types,
            )
        elif demo.outcome == "changes":
            services.request_changes(reviewer, item=item, note=demo.note)
        elif demo.outcome == "reject":
            services.reject_item(reviewer, item=item, reason=demo.note)
        counts[demo.outcome] += 1
    ctx.log(
        f"  library: {counts['publish']} published, {counts['wait']} waiting for review, "
        f"{counts['changes']} sent back for changes, {counts['reject']} declined"
    )
