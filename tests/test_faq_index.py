"""The BM25 index's scores and matched IDF mass against a plain recomputation, and the
matcher's choice of the best candidates against a full sort."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest

from legal_faq import index as index_module
from legal_faq.index import BM25Index
from legal_faq.matcher import _top


def _documents(rng: random.Random, n: int) -> list[list[str]]:
    common = [f"c{i}" for i in range(6)]  # in most documents: kept dense
    rare = [f"r{i}" for i in range(400)]
    return [
        [rng.choice(common) for _ in range(rng.randint(1, 5))]
        + [rng.choice(rare) for _ in range(rng.randint(0, 8))]
        for _ in range(n)
    ]


def _plain(
    documents: list[list[str]], query: list[str], k1: float = 1.2, b: float = 0.6
) -> tuple[np.ndarray, np.ndarray, float]:
    """BM25 and matched IDF mass per document, and the query's mass, computed directly."""
    n = len(documents)
    df = Counter(t for d in documents for t in set(d))
    lengths = [max(len(d), 1) for d in documents]
    mean = sum(lengths) / n
    idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    unknown = math.log(1 + (n + 0.5) / 0.5)
    qtf = Counter(query)
    bm25, matched = np.zeros(n), np.zeros(n)
    for row, doc in enumerate(documents):
        tf = Counter(doc)
        for t, q in qtf.items():
            if t in tf:
                norm = k1 * (1 - b + b * lengths[row] / mean)
                bm25[row] += q * idf[t] * tf[t] * (k1 + 1) / (tf[t] + norm)
                matched[row] += q * idf[t]
    mass = sum(q * idf.get(t, unknown) for t, q in qtf.items())
    return bm25, matched, mass


@pytest.mark.parametrize("small", [True, False], ids=["rows-at-once", "row-by-row"])
def test_search_scores_and_matched_mass_of_the_candidates(
    small: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dense (common) and sparse (rare) tokens, a token asked twice, an unknown one: the
    BM25 of every document and the matched mass of the documents asked are those of a plain
    recomputation (float32 for the dense part, so to a relative 1e-5)."""
    monkeypatch.setattr(index_module, "SMALL", 10_000 if small else 0)
    rng = random.Random(7)
    documents = _documents(rng, 600)
    index = BM25Index(documents)
    assert index._dense.shape[0] > 0  # the common tokens are dense
    for _ in range(30):
        query = [rng.choice(["c0", "c1", "c2", "r1", "r2", "r3", "r50", "nope"]) for _ in range(6)]
        query += ["r7", "r7", "c3"]  # asked twice / dense
        hits = index.search(query)
        bm25, matched, mass = _plain(documents, query)
        assert np.allclose(hits.bm25, bm25, rtol=1e-5, atol=1e-6)
        assert hits.mass == pytest.approx(mass)
        asked = np.array(rng.sample(range(len(documents)), 20))
        assert np.allclose(hits.matched_at(asked), matched[asked], rtol=1e-5, atol=1e-6)
        assert np.allclose(hits.coverage_at(asked), matched[asked] / mass, rtol=1e-5)
        # two searches together: BM25 and mass add up
        other = index.search(["r9", "c4"])
        both = hits + other
        _, matched_other, _ = _plain(documents, ["r9", "c4"])
        assert np.allclose(
            both.matched_at(asked), matched[asked] + matched_other[asked], rtol=1e-5, atol=1e-6
        )


def test_search_of_unknown_tokens_only_matches_nothing() -> None:
    index = BM25Index([["a", "b"], ["b", "c"]])
    hits = index.search(["zz", "yy"])
    assert not hits.bm25.any()
    assert not hits.matched_at(np.array([0, 1])).any()
    assert hits.mass > 0


@pytest.mark.parametrize("n", [50, 1_000, 20_000])
def test_top_candidates_are_the_k_largest(n: int) -> None:
    """`_top` finds the same k positions as a full sort, on sizes below and above the one
    where it partitions only the values reaching every 16th value's k-th best."""
    rng = np.random.default_rng(n)
    for _ in range(20):
        values = rng.random(n) * (rng.random(n) < 0.3)  # many zeros, as BM25 scores have
        k = 20
        expected = set(np.argsort(-values, kind="stable")[:k].tolist())
        found = _top(values, k)
        assert len(found) == k
        # equal values at the k-th place may be either: compare the values taken
        assert sorted(values[found]) == sorted(values[list(expected)])


def test_top_candidates_when_the_best_are_all_in_the_sample() -> None:
    """The k largest at every 16th position: the bound is the k-th largest itself, which
    must be kept."""
    values = np.zeros(20_000)
    values[np.arange(20) * 16] = np.arange(1, 21)
    assert sorted(_top(values, 20).tolist()) == (np.arange(20) * 16).tolist()
