#!/usr/bin/env python3
"""How much of each page's article ``extract_article`` keeps, and how much chrome it lets in.

Runs ``haven.lib.capture.extract_article`` on every page of the article-extraction
benchmark set (``html/<id>.html.gz``, the raw bytes as fetched) and scores the text
against the page's true ``articleBody`` in ``ground-truth.json``. Prints mean precision,
recall and F1 and pages per second, with the published trafilatura figure beside them.

    .venv/bin/python bench/article_extraction.py [--data DIR] [--variants] [--pages] [--passes N]

``--data`` defaults to ``../shared/data/article-extraction`` beside the repository; when
that folder is absent the script says so and exits 0. Plain trafilatura with its
defaults (as the benchmark ran it) is always measured beside it, taking turns page by
page, and the ratio of their CPU times is printed (the floor: at least as fast). Each
page is timed ``--passes`` times (3 unless told) and its least time kept.
``--variants`` also scores ``extract_article`` without tables and plain trafilatura with
a few option sets (fast, favor_precision, favor_recall, without tables), to show what
each choice costs. ``--pages`` also prints each page's precision and recall, worst F1 of
``extract_article`` first, beside plain trafilatura's: where the text is lost or let in.

Scoring is the benchmark authors' (``evaluate.py`` in scrapinghub/article-extraction-
benchmark), re-implemented here: the text is cut into ``\\w+`` tokens (case kept, so
punctuation and whitespace only separate tokens), tokens are grouped into overlapping
4-token shingles (a text shorter than four tokens is one shingle), and the shingles of
the extraction and of the truth are compared as multisets: true positives are the
shingles both hold, false positives the extra ones extracted, false negatives the ones
missed. Precision is averaged over the pages where something was extracted, recall over
the pages with a true body, and F1 is the harmonic mean of the two averages. A page on
which extraction fails counts as an empty extraction (recall 0, no precision).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from unittest import mock

import _conditions

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The capture module marks its messages for translation, which reads Django's settings.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haven.settings")

from haven.lib import capture  # noqa: E402
from haven.lib.capture import CaptureError, extract_article  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "article-extraction"
# Published F1 of trafilatura 2.0 on the benchmark's full 181-page set.
PUBLISHED_TRAFILATURA_F1 = 0.958
SHINGLE_SIZE = 4
_TOKEN = re.compile(r"\w+")


def shingles(text: str) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    count = max(1, len(tokens) - SHINGLE_SIZE + 1)
    return Counter(tuple(tokens[start : start + SHINGLE_SIZE]) for start in range(count))


def overlap(truth: str, extracted: str) -> tuple[int, int, int]:
    """True positives, false positives and false negatives, in shingles."""
    expected, found = shingles(truth), shingles(extracted)
    true_positives = sum((expected & found).values())
    return (
        true_positives,
        sum(found.values()) - true_positives,
        sum(expected.values()) - true_positives,
    )


def page_precision(tp: int, fp: int, fn: int) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fp) if tp + fp else 0.0


def page_recall(tp: int, fp: int, fn: int) -> float:
    if fp == fn == 0:
        return 1.0
    return tp / (tp + fn) if tp + fn else 0.0


def summary(counts: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    precision = statistics.mean(page_precision(*c) for c in counts if c[0] + c[1] > 0)
    recall = statistics.mean(page_recall(*c) for c in counts if c[0] + c[2] > 0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def load_pages(data: Path) -> list[tuple[bytes, str, str | None]]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, record in sorted(truth.items()):
        raw = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append((raw, record.get("articleBody") or "", record.get("url")))
    return pages


def haven_extractor(raw: bytes, url: str | None) -> str:
    try:
        return extract_article(raw, url).text
    except CaptureError:
        return ""


def haven_without_tables(raw: bytes, url: str | None) -> str:
    original = capture.trafilatura.bare_extraction

    def without_tables(*args, **options):
        return original(*args, **{**options, "include_tables": False})

    with mock.patch.object(capture.trafilatura, "bare_extraction", without_tables):
        return haven_extractor(raw, url)


def trafilatura_extractor(**options) -> Callable[[bytes, str | None], str]:
    """Plain trafilatura with ``options``, on the page decoded as UTF-8 as its authors do."""
    import trafilatura

    def run(raw: bytes, url: str | None) -> str:
        html = raw.decode("utf-8", errors="replace")
        return trafilatura.extract(html, url=url, include_comments=False, **options) or ""

    return run


def page_f1(counts: tuple[int, int, int]) -> float:
    precision, recall = page_precision(*counts), page_recall(*counts)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def print_pages(counts: dict[str, list], pages, first: str, second: str) -> None:
    """Each page's precision and recall by two extractors, the first's worst F1 first."""
    print(f"\nper page, worst F1 of {first} first (P precision, R recall; then {second}):")
    rows = sorted(
        zip(counts[first], counts[second], (url for _raw, _truth, url in pages), strict=True),
        key=lambda row: page_f1(row[0]),
    )
    for mine, theirs, url in rows:
        print(
            f"  F1 {page_f1(mine):.3f} P {page_precision(*mine):.3f} R {page_recall(*mine):.3f}"
            f"  | F1 {page_f1(theirs):.3f} P {page_precision(*theirs):.3f}"
            f" R {page_recall(*theirs):.3f}  {url}"
        )


def measure(
    extractors: dict, pages, reference: str | None = None, passes: int = 1
) -> tuple[dict[str, float], dict[str, float], dict[str, list]]:
    """Score each extractor on every page; returns each one's CPU seconds, F1 and
    per-page counts.

    The extractors take turns page by page, so that a change in the machine's load
    during the run weighs on all of them alike. With several ``passes``, each page's
    time is the least of its passes, as ``timeit`` takes the least of its repeats: other
    work on the machine only ever adds to a time, it never takes away.
    """
    first_raw, _, first_url = pages[0]
    for extractor in extractors.values():
        extractor(first_raw, first_url)  # the first call loads date parsers and word lists
    counts: dict[str, list] = {name: [] for name in extractors}
    empty = dict.fromkeys(extractors, 0)
    wall = {name: [float("inf")] * len(pages) for name in extractors}
    cpu = {name: [float("inf")] * len(pages) for name in extractors}
    for number in range(passes):
        for page, (raw, truth, url) in enumerate(pages):
            for name, extractor in extractors.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                extracted = extractor(raw, url)
                wall[name][page] = min(wall[name][page], time.perf_counter() - started)
                cpu[name][page] = min(cpu[name][page], time.process_time() - started_cpu)
                if number == 0:
                    empty[name] += not extracted
                    counts[name].append(overlap(truth, extracted))
    f1s, cpu_seconds = {}, {}
    for name in extractors:
        precision, recall, f1 = summary(counts[name])
        f1s[name] = f1
        cpu_seconds[name] = sum(cpu[name])
        print(
            f"{name:<40} precision={precision:.3f} recall={recall:.3f} F1={f1:.3f}"
            f"  {len(pages) / sum(wall[name]):5.1f} pages/s"
            f" ({len(pages) / cpu_seconds[name]:5.1f} per CPU-s)"
            f"  {empty[name]} empty"
            + (
                f"  (published trafilatura F1 {PUBLISHED_TRAFILATURA_F1:.3f})"
                if name == reference
                else ""
            )
        )
    return cpu_seconds, f1s, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--variants", action="store_true", help="also score option variants")
    parser.add_argument("--pages", action="store_true", help="also print each page's scores")
    parser.add_argument(
        "--passes",
        type=int,
        default=3,
        help="time each page this many times and keep the least (default 3)",
    )
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").is_file():
        print(f"No benchmark data at {args.data}: nothing measured.")
        print("It is the article-extraction set described in ../shared/data/README.md.")
        return 0

    conditions = _conditions.start()
    pages = load_pages(args.data)
    print(f"{len(pages)} pages from {args.data}")
    print(
        f"reference: trafilatura 2.0, published F1 {PUBLISHED_TRAFILATURA_F1:.3f} on the "
        "benchmark's full 181-page set, of which these pages are a third"
    )
    extractors = {
        "haven extract_article": haven_extractor,
        "trafilatura defaults (as benchmarked)": trafilatura_extractor(),
    }
    if args.variants:
        extractors |= {
            "haven, tables left out": haven_without_tables,
            "trafilatura fast (no fallback extractors)": trafilatura_extractor(fast=True),
            "trafilatura favor_precision": trafilatura_extractor(favor_precision=True),
            "trafilatura favor_precision, no tables": trafilatura_extractor(
                favor_precision=True, include_tables=False
            ),
            "trafilatura favor_recall": trafilatura_extractor(favor_recall=True),
            "trafilatura no tables": trafilatura_extractor(include_tables=False),
        }
    passes = max(1, args.passes)
    print(f"times: the least of {passes} pass(es) per page, extractors taking turns page by page")
    cpu, f1s, counts = measure(extractors, pages, reference="haven extract_article", passes=passes)
    if args.pages:
        print_pages(counts, pages, "haven extract_article", "trafilatura defaults (as benchmarked)")
    ratio = cpu["trafilatura defaults (as benchmarked)"] / cpu["haven extract_article"]
    print(
        f"\nspeed of extract_article against plain trafilatura in this run: {ratio:.2f}x "
        "(CPU time; floor 1.00x: at least as fast)"
    )
    f1 = f1s["haven extract_article"]
    print(f"F1 of extract_article {f1:.4f}: target >= 0.97 {'met' if f1 >= 0.97 else 'NOT met'}")
    conditions.report(
        cache="pages read into memory before timing (no database)",
        notes="pages per second are wall-clock, one process",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
