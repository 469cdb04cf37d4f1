"""A BM25 index over token lists, as postings arrays, so a query costs a few weighted counts.

Built once at start-up. `search(tokens)` returns, for every document, the BM25 score and the
share of the query's IDF mass the document contains ("coverage", 0..1), which is what lets the
matcher say "I don't know" for out-of-scope questions.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Hits:
    """What a query finds: per document, its BM25 score and the IDF mass of the query's
    tokens it contains; `mass` is the query's whole IDF mass."""

    bm25: NDArray[np.float64]
    matched: NDArray[np.float64]
    mass: float

    def __add__(self, other: Hits) -> Hits:
        """The hits of two token lists together (BM25 and IDF mass add up over tokens)."""
        return Hits(self.bm25 + other.bm25, self.matched + other.matched, self.mass + other.mass)

    @property
    def coverage(self) -> NDArray[np.float64]:
        """Share of the query's IDF mass each document contains (0..1)."""
        return self.coverage_at(slice(None))

    def coverage_at(self, documents: NDArray[np.int64] | slice) -> NDArray[np.float64]:
        """`coverage[documents]`, dividing only those documents' mass."""
        matched = self.matched[documents]
        return matched / self.mass if self.mass else matched


DENSE_SHARE = 16  # a token in at least 1/16 of the documents is kept dense too …
DENSE_CELLS = 4_000_000  # … within this many matrix cells (16 MB per matrix)


class BM25Index:
    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.6) -> None:
        self.vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[int] = []
        lengths = np.array([max(len(doc), 1) for doc in documents], dtype=np.float64)
        doc_freq: Counter[int] = Counter()
        for row, doc in enumerate(documents):
            counts = Counter(doc)
            for token, count in counts.items():
                col = self.vocabulary.setdefault(token, len(self.vocabulary))
                rows.append(row)
                cols.append(col)
                tfs.append(count)
                doc_freq[col] += 1
        n = len(documents)
        self.size = n
        self.idf = np.zeros(len(self.vocabulary), dtype=np.float64)
        for col, df in doc_freq.items():
            self.idf[col] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        r = np.array(rows, dtype=np.int64)
        c = np.array(cols, dtype=np.int64)
        freq = np.array(tfs, dtype=np.float64)
        mean_length = lengths.mean() if n else 1.0
        norm = k1 * (1 - b + b * lengths[r] / mean_length)
        weights = self.idf[c] * freq * (k1 + 1) / (freq + norm)
        # postings, token by token: the documents holding a token, its BM25 weight and IDF there
        order = np.argsort(c, kind="stable")
        self._docs = r[order]
        self._bm25 = weights[order]
        self._idf_at = self.idf[c][order]
        self._starts = np.zeros(len(self.vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(c, minlength=len(self.vocabulary)), out=self._starts[1:])
        # Tokens most documents share (的, 不, de…) would make every query walk most postings:
        # their columns are kept dense as well, so a query takes them by one small matrix
        # product and walks postings only for the rarer tokens.
        doc_freq_of = np.diff(self._starts)
        common = np.argsort(-doc_freq_of, kind="stable")[
            : min(
                int((doc_freq_of >= max(n // DENSE_SHARE, 2)).sum()),
                DENSE_CELLS // max(n, 1),
            )
        ]
        self._dense_at = np.full(len(self.vocabulary), -1, dtype=np.int64)
        self._dense_at[common] = np.arange(len(common))
        # per common token, its BM25 weight and its IDF in every document, side by side (one
        # contiguous block per token: a query adds one block per common token it names)
        self._dense = np.zeros((len(common), 2, n), dtype=np.float32)
        for j, col in enumerate(common):
            start, end = self._starts[col], self._starts[col + 1]
            self._dense[j, 0, self._docs[start:end]] = self._bm25[start:end]
            self._dense[j, 1, self._docs[start:end]] = self._idf_at[start:end]

    def search(self, tokens: Sequence[str]) -> Hits:
        """BM25 score and matched IDF mass per document for a query's tokens."""
        counts = Counter(tokens)
        vocabulary = self.vocabulary
        known: list[tuple[int, int]] = []
        unknown: list[int] = []
        for t, q in counts.items():
            col = vocabulary.get(t)
            if col is None:
                unknown.append(q)
            else:
                known.append((col, q))
        unknown_idf = self._unknown_idf()
        unknown_mass = sum(q * unknown_idf for q in unknown)
        if not known:
            zeros = np.zeros(self.size)
            return Hits(zeros, zeros, unknown_mass)
        cols = np.array([c for c, _ in known])
        qtf = np.array([q for _, q in known], dtype=np.float64)
        mass = float(self.idf[cols] @ qtf) + unknown_mass
        dense = self._dense_at[cols]
        is_dense = dense >= 0
        common: NDArray[np.float32] | None = None
        bm25: NDArray[np.float64]
        matched: NDArray[np.float64]
        if is_dense.any():
            # a weighted sum of blocks, not `@`: no BLAS (and none of its threads) on the hot
            # path; float32, added token by token (as the row sum of a column matrix was)
            common = _block_sum(
                self._dense, dense[is_dense].tolist(), qtf[is_dense].astype(np.float32).tolist()
            )
            cols, qtf = cols[~is_dense], qtf[~is_dense]
        if cols.size:
            starts = self._starts[cols]
            lengths = self._starts[cols + 1] - starts
            # every posting of the tokens, token by token: one arange shifted per token
            ends = np.cumsum(lengths)
            at = np.arange(int(ends[-1])) + np.repeat(starts - (ends - lengths), lengths)
            docs = self._docs[at]
            bm25_at, idf_at = self._bm25[at], self._idf_at[at]
            if qtf.max() > 1:  # (x * 1 is x: most queries name each token once)
                repeat = np.repeat(qtf, lengths)
                bm25_at *= repeat
                idf_at *= repeat
            bm25 = np.bincount(docs, bm25_at, self.size).astype(np.float64, copy=False)
            matched = np.bincount(docs, idf_at, self.size).astype(np.float64, copy=False)
            if common is not None:  # (a + b is b + a, bit for bit)
                bm25 += common[0]
                matched += common[1]
        elif common is not None:
            bm25, matched = common.astype(np.float64)
        else:
            bm25, matched = np.zeros(self.size), np.zeros(self.size)
        return Hits(bm25, matched, mass)

    def _unknown_idf(self) -> float:
        """A token no document has weighs like the rarest one (an unknown word counts against
        coverage: '天气怎么样' should not look covered by an entry that has only '怎么')."""
        return math.log(1 + (self.size + 0.5) / 0.5)


def _block_sum(
    blocks: NDArray[np.float32], at: list[int], weights: list[float]
) -> NDArray[np.float32]:
    """The weighted sum of `blocks[at]`, block by block in the order given (float32)."""
    total: NDArray[np.float32] = blocks[at[0]] * np.float32(weights[0])
    for block, weight in zip(at[1:], weights[1:], strict=True):
        if weight == 1.0:  # x * 1 is x: skip the product
            total += blocks[block]
        else:
            total += blocks[block] * np.float32(weight)
    return total
