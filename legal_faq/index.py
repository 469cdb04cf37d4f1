"""A BM25 index over token lists, as postings arrays, so a query costs a few weighted counts.

Built once at start-up. `search(tokens)` returns, for every document, the BM25 score; and, for
the few documents asked (the candidates), the share of the query's IDF mass they contain
("coverage", 0..1), which is what lets the matcher say "I don't know" for out-of-scope
questions.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Matched:
    """The IDF mass one search found: of its rarer tokens, per document (from their
    postings); of its common tokens, added up only for the documents asked (the
    candidates), from which of them each holds and their float32 IDF × count."""

    present: NDArray[np.bool_]  # per document, which common tokens it holds (row by row)
    sparse: NDArray[np.float64] | None  # per document, the rarer tokens' IDF mass
    rows: NDArray[np.int64]  # the common tokens' rows in the dense block
    rows_idf: NDArray[np.float32]  # … their IDF × the query's count
    # the last documents asked and their mass (the raw query's part is asked twice: alone,
    # and with the appended legal terms' part)
    _last: list[tuple[NDArray[np.int64], NDArray[np.float64]]] = field(
        default_factory=list, compare=False, repr=False
    )

    def at(self, documents: NDArray[np.int64]) -> NDArray[np.float64]:
        """The matched mass of `documents`: the same additions in the same order as the sum
        over every document of the postings and of the dense rows' float32 sum."""
        if self._last and self._last[0][0] is documents:
            return self._last[0][1]
        matched = self._at(documents)
        self._last[:] = [(documents, matched)]
        return matched

    def _at(self, documents: NDArray[np.int64]) -> NDArray[np.float64]:
        if not self.rows.size:
            alone: NDArray[np.float64] = (
                self.sparse[documents] if self.sparse is not None else np.zeros(len(documents))
            )
            return alone
        present = self.present[documents][:, self.rows].T
        # float32, added row by row (cumsum is sequential, as the block sum is)
        common = np.where(present, self.rows_idf[:, None], np.float32(0))
        total = np.cumsum(common, axis=0, dtype=np.float32)[-1]
        matched: NDArray[np.float64] = (
            total.astype(np.float64) if self.sparse is None else self.sparse[documents] + total
        )
        return matched


@dataclass(frozen=True)
class Hits:
    """What a query finds: per document, its BM25 score; the IDF mass of the query's tokens a
    document contains is added up for the documents asked (`matched_at`: the candidates
    only, never all of them); `mass` is the query's whole IDF mass."""

    bm25: NDArray[np.float64]
    parts: tuple[Matched, ...]
    mass: float

    def __add__(self, other: Hits) -> Hits:
        """The hits of two token lists together (BM25 and IDF mass add up over tokens)."""
        return Hits(self.bm25 + other.bm25, self.parts + other.parts, self.mass + other.mass)

    def matched_at(self, documents: NDArray[np.int64]) -> NDArray[np.float64]:
        """The IDF mass of the query's tokens each of `documents` contains."""
        total = np.zeros(len(documents))
        for part in self.parts:
            total = total + part.at(documents)
        return total

    def coverage_at(self, documents: NDArray[np.int64]) -> NDArray[np.float64]:
        """Share of the query's IDF mass each of `documents` contains (0..1)."""
        return self.share(self.matched_at(documents))

    def share(self, matched: NDArray[np.float64]) -> NDArray[np.float64]:
        """`matched` (from `matched_at`) as a share of the query's IDF mass."""
        return matched / self.mass if self.mass else matched


