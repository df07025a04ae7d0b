#!/usr/bin/env python3
"""Text search: p50/p95 of a search of narratives' words, in process, beside its floor.

Generates fictional incident descriptions (Russian and English sentences about
detentions, threats and flights, built from a few hundred inflected words, so common
words are shared by thousands of records), stores them as Haven does (encrypted, word
index keyed per field and team) over 4 teams, and times ``search_texts`` for a member of
one team: single words, two words, a prefix and a phrase. The floor is the index lookup
alone (``_candidates``: hashing the terms and the one SQL query), without decrypting.
Also prints how many index rows an incident's description adds.

    .venv/bin/python bench/text_search.py [--incidents N] [--queries N]

On PostgreSQL, through scripts/with-postgres (see the README).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import _conditions
import _instance

SUBJECTS = ["Его", "Её брата", "Двоих мужчин", "Соседа", "Активиста", "Their son", "Two men"]
VERBS = [
    "задержали",
    "задержал",
    "похитили",
    "избили",
    "угрожали убийством",
    "вывезли",
    "допрашивали",
    "were detained",
    "were tortured",
    "was threatened",
    "were abducted",
]
PLACES = [
    "в Грозном",
    "в Гудермесе",
    "на блокпосту",
    "в отделе полиции",
    "в Нижнем Новгороде",
    "in Grozny",
    "at a checkpoint",
    "at the police station",
]
REASONS = [
    "за сообщения в Telegram",
    "из-за ориентации",
    "по требованию родственников",
    "over a Telegram channel",
    "because of their orientation",
    "after a relative's complaint",
]
AFTER = [
    "Следы пыток на руках.",
    "Задержанных отпустили через три дня.",
    "Семья получает угрозы.",
    "Он уехал из региона.",
    "They were released after three days.",
    "The family receives threats.",
    "Witnesses saw a grey car.",
]
QUERIES = [
    "задержан",
    "похитили",
    "tortured",
    "угроз*",
    "Telegram ориентации",
    '"в отделе полиции"',
    "checkpoint released",
    "Гудермес*",
]


def description(rng: random.Random) -> str:
    sentences = [
        f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(PLACES)} {rng.choice(REASONS)}."
        for _ in range(rng.randint(1, 3))
    ]
    return " ".join([*sentences, rng.choice(AFTER)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=80)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    _instance.start()

    from django.db import connection, transaction

    from haven.accounts.models import Membership, Team, User
    from haven.incidents.models import Incident
    from haven.records.blind import index_new, word_fields
    from haven.records.models import BlindTerm
    from haven.search import words

    rng = random.Random(options.seed)
    teams = [Team.objects.create(name=f"Bench desk {n}") for n in range(4)]
    member = User.objects.create_user(email="bench-words@example.org", password="x" * 20)
    Membership.objects.create(team=teams[0], user=member, access=Membership.Access.MEMBER)
    before = BlindTerm.objects.count()
    started = time.perf_counter()
    for start in range(0, options.incidents, 1000):
        with transaction.atomic():
            batch = Incident.objects.bulk_create(
                Incident(
                    team=teams[n % len(teams)],
                    title=f"Incident {n}",
                    description=description(rng),
                    start_earliest="2021-01-01",
                    start_latest="2021-12-31",
                    start_precision="year",
                )
                for n in range(start, min(start + 1000, options.incidents))
            )
            index_new(batch)
    load = time.perf_counter() - started
    rows = BlindTerm.objects.count() - before
    conditions = _conditions.start()

    def timed(function, query):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function(query)
        return time.perf_counter() - wall, time.process_time() - cpu, result

    fields = word_fields(Incident)

    def floor(query):
        terms = words.parse(query).terms()
        return words._candidates(Incident, fields, terms, [teams[0].pk])

    for query in QUERIES:  # warm: keys derived, pages read
        words.search_texts(query, member)
    full, cpu, lookup, found = [], [], [], []
    for n in range(options.queries):
        query = QUERIES[n % len(QUERIES)]
        wall, used, result = timed(lambda q: words.search_texts(q, member), query)
        full.append(wall * 1000)
        cpu.append(used * 1000)
        found.append(len(result.hits))
        lookup.append(timed(floor, query)[0] * 1000)

    def p(values, q):
        return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]

    print(f"incidents: {options.incidents} over {len(teams)} teams, loaded in {load:.1f} s")
    print(f"word-index rows: {rows} ({rows / options.incidents:.1f} per description, names too)")
    print(
        f"search_texts in process: p50 {p(full, 50):.1f} ms, p95 {p(full, 95):.1f} ms "
        f"(CPU p50 {p(cpu, 50):.1f} ms, p95 {p(cpu, 95):.1f} ms); "
        f"hits shown per query: median {statistics.median(found):.0f}"
    )
    print(
        f"floor (index lookup only, no decryption): p50 {p(lookup, 50):.1f} ms, "
        f"p95 {p(lookup, 95):.1f} ms"
    )
    print(f"at most {words.CHECKED} candidates decrypted per kind, {words.SHOWN} shown")
    conditions.report(database=connection.vendor, cache=_conditions.GENERATED)


if __name__ == "__main__":
    main()
