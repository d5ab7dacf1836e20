"""Frequently asked questions, agency experiences, the page on partnering with people with
lived experience and their families, and the content review of 2026-12.

New text (questions, experiences, the page) is loaded as version 1 and never replaces a row
that already exists.

The review (every figure names its source beside it; element 7 describes 42 CFR Part 2 as the
2024 rule has it and says whom HIPAA binds; the mobile crisis page names 988 and SAMHSA's
national guidelines) is the text migration 0002 now loads. On an existing install this
migration adds a new version ("Content review, December 2026", no editor) to each program type
and element whose text is still exactly the text the product first shipped (compared by its
SHA-256, in ``SHIPPED``); earlier versions are never changed. A page that staff have edited is
left as they wrote it, and the migration names it: it is theirs to review. Reversing the
migration removes the questions, experiences and page it loaded that no one has edited since
(still at version 1), and leaves the reviewed text in place.

Facts come from ../shared/FACTS.md and the seed (the BJA PMHC toolkit); every figure is
followed by "(Source: ...)".
"""

from __future__ import annotations

import hashlib
import json
from importlib import import_module

from django.db import migrations
from django.utils import timezone

INITIAL_NOTE = "Initial text, loaded with the product."
REVIEW_NOTE = "Content review, December 2026"
TOOLKIT = "Source: BJA PMHC Toolkit"

QUESTIONS = [
    {
        "slug": "what-is-a-pmhc",
        "title": "What is a police–mental health collaboration?",
        "summary": (
            "A program based in a law enforcement agency and built with mental health providers "
            "and other community partners, so that officers respond safely and appropriately to "
            "people with mental illnesses."
        ),
        "body": f"""\
A police–mental health collaboration (PMHC) lets officers respond safely and appropriately to
people with mental illnesses. It is defined by its partnerships: the law enforcement agency,
mental health providers and other community organizations plan and run it together.

Mental health calls for service are among the most complex and time-consuming that officers
handle. A collaboration helps officers stay safer, reduces repeat calls for service, eases the
strain on the agency's resources and connects people with mental illnesses to services.

Agencies have relied on these programs for about 30 years; what started in a handful of
agencies now runs in thousands ({TOOLKIT}).

Read more in [Learn](/learn/): the five program types and the ten essential elements every
program needs.
""",
    },
    {
        "slug": "which-program-type-fits",
        "title": "Which type of program fits our agency?",
        "summary": (
            "There is no one right type. Start from your community's needs and resources; many "
            "agencies combine types."
        ),
        "body": """\
The toolkit describes five types: a Crisis Intervention Team (CIT), a co-responder team, a
mobile crisis team, a case management team and a tailored approach. None is the right one
everywhere, and they are not exclusive: many agencies rely on CIT officers or on every patrol
officer and add a co-responder or mobile crisis team.

Your planning committee first looks at what goes wrong today and why, and at what the
community already has: crisis services, a place to take people, clinicians who could respond
with officers. Agencies that choose the tailored approach also weigh the size of the
jurisdiction and the number of officers on a shift.

- [Compare the five types side by side](/learn/programs/compare/)
- [Essential element 2: Program Design](/learn/elements/2/)
- [Plan](/plan/): a community profile and advice on program types for your agency
""",
    },
    {
        "slug": "request-technical-assistance",
        "title": "How do we ask for technical assistance?",
        "summary": (
            "Fill in the request form. Every request is confirmed within 36 hours "
            "(Source: BJA PMHC Toolkit)."
        ),
        "body": f"""\
Technical assistance is for law enforcement agencies and their community partners who are
starting or improving a police–mental health collaboration.

Fill in the [request form](/assistance/): who you are, your jurisdiction, what you need and
what you have already tried. Every request is confirmed within 36 hours ({TOOLKIT}). As soon
as you send it you get a reference number and a private link to follow it. Help comes by
e-mail, a call, a site visit or training.
""",
    },
    {
        "slug": "visit-a-learning-site",
        "title": "How can we visit a learning site?",
        "summary": (
            "Find a site that runs the kind of program you want to see, then ask for a visit "
            "through the technical assistance form."
        ),
        "body": f"""\
Learning sites are agencies that host site visits from colleagues and from local and state
government officials, answer questions from the field, and work with BJA's training and
technical assistance provider on materials for practitioners. The program has fourteen sites
({TOOLKIT}).

1. [Find a learning site](/learn/sites/) by program type, specialty or state.
2. [Request assistance](/assistance/) and name the site and what you would like to learn.
   TTA staff confirm the request within 36 hours ({TOOLKIT}) and arrange the contact.

Supplemental funds can be made available to agencies that want to visit a learning site
({TOOLKIT}); say in your request if you need them.
""",
    },
    {
        "slug": "share-material-with-the-field",
        "title": "How do we share a policy or training material with the field?",
        "summary": (
            "Send it through the library's submission form; TTA staff review it before it is "
            "published."
        ),
        "body": """\
The toolkit asks agencies to submit questions, policies and training materials that can
benefit others. [Submit an item](/library/submit/) with a short description and, if you wish,
a file. TTA staff review every item before it appears in the [library](/library/); you get a
private link to follow the review.

Questions go through the [technical assistance form](/assistance/).
""",
    },
    {
        "slug": "what-is-home-safe",
        "title": "What is Home Safe?",
        "summary": (
            "A Bureau of Justice Assistance program that helps agencies and families protect "
            "people at risk of wandering, such as people with dementia or autism, and find them "
            "quickly when they go missing."
        ),
        "body": """\
Home Safe comes from Kevin and Avonte's Law, named for two boys with autism who wandered from
safety and lost their lives. Through it the Bureau of Justice Assistance (BJA) funds health
care agencies, law enforcement and public safety agencies, and nonprofit organizations to use
locative technology to find missing people, and to run programs that prevent wandering,
increase safety and help rescue. The International Association of Chiefs of Police (IACP)
gives training and technical assistance to the grantees.

In pmhc, Home Safe is a voluntary registry: a family, a guardian or the person enrolls, and
only the program's law enforcement and health partners may read the record, to find the
person when they go missing.
""",
    },
    {
        "slug": "sharing-information",
        "title": "What may police and health partners share about a person?",
        "summary": (
            "What the written procedures and agreements between the partners allow, within the "
            "rules that bind each partner: HIPAA binds the health partners, and 42 CFR Part 2 "
            "covers substance use disorder treatment records."
        ),
        "body": """\
Each partnership writes down how information is released and exchanged, in procedures and
memoranda of understanding, and trains officers and clinicians on them together (essential
element 7).

- **HIPAA binds the health partners**, not the police. A police department is bound by it
  only where clinicians are part of its own workforce. HIPAA allows a disclosure to prevent
  a serious and imminent threat to health or safety (45 CFR 164.512(j)).
- **42 CFR Part 2 covers the records of federally assisted substance use disorder treatment
  programs**, not an officer's note that someone seemed intoxicated. Sharing the records still
  needs the person's written consent; under the 2024 final rule, one consent can cover all
  future uses for treatment, payment and health care operations.
- A recipient that is a HIPAA covered entity or business associate, or a Part 2 program, may
  pass the records on as HIPAA allows. Any other recipient, usually including a police
  department, may not pass them on without the person's consent. The limits on using the
  records against the person in legal proceedings remain.

Read [essential element 7: Information Exchange and Confidentiality](/learn/elements/7/).
""",
    },
]

