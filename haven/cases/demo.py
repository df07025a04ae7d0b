"""Fictional demo data: the seed story step by step, and about fifty varied cases.

All names are invented. The story follows ../shared/seed/article.txt: two young
men detained and tortured by police in April 2020, their flight to another region
with the organisation's help, their abduction and forced return in 2021, threats
from relatives, a petition for state protection, protection granted with the
measures unclear, and a follow-up.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from haven.accounts.actions import add_member, create_team, create_user
from haven.accounts.models import Membership, Role, Team, User
from haven.cases import actions
from haven.cases.models import Case, CaseAction, Consent, Request
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person, record_move, relate
from haven.vocab.models import term

DEMO_TEAM = "North Caucasus desk"
FIRST_NAMES = [
    "Адам",
    "Ислам",
    "Магомед",
    "Рустам",
    "Зелимхан",
    "Ахмед",
    "Мурад",
    "Тимур",
    "Аслан",
    "Хава",
    "Зарема",
    "Седа",
    "Малика",
    "Аминат",
    "Лейла",
    "Мадина",
    "Elena",
    "Anna",
    "Dmitry",
    "Sergei",
    "Olga",
    "Pavel",
    "Marina",
    "Ibragim",
    "Khadizhat",
]
SURNAMES = [
    "Ахмадов",
    "Вагапов",
    "Дакаев",
    "Эльмурзаев",
    "Гайрбеков",
    "Хамзатов",
    "Сулейманов",
    "Ташуев",
    "Усманов",
    "Шамилев",
    "Келоев",
    "Ортаев",
    "Petrova",
    "Smirnov",
    "Volkova",
    "Kuznetsov",
    "Sokolova",
    "Baisarov",
    "Magomadova",
    "Zakriev",
]
PLACES = [
    "Грозный",
    "Гудермес",
    "Шали",
    "Урус-Мартан",
    "Махачкала",
    "Назрань",
    "Москва",
    "Санкт-Петербург",
    "Нижний Новгород",
    "Екатеринбург",
    "Ереван",
    "Тбилиси",
]
SUMMARIES = [
    "Threatened by relatives after being outed; asks for a safe place to stay.",
    "Detained at a checkpoint, phone searched; fears a new summons.",
    "Family arranged a forced marriage; wants to leave the region.",
    "Received extortion messages threatening to publish private photos.",
    "A friend disappeared after a police raid; the family asks for help to find him.",
    "Summoned for questioning about online posts; needs a lawyer.",
    "Lost documents while fleeing; needs a new passport and a place to stay.",
    "Was beaten by relatives; needs medical and psychological help.",
]


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


@transaction.atomic
def load_demo(
    admin: User | None = None,
    *,
    extra_cases: int = 50,
    extra_incidents: int = 300,
    seed: int = 2020,
) -> Team:
    """Create the demo team, its staff, the seed story and ``extra_cases`` more cases."""
    if Team.objects.filter(name=DEMO_TEAM).exists():
        raise ValueError("the demo data is already loaded")
    team = create_team(DEMO_TEAM, by=admin)
    caseworker, _p = create_user(
        email="madina.demo@example.org",
        role=Role.CASEWORKER,
        full_name="Madina (demo caseworker)",
        by=admin,
    )
    lawyer, _p = create_user(
        email="lawyer.demo@example.org",
        role=Role.LAWYER,
        full_name="Andrei (demo lawyer)",
        by=admin,
    )
    for user in (caseworker, lawyer):
        add_member(team, user, by=admin)
    if admin is not None:
        add_member(team, admin, by=admin, reason="to look at the demo data")
    case, victims, uncle, unit = story(team, caseworker, lawyer)
    varied_cases(team, [caseworker, lawyer, *([admin] if admin else [])], extra_cases, seed)
    from haven.incidents import demo as incidents_demo

    incidents_demo.story(team, caseworker, case, victims, uncle, unit)
    incidents_demo.varied(team, caseworker, extra_incidents, seed)
    return team


def story(team: Team, caseworker: User, lawyer: User):
    by = caseworker
    salman = add_person(
        team=team,
        by=by,
        name="Салман Тагиров",
        other_names=["Salman Tagirov"],
        nicknames=["Салик"],
        gender="male",
        birth_date="1999",
        nationality="Russian",
        languages=["Chechen", "Russian"],
        contacts=[{"kind": "handle", "value": "@salman_t_demo"}],
        whereabouts=[{"place": "Грозный", "since": "", "note": "lived with his family"}],
    )
    islam = add_person(
        team=team,
        by=by,
        name="Ислам Келоев",
        other_names=["Islam Keloev", "Islam Keloyev"],
        gender="male",
        birth_date="2002",
        nationality="Russian",
        languages=["Chechen", "Russian"],
        contacts=[{"kind": "phone", "value": "+7 900 000-20-20"}],
        whereabouts=[{"place": "Грозный", "since": "", "note": ""}],
    )
    uncle = add_person(
        team=team,
        by=by,
        name="Руслан Тагиров",
        other_names=["Ruslan Tagirov"],
        gender="male",
        notes="Salman's uncle; threatened an 'honour killing'.",
    )
    unit = add_person(
        team=team,
        by=by,
        kind="group",
        name="Special police unit (fictional)",
        notes="Unit whose officers detained the two men in April 2020.",
    )
    relate(uncle, salman, kind=term("relationship", "relative"), by=by, note="uncle")
    relate(salman, islam, kind=term("relationship", "friend"), by=by)

    intake = actions.record_request(
        team=team,
        by=by,
        channel=term("channel", "telegram"),
        received_at=_at(date(2020, 4, 28), 23),
        requester=salman,
        summary=(
            "Two young men were detained by police in Grozny, held for days and beaten "
            "over a Telegram channel. Released; afraid of a new arrest. Ask to leave the "
            "region."
        ),
        urgency=Request.Urgency.IMMEDIATE,
    )
    case = actions.open_case_from_request(intake, by=by, title="Two young men from Grozny")
    actions.add_person_to_case(case, islam, by=by)
    actions.change_status(case, Case.Status.ACTIVE, by=by, since=date(2020, 4, 29))
    actions.assess_risk(
        case,
        by=by,
        assessed_on=date(2020, 4, 29),
        likelihood=5,
        impact=5,
        level="high",
        threat_sources=[term("threat_source", "state_agents")],
        threat_types=[term("threat_type", "detention"), term("threat_type", "torture")],
        narrative="Police know their names and addresses; a second detention is likely.",
    )
    for kind, title, due, outcome, done in [
        (
            "evacuation",
            "Evacuate both men from Chechnya",
            date(2020, 5, 10),
            "Left by car on 9 May 2020.",
            "2020-05-09",
        ),
        (
            "shelter",
            "Shelter in Nizhny Novgorod",
            date(2020, 5, 15),
            "Placed in a safe flat.",
            "2020-05",
        ),
        (
            "psychological",
            "Sessions with a psychologist",
            date(2020, 7, 1),
            "Eight sessions.",
            "summer 2020",
        ),
    ]:
        actions.plan_action(
            case,
            by=by,
            kind=term("action_type", kind),
            title=title,
            owner=caseworker,
            due_on=due,
            status=CaseAction.Status.DONE,
            done=FuzzyDate.parse(done),
            outcome=outcome,
        )
    for person in (salman, islam):
        record_move(
            person,
            by=by,
            place="Нижний Новгород",
            since="2020-06",
            note="moved with the organisation's help",
        )
    for purpose, status in [
        ("legal_action", Consent.Status.GIVEN),
        ("publication", Consent.Status.REFUSED),
        ("statistics", Consent.Status.GIVEN),
    ]:
        for person in (salman, islam):
            actions.record_consent(
                person,
                by=by,
                case=case,
                purpose=term("consent_purpose", purpose),
                status=status,
                given_on=date(2020, 6, 2),
            )
    actions.add_note(
        case,
        by=by,
        text="Police named an opposition Telegram channel as the reason; "
        "both men say the questions were about their sexual orientation.",
        happened_on=date(2020, 4, 29),
    )
    actions.change_status(case, Case.Status.MONITORING, by=by, since=date(2020, 9, 1))

    # February 2021: abducted in Nizhny Novgorod and returned to Chechnya.
    actions.record_request(
        team=team,
        by=by,
        channel=term("channel", "signal"),
        received_at=_at(date(2021, 2, 4), 8),
        requester_name="a friend of Islam",
        case=case,
        summary="Both men were taken from the flat by police from Chechnya overnight.",
        urgency=Request.Urgency.IMMEDIATE,
    )
    actions.change_status(case, Case.Status.ACTIVE, by=by, since=date(2021, 2, 4))
    for person in (salman, islam):
        record_move(
            person,
            by=by,
            place="Грозный",
            since="2021-02",
            note="forcibly returned; held by police, then handed to relatives",
        )
    actions.assess_risk(
        case,
        by=by,
        assessed_on=date(2021, 2, 5),
        likelihood=5,
        impact=5,
        level="critical",
        threat_sources=[term("threat_source", "state_agents"), term("threat_source", "family")],
        threat_types=[term("threat_type", "abduction"), term("threat_type", "honour_killing")],
        narrative="Relatives have said the family's honour must be 'cleansed'.",
    )
    petition = actions.plan_action(
        case,
        by=lawyer,
        kind=term("action_type", "petition"),
        title="Request for state protection for both men",
        owner=lawyer,
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "state_protection"),
        filed_on=date(2021, 2, 12),
        reference="DEMO-2021-0212",
        status=CaseAction.Status.IN_PROGRESS,
    )
    actions.record_decision(
        petition,
        by=lawyer,
        decision=CaseAction.Decision.GRANTED,
        decision_on=date(2021, 3, 18),
        measures="State protection granted; the decision does not say which measures.",
        next_deadline=timezone.localdate() + timedelta(days=10),
    )
    actions.plan_action(
        case,
        by=lawyer,
        kind=term("action_type", "follow_up"),
        title="Find out which protection measures were granted",
        owner=lawyer,
        due_on=timezone.localdate() + timedelta(days=7),
        status=CaseAction.Status.PLANNED,
    )
    actions.add_note(
        case,
        by=lawyer,
        text="It is not yet clear what kind of protection they "
        "will receive. Ask the Investigative Committee in writing.",
        happened_on=date(2021, 3, 18),
    )
    return case, (salman, islam), uncle, unit


def varied_cases(team: Team, staff: list[User], count: int, seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret
    today = timezone.localdate()
    channels = ["hotline", "telegram", "signal", "email", "in_person", "referral"]
    kinds = [
        "evacuation",
        "relocation",
        "shelter",
        "documents",
        "legal_aid",
        "medical",
        "psychological",
        "financial",
    ]
    statuses = [
        Case.Status.INTAKE,
        Case.Status.ACTIVE,
        Case.Status.ACTIVE,
        Case.Status.MONITORING,
        Case.Status.CLOSED,
    ]
    levels = ["critical", "high", "medium", "low"]
    for n in range(count):
        by = rng.choice(staff)
        received = today - timedelta(days=rng.randint(1, 900))
        person = add_person(
            team=team,
            by=by,
            name=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
            whereabouts=[{"place": rng.choice(PLACES), "since": str(received.year), "note": ""}],
        )
        summary = rng.choice(SUMMARIES)
        intake = actions.record_request(
            team=team,
            by=by,
            channel=term("channel", rng.choice(channels)),
            received_at=_at(received, rng.randint(7, 22)),
            requester=person,
            summary=summary,
            urgency=rng.choice(Request.Urgency.values),
        )
        if n % 10 == 9:
            continue  # a few requests wait for a case
        case = actions.open_case_from_request(
            intake, by=by, title=summary.split(";")[0][:120], lead=rng.choice(staff)
        )
        status = rng.choice(statuses)
        if status != Case.Status.INTAKE:
            actions.change_status(
                case, status, by=by, since=min(received + timedelta(days=2), today)
            )
        actions.assess_risk(
            case,
            by=by,
            assessed_on=received + timedelta(days=1),
            likelihood=rng.randint(1, 5),
            impact=rng.randint(1, 5),
            level=rng.choice(levels),
            threat_sources=[
                term(
                    "threat_source", rng.choice(["state_agents", "family", "community", "unknown"])
                )
            ],
            threat_types=[
                term(
                    "threat_type",
                    rng.choice(
                        ["honour_killing", "detention", "abduction", "forced_outing", "extortion"]
                    ),
                )
            ],
        )
        for _a in range(rng.randint(1, 3)):
            due = today + timedelta(days=rng.randint(-20, 40))
            open_status = rng.choice(
                [CaseAction.Status.PLANNED, CaseAction.Status.IN_PROGRESS, CaseAction.Status.DONE]
            )
            kind = rng.choice(kinds)
            actions.plan_action(
                case,
                by=by,
                kind=term("action_type", kind),
                title=term("action_type", kind).label_en,
                owner=rng.choice(staff),
                due_on=due,
                status=open_status,
                persons=[person] if person else [],
            )
        if rng.random() < 0.3:
            filed = received + timedelta(days=rng.randint(5, 60))
            petition = actions.plan_action(
                case,
                by=by,
                kind=term("action_type", "petition"),
                title="Petition",
                authority=term(
                    "authority",
                    rng.choice(["ic_chechnya", "ic_russia", "prosecutor_general", "ombudsman"]),
                ),
                petition_type=term(
                    "petition_type",
                    rng.choice(["state_protection", "criminal_complaint", "appeal"]),
                ),
                filed_on=filed,
                owner=rng.choice(staff),
                next_deadline=today + timedelta(days=rng.randint(-5, 30)),
            )
            if rng.random() < 0.5 and filed < today:
                actions.record_decision(
                    petition,
                    by=by,
                    decision=rng.choice(
                        [
                            CaseAction.Decision.GRANTED,
                            CaseAction.Decision.REFUSED,
                            CaseAction.Decision.PARTLY_GRANTED,
                            CaseAction.Decision.NO_ANSWER,
                        ]
                    ),
                    decision_on=min(today, filed + timedelta(days=rng.randint(10, 90))),
                )


def demo_members() -> list[User]:
    team = Team.objects.filter(name=DEMO_TEAM).first()
    if team is None:
        return []
    return list(
        User.objects.filter(memberships__team=team, memberships__access=Membership.Access.MEMBER)
    )
