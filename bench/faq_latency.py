"""FAQ latency: p50/p99 per query on the shipped corpus and on a synthetic corpus of 20,000
entries — both with the statute articles and the bank questions searched as well, as the bot
does — beside plain `rapidfuzz.process.extractOne` (WRatio) over the same entries' texts and
queries.

Run: python bench/faq_latency.py [--synthetic 20000] [--busy] [--json]
Queries are those of tests/data/faq_eval.yaml. Index building is timed separately (once, at
start-up). One process, one core: with `--busy` the bench is pinned to one core and a busy
loop runs on the other (the issue's "other core busy"); BLAS is held to one thread, as in
`pufa` (bot/cli sets it before numpy loads), so no product splits itself over both cores.
With `--json` the last line is one JSON object with the figures (for bench/run_all.py).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import yaml

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: as `pufa` runs it
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from legal_faq import (
    FaqEntry,
    FaqMatcher,
    article_entries,
    load_corpus,
    quiz_entries,
)
from legal_faq.compiled import load_matcher
from question_bank import compiled, load_bank

EVAL = Path(__file__).resolve().parents[1] / "tests" / "data" / "faq_eval.yaml"


def synthetic(entries: list[FaqEntry], size: int, rng: random.Random) -> list[FaqEntry]:
    """`size` entries made from the real ones: clauses reshuffled, characters dropped and
    words from other entries mixed in, so the index holds many similar but distinct texts."""
    words = [t[i : i + 2] for e in entries for t in e.texts for i in range(0, len(t) - 1, 2)]

    def mutate(text: str) -> str:
        chars = [c for c in text if rng.random() > 0.1]
        for _ in range(rng.randint(1, 3)):
            chars.insert(rng.randint(0, len(chars)), rng.choice(words))
        return "".join(chars)

    out = []
    for i in range(size):
        base = entries[i % len(entries)]
        out.append(
            replace(
                base,
                id=f"syn-{i}",
                question=mutate(base.question),
                variants=tuple(mutate(v) for v in base.variants),
            )
        )
    return out


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.99 * (len(ordered) - 1))] * 1000


def run(
    name: str,
    entries: list[FaqEntry],
    queries: list[str],
    articles: list[FaqEntry],
    quiz: list[FaqEntry],
    stored: FaqMatcher | None = None,
) -> dict[str, dict[str, float]]:
    """Both matchers (with and without the further sources) and extractOne, timed query by
    query in turn, so that other work on the machine weighs on all three alike; with `stored`,
    also that matcher (the full one as `pufa run` reads it from the compiled cache)."""
    t0 = time.perf_counter()
    full = FaqMatcher(entries, articles=articles, quiz=quiz)
    full.indexes  # noqa: B018 — wait for the further sources' indexes, built on a thread
    build_full = time.perf_counter() - t0
    t0 = time.perf_counter()
    faq_only = FaqMatcher(entries)
    build_faq = time.perf_counter() - t0
    choices = [t for e in entries for t in e.texts]
    print(f"{name}: {len(choices)} texts for extractOne")
    for q in queries[:20]:  # warm caches (jieba, pinyin)
        full.match(q)
        faq_only.match(q)
        if stored is not None:
            stored.match(q)
    # wall time, and this thread's CPU time (on a shared machine the wall time of a longer
    # call is stretched more by other processes' time slices than that of a shorter one)
    wall: dict[str, list[float]] = {"full": [], "faq": [], "extract": []}
    cpu: dict[str, list[float]] = {"full": [], "faq": [], "extract": []}
    calls: dict[str, Callable[[str], object]] = {
        "full": full.match,
        "faq": faq_only.match,
        "extract": lambda q: process.extractOne(q, choices, scorer=fuzz.WRatio),
    }
    if stored is not None:
        wall["stored"], cpu["stored"], calls["stored"] = [], [], stored.match
    for q in queries:
        for key, call in calls.items():
            t, c = time.perf_counter(), time.thread_time()
            call(q)
            wall[key].append(time.perf_counter() - t)
            cpu[key].append(time.thread_time() - c)
    anchor, _ = percentiles(wall["extract"])
    cpu_anchor, _ = percentiles(cpu["extract"])
    figures: dict[str, dict[str, float]] = {}
    for key, label, build in (
        ("full", "with articles + bank", build_full),
        ("faq", "FAQ entries only", build_faq),
        ("extract", "extractOne WRatio", 0.0),
        *([("stored", "from compiled cache", 0.0)] if stored is not None else []),
    ):
        p50, p99 = percentiles(wall[key])
        c50, c99 = percentiles(cpu[key])
        figures[key] = {
            "entries": len(entries),
            "build_s": build,
            "wall_p50_ms": p50,
            "wall_p99_ms": p99,
            "cpu_p50_ms": c50,
            "cpu_p99_ms": c99,
            "wall_p50_ratio": p50 / anchor,
        }
        print(
            f"{name:<18} {label:<20} {len(entries):>6} entries  build {build:6.1f} s   "
            f"wall p50 {p50:7.2f} ms  p99 {p99:7.2f} ms (p50 {p50 / anchor:.4f} × extractOne)   "
            f"CPU p50 {c50:7.2f} ms  p99 {c99:7.2f} ms (p50 {c50 / cpu_anchor:.4f} ×)"
        )
    return figures


def _spin() -> None:
    while True:
        pass


def busy_other_core() -> multiprocessing.Process | None:
    """Pin this process to one core and keep another core busy; None on a one-core machine."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        return None
    os.sched_setaffinity(0, {cores[0]})
    spinner = multiprocessing.Process(target=_spin, daemon=True)
    spinner.start()
    assert spinner.pid is not None
    os.sched_setaffinity(spinner.pid, {cores[1]})
    return spinner


