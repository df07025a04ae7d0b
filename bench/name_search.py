#!/usr/bin/env python3
"""How well name search finds a person across scripts and typos, through blind-index terms.

Reads real Latin/Cyrillic pairs of name tokens (Wikidata labels, CC0: one pair a line,
``latin<TAB>space-separated Cyrillic letters<TAB>count``), indexes a pool of distinct
tokens of one script with ``haven.lib.names.name_terms`` (a dict term -> ids stands in for
the HMAC'd table: the keyed hash changes nothing about which records share a term), and
queries it with tokens of the other script, spelt as in the data and with random typos
(insertion, deletion, substitution or transposition of a letter). Candidates are every
record sharing a query term, ranked by ``haven.lib.names.score``.

Prints recall@1 and recall@10 (the true token among the first ten), candidates and term
lookups per query, terms per indexed token and queries per second, for both directions
(Latin query -> Cyrillic pool, Cyrillic query -> Latin pool) and three sets of pairs: the
Latin is what some iuliia schema writes for the Cyrillic ("schema spellings": transliterated
names, the case Haven is for); or at least 0.8 Indel-similar to one ("close": everyday
spellings, and foreign names whose Russian form follows the letters); or anything ("all":
also foreign names transcribed by ear, ``maureen`` / ``морин``, ``takashi`` / ``такаси``,
which no transliteration folding joins). Then the recall of each iuliia schema's spelling
of pooled Cyrillic tokens, and, when present, the labelled pairs of the record-linkage set
``fake_1000`` (English names with typos, missing parts and nicknames) and name search over
its 50,000 historical records (recall@1, recall@10 and precision@10 against the true
clusters; read with pyarrow, which ``make bench`` installs).

    .venv/bin/python bench/name_search.py [--data PATH] [--pool N] [--queries N] [--seed N]

Prints that the data is absent and exits 0 when the file cannot be found.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import _conditions  # noqa: E402
import iuliia  # noqa: E402

from haven.lib import names  # noqa: E402

DATA_NAME = Path("data/names/wd_russian_20")
SCHEMAS = [iuliia.schemas.get(name) for name in iuliia.schemas.names() if name != "uz"]
LATIN = "abcdefghijklmnopqrstuvwxyz"
CYRILLIC = "абвгдежзийклмнопрстуфхцчшщъыьэюя"


def find_data(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit) if Path(explicit).exists() else None
    for shared in (ROOT.parent / "shared", ROOT / "shared", Path("/work/shared")):
        if (shared / DATA_NAME).exists():
            return shared / DATA_NAME
    return None


def load_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 2 and fields[0] and fields[1]:
                pairs.append((fields[0], fields[1].replace(" ", "")))
    return pairs


def strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def schema_outputs(cyrillic: str) -> set[str]:
    """What the iuliia schemas make of a Cyrillic token, lower-case, marks stripped."""
    return {strip_marks(schema.translate(cyrillic).lower()) for schema in SCHEMAS}


def classify(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """ "schema" when the Latin is what some iuliia schema writes for the Cyrillic, "close"
    when it is at least 0.8 Indel-similar to one, "other" for spellings by ear."""
    from rapidfuzz.distance import Indel

    kinds = {}
    for latin, cyrillic in pairs:
        target = strip_marks(latin.lower())
        outputs = schema_outputs(cyrillic)
        if target in outputs:
            kinds[latin, cyrillic] = "schema"
        elif max(Indel.normalized_similarity(target, out) for out in outputs) >= 0.8:
            kinds[latin, cyrillic] = "close"
        else:
            kinds[latin, cyrillic] = "other"
    return kinds


def typo(word: str, alphabet: str, rng: random.Random) -> str:
    """One random insertion, deletion, substitution or transposition of a letter."""
    kind = rng.choice(("insert", "delete", "substitute", "transpose"))
    if len(word) < 3 and kind in ("delete", "transpose"):
        kind = "substitute"
    i = rng.randrange(len(word))
    if kind == "insert":
        return word[:i] + rng.choice(alphabet) + word[i:]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "substitute":
        choices = [c for c in alphabet if c != word[i]]
        return word[:i] + rng.choice(choices) + word[i + 1 :]
    i = min(i, len(word) - 2)
    if word[i] == word[i + 1]:
        return typo(word, alphabet, rng)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


class Index:
    """A blind index without the HMAC: term -> ids of the tokens that have it."""

    def __init__(self, pool: list[str]):
        self.pool = pool
        self.postings: dict[str, set[int]] = defaultdict(set)
        self.keys_per_token = []
        self._parser = names.Parser()
        self._parsed: dict[int, tuple] = {}
        for ident, token in enumerate(pool):
            terms = names.name_terms(token)
            self.keys_per_token.append(len(terms))
            for term in terms:
                self.postings[term].add(ident)

    def parsed(self, ident: int) -> tuple:
        if ident not in self._parsed:
            self._parsed[ident] = self._parser(self.pool[ident])
        return self._parsed[ident]

    def search(self, query: str, limit: int = 10) -> tuple[list[int], int, int]:
        """The best ids, the number of candidates and the number of terms looked up."""
        terms = names.query_terms(query)
        found: set[int] = set()
        for term in terms:
            found |= self.postings.get(term, set())
        wanted = names.parse(query)
        ranked = sorted(found, key=lambda i: -names.score_parsed(wanted, [self.parsed(i)]))
        return ranked[:limit], len(found), len(terms)


def run(index: Index, queries: list[tuple[str, int]]) -> dict[str, float]:
    hits1 = hits10 = 0
    candidates, lookups = [], []
    start = time.perf_counter()
    for query, truth in queries:
        top, count, terms = index.search(query)
        candidates.append(count)
        lookups.append(terms)
        hits1 += bool(top) and top[0] == truth
        hits10 += truth in top
    elapsed = time.perf_counter() - start
    n = len(queries) or 1
    candidates.sort()
    return {
        "n": len(queries),
        "r1": hits1 / n,
        "r10": hits10 / n,
        "cand": statistics.fmean(candidates or [0]),
        "p95": candidates[int(0.95 * (len(candidates) - 1))] if candidates else 0,
        "terms": statistics.fmean(lookups or [0]),
        "qps": len(queries) / elapsed if elapsed else 0.0,
    }


def report(label: str, figures: dict[str, float]) -> None:
    print(
        f"  {label:<26} n={figures['n']:>5}  recall@1 {figures['r1']:.3f}"
        f"  recall@10 {figures['r10']:.3f}  candidates mean {figures['cand']:6.1f}"
        f" p95 {figures['p95']:4d}  lookups {figures['terms']:5.0f}  {figures['qps']:6.0f} q/s"
    )


def with_typos(word: str, typos: int, alphabet: str, rng: random.Random) -> str:
    for _ in range(typos):
        word = typo(word, alphabet, rng)
    return word


SUBSETS = (
    ("schema spellings", {"schema"}),
    ("schema + close spellings", {"schema", "close"}),
    ("all pairs", {"schema", "close", "other"}),
)


def direction(
    title: str,
    pairs: list[tuple[str, str]],
    kinds: dict[tuple[str, str], str],
    side: int,
    args: argparse.Namespace,
) -> Index:
    """Index tokens of one side of the pairs (0 Latin, 1 Cyrillic), query with the other."""
    rng = random.Random(args.seed)
    other = 1 - side
    alphabet = CYRILLIC if other == 1 else LATIN
    usable = [p for p in pairs if len(p[other]) >= 2 and len(p[side]) >= 2]
    sample = rng.sample(usable, min(args.queries, len(usable)))
    pool = sorted({p[side] for p in sample})
    rest = sorted({p[side] for p in usable} - set(pool))
    pool += rng.sample(rest, max(0, min(args.pool - len(pool), len(rest))))
    start = time.perf_counter()
    index = Index(pool)
    built = time.perf_counter() - start
    ids = {token: i for i, token in enumerate(pool)}
    keys = index.keys_per_token
    print(f"\n{title}: pool of {len(pool)} tokens, {len(index.postings)} distinct terms")
    print(
        f"  terms per token: mean {statistics.fmean(keys):.1f}, max {max(keys)};"
        f" indexing {len(pool) / built:.0f} tokens/s"
    )
    for label, wanted in SUBSETS:
        chosen = [p for p in sample if kinds[p] in wanted]
        for typos in (0, 1, 2):
            queries = [
                (with_typos(p[other].lower(), typos, alphabet, rng), ids[p[side]]) for p in chosen
            ]
            report(f"{label}, {typos} typo{'' if typos == 1 else 's'}", run(index, queries))
    return index


def across_schemas(index: Index, args: argparse.Namespace) -> None:
    """Query the Cyrillic pool with what each iuliia schema writes for its tokens."""
    rng = random.Random(args.seed)
    sample = rng.sample(range(len(index.pool)), min(args.queries // 4, len(index.pool)))
    print(f"\nEach iuliia schema's spelling of {len(sample)} pooled Cyrillic tokens -> pool:")
    print(f"  {'schema':<16} {'0 typos':>8} {'1 typo':>8} {'2 typos':>8}   (recall@10)")
    for schema in SCHEMAS:
        row = []
        for typos in (0, 1, 2):
            queries = [
                (with_typos(schema.translate(index.pool[i]), typos, LATIN, rng), i) for i in sample
            ]
            row.append(run(index, queries)["r10"])
        print(f"  {schema.name:<16} " + " ".join(f"{figure:8.3f}" for figure in row))


def record_linkage(shared: Path) -> None:
    """Same-script English names with typos and missing parts (fake_1000, labelled pairs)."""
    folder = shared / "data/record-linkage"
    if not (folder / "fake_1000.csv").exists() or not (folder / "fake_1000_labels.csv").exists():
        print("\nrecord-linkage/fake_1000 is absent; skipped")
        return
    with (folder / "fake_1000.csv").open(encoding="utf-8") as rows:
        people = {
            row["unique_id"]: f"{row['first_name']} {row['surname']}".strip()
            for row in csv.DictReader(rows)
        }
    ids = sorted(people)
    index = Index([people[i] for i in ids])
    position = {ident: n for n, ident in enumerate(ids)}
    found = {True: [0, 0, 0], False: [0, 0, 0]}  # pairs, retrieved, in the top 10
    with (folder / "fake_1000_labels.csv").open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            left, right = people.get(row["unique_id_l"], ""), people.get(row["unique_id_r"], "")
            if not names.name_terms(left) or not names.name_terms(right):
                continue
            match = float(row["clerical_match_score"]) >= 0.5
            top, _, _ = index.search(left, limit=10)
            shared_term = set(names.query_terms(left)) & set(names.name_terms(right))
            found[match][0] += 1
            found[match][1] += bool(shared_term)
            found[match][2] += position[row["unique_id_r"]] in top
    print("\nfake_1000 (English names: typos, nicknames), labelled pairs with names on both sides:")
    for match, label in ((True, "matches"), (False, "non-matches")):
        pairs, retrieved, top10 = found[match]
        print(
            f"  {label:<12} {pairs:5d} pairs: share a term {retrieved / max(pairs, 1):.3f},"
            f" in the query's top 10 {top10 / max(pairs, 1):.3f}"
        )


def historical(shared: Path, queries: int, seed: int) -> None:
    """Name search over the 50,000 historical records (clusters of one person's records):
    each sampled record's name is the query; the other records of its cluster are the
    right answers."""
    path = shared / "data/record-linkage/historical_figures_with_errors_50k.parquet"
    if not path.exists():
        print("\nrecord-linkage/historical_50k is absent; skipped")
        return
    try:
        import pyarrow.parquet as pq
    except ImportError:
        print("\nhistorical_50k skipped: pyarrow is not installed (make bench installs it)")
        return
    table = pq.read_table(path, columns=["cluster", "first_name", "surname"]).to_pylist()
    records = [
        (row["cluster"], " ".join(p for p in (row["first_name"], row["surname"]) if p))
        for row in table
    ]
    records = [(cluster, name) for cluster, name in records if names.name_terms(name)]
    start = time.perf_counter()
    index = Index([name for _cluster, name in records])
    built = time.perf_counter() - start
    members = defaultdict(set)
    for ident, (cluster, _name) in enumerate(records):
        members[cluster].add(ident)
    rng = random.Random(seed)
    sample = [i for i in range(len(records)) if len(members[records[i][0]]) > 1]
    sample = rng.sample(sample, min(queries, len(sample)))
    hit1 = hit10 = 0
    precision = []
    start = time.perf_counter()
    for ident in sample:
        cluster, name = records[ident]
        right = members[cluster] - {ident}
        top, _count, _terms = index.search(name, limit=11)
        top = [i for i in top if i != ident][:10]
        hit1 += bool(top) and top[0] in right
        hit10 += bool(right & set(top))
        precision.append(len(right & set(top)) / len(top) if top else 0.0)
    elapsed = time.perf_counter() - start
    n = len(sample) or 1
    print(
        f"\nhistorical_50k (same script; typos, nicknames, missing parts): {len(records):,} names"
        f" indexed in {built:.0f} s; {len(sample)} queries, each a record's name, another"
        " record of the same person is the right answer:"
    )
    print(
        f"  recall@1 {hit1 / n:.3f}  recall@10 {hit10 / n:.3f}  precision@10"
        f" {statistics.fmean(precision or [0]):.3f}  {len(sample) / elapsed:.0f} q/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="path of wd_russian_20 (found under shared/ otherwise)")
    parser.add_argument("--pool", type=int, default=20_000, help="indexed tokens per direction")
    parser.add_argument("--queries", type=int, default=2_000, help="sampled pairs per direction")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()

    path = find_data(args.data)
    if path is None:
        print("name_search: the name pairs (shared/data/names/wd_russian_20) are absent; skipped")
        return
    conditions = _conditions.start()
    pairs = load_pairs(path)
    kinds = classify(pairs)
    counts = {kind: sum(1 for k in kinds.values() if k == kind) for kind in ("schema", "close")}
    print(
        f"{path}: {len(pairs)} pairs; the Latin is an iuliia schema's spelling in"
        f" {counts['schema']}, close to one (Indel similarity >= 0.8) in {counts['close']}"
    )
    cyrillic_index = direction("Latin query -> Cyrillic pool", pairs, kinds, side=1, args=args)
    direction("Cyrillic query -> Latin pool", pairs, kinds, side=0, args=args)
    across_schemas(cyrillic_index, args)
    record_linkage(path.parents[2])
    historical(path.parents[2], args.queries // 2, args.seed)
    conditions.report(
        cache="in-memory index built in this process (no database); files read once",
        notes="queries per second are wall-clock, one process",
    )


if __name__ == "__main__":
    main()
