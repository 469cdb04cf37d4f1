"""Check that a matcher change leaves every result as it was: runs `FaqMatcher.match` (what
`pufa faq ask --json` calls) and each source's internal ranking over the queries of
faq_eval.yaml, faq_holdout.yaml, faq_articles_tune.yaml and faq_natural_tune.yaml, on the
shipped corpus and on bench/faq_latency.py's synthetic 20,000-entry corpus, and writes every
result (status, ids in order, scores rounded to 1e-9) as JSON. The shipped matcher is also read
back from the compiled cache (as `pufa run` loads it: its arrays memory-mapped, in a temporary
PUFA_CACHE_DIR) and must give the very same results as the one just built.

Run: python bench/faq_same.py OUT.json [--against BEFORE.json] [--synthetic 20000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.faq_latency import synthetic
from legal_faq import FaqMatcher, article_entries, load_corpus, quiz_entries
from legal_faq.compiled import load_matcher
from legal_faq.text import normalise
from question_bank import compiled, load_bank

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
SETS = ("faq_eval.yaml", "faq_holdout.yaml", "faq_articles_tune.yaml", "faq_natural_tune.yaml")


def queries() -> list[str]:
    out: list[str] = []
    for name in SETS:
        for item in yaml.safe_load((DATA / name).read_text(encoding="utf-8")):
            out.append(str(item["query"]))
    return out


def results(matcher: FaqMatcher, qs: list[str]) -> list[Any]:
    out: list[Any] = []
    for q in qs:
        r = matcher.match(q)
        ranked: dict[str, Any] = {}
        if norm := normalise(q):
            for kind, rows in matcher.ranked_by_source(matcher.analyse(norm)).items():
                ranked[kind] = [
                    [x.entry.id, round(x.rank, 9), round(x.confidence, 9), round(x.matched_mass, 9)]
                    for x in rows
                ]
        out.append(
            {
                "query": q,
                "status": r.status,
                "best": [[s.entry.id, s.score, s.entry.answer] for s in r.best],
                "answer": r.answer.entry.id if r.answer else None,
                "alternatives": [s.entry.id for s in r.alternatives],
                "ranked": ranked,
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--against")
    parser.add_argument("--synthetic", type=int, default=20_000)
    args = parser.parse_args()
    qs = queries()
    entries = load_corpus()
    articles = article_entries()
    quiz = quiz_entries(load_bank().questions.values())
    data = {"shipped": results(FaqMatcher(entries, articles=articles, quiz=quiz), qs)}
    print("shipped done", flush=True)
    with tempfile.TemporaryDirectory() as cache:
        compiled.configure(cache)
        load_matcher()  # built and stored …
        stored = results(load_matcher(), qs)  # … and read back
        compiled.configure(None)
    if stored != data["shipped"]:
        sys.exit("the matcher read from the compiled cache answers differently")
    print("compiled cache: the same results", flush=True)
    big = synthetic(entries, args.synthetic, random.Random(1))
    data["synthetic"] = results(FaqMatcher(big, articles=articles, quiz=quiz), qs)
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    print(f"{len(qs)} queries × 2 corpora written to {args.out}")
    if args.against:
        before = json.loads(Path(args.against).read_text(encoding="utf-8"))
        diffs = [
            (corpus, a["query"])
            for corpus in data
            for a, b in zip(data[corpus], before[corpus], strict=True)
            if a != b
        ]
        print(f"{len(diffs)} results differ" + "".join(f"\n  {c}: {q}" for c, q in diffs[:20]))
        sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
