"""The first edition of the PMHC self-assessment instrument, as plain typed constants.

This is the content the product starts from: a short agency profile (nothing personal, nothing
that identifies a respondent) and ten sections, one per essential element of a police–mental
health collaboration (PMHC) program. Each item is a statement about the program as it is today,
rated on a four-step continuum (Not started, Beginning, Developing, Established) with a
one-line descriptor per step, and a practical next step for when the item is a gap.

It is only the first edition. Staff revise the instrument in the product, and each revision is
stored as a new edition; an assessment keeps the edition it was taken with, so these constants
are read once to seed the first edition and are never edited to change past results.

The items are written in our own words, paraphrasing the sources named in the project's facts:
the Police Executive Research Forum and Council of State Governments Justice Center "Essential
Elements" (PERF/CSG, 2008), the Bureau of Justice Assistance (BJA) PMHC essential element pages,
the CSG Justice Center's 2019 PMHC Framework (its six questions and four key outcomes), the
International Association of Chiefs of Police (IACP) One Mind pledge, and CIT International's
guidance on Crisis Intervention Team (CIT) training.
"""

from __future__ import annotations

from typing import Final, TypedDict


class ItemSpec(TypedDict):
    key: str
    statement: str
    levels: tuple[str, str, str, str]
    next_step: str


class ElementSpec(TypedDict):
    number: int
    title: str
    intent: str
    specialties: tuple[str, ...]
    items: tuple[ItemSpec, ...]


class ProfileQuestion(TypedDict):
    key: str
    label: str
    choices: tuple[tuple[str, str], ...]


PROFILE: Final[tuple[ProfileQuestion, ...]] = (
    {
        "key": "jurisdiction_type",
        "label": "What kind of jurisdiction does the program serve?",
        "choices": (
            ("city_town", "City or town"),
            ("county", "County"),
            ("tribal", "Tribal nation"),
            ("state", "State"),
            ("university", "College or university campus"),
            ("region", "Region (several jurisdictions together)"),
        ),
    },
    {
        "key": "population",
        "label": "About how many people live in the area the program serves?",
        "choices": (
            ("under_25k", "Under 25,000"),
            ("25k_99k", "25,000 to 99,999"),
            ("100k_499k", "100,000 to 499,999"),
            ("500k_plus", "500,000 or more"),
            ("unknown", "Not sure"),
        ),
    },
    {
        "key": "sworn_officers",
        "label": "About how many sworn officers does the law enforcement agency have?",
        "choices": (
            ("under_25", "Under 25"),
            ("25_99", "25 to 99"),
            ("100_499", "100 to 499"),
            ("500_plus", "500 or more"),
            ("unknown", "Not sure"),
        ),
    },
    {
        "key": "program_type",
        "label": "Which type of program is the main one in place today?",
        "choices": (
            ("cit", "Crisis Intervention Team (CIT)"),
            ("co_responder", "Co-responder team (an officer and a crisis worker together)"),
            ("mobile_crisis", "Mobile crisis team (mental health professionals respond)"),
            ("case_management", "Case management team (for people with repeated contacts)"),
            ("tailored", "Tailored approach (a combination of the above)"),
            ("none", "None yet"),
        ),
    },
    {
        "key": "program_age",
        "label": "How long has the program been running?",
        "choices": (
            ("not_yet", "Not started yet"),
            ("under_1", "Less than 1 year"),
            ("1_3", "1 to 3 years"),
            ("over_3", "More than 3 years"),
        ),
    },
    {
        "key": "respondent_perspective",
        "label": "Which perspective are you answering from?",
        "choices": (
            ("law_enforcement", "Law enforcement"),
            ("mental_health", "Mental health"),
            ("lived_experience", "Lived experience or family member"),
            ("other_partner", "Other partner"),
        ),
    },
)