EXPERIENCES = [
    {
        "slug": "charlotte-mecklenburg-cit",
        "title": "Charlotte-Mecklenburg Police Department: a Crisis Intervention Team",
        "summary": (
            "The Charlotte-Mecklenburg Police Department trains its officers for people in "
            "mental health crisis through a Crisis Intervention Team built with partners from "
            "across the community."
        ),
        "body": """\
Officers are often the first to respond to a person in crisis with a serious mental illness.
To prepare them, the Charlotte-Mecklenburg Police Department (CMPD) trains officers through a
Crisis Intervention Team (CIT).

CMPD's CIT is not the police department's alone. It is a community collaboration of law
enforcement, the local chapter of the National Alliance on Mental Illness (NAMI), people who
use mental health services, mental health providers, community colleges and law enforcement
training centers. The partners together prepare officers to see that a person in crisis gets
appropriate care.

**What other agencies can take from it:** CIT works as a collaboration from the start
(essential element 1), and the people it serves and their families help shape it.

The story is told on the BJA PMHC Toolkit's page of agency experiences; for more, contact the
Charlotte-Mecklenburg Police Department.
""",
    },
    {
        "slug": "one-mind",
        "title": "One Mind: agencies take a pledge",
        "summary": (
            "The IACP's One Mind Campaign unites communities, public safety organizations and "
            "mental health organizations, and asks each agency to take a pledge."
        ),
        "body": """\
The International Association of Chiefs of Police (IACP) runs the One Mind Campaign to make
encounters between police officers and people in crisis, or with mental health conditions,
go well. It brings together the local community, public safety organizations and mental
health organizations so that the three become "of one mind".

An agency joins by taking the pledge, which it carries out within 12 to 36 months (Source:
IACP, One Mind Campaign pledge):

- a clearly defined and sustainable partnership with one or more community mental health
  organizations;
- a model policy on responding to people with mental illness, put into practice;
- every sworn officer trained, and selected non-sworn staff such as dispatchers: at least 20
  percent in CIT or an equivalent, and the rest in Mental Health First Aid for Public Safety
  or an equivalent (Source: IACP, One Mind Campaign pledge).

In pmhc, [Plan](/plan/) keeps an agency's pledge and its model policy, and Train shows how
many officers are trained. More on the campaign: [IACP](https://www.theiacp.org/).
""",
    },
    {
        "slug": "home-safe",
        "title": "Home Safe: keeping people at risk of wandering safe",
        "summary": (
            "Families, agencies and the Bureau of Justice Assistance work together so that "
            "people with dementia, autism and related conditions who wander are found quickly."
        ),
        "body": """\
Many families caring for an aging parent or a child with a developmental disability live with
the fear that their relative will wander from supervision, sometimes with tragic results.
Kevin and Avonte's Law (H.R. 4221 and S. 2070) is named for two boys with autism who wandered
from safety and lost their lives. It supports work that reduces the risk of injury or death of
people with dementia, autism and related conditions who may wander from safe places.

Under the law, the Bureau of Justice Assistance funds health care agencies, law enforcement
and public safety agencies, and nonprofit organizations to:

- use locative technology to find missing people;
- run programs that prevent wandering, increase safety and help rescue;
- teach caregivers how to prevent wandering, and give officers the tools to find missing
  loved ones.

The IACP gives training and technical assistance to the grantees. In pmhc, Home Safe is a
voluntary registry that families enroll in and keep current, read only by the program's law
enforcement and health partners.
""",
    },
]

