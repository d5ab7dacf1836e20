"""The initial text of the five program types and the 10 essential elements.

Facts come from ../shared/FACTS.md and the seed (the BJA PMHC toolkit); the words are the
product's own, except each element's intent, which is the toolkit's one-line definition. TTA
staff edit all of it in the product afterwards (each edit is a new ``ContentVersion``), so this
migration only loads version 1 and never touches rows that already exist.

The text was reviewed in 2026-12 (every figure names its source; element 7 follows the 2024
Part 2 rule; the mobile crisis page names 988 and SAMHSA's guidelines); migration 0006 brings
pages that were never edited up to this text.
"""

from __future__ import annotations

from django.db import migrations

INITIAL_NOTE = "Initial text, loaded with the product."

# --- The five program types -----------------------------------------------------------------
# facts: the rows of the side-by-side comparison (who_responds, training, staffing, depends_on,
# fits). Where the sources say nothing, the text says so rather than guessing.

PROGRAM_TYPES = [
    {
        "slug": "cit",
        "title": "Crisis Intervention Team (CIT)",
        "summary": (
            "Patrol officers who volunteer for the role take a 40-hour course and are then sent "
            "to mental health calls, on top of their usual patrol duties. It began in Memphis "
            "and is the approach agencies use most (Source: BJA PMHC Toolkit)."
        ),
        "facts": {
            "who_responds": (
                "Patrol officers who volunteered and completed CIT training, sent to mental "
                "health calls or to help officers who are not CIT-trained."
            ),
            "training": (
                "A 40-hour course for the officers (Source: BJA PMHC Toolkit); about 8 hours for "
                "dispatchers (Source: CIT International)."
            ),
            "staffing": (
                "About a quarter of the patrol force, enough to cover every shift and district "
                "(Source: BJA PMHC Toolkit)."
            ),
            "depends_on": (
                "Mental health partners to reach a disposition with, and a place to take people "
                "(diversion services or a receiving center) so officers return to patrol quickly."
            ),
            "fits": (
                "The most widely used approach. The sources here tie it to no jurisdiction "
                "size; it needs enough volunteers on every shift."
            ),
        },
        "body": """\
## How it works

A group of patrol officers volunteers for the role and completes a 40-hour course. From then
on, call-takers send them to calls where mental illness seems to be a factor, and to help
officers who have not had the training. They keep their usual patrol duties. On scene they use
what they learned and work with mental health providers to reach the right disposition
(Source: BJA PMHC Toolkit).

The approach started in the Memphis, Tennessee police, which is why it is often called the
"Memphis Model". Its idea is that experienced officers who choose this work are the best
people to answer these calls.

## Who responds

CIT officers: patrol officers who volunteered. Officers are not assigned to CIT; they choose it.

## Staffing

The toolkit describes about 25 percent of the patrol force (Source: BJA PMHC Toolkit).
Coverage matters more than any one percentage: a trained officer should be available on every
shift and in every district.

## Training

- **Officers:** 40 hours on mental illnesses and substance use, suicide, youth and elders,
  post-traumatic stress, medications, panels of people with lived experience and family
  members, site visits, role play and de-escalation (Source: BJA PMHC Toolkit).
- **Dispatchers and call-takers:** about 8 hours in CIT International's course (Source: CIT
  International).
- **Supervisors and field training officers** are trained too (see essential element 3).

## What it depends on

- **Mental health partners.** CIT is a community collaboration; the partners help shape the
  curriculum and work with officers on dispositions.
- **A place to take a person in crisis.** Where diversion services or a receiving center are in
  place, officers get back to patrol much sooner. Memphis reported officers back on patrol in
  about 15 minutes instead of hours (Source: the Memphis Police Department's own reports).
- **Dispatchers who know which CIT officers are on duty** and send them (essential element 4).

## Where it fits

CIT is the most common approach. The sources behind this toolkit do not tie it to a
jurisdiction size, a call volume or a rural or urban setting. What it needs everywhere is
enough volunteers to cover each shift and district.

## What research reports

In a study of 1,063 encounters, CIT-trained officers more often used verbal engagement as
their highest level of force, more often referred or transported people to services, and made
fewer arrests (Source: Compton and colleagues, 2014).
""",
    },
    {
        "slug": "co-responder",
        "title": "Co-responder team",
        "summary": (
            "A specially trained officer and a mental health crisis worker answer mental health "
            "calls together, combining what each knows to link people to services."
        ),
        "facts": {
            "who_responds": "A specially trained officer and a mental health crisis worker, together.",
            "training": "Specialized training for the officer; the sources here set no number of hours.",
            "staffing": (
                "Officer and crisis-worker pairs, most often in the same car for a whole shift; "
                "otherwise the crisis worker meets officers on scene."
            ),
            "depends_on": (
                "A mental health partner that provides the crisis workers, services to link "
                "people to, and written rules for sharing information."
            ),
            "fits": (
                "The whole jurisdiction, or the areas with the most mental health calls. The "
                "sources here give no jurisdiction size."
            ),
        },
        "body": """\
## How it works

An officer with specialized training and a mental health crisis worker answer mental health
calls together. With both kinds of expertise on scene, the team can link people to the right
services or find another response that works.

The most common arrangement is for the two to ride in the same vehicle for a whole shift. In
other agencies the crisis worker meets officers at the scene and they handle the call
together.

## Who responds

The officer and the crisis worker, as one team.

## Staffing and training

- Pairs of an officer and a crisis worker, scheduled together.
- The officer has specialized training; the sources behind this toolkit do not set its length.
- Every other responder still needs the training essential element 3 asks for, so that calls
  the team cannot reach are handled well too.

## What it depends on

- **A mental health partner** whose crisis workers ride with, or meet, officers.
- **Services to link people to** (essential element 8).
- **Written procedures and agreements (MOUs)** on what the officer and the crisis worker may
  share with each other (essential element 7).

## Where it fits

Teams can respond across the whole jurisdiction, or work in the areas with the greatest
number of mental health calls, which suits a call volume concentrated in some areas. The
sources behind this toolkit do not tie the approach to a jurisdiction size or to a rural or
urban setting.
""",
    },
    {
        "slug": "mobile-crisis",
        "title": "Mobile crisis team",
        "summary": (
            "Mental health professionals respond when officers ask for them, and also when "
            "community members, families or friends call, to stabilize a crisis and avoid "
            "unnecessary jail bookings or emergency room visits."
        ),
        "facts": {
            "who_responds": "Mental health professionals, at the request of officers or of the public.",
            "training": (
                "Crisis workers skilled at stabilizing encounters; the officers who call them "
                "still need the training every responder gets."
            ),
            "staffing": (
                "A team of mental health professionals available on request; not dedicated to "
                "law enforcement alone."
            ),
            "depends_on": (
                "Mental health services the team can secure for the person, including further "
                "evaluation and treatment."
            ),
            "fits": (
                "Where one team can serve both the police and the public. The sources here give "
                "no jurisdiction size."
            ),
        },
        "body": """\
## How it works

A team of mental health professionals is available to respond to calls for service when law
enforcement officers ask for them. Its goal is to keep people out of unnecessary jail bookings
and emergency rooms. The crisis workers help stabilize the encounter and take charge of
securing mental health services for the person, including further evaluation and treatment
for someone in crisis.

The team does not work only for the police: community members, families and friends can ask
for it directly.

## Who responds

Mental health professionals, called in by officers or directly by community members,
families and friends.

## Staffing and training

- A team of mental health professionals, available on request.
- Crisis workers skilled at stabilizing encounters. Officers still need the training essential
  element 3 asks for every responder, including when to call the team.
- Planning figures from the field: Crisis Now plans for 230 crisis episodes per 100,000 people
  (Source: Crisis Now). Queueing models (Erlang B and C) are the standard way to size response
  units.

## What it depends on

- **Mental health services** the team can secure for the person, including further evaluation
  and treatment.
- **Dispatchers who know when the team is on duty** and send it (essential element 4).

## 988 and the national guidelines for crisis care

SAMHSA's National Guidelines for Behavioral Health Crisis Care (2020, updated in 2025) describe
a crisis system in three parts: someone to contact, someone to respond, and a safe place for
help. A mobile crisis team is the "someone to respond", and the guidelines expect it to go
without police by default (Source: SAMHSA, National Guidelines for Behavioral Health Crisis
Care).

988 is the national crisis line, beside 911 for emergencies. A 911 center and 988 can work
together: by transferring calls, by sitting in the same place, or by sending a
community response (Source: RAND, The Road to 988/911 Interoperability, 2024). Some 911
centers place clinicians beside their call-takers, among them Austin, Des Moines, Houston and
Tucson.

## Where it fits

Where one team can answer both officers and the public. The sources behind this toolkit do not
tie the approach to a jurisdiction size or to a rural or urban setting.
""",
    },
    {
        "slug": "case-management",
        "title": "Case management team",
        "summary": (
            "Officers and behavioral health professionals reach out to the people who call, or "
            "are called about, most often, and follow up with them to cut repeat encounters."
        ),
        "facts": {
            "who_responds": (
                "Officers and behavioral health professionals, on outreach and follow-up rather "
                "than as the first response."
            ),
            "training": (
                "The sources here set no course; officers work beside clinicians and do not "
                "treat or diagnose."
            ),
            "staffing": "A proactive team of officers and behavioral health professionals.",
            "depends_on": (
                "Data to find repeat callers and high utilizers, community services to keep "
                "people connected, and rules for sharing information."
            ),
            "fits": (
                "Alongside another approach, where repeat callers and high utilizers of "
                "emergency services drive calls."
            ),
        },
        "body": """\
## How it works

A proactive team: behavioral health professionals and officers reach out to repeat callers
and to people who use emergency services most, and follow up with them. Officers do not treat
or diagnose anyone; they work with the behavioral health professionals on solutions that
reduce repeat interactions.

The aim is to keep people connected to mental health services and community resources, to
help them follow their treatment plans, and to help them keep up with work, school or
training.

## Who responds

This team does not replace the response to a call. It works before and after: outreach and
follow-up by officers and behavioral health professionals together.

## Staffing and training

- A small team of officers and behavioral health professionals.
- The sources behind this toolkit set no specific course for the team.

## What it depends on

- **Data that shows who calls, or is called about, most often:** repeat calls for service are
  among the measures essential element 10 asks agencies to collect.
- **Community services** that people can stay connected to (essential element 8).
- **Written rules for sharing information** between officers and clinicians (essential
  element 7).

## Where it fits

Agencies use case management together with other police–mental health strategies, not on its
own. It fits where a small number of people account for many calls.
""",
    },
    {
        "slug": "tailored",
        "title": "Tailored approach",
        "summary": (
            "An agency deliberately combines response options from several program types, "
            "starting from the expectation that every patrol officer can respond well to mental "
            "health calls."
        ),
        "facts": {
            "who_responds": (
                "Every patrol officer, backed by liaison officers or detectives and the "
                "specialized options the agency chose."
            ),
            "training": "Enough for every patrol officer to respond well; more for specialized roles.",
            "staffing": (
                "Liaison officers or detectives whose main job is coordinating criminal justice "
                "and mental health resources."
            ),
            "depends_on": (
                "The options it combines, and the stakeholders the liaison officers coordinate "
                "with."
            ),
            "fits": (
                "Chosen with the jurisdiction's size and the number of officers on a shift in mind."
            ),
        },
        "body": """\
## How it works

The agency picks response options from several program types on purpose, to build one
complete program. That lets it keep a consistent policing philosophy while answering its
community's needs.

It starts from one expectation: **every patrol officer must be able to respond effectively to
mental health calls.** The agency then adds officers or detectives whose main job is to work
with stakeholders and coordinate criminal justice and mental health resources.

## Who responds

Every patrol officer, with liaison officers or detectives behind them and any specialized
options the agency chose (for example CIT officers, or a co-responder or mobile crisis team).

## Staffing and training

- Training for all patrol officers, and more for those in specialized roles (essential
  element 3).
- Liaison officers or detectives with coordination as their primary responsibility.

## What it depends on

- **The options it combines**, and what each of those depends on (see the other program types).
- **Stakeholders** in the criminal justice and mental health systems for the liaison officers to
  work with.

## Where it fits

Agencies weigh the size of the jurisdiction and the number of officers on a given shift when
they choose this approach.
""",
    },
]