def baseline_accuracy(entries: list[FaqEntry], items: list[dict[str, object]]) -> float:
    """Top-1 of plain extractOne (WRatio) on the in-scope evaluation queries, for comparison."""
    owner = [e.id for e in entries for _ in e.texts]
    choices = [t for e in entries for t in e.texts]
    hits = n = 0
    for item in items:
        if item["expect"] is None:
            continue
        n += 1
        best = process.extractOne(str(item["query"]), choices, scorer=fuzz.WRatio)
        hits += best is not None and owner[best[2]] == item["expect"]
    return hits / n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthetic", type=int, default=20_000)
    parser.add_argument("--busy", action="store_true", help="a busy loop on the other core")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")
    args = parser.parse_args()
    spinner = busy_other_core() if args.busy else None
    items = yaml.safe_load(EVAL.read_text(encoding="utf-8"))
    queries = [str(i["query"]) for i in items]
    entries = load_corpus()
    print(
        f"machine: {platform.machine()} cpus={os.cpu_count()} python {platform.python_version()} "
        f"date {datetime.now(UTC):%Y-%m-%d}; {len(queries)} queries"
    )
    articles = article_entries()
    quiz = quiz_entries(load_bank().questions.values())
    print(f"further sources searched: {len(articles)} articles, {len(quiz)} bank questions")
    # the same full matcher written to the compiled cache and read back (its arrays then
    # memory-mapped from the file, as in `pufa run`), in a directory of its own
    with tempfile.TemporaryDirectory() as cache:
        compiled.configure(cache)
        load_matcher()
        stored = load_matcher()
        compiled.configure(None)
    shipped = run("shipped corpus", entries, queries, articles, quiz, stored)
    large = run(
        "synthetic corpus",
        synthetic(entries, args.synthetic, random.Random(1)),
        queries,
        articles,
        quiz,
    )
    if spinner is not None:
        spinner.terminate()
    print(
        f"plain extractOne (WRatio) top-1 on the evaluation set: "
        f"{baseline_accuracy(entries, items):.1%}"
    )
    if args.json:
        result = {
            "bench": "faq_latency",
            "machine": f"{platform.machine()}, {os.cpu_count()} CPU, "
            f"Python {platform.python_version()}",
            "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC}",
            "load": os.getloadavg()[0],
            "busy_other_core": spinner is not None,
            "queries": len(queries),
            "shipped": shipped,
            "synthetic": large,
        }
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