DENSE_SHARE = 16  # a token in at least 1/16 of the documents is kept dense too …
DENSE_CELLS = 4_000_000  # … within this many matrix cells (16 MB per matrix)
SMALL = 4096  # up to this many documents, a query's dense rows are copied and summed at once


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
        # per common token, its BM25 weight in every document (one contiguous row per token: a
        # query adds one row per common token it names); its IDF is the same in every
        # document that holds it (where the weight is > 0), kept once per row
        self._dense = np.zeros((len(common), n), dtype=np.float32)
        for j, col in enumerate(common):
            start, end = self._starts[col], self._starts[col + 1]
            self._dense[j, self._docs[start:end]] = self._bm25[start:end]
        self._dense_idf = self.idf[common].astype(np.float32)
        # and, document by document, which of them it holds (a candidate's in one short row)
        self._present = np.ascontiguousarray((self._dense > 0).T)

    def search(self, tokens: Sequence[str]) -> Hits:
        """BM25 score and matched IDF mass per document for a query's tokens."""
        counts = Counter(tokens)
        found = list(map(self.vocabulary.get, counts))
        unknown = [q for col, q in zip(found, counts.values(), strict=True) if col is None]
        unknown_idf = self._unknown_idf()
        unknown_mass = sum(q * unknown_idf for q in unknown)
        if len(unknown) == len(found):
            return Hits(np.zeros(self.size), (), unknown_mass)
        known = [(c, q) for c, q in zip(found, counts.values(), strict=True) if c is not None]
        cols = np.array([c for c, _ in known])
        qtf = np.array([q for _, q in known], dtype=np.float64)
        mass = float(self.idf[cols] @ qtf) + unknown_mass
        dense = self._dense_at[cols]
        is_dense = dense >= 0
        common: NDArray[np.float32] | None = None
        rows, rows_idf = _NO_COLS, _NO_IDF
        if is_dense.any():
            # a weighted sum of rows, not `@`: no BLAS (and none of its threads) on the hot
            # path; float32, added token by token (as the row sum of a column matrix was)
            at, weights = dense[is_dense], qtf[is_dense].astype(np.float32)
            common = _block_sum(self._dense, at.tolist(), weights.tolist())
            rows, rows_idf = at, self._dense_idf[at] * weights
            cols, qtf = cols[~is_dense], qtf[~is_dense]
        bm25: NDArray[np.float64]
        sparse: NDArray[np.float64] | None = None
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
            sparse = np.bincount(docs, idf_at, self.size).astype(np.float64, copy=False)
            bm25 = np.bincount(docs, bm25_at, self.size).astype(np.float64, copy=False)
            if common is not None:  # (a + b is b + a, bit for bit)
                bm25 += common
        elif common is not None:
            bm25 = common.astype(np.float64)
        else:
            bm25 = np.zeros(self.size)
        return Hits(bm25, (Matched(self._present, sparse, rows, rows_idf),), mass)

    def _unknown_idf(self) -> float:
        """A token no document has weighs like the rarest one (an unknown word counts against
        coverage: '天气怎么样' should not look covered by an entry that has only '怎么')."""
        return math.log(1 + (self.size + 0.5) / 0.5)


_NO_COLS = np.zeros(0, dtype=np.int64)
_NO_IDF = np.zeros(0, dtype=np.float32)


def _block_sum(
    blocks: NDArray[np.float32], at: list[int], weights: list[float]
) -> NDArray[np.float32]:
    """The weighted sum of `blocks[at]`, block by block in the order given (float32)."""
    if blocks.shape[1] <= SMALL:
        # few documents: the rows taken at once and summed along them (a reduction along
        # the first axis adds row by row, in order: the very sums of the loop below)
        picked = blocks[at]
        if any(weight != 1.0 for weight in weights):
            picked *= np.array(weights, dtype=np.float32)[:, None]
        summed: NDArray[np.float32] = np.add.reduce(picked, axis=0)
        return summed
    total: NDArray[np.float32] = blocks[at[0]] * np.float32(weights[0])
    for block, weight in zip(at[1:], weights[1:], strict=True):
        if weight == 1.0:  # x * 1 is x: skip the product
            total += blocks[block]
        else:
            total += blocks[block] * np.float32(weight)
    return total