# --- The 10 essential elements --------------------------------------------------------------
# summary: the element's intent, the toolkit's one-line definition.
# module: the product module that supports it (see README, "Modules and the 10 essential
# elements").

ELEMENTS = [
    {
        "number": 1,
        "slug": "collaborative-planning-and-implementation",
        "title": "Collaborative Planning and Implementation",
        "module": "planning",
        "summary": (
            "Organizations and individuals representing a wide range of disciplines and "
            "perspectives and with a strong interest in improving law enforcement encounters "
            "with people with mental illnesses work together in one or more groups to determine "
            "the response program's characteristics and guide implementation efforts."
        ),
        "body": """\
## What good looks like

- An **executive-level planning committee** whose members have the power to make decisions
  for their organizations.
- **Mental health providers, people with lived experience of mental illness and their
  families, and advocates** at the table.
- Other partners where the local problem calls for them: substance use and health care
  providers, housing, the hospital and its emergency room, prosecutors, jail staff, elected
  officials and funders.

## Questions for your planning committee

- Can each member commit their organization, or only report back to it?
- Who speaks for people with lived experience and their families, and how do they take part in
  decisions, not only in one meeting?
- Which of the other partners does our problem need: housing, the emergency room,
  prosecutors, the jail, funders?
- Does the committee keep guiding the program once it is running, or only plan it?
""",
    },
    {
        "number": 2,
        "slug": "program-design",
        "title": "Program Design",
        "module": "planning",
        "summary": (
            "The planning committee designs a specialized law enforcement-based program to "
            "address the root causes of the problems that are impeding improved responses to "
            "people with mental illnesses and makes the most of available resources."
        ),
        "body": """\
## What good looks like

- The design starts from the **root causes** of the problems that stand in the way of better
  responses, not from a model chosen in advance.
- The **program type fits local needs and resources.** There is no one right type, and the
  types can be combined.
- It makes the most of the resources the community already has.

## Questions for your planning committee

- What exactly goes wrong today in encounters with people with mental illnesses, and why?
- What do we already have: crisis services, a place to take people, clinicians who could
  respond with officers?
- Which program type, or which combination, fits our jurisdiction's size, our call volume and
  the number of officers on a shift?
- What would we stop doing, or do differently, to pay for the program?
""",
    },
    {
        "number": 3,
        "slug": "specialized-training",
        "title": "Specialized Training",
        "module": "training",
        "summary": (
            "All law enforcement personnel who respond to incidents in which an individual's "
            "mental illness appears to be a factor receive training to prepare for these "
            "encounters; those in specialized assignments receive more comprehensive training. "
            "Dispatchers, call takers, and other individuals in a support role receive training "
            "tailored to their needs."
        ),
        "body": """\
## What good looks like

- **Everyone who responds is trained**, and people in specialized roles get more.
- **Enough trained officers to cover every shift and every district.**
- **Supervisors, field training officers and dispatchers** are included, with training suited
  to their part.
- The **curriculum is guided by the mental health partners.**

For reference: a CIT course runs 40 hours (Source: BJA PMHC Toolkit) and a dispatcher course
about 8 (Source: CIT International). The One Mind pledge asks agencies to train all sworn
officers within 12 to 36 months: at least 20 percent in CIT or an equivalent, and the rest in
Mental Health First Aid for Public Safety (6.5 hours) or an equivalent (Source: IACP, One Mind
Campaign pledge).

## Questions for your planning committee

- Is a trained officer on duty on every shift and in every district today? Where are the gaps?
- Have supervisors, field training officers and dispatchers been trained for their part?
- Did our mental health partners, and people with lived experience, help write and teach the
  curriculum?
- How do we know who has been trained, and when?
""",
    },
    {
        "number": 4,
        "slug": "call-taker-and-dispatcher-protocols",
        "title": "Call-Taker and Dispatcher Protocols",
        "module": "dispatch",
        "summary": (
            "Call takers and dispatchers identify critical information to direct calls to the "
            "appropriate responders, inform the law enforcement response, and record this "
            "information for analysis and as a reference for future calls for service."
        ),
        "body": """\
## What good looks like

- Call-takers capture what responders need to know:
    - a description of the person's behavior;
    - whether there is danger to the person or to others;
    - access to weapons;
    - treatment history, for mental health and for substance use;
    - any history of violence or of victimization.
- A **short list of questions written with the mental health partners**.
- Dispatchers **know which designated responders are on duty** and send them.
- **Rules for recording mental health indicators in computer-aided dispatch (CAD)**, so calls
  can be counted and the next call-taker sees what matters.

## Questions for your planning committee

- What do our call-takers ask today, and did mental health partners help write the questions?
- Can a dispatcher see at a glance which trained responders are on duty right now?
- How are mental health calls marked in CAD, and could we count them reliably a year from
  now?
- How are dispatchers and call-takers trained for these calls?
""",
    },
    {
        "number": 5,
        "slug": "stabilization-observation-and-disposition",
        "title": "Stabilization, Observation and Disposition",
        "module": "response",
        "summary": (
            "Specialized law enforcement responders de-escalate and observe the nature of "
            "incidents in which mental illness may be a factor using tactics focused on safety. "
            "Drawing on their understanding and knowledge of relevant laws and available "
            "resources, officers then determine the appropriate disposition."
        ),
        "body": """\
## What good looks like

- Responders **de-escalate safely**, in a trauma-informed way.
- They decide **whether a crime occurred** and **whether the person is a danger to themselves
  or to others**.
- **Written disposition guidelines favor alternatives to jail.** Dispositions seen in real
  crisis records include: resolved at the scene, referred to a mobile crisis team or a crisis
  clinic, voluntary transport to treatment, emergency (involuntary) detention, shelter,
  resources declined, and arrest.

## Questions for your planning committee

- Do our officers have written guidelines for choosing a disposition, and do they point to
  alternatives to jail?
- Which alternatives actually exist here, at every hour of the day?
- How do we record the disposition of each encounter so it can be reviewed?
""",
    },
    {
        "number": 6,
        "slug": "transportation-and-custodial-transfer",
        "title": "Transportation and Custodial Transfer",
        "module": "response",
        "summary": (
            "Law enforcement responders transport and transfer custody of the person with a "
            "mental illness in a safe and sensitive manner that supports the individual's "
            "efficient access to mental health services and the officers' timely return to duty."
        ),
        "body": """\
## What good looks like

- Transport is **safe and sensitive** to the person's situation.
- The **handoff is efficient**, so the person reaches services quickly and officers return to
  duty.
- The **time and method of each transfer are recorded**.

## Questions for your planning committee

- Where do officers take a person in crisis, and how long do they wait there today?
- Who transports, and in what kind of vehicle?
- Do we record when and how custody was transferred, so we can see where time is lost?
""",
    },
    {
        "number": 7,
        "slug": "information-exchange-and-confidentiality",
        "title": "Information Exchange and Confidentiality",
        "module": "people",
        "summary": (
            "Law enforcement and mental health personnel have a well-designed procedure "
            "governing the release and exchange of information to facilitate necessary and "
            "appropriate communication while protecting the confidentiality of community "
            "members."
        ),
        "body": """\
## What good looks like

- **Written procedures and memoranda of understanding (MOUs)** for releasing and exchanging
  information between the partners.
- **Cross-training** on those procedures, for officers and for mental health staff.
- Each partner knows which rules bind it:
    - **HIPAA binds the health partners**, not the police. A police department is bound by it
      only where clinicians are part of its own workforce. HIPAA allows a disclosure to
      prevent a serious and imminent threat to health or safety (45 CFR 164.512(j)).
    - **42 CFR Part 2 covers the records of federally assisted substance use disorder
      treatment programs.** It does not cover an officer's note that someone seemed
      intoxicated. Sharing the records still needs the person's written consent; under the
      2024 final rule, one consent can cover all future uses of the records for treatment,
      payment and health care operations.
    - A recipient that is a HIPAA covered entity or business associate, or a Part 2 program,
      may pass the records on as HIPAA allows. Any other recipient, usually including a
      police department, may not pass them on without the person's consent. The limits on
      using the records against the person in legal proceedings remain.

## Questions for your planning committee

- Do we have a signed agreement saying what each partner may share, with whom and for what
  purpose?
- Which partners are bound by HIPAA, and which hold records of a substance use disorder
  treatment program under Part 2?
- Have officers and clinicians been trained on it together?
- How does a person's consent get recorded, and how does it limit what is shared?
""",
    },
    {
        "number": 8,
        "slug": "treatment-supports-and-services",
        "title": "Treatment, Supports, and Services",
        "module": "care",
        "summary": (
            "Specialized law enforcement-based response programs connect individuals with "
            "mental illnesses to comprehensive and effective community-based treatment, "
            "supports, and services."
        ),
        "body": """\
## What good looks like

- Responders can **connect people to community-based treatment and supports**, not only to a
  hospital or jail.
- The community has a **full array of services** for the program to connect people to.
- Referrals are followed until they close, so the program knows whether the person was
  actually connected.

## Questions for your planning committee

- Which services can officers and clinicians refer people to today, and when are they open?
- What is missing from the array of services, and who could provide it?
- How do we learn whether a referral led to the person receiving care?
""",
    },
    {
        "number": 9,
        "slug": "organizational-support",
        "title": "Organizational Support",
        "module": "assessment",
        "summary": (
            "The law enforcement agency's policies, practices, and culture support the "
            "specialized response program and the personnel who further its goals."
        ),
        "body": """\
## What good looks like

- **Leadership commitment beyond endorsement**: leaders act on the program, not only approve
  it.
- **A champion with authority** inside the agency.
- **Officers volunteer** for specialized roles.
- **Evaluations do not measure success by arrests.**
- Clear policies and procedures for the program.

## Questions for your planning committee

- Who in the agency's leadership owns the program, and what have they done for it this year?
- Do officers choose to join the program, or are they assigned to it?
- Do officers' evaluations count arrests in a way that works against diversion?
""",
    },
    {
        "number": 10,
        "slug": "program-evaluation-and-sustainability",
        "title": "Program Evaluation and Sustainability",
        "module": "evaluation",
        "summary": (
            "Data are collected and analyzed to help demonstrate the impact of and inform "
            "modifications to the program. Support for the program is continuously cultivated "
            "in the community and the law enforcement agency."
        ),
        "body": """\
## What good looks like

- **Baseline data** collected before the program starts or changes.
- Data collected on:
    - injuries and deaths, of officers and of civilians;
    - response times;
    - incidents handled by trained officers;
    - repeat calls;
    - dispositions, including linkage to services;
    - the time and method of custodial transfer.
- **Officer and community perceptions** of the program.
- Results analyzed against the four key outcomes: more connections to resources, fewer repeat
  encounters, fewer arrests where diversion fits, and less use of force and injury.
- A **formal, ongoing process to review and improve** the program, and support for it
  cultivated in the community and the agency.

## Questions for your planning committee

- What were our numbers before the program started, and where do they come from?
- Which of the measures above can we collect today, and which need a change in CAD or in
  reports?
- Who reviews the results, how often, and what have we changed because of them?
- Who outside the agency hears about the results?
""",
    },
]


def load(apps, schema_editor):
    PageContent = apps.get_model("toolkit", "PageContent")
    ContentVersion = apps.get_model("toolkit", "ContentVersion")
    rows = [("program_type", item) for item in PROGRAM_TYPES] + [
        ("element", item) for item in ELEMENTS
    ]
    for kind, item in rows:
        if PageContent.objects.filter(kind=kind, slug=item["slug"]).exists():
            continue
        content = PageContent.objects.create(
            kind=kind,
            slug=item["slug"],
            number=item.get("number"),
            title=item["title"],
            summary=item["summary"],
            body=item["body"],
            module=item.get("module", ""),
            facts=item.get("facts", {}),
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


def unload(apps, schema_editor):
    PageContent = apps.get_model("toolkit", "PageContent")
    slugs = [item["slug"] for item in PROGRAM_TYPES] + [item["slug"] for item in ELEMENTS]
    PageContent.objects.filter(kind__in=["program_type", "element"], slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("toolkit", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
