"""Fifty distinctive values planted through the action functions, then searched for.

Used by the proof test that nothing sensitive is readable at rest.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

CYRILLIC_NAMES = [
    f"{first} {last}"
    for first, last in [
        ("Зелимхан", "Канарейкин"),
        ("Ибрагим", "Щеглов"),
        ("Халид", "Жаворонков"),
        ("Муслим", "Соловейкин"),
        ("Аслан", "Скворцович"),
        ("Рамзан", "Зябликов"),
        ("Магомед", "Чижиков"),
        ("Адам", "Снегирёв"),
        ("Ислам", "Свиристелев"),
        ("Тимур", "Овсянкин"),
    ]
]
LATIN_NAMES = [
    "Zelimkhan Kanareykin",
    "Ibragim Shcheglov",
    "Khalid Zhavoronkov",
    "Muslim Soloveykin",
    "Aslan Skvortsovich",
    "Ramzan Zyablikov",
    "Magomed Chizhikov",
    "Adam Snegiryov",
    "Islam Sviristelev",
    "Timur Ovsyankin",
]
PHONES = [f"+7 928 {n:03d}-{n + 17:02d}-{n + 41:02d}" for n in range(311, 321)]
ADDRESSES = [
    f"ул. Канареечная, д. {n}, кв. {n * 3}, Грозный"
    if n % 2
    else f"{n} Linnet Lane, flat {n * 3}, Nizhny Novgorod"
    for n in range(21, 31)
]
SENTENCES = [
    f"Witness {n} saw the grey minibus stop by the bakery on Sunzha embankment at dawn."
    if n % 2
    else f"Свидетель {n} видел, как серый микроавтобус остановился у пекарни на набережной."
    for n in range(1, 11)
]
CANARIES = CYRILLIC_NAMES + LATIN_NAMES + PHONES + ADDRESSES + SENTENCES
assert len(CANARIES) == 50
# Single words of the sentences, and their Snowball stems: the word index of the notes
# (haven/lib/stemming.py) must keep no word readable either, whole or stemmed.
WORDS = ["микроавтобус", "пекарн", "набережн", "minibus", "bakeri", "embankment"]


def forms_of(value: str) -> list[bytes]:
    """Every spelling of a canary that must not be found: as is, case-folded, UTF-16."""
    texts = {value, value.lower(), value.upper(), value.casefold()}
    digits = "".join(ch for ch in value if ch.isdigit())
    if value.startswith("+") and len(digits) >= 10:
        texts.add(digits)
    found = set()
    for text in texts:
        found.add(text.encode("utf-8"))
        found.add(text.encode("utf-16-le"))
        found.add(text.encode("utf-16-be"))
    return sorted(found)


def leaks(data: bytes) -> list[str]:
    return [value for value in CANARIES + WORDS if any(form in data for form in forms_of(value))]


def plant(team, member) -> list:
    """Record the canaries as people, edit them, view them and look them up."""
    from haven.people import actions
    from haven.people.models import Person, get_person_for_user
    from haven.records import blind

    people = []
    for n in range(10):
        person = actions.add_person(
            team=team,
            by=member,
            name=CYRILLIC_NAMES[n],
            other_names=[LATIN_NAMES[n]],
            contacts=[{"kind": "phone", "value": PHONES[n]}],
            whereabouts=[{"place": ADDRESSES[n], "since": "2021-02", "note": ""}],
        )
        actions.update_person(person, by=member, notes=SENTENCES[n])
        get_person_for_user(member, person.uuid)
        people.append(person)
    # A legal hold's name may say what a case is about: encrypted like the case.
    from haven.cases.actions import open_case
    from haven.retention.actions import set_hold

    case = open_case(team=team, by=member, title="Protection", persons=[people[0]])
    set_hold(case, by=member, name=SENTENCES[0])
    plant_public_requests(team, member)
    visible = Person.objects.visible_to(member)
    assert blind.matching(visible, "contacts", PHONES[3]).count() == 1
    assert blind.matching(visible, "name", CYRILLIC_NAMES[4].split()[1]).count() == 1
    from haven.search.words import search_texts

    # The notes' words are indexed: each of the five people with a Russian note is found.
    found = {hit.code for hit in search_texts("микроавтобус", member).hits}
    assert sum(person.code in found for person in people) == 5
    return people


def plant_public_requests(team, member) -> None:
    """What a person writes through the public request page, a file they send, and the
    conversation with a caseworker: all of it canaries."""
    from haven.cases.actions import record_requester_message, write_to_requester
    from haven.intake.actions import submit_request
    from haven.sources.vault import seal_bytes

    for n in range(3):
        upload = seal_bytes(SENTENCES[n + 3].encode(), "statement.txt", "text/plain")
        submission, _receipt = submit_request(
            team=team,
            what=SENTENCES[n],
            language="ru",
            place=ADDRESSES[n],
            contact=PHONES[n],
            consent_to_contact=True,
            uploads=[upload],
        )
        write_to_requester(submission.request, by=member, text=f"{LATIN_NAMES[n]}, call us.")
        record_requester_message(submission.request, text=CYRILLIC_NAMES[n])


def main(snapshot: str) -> None:
    """Run in a fresh instance: plant, then copy the database and its WAL while open."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from haven.accounts.actions import add_member, create_team, create_user
    from haven.accounts.models import Role

    member, _password = create_user(email="canary@example.org", role=Role.CASEWORKER)
    team = create_team("Canary desk")
    add_member(team, member)
    plant(team, member)
    connection.ensure_connection()  # keep it open: closing would fold the WAL away
    target = Path(snapshot)
    target.mkdir(parents=True, exist_ok=True)
    for path in Path(settings.VAR_DIR).iterdir():
        if path.is_file():
            shutil.copy(path, target / path.name)
    print("planted", file=sys.stderr)  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1])