LIVED_EXPERIENCE = {
    "slug": "lived-experience",
    "title": "Partnering with people with lived experience and their families",
    "summary": (
        "People with lived experience of mental illness, and their families, are key partners: "
        "they know first-hand the challenges of the mental health and criminal justice "
        "systems, and what treatment and supports recovery needs."
    ),
    "body": """\
Community organizations that represent people with mental illness and their families also
have wide support in the community, and can bring education, training, policy review and
problem-solving to a collaboration. Partnering means they take part in decisions at every
step, not only in one meeting.

## Plan

- A seat on the planning committee, with the same say as the other partners (essential
  element 1 names people with lived experience and families among the partners).
- In the self-assessment, members with lived experience or family experience rate the program
  alongside the agency and its mental health partners.
- Their organizations review draft policies and help solve the problems the committee finds.

## Train

- The mental health partners and people with lived experience help write and teach the
  curriculum (essential element 3). CIT courses include panels of people with lived
  experience and family members.

## Respond

- A response plan is written with the person: what calms them, what to avoid, how to talk
  with them and whom to call. Family members can be named as contacts.
- Families know their relative best. In Home Safe, a family enrolls a relative at risk of
  wandering, says what calms them and where they go, and keeps the record current.

## Follow up

- Referrals and case management keep the person connected to services after the call, with
  their consent to what is shared and with whom.

## Evaluate

- Essential element 10 asks for community perceptions of the program: ask the people it
  served and their families, and bring them into the committee's review of the results.

## Questions for your planning committee

- Who on the committee speaks from lived experience, and who speaks for families?
- Did people with lived experience help write and teach our training?
- How does a person take part in writing their own response plan?
- How do we hear from the people the program served, and from their families?
""",
}


def _create(PageContent, ContentVersion, *, kind, item, number=None):
    if PageContent.objects.filter(kind=kind, slug=item["slug"]).exists():
        return
    content = PageContent.objects.create(
        kind=kind,
        slug=item["slug"],
        number=number,
        title=item["title"],
        summary=item["summary"],
        body=item["body"],
        is_published=True,
        version=1,
    )
    ContentVersion.objects.create(
        content=content,
        version=1,
        title=content.title,
        summary=content.summary,
        body=content.body,
        facts=content.facts,
        note=INITIAL_NOTE,
    )


def load(apps, schema_editor):
    PageContent = apps.get_model("toolkit", "PageContent")
    ContentVersion = apps.get_model("toolkit", "ContentVersion")
    for number, item in enumerate(QUESTIONS, start=1):
        _create(PageContent, ContentVersion, kind="faq", item=item, number=number)
    for number, item in enumerate(EXPERIENCES, start=1):
        _create(PageContent, ContentVersion, kind="experience", item=item, number=number)
    _create(PageContent, ContentVersion, kind="page", item=LIVED_EXPERIENCE)