ELEMENTS: Final[tuple[ElementSpec, ...]] = (
    {
        "number": 1,
        "title": "Collaborative Planning and Implementation",
        "intent": (
            "Law enforcement, mental health and community partners with a stake in better "
            "encounters work together to shape the program and guide how it is carried out."
        ),
        "specialties": ("cit", "co_responder"),
        "items": (
            {
                "key": "mental-health-partners",
                "statement": (
                    "Mental health service providers plan and guide the program together with "
                    "law enforcement."
                ),
                "levels": (
                    "No mental health provider takes part in planning the program.",
                    "A mental health provider has been invited or attends some meetings.",
                    "One or more mental health providers attend regularly and help make decisions.",
                    "Mental health providers are standing partners who share decisions, and the "
                    "partnership is reviewed on a set schedule.",
                ),
                "next_step": (
                    "Invite the main community mental health organization to a first planning "
                    "meeting and agree on who will represent it from now on."
                ),
            },
            {
                "key": "lived-experience",
                "statement": (
                    "People with lived experience of mental illness and their family members "
                    "have a voice in planning the program."
                ),
                "levels": (
                    "No one with lived experience or from a family takes part in planning.",
                    "People with lived experience or families are consulted once in a while.",
                    "People with lived experience and family members sit on a planning group.",
                    "People with lived experience and families are full members whose input "
                    "visibly shapes decisions, and this is reviewed regularly.",
                ),
                "next_step": (
                    "Reach out to local advocacy and family groups and invite at least one person "
                    "with lived experience and one family member to join the planning group."
                ),
            },
            {
                "key": "wider-partners",
                "statement": (
                    "Other partners that local needs call for (such as substance use and health "
                    "providers, housing, hospitals, prosecutors, jail staff) are involved."
                ),
                "levels": (
                    "Only law enforcement and, at most, one other organization are involved.",
                    "Other partners have been listed, but few have been contacted.",
                    "The partners most needed locally take part in planning at least part of the "
                    "time.",
                    "All partners that local needs call for take part, and the list is revisited "
                    "as needs change.",
                ),
                "next_step": (
                    "List the organizations people in crisis pass through locally (emergency "
                    "rooms, jail, housing, substance use services) and invite the most important "
                    "ones."
                ),
            },
            {
                "key": "executive-committee",
                "statement": (
                    "An executive-level planning committee, with the authority to make decisions "
                    "for its organizations, guides the program."
                ),
                "levels": (
                    "No planning committee exists.",
                    "A committee exists, but its members cannot commit their organizations.",
                    "An executive-level committee meets and makes some binding decisions.",
                    "An executive-level committee meets on a set schedule, makes binding "
                    "decisions, and reviews how the program is doing.",
                ),
                "next_step": (
                    "Ask the head of each partner organization to name a member who can commit "
                    "the organization, and hold a first committee meeting with a written agenda."
                ),
            },
            {
                "key": "roles-agreed",
                "statement": (
                    "Each partner's role and commitments in the program are written down and "
                    "agreed by all partners."
                ),
                "levels": (
                    "Partner roles are not defined.",
                    "Roles are understood informally but not written down.",
                    "Roles are written down for the main partners and mostly followed.",
                    "All partners have signed off on their written roles, which are reviewed and "
                    "updated when the program changes.",
                ),
                "next_step": (
                    "Draft a one-page summary of what each partner contributes and expects, and "
                    "ask each partner to confirm or correct it."
                ),
            },
            {
                "key": "ongoing-implementation",
                "statement": (
                    "The partners keep meeting to guide implementation and solve problems, not "
                    "only during initial planning."
                ),
                "levels": (
                    "Partners do not meet once the program is running, or have never met.",
                    "Partners meet only when a problem or incident forces it.",
                    "A working group meets regularly to deal with day-to-day problems.",
                    "A working group meets regularly, tracks the problems it raises to a "
                    "solution, and reports to the planning committee.",
                ),
                "next_step": (
                    "Set a standing meeting for the people who run the program day to day, with a "
                    "short list of open problems and who is working on each."
                ),
            },
        ),
    },
    {
        "number": 2,
        "title": "Program Design",
        "intent": (
            "The planning committee designs a program that tackles the root causes of local "
            "problems and makes the most of the resources available."
        ),
        "specialties": (
            "cit",
            "co_responder",
            "follow_up",
            "embedded_clinicians",
            "liaison_officers",
            "crisis_center",
        ),
        "items": (
            {
                "key": "root-causes",
                "statement": (
                    "The partners have looked at local data and experience to find the root "
                    "causes of problems in police encounters with people with mental illness."
                ),
                "levels": (
                    "No review of local problems has been done.",
                    "Problems have been discussed, based mainly on individual stories.",
                    "Local data and partner experience have been reviewed and main causes named.",
                    "A written analysis of root causes guides the design and is updated as new "
                    "data arrives.",
                ),
                "next_step": (
                    "Gather a year of call, arrest and injury records for mental health calls and "
                    "review them with the partners to name the main problems and their causes."
                ),
            },
            {
                "key": "program-type-fit",
                "statement": (
                    "The program type (such as Crisis Intervention Team, co-responder, mobile "
                    "crisis, case management, or a mix) was chosen to fit local needs."
                ),
                "levels": (
                    "No program type has been chosen.",
                    "A program type was chosen mainly because another agency uses it.",
                    "The program type was chosen after comparing options against local needs.",
                    "The program type was chosen against local needs and resources, and the "
                    "choice is revisited when they change.",
                ),
                "next_step": (
                    "Compare the main program types against your call volume, geography and "
                    "partners, and ask a learning site that runs a similar model about its fit."
                ),
            },
            {
                "key": "resources-used",
                "statement": (
                    "The design is based on an inventory of local resources (crisis services, "
                    "treatment, staff, funding) and makes the most of them."
                ),
                "levels": (
                    "No one has listed the resources available to the program.",
                    "Some resources are known, but there is no complete list.",
                    "A list of local resources exists and the design draws on most of them.",
                    "A current list of resources shapes the design, and partners check it for "
                    "new or unused resources.",
                ),
                "next_step": (
                    "Ask each partner to list the services, staff time and funding it could put "
                    "toward the program, and combine the lists into one inventory."
                ),
            },
            {
                "key": "every-call-answered",
                "statement": (
                    "The design says how every call involving a possible mental health crisis "
                    "gets a suitable response, even when specialized responders are unavailable."
                ),
                "levels": (
                    "There is no plan for calls when specialized responders are unavailable.",
                    "Patrol officers handle those calls as best they can, without guidance.",
                    "The design names a backup response for most times and places.",
                    "The design covers every time and place, and gaps in the backup response "
                    "are checked and closed.",
                ),
                "next_step": (
                    "Map when and where specialized responders are available, and write down who "
                    "responds, and how, in the hours and areas they do not cover."
                ),
            },
            {
                "key": "written-design",
                "statement": (
                    "The program design is written down: its goals, who responds, to which "
                    "calls, and how the partners work together."
                ),
                "levels": (
                    "The program has no written design.",
                    "Parts of the design are written in notes or emails.",
                    "A written design covers goals, responders and the calls they handle.",
                    "A complete written design is shared with all partners and updated when the "
                    "program changes.",
                ),
                "next_step": (
                    "Write a short design document covering goals, responders, eligible calls and "
                    "partner roles, and have the planning committee approve it."
                ),
            },
            {
                "key": "intended-outcomes",
                "statement": (
                    "The design names the outcomes the program aims to change, such as more "
                    "connections to services and fewer arrests where diversion fits."
                ),
                "levels": (
                    "The program has no stated outcomes.",
                    "Outcomes are described in general terms, such as helping people.",
                    "Specific outcomes are named, and most can be measured.",
                    "Specific, measurable outcomes are named, agreed by all partners, and "
                    "revisited when the design changes.",
                ),
                "next_step": (
                    "Agree with the partners on a few measurable outcomes, starting from the four "
                    "key outcomes of the field: connections, repeat encounters, arrests, force."
                ),
            },
        ),
    },
    {
        "number": 3,
        "title": "Specialized Training",
        "intent": (
            "Everyone who responds to calls involving mental illness is trained for them; "
            "specialized responders get more, and support staff get training fitted to their work."
        ),
        "specialties": ("cit", "dispatcher_training"),
        "items": (
            {
                "key": "all-officers-trained",
                "statement": (
                    "All officers who may respond to these calls have had basic mental health "
                    "training, such as Mental Health First Aid for Public Safety."
                ),
                "levels": (
                    "No mental health training is offered to responding officers.",
                    "Some responding officers have had basic mental health training.",
                    "Most responding officers are trained, with a schedule for the rest.",
                    "All sworn officers are trained, completion is tracked, and new officers are "
                    "trained as they join.",
                ),
                "next_step": (
                    "Schedule basic mental health training (such as the 6.5-hour Mental Health "
                    "First Aid for Public Safety course) for every officer and track completion."
                ),
            },
            {
                "key": "specialized-course",
                "statement": (
                    "Officers in specialized roles complete an in-depth course, such as the "
                    "40-hour Crisis Intervention Team (CIT) course."
                ),
                "levels": (
                    "No in-depth training exists for specialized roles.",
                    "Specialized officers get a short course or a borrowed one-time session.",
                    "Specialized officers complete an in-depth course with role play.",
                    "Every specialized officer completes an in-depth course, and the course is "
                    "reviewed and updated with the partners.",
                ),
                "next_step": (
                    "Set up or join an in-depth course covering mental illness, substance use, "
                    "suicide, medications, de-escalation and role play; a learning site can help."
                ),
            },
            {
                "key": "shift-coverage",
                "statement": (
                    "Enough specially trained officers work every shift and every district that "
                    "one can respond to these calls at any time."
                ),
                "levels": (
                    "No one knows which shifts and districts have trained officers.",
                    "Trained officers are on some shifts and districts, with known gaps.",
                    "Trained officers cover most shifts and districts.",
                    "Trained officers cover every shift and district; coverage is checked "
                    "against schedules and gaps are filled.",
                ),
                "next_step": (
                    "Compare training records with shift schedules to find gaps, and recruit "
                    "volunteers there; 20–25% of patrol is a common target, but coverage matters "
                    "most."
                ),
            },
            {
                "key": "supervisors-trainers",
                "statement": (
                    "Supervisors and field training officers are trained, so they can support "
                    "and coach officers on these calls."
                ),
                "levels": (
                    "Supervisors and field training officers have no mental health training.",
                    "A few supervisors or field training officers are trained.",
                    "Most supervisors and field training officers are trained.",
                    "All supervisors and field training officers are trained and use it to coach "
                    "officers after calls.",
                ),
                "next_step": (
                    "Reserve places for supervisors and field training officers in the next "
                    "course, so trained officers have trained support."
                ),
            },
            {
                "key": "dispatcher-training",
                "statement": (
                    "Call takers and dispatchers get mental health training suited to their "
                    "role, such as a dispatcher crisis course."
                ),
                "levels": (
                    "Call takers and dispatchers get no mental health training.",
                    "Some call takers or dispatchers have had general awareness training.",
                    "Most call takers and dispatchers have completed a course made for their role.",
                    "All call takers and dispatchers complete a course made for their role, and "
                    "new staff take it as they join.",
                ),
                "next_step": (
                    "Arrange a dispatcher course (CIT International describes one of about 8 "
                    "hours) and schedule every call taker and dispatcher for it."
                ),
            },
            {
                "key": "partners-shape-training",
                "statement": (
                    "Mental health partners, people with lived experience and family members "
                    "help shape and deliver the training."
                ),
                "levels": (
                    "Law enforcement alone designs and delivers the training.",
                    "Partners have been asked for comments on the training.",
                    "Partners help design the curriculum and teach some sessions.",
                    "Partners co-design the curriculum and teach, including panels of people with "
                    "lived experience and families, reviewed after each class.",
                ),
                "next_step": (
                    "Ask the mental health partners to review the curriculum and invite people "
                    "with lived experience and family members to speak in the next class."
                ),
            },
        ),
    },
    {
        "number": 4,
        "title": "Call-Taker and Dispatcher Protocols",
        "intent": (
            "Call takers and dispatchers gather the critical information needed to send the "
            "right responders, prepare them, and record it for analysis and future calls."
        ),
        "specialties": ("dispatcher_training",),
        "items": (
            {
                "key": "question-list",
                "statement": (
                    "Call takers use a short written list of questions, prepared with the mental "
                    "health partners, on calls that may involve a mental health crisis."
                ),
                "levels": (
                    "No question list exists for these calls.",
                    "Call takers ask their own questions, with informal tips.",
                    "A written question list exists and is used on many of these calls.",
                    "A written list made with the partners is used on every such call and is "
                    "reviewed against real calls.",
                ),
                "next_step": (
                    "Write a short question list with the mental health partners and put it "
                    "where call takers see it during a call."
                ),
            },
            {
                "key": "behavior-danger-weapons",
                "statement": (
                    "Call takers find out what the person is doing, whether there is danger to "
                    "self or others, and whether weapons are within reach."
                ),
                "levels": (
                    "Call takers do not routinely ask about behavior, danger or weapons.",
                    "These questions are asked on some calls, depending on the call taker.",
                    "These questions are asked on most calls that may involve a crisis.",
                    "These questions are asked on every such call, and the answers are checked "
                    "in call reviews.",
                ),
                "next_step": (
                    "Add behavior, danger to self or others, and access to weapons to the "
                    "question list and check a sample of calls to see that they are asked."
                ),
            },
            {
                "key": "history-questions",
                "statement": (
                    "When the caller knows, call takers ask about mental health and substance use "
                    "treatment history and any history of violence or victimization."
                ),
                "levels": (
                    "Call takers do not ask about treatment history or past violence.",
                    "Some call takers ask about history when time allows.",
                    "History questions are part of the question list and asked on most calls.",
                    "History questions are asked on every such call and the answers reach "
                    "responders and the call record.",
                ),
                "next_step": (
                    "Add short history questions (treatment, substance use, violence or "
                    "victimization) to the question list and train call takers to ask them."
                ),
            },
            {
                "key": "designated-responders",
                "statement": (
                    "Dispatchers know which designated responders, such as Crisis Intervention "
                    "Team (CIT) officers, are on duty and send them to these calls."
                ),
                "levels": (
                    "Dispatchers cannot tell which officers are designated responders.",
                    "Dispatchers know some designated responders by name, informally.",
                    "A current on-duty list of designated responders is available to dispatchers.",
                    "Dispatch systems show designated responders on duty, and the list is kept "
                    "current at every shift change.",
                ),
                "next_step": (
                    "Give dispatch a roster of designated responders for each shift, and flag "
                    "them in the dispatch system where possible."
                ),
            },
            {
                "key": "information-relayed",
                "statement": (
                    "Dispatchers pass the information gathered on the call to responders before "
                    "they arrive."
                ),
                "levels": (
                    "Responders arrive with only the address and call type.",
                    "Some details are passed on when a dispatcher thinks of it.",
                    "Key details from the question list are usually passed to responders.",
                    "Key details are always passed to responders, and responders' feedback on "
                    "what they received is reviewed.",
                ),
                "next_step": (
                    "Agree with patrol on the few details responders most need and make relaying "
                    "them a standard step for dispatchers."
                ),
            },
            {
                "key": "cad-indicators",
                "statement": (
                    "Written rules say how mental health indicators are recorded in the "
                    "computer-aided dispatch (CAD) system."
                ),
                "levels": (
                    "Mental health indicators are not recorded in computer-aided dispatch.",
                    "Some call takers note indicators in free text, each in their own way.",
                    "Written rules define indicators, and most calls are recorded by them.",
                    "Written rules are followed on every call, and the recorded indicators are "
                    "checked and used for analysis.",
                ),
                "next_step": (
                    "Agree on a short set of mental health indicators (a call code or flag) in "
                    "computer-aided dispatch and write down when to use each one."
                ),
            },
        ),
    },
    {
        "number": 5,
        "title": "Stabilization, Observation and Disposition",
        "intent": (
            "Responders calm the situation safely, observe what is happening, and choose a "
            "disposition informed by the law and by the resources available."
        ),
        "specialties": ("cit", "co_responder", "embedded_clinicians"),
        "items": (
            {
                "key": "de-escalation",
                "statement": (
                    "Responders use de-escalation (calming tactics focused on safety) on calls "
                    "where mental illness may be a factor."
                ),
                "levels": (
                    "There is no guidance on de-escalation for these calls.",
                    "De-escalation is encouraged but not described in writing.",
                    "Written guidance describes de-escalation and supervisors expect its use.",
                    "De-escalation is standard practice in written guidance, and its use is "
                    "reviewed after calls where force was used.",
                ),
                "next_step": (
                    "Write down the de-escalation practices the agency expects on these calls and "
                    "have supervisors discuss them at roll call."
                ),
            },
            {
                "key": "trauma-informed",
                "statement": (
                    "Responders take a trauma-informed approach: they act knowing that past "
                    "trauma can shape how a person reacts to police."
                ),
                "levels": (
                    "Trauma is not considered in how responders approach these calls.",
                    "Some responders know about trauma, but practice depends on the person.",
                    "Guidance describes a trauma-informed approach and most responders follow it.",
                    "A trauma-informed approach is standard practice and is discussed in call "
                    "reviews with the mental health partners.",
                ),
                "next_step": (
                    "Ask the mental health partners to explain what a trauma-informed approach "
                    "looks like on a call and add it to responder guidance."
                ),
            },
            {
                "key": "crime-and-danger",
                "statement": (
                    "Before deciding what to do, responders assess whether a crime occurred and "
                    "whether the person is a danger to self or others."
                ),
                "levels": (
                    "Responders have no shared way of assessing crime and danger on these calls.",
                    "Responders assess crime and danger based on their own experience.",
                    "Guidance sets out how to assess crime and danger, and most responders use it.",
                    "Every responder assesses crime and danger the same way, and the assessments "
                    "are reviewed with the partners.",
                ),
                "next_step": (
                    "Agree with the mental health partners on a few questions responders answer "
                    "on scene about crime and danger before choosing a disposition."
                ),
            },
            {
                "key": "disposition-guidelines",
                "statement": (
                    "Written disposition guidelines list the options for ending a call and favor "
                    "alternatives to jail where they fit."
                ),
                "levels": (
                    "There are no written disposition guidelines for these calls.",
                    "Disposition is left to each officer, with some informal advice.",
                    "Written guidelines list options, including alternatives to jail.",
                    "Written guidelines favor alternatives to jail, are followed, and are "
                    "reviewed with the partners.",
                ),
                "next_step": (
                    "List the dispositions available locally, from resolving on scene to "
                    "treatment and arrest, and write when each applies, with jail as a last resort."
                ),
            },
            {
                "key": "relevant-laws",
                "statement": (
                    "Responders know the laws that apply to these calls, including when an "
                    "emergency (involuntary) detention is allowed."
                ),
                "levels": (
                    "Responders get no guidance on the laws that apply to these calls.",
                    "Responders learn the laws informally from colleagues.",
                    "Written guidance explains the relevant laws and most responders know them.",
                    "All responders know the relevant laws, and guidance is updated when the law "
                    "changes.",
                ),
                "next_step": (
                    "Ask legal counsel and the mental health partners to write a one-page summary "
                    "of the emergency detention law and share it with all responders."
                ),
            },
            {
                "key": "options-known",
                "statement": (
                    "On scene, responders know the local options and when each is available "
                    "(such as a mobile crisis team, crisis clinic or shelter)."
                ),
                "levels": (
                    "Responders do not know which local options exist besides jail or hospital.",
                    "Responders know a few options but not when they are open or how to reach "
                    "them.",
                    "Responders have a list of options with hours and contacts.",
                    "Responders have a current list of options in the field, and it is updated "
                    "when services change.",
                ),
                "next_step": (
                    "Build a pocket or phone list of local crisis options with hours and contact "
                    "numbers, and give it to every responder."
                ),
            },
            {
                "key": "response-plans",
                "statement": (
                    "For people often in crisis, a response plan (triggers, calming techniques, "
                    "contacts) is available to responders."
                ),
                "levels": (
                    "No response plans exist.",
                    "Responders pass on what worked with a person by word of mouth.",
                    "Written response plans exist for some people and responders can find them.",
                    "Response plans exist for those who need them, are approved by someone other "
                    "than the author, and are kept current.",
                ),
                "next_step": (
                    "Start with the people most often in crisis: write plans with their triggers, "
                    "what helps calm them, and who to contact, with the partners' help."
                ),
            },
        ),
    },
    {
        "number": 6,
        "title": "Transportation and Custodial Transfer",
        "intent": (
            "Responders transport and hand over a person safely and respectfully, so the "
            "person reaches services quickly and officers return to duty promptly."
        ),
        "specialties": ("crisis_center", "cit"),
        "items": (
            {
                "key": "transport-procedure",
                "statement": (
                    "Written procedures say when and how a person in crisis is transported, with "
                    "safety and the person's dignity in mind."
                ),
                "levels": (
                    "There are no written procedures for transporting a person in crisis.",
                    "Officers transport people in crisis the same way as people under arrest.",
                    "Written procedures cover safe and respectful transport in most situations.",
                    "Written procedures are followed on every transport and reviewed after "
                    "complaints or injuries.",
                ),
                "next_step": (
                    "Write a short transport procedure with the mental health partners that "
                    "covers safety, respect, and when transport is voluntary."
                ),
            },
            {
                "key": "voluntary-transport",
                "statement": (
                    "When a person agrees to treatment, responders can offer voluntary transport "
                    "to it, where safe."
                ),
                "levels": (
                    "Voluntary transport to treatment is not an option.",
                    "Voluntary transport happens now and then, at an officer's discretion.",
                    "Voluntary transport is a recognized option and is offered on many calls.",
                    "Voluntary transport is offered whenever safe, and how often it is used is "
                    "tracked.",
                ),
                "next_step": (
                    "Agree with treatment providers that they accept people brought voluntarily, "
                    "and tell responders the option exists."
                ),
            },
            {
                "key": "receiving-places",
                "statement": (
                    "Responders know where to take a person in crisis, and the receiving places "
                    "(such as a crisis center or hospital) have agreed to accept them."
                ),
                "levels": (
                    "Responders have no agreed place to take a person in crisis.",
                    "Responders use one place that often turns people away or is far away.",
                    "One or more receiving places have agreed to accept people from responders.",
                    "Receiving places accept people from responders at all hours, and problems "
                    "are raised and solved with them.",
                ),
                "next_step": (
                    "Meet with the local hospital and crisis services to agree which will accept "
                    "people brought by responders, and when."
                ),
            },
            {
                "key": "quick-handoff",
                "statement": (
                    "Handing over a person at the receiving place is quick, so officers can "
                    "return to duty promptly."
                ),
                "levels": (
                    "Officers often wait for hours to hand over a person.",
                    "Handoff time varies widely, and long waits are common.",
                    "Handoff is usually quick, with long waits the exception.",
                    "Handoff is consistently quick, and long waits are followed up with the "
                    "receiving place.",
                ),
                "next_step": (
                    "Find out where officers wait longest and agree with that receiving place on "
                    "a simpler, faster set of handoff steps."
                ),
            },
            {
                "key": "handoff-agreement",
                "statement": (
                    "A written agreement with each receiving place sets out the steps of "
                    "transferring custody."
                ),
                "levels": (
                    "No agreement with any receiving place exists.",
                    "Handoff steps are agreed informally with some staff.",
                    "Written agreements exist with the main receiving places.",
                    "Written agreements exist with every receiving place and are reviewed with "
                    "them on a set schedule.",
                ),
                "next_step": (
                    "Write down the current handoff steps with the main receiving place and have "
                    "both sides sign them."
                ),
            },
            {
                "key": "transfer-recorded",
                "statement": (
                    "The time and method of each custodial transfer are recorded, so delays can "
                    "be seen and addressed."
                ),
                "levels": (
                    "Transfer times and methods are not recorded.",
                    "Transfers are recorded on some calls, without a standard format.",
                    "The time and method of most transfers are recorded in a standard way.",
                    "The time and method of every transfer are recorded and reviewed with "
                    "receiving places to cut delays.",
                ),
                "next_step": (
                    "Add the handoff time and the method of transport to the call or incident "
                    "report, and review the records each month for long waits."
                ),
            },
        ),
    },
    {
        "number": 7,
        "title": "Information Exchange and Confidentiality",
        "intent": (
            "Law enforcement and mental health partners follow clear procedures to share the "
            "information they need while protecting people's confidentiality."
        ),
        "specialties": ("embedded_clinicians", "co_responder"),
        "items": (
            {
                "key": "written-procedures",
                "statement": (
                    "Written procedures govern what information law enforcement and mental health "
                    "partners may release and exchange, and how."
                ),
                "levels": (
                    "There are no written procedures for exchanging information.",
                    "Information is exchanged informally, based on personal relationships.",
                    "Written procedures cover the most common exchanges.",
                    "Written procedures cover all exchanges, are followed, and are reviewed when "
                    "laws or partners change.",
                ),
                "next_step": (
                    "List the information each partner needs from the others and write down who "
                    "may share what, with whom, and for what purpose."
                ),
            },
            {
                "key": "mous",
                "statement": (
                    "Memorandums of understanding (MOUs) signed by the partner organizations set "
                    "out how information is shared."
                ),
                "levels": (
                    "No memorandum of understanding on information sharing exists.",
                    "A memorandum of understanding is being drafted or discussed.",
                    "A signed memorandum of understanding covers some partners.",
                    "Signed memorandums of understanding cover every partner that shares "
                    "information, and they are renewed on schedule.",
                ),
                "next_step": (
                    "Draft a memorandum of understanding on information sharing with the main "
                    "mental health partner and have both organizations' legal staff review it."
                ),
            },
            {
                "key": "serious-threat-rule",
                "statement": (
                    "Procedures reflect the Health Insurance Portability and Accountability Act "
                    "(HIPAA) rule that allows sharing to prevent a serious and imminent threat."
                ),
                "levels": (
                    "Staff do not know when health privacy law allows sharing.",
                    "Some staff know the rules, but procedures do not mention them.",
                    "Procedures explain when health information may be shared in an emergency.",
                    "Procedures explain the emergency exception, staff apply it correctly, and "
                    "its use is reviewed.",
                ),
                "next_step": (
                    "Ask legal counsel to summarize in plain language when HIPAA allows sharing "
                    "to prevent a serious and imminent threat, and add it to the procedures."
                ),
            },
            {
                "key": "substance-use-records",
                "statement": (
                    "Substance use treatment records are shared only with written consent and not "
                    "passed on further, as the Code of Federal Regulations (42 CFR Part 2) "
                    "requires."
                ),
                "levels": (
                    "Staff are not aware that substance use records have special rules.",
                    "Staff know of the rules, but procedures do not address them.",
                    "Procedures require written consent before substance use records are shared.",
                    "Written consent is always obtained, records are never passed on further, "
                    "and this is checked.",
                ),
                "next_step": (
                    "Add a section on substance use treatment records (42 CFR Part 2) to the "
                    "procedures, with a written consent form and a ban on passing records on."
                ),
            },
            {
                "key": "cross-training",
                "statement": (
                    "Officers and mental health staff are trained together on the information "
                    "exchange procedures."
                ),
                "levels": (
                    "No one is trained on the information exchange procedures.",
                    "Each side is told about the procedures separately, once.",
                    "Officers and mental health staff have been trained together on the "
                    "procedures.",
                    "Joint training on the procedures is given to all new staff and repeated when "
                    "the procedures change.",
                ),
                "next_step": (
                    "Hold a joint session where officers and clinicians walk through the "
                    "procedures using real examples."
                ),
            },
            {
                "key": "need-to-know",
                "statement": (
                    "Shared personal information is open only to staff who need it for their "
                    "role, and access to it is logged."
                ),
                "levels": (
                    "Anyone in the partner organizations can see shared personal information.",
                    "Access is limited informally, and no one logs who looks.",
                    "Access is limited by role, and access is logged in the main systems.",
                    "Access is limited by role in every system, and access logs are reviewed.",
                ),
                "next_step": (
                    "Decide which roles need to see shared personal information and turn on "
                    "access logging in the systems that hold it."
                ),
            },
        ),
    },
    {
        "number": 8,
        "title": "Treatment, Supports, and Services",
        "intent": (
            "The program connects people with mental illness to comprehensive, effective "
            "community-based treatment, supports and services."
        ),
        "specialties": ("follow_up", "crisis_center", "liaison_officers", "co_responder"),
        "items": (
            {
                "key": "service-array",
                "statement": (
                    "The community has a full range of crisis and treatment services that the "
                    "program can connect people to."
                ),
                "levels": (
                    "Few services exist, and no one has checked which are missing.",
                    "Some services exist, with large known gaps.",
                    "Most needed services exist, though some are hard to reach.",
                    "A full range of services exists, and partners check regularly that it "
                    "meets need.",
                ),
                "next_step": (
                    "Map the crisis and treatment services people need, mark which exist "
                    "locally, and share the missing ones with the planning committee."
                ),
            },
            {
                "key": "referral-process",
                "statement": (
                    "Responders can refer people to services through an agreed process that the "
                    "services accept."
                ),
                "levels": (
                    "There is no way for responders to refer someone to a service.",
                    "Responders hand out phone numbers or brochures.",
                    "An agreed referral process exists with some services.",
                    "An agreed referral process exists with the main services, and referrals are "
                    "counted.",
                ),
                "next_step": (
                    "Agree with one key service on a simple referral process (what is sent and "
                    "who calls whom), then extend it to others."
                ),
            },
            {
                "key": "linkage-confirmed",
                "statement": (
                    "The program learns whether people referred actually got connected to the "
                    "service (the service confirms back)."
                ),
                "levels": (
                    "No one knows whether referred people got connected.",
                    "Responders sometimes hear back informally.",
                    "Services confirm back on most referrals.",
                    "Services confirm back on every referral, and unconnected people are "
                    "followed up.",
                ),
                "next_step": (
                    "Ask the services that receive the most referrals to confirm back when a "
                    "person is connected, and keep a simple list of open referrals."
                ),
            },
            {
                "key": "follow-up",
                "statement": (
                    "A follow-up or case management team reaches out to people after a crisis, "
                    "especially people with repeated police contacts."
                ),
                "levels": (
                    "No one follows up with people after a crisis.",
                    "Follow-up happens occasionally, when someone has time.",
                    "A team follows up with some people, such as those with repeated contacts.",
                    "A team follows up with everyone who needs it, tracks each case, and reviews "
                    "results with the partners.",
                ),
                "next_step": (
                    "Identify the people with the most repeated police contacts and assign an "
                    "officer and a clinician to reach out to them together."
                ),
            },
            {
                "key": "continuity-of-care",
                "statement": (
                    "People already in treatment stay connected to their own providers after a "
                    "police encounter."
                ),
                "levels": (
                    "Existing providers are not told or involved after an encounter.",
                    "Existing providers are contacted occasionally.",
                    "Existing providers are contacted in most cases where the person agrees.",
                    "Existing providers are routinely contacted where the person agrees, and "
                    "gaps are reviewed.",
                ),
                "next_step": (
                    "Ask responders to find out whether a person has a provider and, with the "
                    "person's agreement, let that provider know."
                ),
            },
            {
                "key": "service-gaps",
                "statement": (
                    "The partners work together to fill gaps in local treatment, supports and "
                    "services."
                ),
                "levels": (
                    "Service gaps are not discussed by the partners.",
                    "Gaps are discussed but no action has been taken.",
                    "The partners are working on at least one identified gap.",
                    "The partners track service gaps, act on them, and report progress to the "
                    "planning committee.",
                ),
                "next_step": (
                    "Pick the one service gap that affects the most calls and agree with the "
                    "partners on a first step to close it."
                ),
            },
        ),
    },
    {
        "number": 9,
        "title": "Organizational Support",
        "intent": (
            "The law enforcement agency's policies, practices and culture support the program "
            "and the people who carry it out."
        ),
        "specialties": ("cit", "liaison_officers"),
        "items": (
            {
                "key": "leadership-commitment",
                "statement": (
                    "Agency leaders support the program beyond endorsement: they commit staff "
                    "time and resources and speak up for it."
                ),
                "levels": (
                    "Agency leaders have not taken a position on the program.",
                    "Agency leaders endorse the program but commit no time or resources.",
                    "Agency leaders commit some staff time and resources to the program.",
                    "Agency leaders commit resources, speak for the program inside and outside "
                    "the agency, and review it regularly.",
                ),
                "next_step": (
                    "Brief the agency head on the program's needs and ask for a specific "
                    "commitment of staff time or resources."
                ),
            },
            {
                "key": "champion",
                "statement": (
                    "A program champion with the authority to make decisions leads the program "
                    "inside the agency."
                ),
                "levels": (
                    "No one in the agency is responsible for the program.",
                    "An interested officer leads the program without formal authority.",
                    "A named champion leads the program with some authority.",
                    "A named champion with clear authority leads the program, and a successor "
                    "is ready.",
                ),
                "next_step": (
                    "Ask the agency head to name a champion for the program and give that person "
                    "the authority to make day-to-day decisions."
                ),
            },
            {
                "key": "agency-policy",
                "statement": (
                    "The agency has adopted and put into practice a written policy on responding "
                    "to people with mental illness."
                ),
                "levels": (
                    "The agency has no policy on responding to people with mental illness.",
                    "A policy is being drafted or exists only on paper.",
                    "A written policy is adopted and most officers know it.",
                    "A written policy is adopted, followed in practice, and reviewed with the "
                    "partners.",
                ),
                "next_step": (
                    "Start from a model policy on responding to people with mental illness, "
                    "adapt it with the partners, and have the agency adopt it."
                ),
            },
            {
                "key": "volunteers",
                "statement": (
                    "Officers take on specialized roles in the program as volunteers rather than "
                    "by assignment."
                ),
                "levels": (
                    "Officers are assigned to specialized roles without being asked.",
                    "Some specialized officers volunteered; others were assigned.",
                    "Most specialized officers volunteered.",
                    "All specialized officers volunteered, and the agency actively invites "
                    "volunteers.",
                ),
                "next_step": (
                    "Invite officers to volunteer for specialized roles and explain what the role "
                    "involves, before assigning anyone."
                ),
            },
            {
                "key": "evaluation-not-arrests",
                "statement": (
                    "Officer and program evaluations do not measure success by the number of "
                    "arrests."
                ),
                "levels": (
                    "Evaluations count arrests as the main sign of good work.",
                    "Evaluations count arrests but mention crisis work informally.",
                    "Evaluations include crisis outcomes alongside other measures.",
                    "Evaluations value good crisis outcomes, never reward arrests on these calls, "
                    "and are reviewed.",
                ),
                "next_step": (
                    "Review the measures used to evaluate officers and the program, and add "
                    "crisis outcomes such as connections to services."
                ),
            },
            {
                "key": "staff-support",
                "statement": (
                    "Officers in specialized roles get the time, scheduling and recognition they "
                    "need to do the work."
                ),
                "levels": (
                    "Specialized officers get no time or recognition for the work.",
                    "Specialized officers do the work on top of normal duties, unrecognized.",
                    "Specialized officers get time for training and some recognition.",
                    "Specialized officers get time, fitting schedules and regular recognition, "
                    "reviewed with them.",
                ),
                "next_step": (
                    "Ask specialized officers what gets in the way of the work and fix one "
                    "scheduling or recognition problem first."
                ),
            },
            {
                "key": "public-commitment",
                "statement": (
                    "Agency leaders have made a public commitment with deadlines, such as the "
                    "One Mind pledge of the International Association of Chiefs of Police."
                ),
                "levels": (
                    "The agency has made no public commitment on mental health response.",
                    "Leaders are considering a public commitment.",
                    "The agency has made a public commitment and is working toward its goals.",
                    "The agency has met its public commitment within its deadline and reports "
                    "progress openly.",
                ),
                "next_step": (
                    "Review the One Mind pledge (partnership, model policy, training for all "
                    "officers within 12–36 months) and decide whether to sign it."
                ),
            },
        ),
    },
    {
        "number": 10,
        "title": "Program Evaluation and Sustainability",
        "intent": (
            "The partners collect and analyze data to show the program's impact and improve it, "
            "and keep building support for it in the community and the agency."
        ),
        "specialties": (),
        "items": (
            {
                "key": "baseline-data",
                "statement": (
                    "Baseline data from before the program (or before a major change) is "
                    "available for comparison."
                ),
                "levels": (
                    "No baseline data exists.",
                    "Some baseline figures exist but are incomplete.",
                    "Baseline data exists for most of the measures the program tracks.",
                    "Baseline data exists for every measure tracked and is used in each review.",
                ),
                "next_step": (
                    "Pull the past year's figures from existing records for the measures the "
                    "program will track, before making further changes."
                ),
            },
            {
                "key": "force-injury-data",
                "statement": (
                    "Use of force, injuries and deaths (of officers and of civilians) on these "
                    "calls are recorded and tracked."
                ),
                "levels": (
                    "Force, injuries and deaths on these calls are not tracked separately.",
                    "Some incidents are recorded, but not in a way that can be counted.",
                    "Force, injuries and deaths on these calls are recorded consistently.",
                    "Force, injuries and deaths are recorded consistently and reviewed with the "
                    "partners.",
                ),
                "next_step": (
                    "Add a mental health flag to use-of-force and injury reports so these calls "
                    "can be counted."
                ),
            },
            {
                "key": "response-data",
                "statement": (
                    "Response times, and how many of these calls trained officers handle, are "
                    "recorded and tracked."
                ),
                "levels": (
                    "Response times and who handled these calls are not tracked.",
                    "These figures can be found only by searching records by hand.",
                    "Response times and calls handled by trained officers are tracked.",
                    "These figures are tracked and reviewed regularly to adjust staffing and "
                    "coverage.",
                ),
                "next_step": (
                    "Work with dispatch to report, for mental health calls, the response time and "
                    "whether a trained officer handled the call."
                ),
            },
            {
                "key": "repeat-and-disposition-data",
                "statement": (
                    "Repeat calls and dispositions, including arrests and linkage to services, "
                    "are recorded and tracked."
                ),
                "levels": (
                    "Repeat calls and dispositions are not tracked.",
                    "Dispositions are recorded in free text and repeat calls are not counted.",
                    "Dispositions are recorded from a set list and repeat calls are counted.",
                    "Repeat calls and dispositions are tracked consistently and reviewed with the "
                    "partners.",
                ),
                "next_step": (
                    "Agree on a short list of dispositions (such as resolved on scene, referred, "
                    "transported to treatment, arrested) and record one on every call."
                ),
            },
            {
                "key": "perceptions",
                "statement": (
                    "Officers' and community members' views of the program are gathered and "
                    "considered."
                ),
                "levels": (
                    "No one asks officers or the community what they think of the program.",
                    "Views are heard informally or through complaints.",
                    "Officers and community members are asked for their views in a structured way.",
                    "Views are gathered on a set schedule, compared over time, and acted upon.",
                ),
                "next_step": (
                    "Run a short survey of officers and of community partners, including people "
                    "with lived experience, about how the program is working."
                ),
            },
            {
                "key": "outcome-review",
                "statement": (
                    "The partners regularly analyze the data against the four key outcomes and "
                    "use the results to improve the program."
                ),
                "levels": (
                    "The data is not analyzed.",
                    "The data is looked at occasionally, without a set process.",
                    "The data is analyzed against the four key outcomes and shared with partners.",
                    "A formal, ongoing review of the four key outcomes leads to documented "
                    "changes in the program.",
                ),
                "next_step": (
                    "Schedule a review of the four key outcomes (connections to services, repeat "
                    "encounters, arrests where diversion fits, force and injury) with the partners."
                ),
            },
            {
                "key": "sustained-support",
                "statement": (
                    "Support for the program is actively built in the community and in the "
                    "agency, so it does not depend on one grant or one leader."
                ),
                "levels": (
                    "No one works on keeping the program going beyond its current funding.",
                    "The program depends on one grant or one leader, with no plan beyond it.",
                    "The partners share results with the community and agency to build support.",
                    "Support is built continuously, funding is spread over sources, and the "
                    "program has survived changes in leadership.",
                ),
                "next_step": (
                    "Share a short summary of results with elected officials, funders and the "
                    "community, and write down how the program would continue without its grant."
                ),
            },
        ),
    },
)