def _digest(title, summary, body, facts) -> str:
    text = json.dumps([title, summary, body, facts or {}], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


#: The SHA-256 of each program type's and element's text (title, summary, body, facts) as the
#: product first shipped it, before the review.
SHIPPED = {
    ("program_type", "cit"): "daf4f01f9e48e0ddfc3486e0b90e0f44dbceb56400772907e9b1b6edeb7a637b",
    (
        "program_type",
        "co-responder",
    ): "4a0fb5db4f3a141da909df8bd6c87bdec80903ce7803874efa0d3bda9b8b5e69",
    (
        "program_type",
        "mobile-crisis",
    ): "8671142a5cdc3dc522723ed74951278ff32e948c3895db12535a0d31685e407c",
    (
        "program_type",
        "case-management",
    ): "b6ae1d72685d452cc9a8ef8d3c10cb9239cd07947dbed63cd03b6d5d44505095",
    (
        "program_type",
        "tailored",
    ): "9cf0c3d0f506ca9ecd7c68c921db97c5815e97fb6f35e8dc34ccb90ff8013aff",
    (
        "element",
        "collaborative-planning-and-implementation",
    ): "5ea792c037adbe9a8b602098608e25c5490b5296af4583fc7a2bef4907c4eb9b",
    (
        "element",
        "program-design",
    ): "9ec7a984cf23fbe8b51300de43362845e5651e1139188cfbf07c83ee5566bc42",
    (
        "element",
        "specialized-training",
    ): "4d781ba5d0fe2241e282fea1658eb285032c5a6fe4d47dc0b16848d59c7227cc",
    (
        "element",
        "call-taker-and-dispatcher-protocols",
    ): "c3a2407b406ce39c4f56b173f3f7ea04a92d9a8ee2b0705ae0e6541439d21b66",
    (
        "element",
        "stabilization-observation-and-disposition",
    ): "1f8885eade144d90871a4fb981c40ae5ec578f593a754843c359ef056cdb080d",
    (
        "element",
        "transportation-and-custodial-transfer",
    ): "565e1fcdbc51e072285e6174e60f739d792b3ec6562103016a4ad8b11cf95553",
    (
        "element",
        "information-exchange-and-confidentiality",
    ): "1999597bc247b40f51d835b54641c7b0b189f28077ce9458868486fc2bd89525",
    (
        "element",
        "treatment-supports-and-services",
    ): "5bced97e95e00583ee90dd517dcb887261f07a3f80ba55e2849cba4f5377c44a",
    (
        "element",
        "organizational-support",
    ): "7ea9f9c2273bb3700778443d70de111c8eec25197256e41a0ee3f632f9d97eb4",
    (
        "element",
        "program-evaluation-and-sustainability",
    ): "554ac6cbe2e67d016387b907aeba278b66e413d50d901d62922ea22a58e3115b",
}


def review(apps, schema_editor) -> list[str]:
    """Bring the program types and elements still at their shipped text up to the reviewed
    text, as a new version; return the slugs of pages left alone because staff edited them."""
    PageContent = apps.get_model("toolkit", "PageContent")
    ContentVersion = apps.get_model("toolkit", "ContentVersion")
    initial = import_module("pmhc.toolkit.migrations.0002_program_and_element_content")
    rows = [("program_type", item) for item in initial.PROGRAM_TYPES] + [
        ("element", item) for item in initial.ELEMENTS
    ]
    left_alone = []
    for kind, item in rows:
        text = {
            "title": item["title"],
            "summary": item["summary"],
            "body": item["body"],
            "facts": item.get("facts", {}),
        }
        reviewed = _digest(**text)
        for content in PageContent.objects.filter(kind=kind, slug=item["slug"]):
            current = _digest(content.title, content.summary, content.body, content.facts)
            if current == reviewed:
                continue
            if current != SHIPPED.get((kind, item["slug"])):
                left_alone.append(f"{kind}/{item['slug']}")
                continue
            version = content.version + 1
            ContentVersion.objects.create(
                content=content, version=version, note=REVIEW_NOTE, edited_by=None, **text
            )
            PageContent.objects.filter(pk=content.pk).update(
                version=version, updated_by=None, updated_at=timezone.now(), **text
            )
    return left_alone


def unload(apps, schema_editor):
    """Remove the questions, experiences and page this migration loaded, if no one edited them."""
    PageContent = apps.get_model("toolkit", "PageContent")
    PageContent.objects.filter(
        kind__in=["faq", "experience"],
        slug__in=[item["slug"] for item in QUESTIONS + EXPERIENCES],
        version=1,
    ).delete()
    PageContent.objects.filter(kind="page", slug=LIVED_EXPERIENCE["slug"], version=1).delete()


def forwards(apps, schema_editor):
    load(apps, schema_editor)
    left_alone = review(apps, schema_editor)
    if left_alone:
        print(
            "\n  Content review: left as staff edited them, to review by hand: "
            + ", ".join(left_alone)
        )


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0005_page_content_questions_and_experiences")]
    operations = [migrations.RunPython(forwards, unload)]
