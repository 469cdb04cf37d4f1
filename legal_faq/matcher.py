"""Match a worker's question, typed in their own words, to the FAQ.

Pipeline (index built once at start-up, see `FaqMatcher.__init__`):
1. normalise: full/half width, traditional→simplified, case; punctuation and emoji dropped;
2. expand colloquial words with their legal terms (synonyms.yaml: 老板→用人单位, 开除→解除劳动合同…);
3. retrieve candidates with BM25 over three channels — character uni/bigrams (robust to typos
   and word order), jieba words (legal dictionary), and toneless pinyin syllables (so homophone
   typos like 产价/和同/共会 and toneless pinyin input still match);
4. rerank the top candidates by a weighted mix of each channel's coverage of the query and the
   rapidfuzz similarity (normalised Indel ratio) of the query as typed to the entry's closest
   phrasing, in characters and in toneless pinyin — on the texts before synonym expansion, since
   WRatio's token-set step scores any two texts sharing one appended legal term as a match;
5. decide: `answer` (confident), `suggest` (offer the top 3), `none` (out of scope), or
   `greeting`. Weights and thresholds are calibrated on tests/data/faq_eval.yaml
   (bench/faq_eval.py) and recorded in docs/benchmarks.md.

Steps 3–4 run once per source — the reviewed entries, and (see legal_faq/sources.py) the
statute articles and the bank's questions, searched also with the statutes' wording
(statute_terms.yaml); `FaqMatcher.match` then picks the best in-scope source (`Best`, the
constants below, calibrated by bench/faq_sources_tune.py on the tuning sets). A question from
another field (data/other_domains.txt) is out of scope; a long message rejected as a whole is
tried on its asking clauses (`asking_part`). Only a reviewed answer that another source confirms
(its refs cite the article or bank question found best) is answered outright; the rest is offered
as "您是不是想问…" — calibrated so that a direct answer is right ≥ 98 % of the time.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from legal_faq.corpus import FaqEntry, Kind
from legal_faq.excerpts import relevant_sentences
from legal_faq.index import BM25Index
from legal_faq.text import (
    DATA_DIR,
    Homophones,
    OtherDomain,
    Qualifier,
    Synonyms,
    char_ngrams,
    data_lines,
    is_dictionary_word,
    is_pinyin_query,
    load_qualifiers,
    load_synonyms,
    normalise,
    pinyin_of,
    to_pinyin,
    words,
)
from question_bank.laws import chinese_number

Status = Literal["answer", "suggest", "none", "greeting"]

GREETINGS = frozenset(
    normalise(g)
    for g in (
        "你好",
        "您好",
        "hi",
        "hello",
        "在吗",
        "在不在",
        "有人吗",
        "哈喽",
        "嗨",
        "早上好",
        "晚上好",
        "下午好",
        "中午好",
        "谢谢",
        "多谢",
        "谢谢你",
        "感谢",
        "好的",
        "ok",
        "再见",
        "拜拜",
        "你是谁",
        "你好呀",
        "您好在吗",
        "你好在吗",
        "在吗在吗",
        "收到",
        "嗯",
        "嗯嗯",
        "哦",
        "好",
    )
)


FEATURES = (
    "char_bm25",  # BM25 over character uni/bigrams, relative to the best candidate
    "word_bm25",  # BM25 over jieba words, relative
    "pinyin_bm25",  # BM25 over pinyin syllables and syllable pairs, relative
    "char_cover",  # share of the query's character IDF mass the entry contains
    "word_cover",
    "pinyin_cover",
    "char_fuzzy",  # rapidfuzz ratio of the query to the closest phrasing, characters
    "pinyin_fuzzy",  # the same in toneless pinyin
    "raw_char_cover",  # character coverage before synonym expansion
)


@dataclass(frozen=True)
class Weights:
    """Ranking mix, confidence mix and decision thresholds, one weight per FEATURES entry
    (calibrated by bench/faq_eval.py; see docs/benchmarks.md).

    Ranking orders the candidates; confidence — how sure we are that the question is in scope
    at all — uses absolute coverage and similarity of the best candidate.
    """

    rank: tuple[float, ...] = (1.0, 0.0, 0.5, 0.25, 0.75, 0.0, 1.5, 0.5, 0.0)
    confidence: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.25, 0.0, 0.25)
    answer_at: float = 0.3  # confidence for a direct answer …
    answer_lead: float = 0.2  # … and its ranking lead over the runner-up
    answer_mass: float = 18.0  # … and this much of the query's IDF mass matched ("合同问题" is
    # too vague to answer outright, "试用其最长多久" is not)
    in_scope_confidence: float = 0.55  # in scope when this confident …
    in_scope_mass: float = 25.0  # … or when this much of the query's IDF mass matches
    candidates: int = 20
    # Between sources (reviewed entries, articles, bank questions): each source's best
    # candidate scores its confidence + `bias`; the best in-scope source is picked. For the
    # further sources `in_scope_confidence` applies to that score.
    bias: float = 0.0
    scope_on_score: bool = False
    # rank taken off a candidate none of whose phrasings names a topic the query names
    # (data/topic_words.txt: 工伤, 加班 …)
    topic_penalty: float = 0.0


# Calibrated with bench/faq_sources_tune.py on faq_eval.yaml, faq_holdout.yaml,
# faq_articles_tune.yaml and the even half of faq_natural_tune.yaml (docs/benchmarks.md).
DEFAULT = Weights(answer_at=0.5, answer_lead=0.5, topic_penalty=0.3)
# A reviewed answer that no other source agrees with (its refs cite neither the article nor
# the bank question found best) is offered as "您是不是想问…", never answered outright: on the
# natural questions such answers were most of the wrong ones (a neighbouring statute's rule, a
# look-alike topic). With these thresholds a direct answer was right on 26 of 26 questions of
# the fitted half of faq_natural_tune.yaml and 36 of 37 of the other half.
ALONE = Weights(answer_at=9.0, answer_lead=0.5)
QUALIFIER_PENALTY = 0.5  # rank taken off an entry whose special case the query does not name
# (unless data/qualifiers.txt gives the qualifier its own penalty)
BACKED_SCOPE = 0.4  # in-scope confidence of the reviewed entries when the best one is backed
BACKED_TOP = 3  # by another source: it cites an article (or bank question) among that source's
# best three (tuned on the even half of faq_fresh_tune.yaml: 0.4 / 2 brought 2 in-scope "none"
# of each half to a suggestion, no set's rejection moved; refitted on the even half of
# faq_fresh2_tune.yaml: 3 brought 2 more there and 1 of faq_fresh_tune.yaml to a suggestion,
# no set's rejection or top-1 fell; 4 let an out-of-scope question of faq_short_tune.yaml in)
AGREE_BONUS = 0.0  # the best reviewed entry cites the article another source finds best
CONFIRM_BONUS = 0.1  # rank added to a reviewed entry citing the article or bank question
# another source finds best; when that moves it first, it is offered, not answered (tuned on
# the even half of faq_natural_tune.yaml: 0.2–0.4 gained more there but lost faq_eval/holdout
# queries, see docs/benchmarks.md)
PINYIN_IN_SCOPE = 0.4  # in-scope confidence of the reviewed entries for a query typed in
# toneless pinyin (tuning sets: in-scope ones from 0.45, out-of-scope ones up to 0.35)
CLOSE_THREE = 0.5  # see FaqMatcher._decide (tuned on the even half of faq_lookalike2_tune.yaml:
# 0.3–0.6 the same there)
RIVAL_MARGIN = 0.2  # a reviewed answer becomes a suggestion when another source scores within
# this much of it (the law's own words or a bank question may fit the query as well)

# Calibrated on tests/data/faq_articles_tune.yaml, the even half of faq_natural_tune.yaml,
# faq_eval.yaml and faq_holdout.yaml (bench/faq_sources_tune.py), see docs/benchmarks.md.
ARTICLE_WEIGHTS = Weights(
    answer_at=9.0,  # the law's own words are offered, never answered outright
    answer_lead=0.5,
    in_scope_confidence=0.3,
    in_scope_mass=30.0,
    bias=0.0,
    scope_on_score=True,
    candidates=10,  # fewer fuzzy comparisons; the same figures on the tuning sets as 20
)
QUIZ_WEIGHTS = Weights(
    answer_at=9.0,  # a bank explanation is offered, never answered outright
    answer_lead=0.1,
    in_scope_confidence=0.7,
    in_scope_mass=60.0,
    bias=-0.2,
    scope_on_score=True,
    candidates=10,  # fewer fuzzy comparisons; the same figures on the tuning sets as 20
)


@dataclass(frozen=True)
class Scored:
    entry: FaqEntry
    score: float


@dataclass(frozen=True)
class MatchResult:
    query: str
    status: Status
    best: tuple[Scored, ...] = field(default=())  # best first, up to 3

    @property
    def answer(self) -> Scored | None:
        return self.best[0] if self.status == "answer" and self.best else None

    @property
    def alternatives(self) -> tuple[Scored, ...]:
        if self.status == "answer":
            return self.best[1:]
        return self.best if self.status == "suggest" else ()


def _pinyin_tokens(syllables: Sequence[str]) -> list[str]:
    return [*syllables, *(f"{a}_{b}" for a, b in itertools.pairwise(syllables))]


def _expanded_words(text: str, text_words: list[str], expanded: str) -> list[str]:
    """jieba words of `expanded` (= `text` + appended terms), reusing those of `text`: jieba
    cuts at spaces, so the appended terms are words of their own."""
    return text_words + list(_appended_words(expanded[len(text) :]))


@lru_cache(maxsize=4096)
def _appended_words(appended: str) -> tuple[str, ...]:
    """jieba words of the legal terms an expansion appends (a few hundred distinct lists)."""
    return tuple(words(appended))


@lru_cache(maxsize=4096)
def _terms_pinyin(appended: str) -> tuple[str, ...]:
    """Pinyin tokens (syllables and syllable pairs) of each legal term an expansion appends."""
    return tuple(p for term in appended.split() for p in _pinyin_tokens(to_pinyin(term)))


# colloquial phrase → legal term, both as toneless syllables
SpokenSynonyms = tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]


def _spoken_synonyms(synonyms: Synonyms) -> SpokenSynonyms:
    """The colloquial → legal pairs in toneless pinyin (built with the index: a query never
    loads pypinyin). Left out: a colloquial phrase of one syllable (厂 is also 长, 常, 场 …), one
    with digits or Latin letters (996, N+1), and one whose syllables also spell another
    colloquial phrase standing for a different legal term (ambiguous when typed in pinyin)."""
    terms: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for colloquial, legal in synonyms.pairs:
        spoken, term = tuple(to_pinyin(colloquial)), tuple(to_pinyin(legal))
        if len(spoken) >= 2 and len(spoken) == len(colloquial) and term:
            terms.setdefault(spoken, set()).add(term)
    return tuple((spoken, next(iter(legal))) for spoken, legal in terms.items() if len(legal) == 1)


def _spoken_terms(pairs: SpokenSynonyms, syllables: Sequence[str]) -> list[str]:
    """Pinyin tokens of the legal term of each colloquial phrase a pinyin query spells, when
    it does not spell the term itself."""
    said = tuple(syllables)

    def says(run: tuple[str, ...]) -> bool:
        k = len(run)
        return any(said[i : i + k] == run for i in range(len(said) - k + 1))

    out: list[str] = []
    for spoken, term in pairs:
        if says(spoken) and not says(term):
            out.extend(_pinyin_tokens(term))
    return out


@dataclass(frozen=True)
class Query:
    """A normalised query, analysed once for every index it is searched in."""

    norm: str
    words: list[str]
    syllables: list[str]
    pinyin_only: bool
    corrected: str  # norm + the corpus words its pinyin-input typos stand for
    pinyin_tokens: list[str] = field(default_factory=list)  # searched in every source …
    char_ngrams: list[str] = field(default_factory=list)  # … computed once
    # norm with its confident homophone typos corrected in place (解出→解除): what the
    # closeness of phrasing compares
    fixed: str = ""
    _expanded: dict[int, tuple[str, list[str]]] = field(default_factory=dict, compare=False)

    def expanded(self, synonyms: Synonyms) -> tuple[str, list[str]]:
        """The corrected query with the legal terms of `synonyms` appended, and its words
        (computed once per synonym list: the article and bank indexes share theirs)."""
        key = id(synonyms)
        if key not in self._expanded:
            text = synonyms.expand(self.corrected)
            self._expanded[key] = (text, _expanded_words(self.norm, self.words, text))
        return self._expanded[key]


class EntryIndex:
    """One source's entries, indexed once; `rank(query)` is cheap (a few sparse column sums
    and ~100 fuzzy ratios)."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        synonyms: Synonyms,
        weights: Weights,
        spoken: bool = False,
    ) -> None:
        self.entries = list(entries)
        self.synonyms = synonyms
        self.weights = weights
        self._texts: list[list[str]] = []  # normalised, as written
        self._pinyin: list[list[str]] = []  # toneless pinyin, syllables run together
        self.expanded_texts: list[str] = []
        char_docs, word_docs, pinyin_docs, spoken_docs = [], [], [], []
        for entry in self.entries:
            normalised = [normalise(t) for t in entry.texts]
            segmented = [words(t) for t in normalised]
            expanded = [self.synonyms.expand(t) for t in normalised]
            syllable_lists = [pinyin_of(w) for w in segmented]
            self._texts.append(normalised)
            self._pinyin.append(["".join(s) for s in syllable_lists])
            self.expanded_texts.extend(expanded)
            char_docs.append([g for t in expanded for g in char_ngrams(t)])
            word_docs.append(
                [
                    w
                    for t, ws, x in zip(normalised, segmented, expanded, strict=True)
                    for w in _expanded_words(t, ws, x)
                ]
            )
            pinyin_docs.append([p for s in syllable_lists for p in _pinyin_tokens(s)])
            if spoken:
                spoken_docs.append(
                    pinyin_docs[-1]
                    + [
                        p
                        for t, x in zip(normalised, expanded, strict=True)
                        for p in _terms_pinyin(x[len(t) :])
                    ]
                )
        # a query typed in toneless pinyin is expanded with the legal terms (in pinyin) of the
        # colloquial phrases it spells, and searched in the entries' pinyin expanded alike
        self._spoken = _spoken_synonyms(synonyms) if spoken else ()
        self._spoken_index = BM25Index(spoken_docs) if spoken else None
        qualifiers = load_qualifiers(QUALIFIER_PENALTY)
        # per entry, each qualifier its question names, with its word in toneless pinyin
        self._qualifiers = [
            [(q, "".join(to_pinyin(q.word))) for q in qualifiers if q.word in texts[0]]
            for texts in self._texts
        ]
        # per entry, the topics (data/topic_words.txt) any of its phrasings names
        # (kept with the index, pinyin included: a query never loads pypinyin)
        self._topic_words = load_topics() if weights.topic_penalty else ()
        self._topics = _entry_topics(self._texts, self._topic_words)
        self._chars = BM25Index(char_docs)
        self.words = BM25Index(word_docs)
        self._pinyin_index = BM25Index(pinyin_docs)

    def share_strings(self, pool: dict[str, str]) -> None:
        """Make each of this index's strings the one equal string in `pool` (added if new)."""

        def one(text: str) -> str:
            return pool.setdefault(text, text)

        self._texts = [[one(t) for t in texts] for texts in self._texts]
        self._pinyin = [[one(t) for t in texts] for texts in self._pinyin]
        self.expanded_texts = [one(t) for t in self.expanded_texts]
        spoken = [self._spoken_index] if self._spoken_index is not None else []
        for bm25 in (self._chars, self.words, self._pinyin_index, *spoken):
            bm25.vocabulary = {one(t): col for t, col in bm25.vocabulary.items()}

    @staticmethod
    def _best_per_entry(
        query: str, entries: list[int], texts: list[list[str]]
    ) -> NDArray[np.float64]:
        """For each candidate entry, the best similarity (0..1) of the query to its phrasings."""
        flat = [t for i in entries for t in texts[i]]
        scores = process.cdist([query], flat, scorer=fuzz.ratio, dtype=np.float32)[0]
        starts = np.cumsum([0] + [len(texts[i]) for i in entries[:-1]])
        return np.maximum.reduceat(scores, starts).astype(np.float64) / 100

    def rank(self, query: Query) -> list[Ranked]:
        """Candidates for an analysed query, best first."""
        found = self.features(query)
        if found is None:
            return []
        top, table, mass = found
        ranks = table @ np.array(self.weights.rank)
        confidences = table @ np.array(self.weights.confidence)
        spoken = "".join(query.syllables)
        for j, i in enumerate(top):
            if self._qualifiers[i]:
                ranks[j] -= _qualifier_penalty(self._qualifiers[i], query.norm, spoken)
        if self.weights.topic_penalty:
            named = self._query_topics(query, spoken)
            for j, i in enumerate(top):
                if named - self._topics[i]:
                    ranks[j] -= self.weights.topic_penalty
        out = [
            Ranked(self.entries[i], float(ranks[j]), float(confidences[j]), float(mass[j]))
            for j, i in enumerate(top)
        ]
        out.sort(key=lambda r: -r.rank)
        return out

    def _query_topics(self, query: Query, spoken: str) -> frozenset[int]:
        """The topics a query names: in its words (with its pinyin-input typos corrected) or,
        typed in pinyin, in the toneless pinyin of a topic's word."""
        topics = self._topic_words
        if query.pinyin_only:
            return frozenset(
                t for t, topic in enumerate(topics) if any(p in spoken for p in topic.pinyin)
            )
        return frozenset(t for t, topic in enumerate(topics) if topic.named_in(query.corrected))

    def features(
        self, query: Query
    ) -> tuple[list[int], NDArray[np.float64], NDArray[np.float64]] | None:
        """Candidate entries, their FEATURES table and their matched character IDF mass.

        A query typed in toneless pinyin has no characters to compare: its pinyin features
        stand in for the character ones, so one set of weights serves both.
        """
        w = self.weights
        norm = query.norm
        n = len(self.entries)
        # the pinyin channel is expanded like the character one: the syllables of the legal
        # terms the query's colloquial words stand for (its entries' documents hold theirs)
        pinyin_index = self._pinyin_index
        spoken_terms: list[str] = []
        if query.pinyin_only and self._spoken_index is not None:
            pinyin_index = self._spoken_index
            spoken_terms = _spoken_terms(self._spoken, query.syllables)
        raw_pinyin = pinyin_index.search(query.pinyin_tokens)
        pinyin_hits = raw_pinyin + pinyin_index.search(spoken_terms) if spoken_terms else raw_pinyin
        p_bm25 = pinyin_hits.bm25
        if query.pinyin_only:
            zeros = np.zeros(n)
            c_bm25, w_bm25 = zeros, zeros
        else:
            # the expansion only appends legal terms, so the expanded query's character hits
            # are the raw query's plus those of the appended terms (one full search, not two)
            expanded, expanded_words = query.expanded(self.synonyms)
            raw_hits = self._chars.search(query.char_ngrams)
            appended = char_ngrams(expanded[len(norm) :])
            # (no appended terms: the sum would add zeros)
            char_hits = raw_hits + self._chars.search(appended) if appended else raw_hits
            word_hits = self.words.search(expanded_words)
            c_bm25, w_bm25 = char_hits.bm25, word_hits.bm25
        c_rel, w_rel, p_rel = _unit(c_bm25), _unit(w_bm25), _unit(p_bm25)
        pre = c_rel + 0.5 * w_rel + p_rel
        k = min(w.candidates, n)
        if k == 0:
            return None
        top = [int(i) for i in _top(pre, k) if pre[i] > 0]
        if not top:
            return None
        idx = np.array(top)
        # coverage (matched mass / the query's mass) only for the candidates
        p_cov = pinyin_hits.coverage_at(idx)
        # one vectorised rapidfuzz call per channel over all candidates' phrasings
        p_fuzzy = self._best_per_entry("".join(query.syllables), top, self._pinyin)
        if query.pinyin_only:
            # the legal terms help rank and cover, but the mass that keeps a question in scope
            # is that of what it spells (syllables collide: an expansion read from a homophone
            # would add much mass to an out-of-scope question)
            c_rel, c_cov, c_mass = p_rel, p_cov, raw_pinyin.matched_at(idx)
            raw_cov = raw_pinyin.coverage_at(idx)
            w_cov = np.zeros(len(top))
            c_fuzzy = p_fuzzy
        else:
            c_mass = char_hits.matched_at(idx)
            c_cov = char_hits.share(c_mass)
            w_cov, raw_cov = word_hits.coverage_at(idx), raw_hits.coverage_at(idx)
            c_fuzzy = self._best_per_entry(query.fixed or norm, top, self._texts)
        table = np.column_stack(
            [
                c_rel[idx],
                w_rel[idx],
                p_rel[idx],
                c_cov,
                w_cov,
                p_cov,
                c_fuzzy,
                p_fuzzy,
                raw_cov,
            ]
        )
        return top, table, c_mass


class FaqMatcher:
    """Build once (the reviewed entries, and optionally statute articles and bank questions as
    further sources, see legal_faq/sources.py); `match(query)` decides what to answer."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        synonyms: Synonyms | None = None,
        weights: Weights | None = None,
        articles: Sequence[FaqEntry] = (),
        quiz: Sequence[FaqEntry] = (),
    ) -> None:
        self.synonyms = synonyms or load_synonyms()
        self.weights = weights or DEFAULT
        self._faq = EntryIndex(entries, self.synonyms, self.weights, spoken=True)
        self.entries = self._faq.entries
        # the statutes and the bank are also searched with the statutes' own words
        wording = load_synonyms(DATA_DIR / "synonyms.yaml", DATA_DIR / "statute_terms.yaml")
        # The further sources' indexes (~3,000 article sentences, the bank) are built on a
        # thread, so that a bot starts answering commands at once; the first question waits
        # for them, and every answer comes from all sources.
        self._further: dict[Kind, EntryIndex] = {}
        self._build_error: BaseException | None = None
        self._ready = threading.Event()

        def build_further() -> None:
            try:
                if articles:
                    self._further["article"] = _shared_index(
                        tuple(articles), wording, ARTICLE_WEIGHTS
                    )
                if quiz:
                    self._further["quiz"] = _shared_index(tuple(quiz), wording, QUIZ_WEIGHTS)
            except BaseException as exc:  # re-raised by the first match, not lost on a thread
                self._build_error = exc
            finally:
                self._ready.set()

        if articles or quiz:
            threading.Thread(target=build_further, name="faq-sources", daemon=True).start()
        else:
            self._ready.set()
        self._by_id = {e.id: e for e in [*self.entries, *articles, *quiz]}
        self.other_domain = OtherDomain.load()
        # the same, for a question typed in toneless pinyin (built here: a query never loads
        # pypinyin)
        self._spoken_domain = self.other_domain.spoken()
        self._homophones = Homophones(
            self._faq.expanded_texts,
            filter(is_dictionary_word, self._faq.words.vocabulary),
        )

    def __getstate__(self) -> dict[str, object]:
        """For the compiled cache (legal_faq/compiled.py): the built indexes, without the
        thread's event."""
        # Equal strings made one object (the pickle then holds and loads each once): the
        # sources' indexes share most tokens, and many phrasings recur (~2 MiB when loaded).
        pool: dict[str, str] = {}
        for index in self.indexes.values():
            index.share_strings(pool)
        return {k: v for k, v in self.__dict__.items() if k != "_ready"}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._ready = threading.Event()
        self._ready.set()

    @property
    def indexes(self) -> dict[Kind, EntryIndex]:
        """Every source's index, reviewed entries first (waits for the further ones)."""
        self._ready.wait()
        if self._build_error is not None:
            raise self._build_error
        return {"faq": self._faq, **self._further}

    @property
    def sources(self) -> list[FaqEntry]:
        """Every entry of every source (reviewed entries first)."""
        return list(self._by_id.values())

    def entry(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def analyse(self, norm: str) -> Query:
        query_words = words(norm)
        corrections, fixed = self._homophones.read(norm, query_words)
        syllables = pinyin_of(query_words)
        return Query(
            norm,
            query_words,
            syllables,
            is_pinyin_query(norm),
            " ".join([norm, *corrections]),
            _pinyin_tokens(syllables),
            char_ngrams(norm),
            fixed,
        )

    def match(self, query: str) -> MatchResult:
        norm = normalise(query)
        if not norm:
            return MatchResult(query, "none")
        if norm in GREETINGS:
            return MatchResult(query, "greeting")
        result = self._decide(query, norm)
        named = self._named_article(norm)
        if named is not None and not (result.best and named in _cited(result.best[0].entry)):
            # "宪法第一条是什么内容": the article the question names, whatever its words match
            article = self._article_by_cite.get(named)
            if article is not None:
                # a reviewed entry citing it explains it in plain words: offered next
                # (one the question ranked, else one about that article: its first citation)
                ranked = {s.entry.id for s in result.best}
                plain = sorted(
                    (e for e in self.entries if named in _cited(e)),
                    key=lambda e: (
                        e.id not in ranked,
                        (e.refs[0].source, e.refs[0].article) != named,
                    ),
                )[:1]
                rest = [s for s in result.best if s.entry is not article and s.entry not in plain]
                shown = [Scored(relevant_sentences(e, norm), 1.0) for e in (article, *plain)]
                best = (*shown, *rest)[:3]
                return MatchResult(query, "suggest", best)
        focus = asking_part(query)
        if focus is None or result.status != "none" or not result.best or self._other(norm):
            return result
        # a long message rejected as a whole: its asking clauses alone may say more clearly
        # what it asks — taken when they lead to the entry the whole message ranked first
        focused = self._decide(query, focus)
        same = bool(focused.best) and focused.best[0].entry.id == result.best[0].entry.id
        return focused if focused.status != "none" and same else result

    def _decide(self, query: str, norm: str) -> MatchResult:
        """What to answer for a normalised text."""
        analysed = self.analyse(norm)
        ranked = self.ranked_by_source(analysed)
        faq = ranked["faq"]
        # what the best reviewed entry cites, against each further source's best BACKED_TOP
        cited = _cited(faq[0].entry) if faq else set()
        further = [others[:BACKED_TOP] for kind, others in ranked.items() if kind != "faq"]
        agree = any(not cited.isdisjoint(_cited(others[0].entry)) for others in further if others)
        # a query typed in toneless pinyin matches the reviewed entries less closely (pinyin
        # channels only): their own scope threshold is lower
        faq_scope = PINYIN_IN_SCOPE if analysed.pinyin_only else None
        # short questions ("违约金能扣吗", "没证据咋办") match little of any phrasing: when the
        # statutes or the bank independently find what the best reviewed entry cites, it is
        # in scope at a lower confidence (offered, or answered only on the usual thresholds)
        backed = agree or any(
            not cited.isdisjoint(_cited(r.entry)) for others in further for r in others[1:]
        )
        if backed:
            faq_scope = min(BACKED_SCOPE, faq_scope or BACKED_SCOPE)
        bests = [
            Best(
                self.indexes[kind].weights,
                r,
                AGREE_BONUS if kind == "faq" and agree else 0.0,
                faq_scope if kind == "faq" else None,
            )
            for kind, r in ranked.items()
            if r
        ]
        in_scope = [b for b in bests if b.in_scope]
        if not in_scope or self._other(norm, analysed):
            return MatchResult(query, "none", tuple(r.scored for r in faq[:3]))
        pick = max(in_scope, key=lambda b: b.score)
        rivals = sorted((b for b in in_scope if b is not pick), key=lambda b: -b.score)
        reviewed = pick.weights is self.weights
        # (with no further sources to agree, the reviewed entries' own thresholds decide)
        alone = reviewed and not agree and len(ranked) > 1
        confident = pick.sure(ALONE if alone else pick.weights) and not (
            reviewed
            and any(
                r.score > pick.score - RIVAL_MARGIN
                and not _cited(r.ranked[0].entry) & _cited(pick.ranked[0].entry)
                for r in rivals
            )
        )
        shown = pick.ranked
        if reviewed:
            # a close entry citing what the other sources find best is offered first; moved
            # up so, it is a suggestion, never an answer (scope and confidence stay those of
            # the entries as ranked by their own words)
            confirmed = _confirmed_first(ranked)
            if confirmed[0].entry is not faq[0].entry:
                shown, confident = confirmed, False
        rival = [r.ranked[0] for r in rivals[:1]]
        if reviewed and len(shown) > 2 and shown[2].rank >= shown[0].rank - CLOSE_THREE:
            # three reviewed entries about as good: they are offered, not another source's
            # best (on the natural questions mostly a generic article, e.g. 第四十七条)
            rival = []
        if reviewed and rival and any(_cited(rival[0].entry) & _cited(r.entry) for r in shown[:2]):
            # the other source's best is the very article a reviewed entry offered explains:
            # the next reviewed entry is offered instead of the same rule twice
            rival = []
        offered = [shown[0], *rival, *shown[1:]]
        if not reviewed and faq and not _cited(faq[0].entry).isdisjoint(_cited(offered[0].entry)):
            # the best reviewed entry cites the very article (or the bank question's article)
            # found best: it explains that in plain words, so it is offered first (a suggestion)
            offered = [faq[0], *(r for r in offered if r.entry is not faq[0].entry)]
        if len(offered) > 1 and offered[0].entry.kind == "article":
            # a bank question citing the very article explains it in plain words: show that
            # first (same article, so the decision stands), the article's own words next
            explained = offered[1].entry.kind == "quiz" and bool(
                _cited(offered[1].entry) & _cited(offered[0].entry)
            )
            if explained:
                offered[0], offered[1] = offered[1], offered[0]
        best = tuple(Scored(relevant_sentences(r.entry, norm), r.scored.score) for r in offered[:3])
        return MatchResult(query, "answer" if confident else "suggest", best)

    @cached_property
    def _article_by_cite(self) -> dict[tuple[str, int], FaqEntry]:
        """The statute articles by what they cite (statute name, article number)."""
        return {
            (c.source, c.article): e
            for e in self._by_id.values()
            if e.kind == "article"
            for c in e.refs
        }

    @cached_property
    def _named_article_pattern(self) -> tuple[re.Pattern[str], dict[str, str], dict[str, int]]:
        """The statutes searched, by the names a question calls them (中华人民共和国 dropped,
        longest first), the article numbers they hold as written in Chinese numerals (十九,
        一百零五), and a pattern for "<statute>第<number>条"."""
        full = {source for source, _ in self._article_by_cite}
        names = {n.removeprefix("中华人民共和国"): n for n in sorted(full, key=len, reverse=True)}
        numerals = {chinese_number(a): a for _, a in self._article_by_cite}
        alternatives = "|".join(map(re.escape, names)) or "(?!)"
        pattern = re.compile(f"({alternatives})第 ?([0-9]+|[零一二三四五六七八九十百千]+) ?条")
        return pattern, names, numerals

    def _named_article(self, norm: str) -> tuple[str, int] | None:
        """The statute article a question names by statute and number (劳动法第四十四条,
        宪法第1条), for the statutes the FAQ searches."""
        if "第" not in norm or "条" not in norm:
            return None
        pattern, names, numerals = self._named_article_pattern
        found = pattern.search(norm)
        if found is None:
            return None
        number = found.group(2)
        article = int(number) if number.isdigit() else numerals.get(number)
        return None if article is None else (names[found.group(1)], article)

    def _other(self, norm: str, query: Query | None = None) -> bool:
        """A question from another field (data/other_domains.txt), typed in characters or in
        toneless pinyin (its syllables then compared with the cues' and anchors')."""
        pinyin_only = query.pinyin_only if query is not None else is_pinyin_query(norm)
        if not pinyin_only:
            return self.other_domain(norm)
        syllables = query.syllables if query is not None else pinyin_of(words(norm))
        return self._spoken_domain(f" {' '.join(syllables)} ")

    def ranked_by_source(self, query: Query) -> dict[Kind, list[Ranked]]:
        """Each source's candidates for an analysed query, best first."""
        return {kind: index.rank(query) for kind, index in self.indexes.items()}

    def rank(self, norm: str) -> list[Ranked]:
        """Reviewed entries for a normalised query, best first."""
        return self._faq.rank(self.analyse(norm))


@lru_cache(maxsize=4)
def _shared_index(
    entries: tuple[FaqEntry, ...], synonyms: Synonyms, weights: Weights
) -> EntryIndex:
    """An index of the further sources, built once per process for the same entries: they
    are the same statutes for every matcher (tests and `pufa run` build several)."""
    return EntryIndex(entries, synonyms, weights)


@dataclass(frozen=True)
class Best:
    """One source's candidates for a query, and how its best one compares across sources."""

    weights: Weights
    ranked: list[Ranked]
    bonus: float = 0.0
    scope_at: float | None = None  # instead of weights.in_scope_confidence

    @property
    def lead(self) -> float:
        r = self.ranked
        return r[0].rank - (r[1].rank if len(r) > 1 else 0.0)

    @property
    def score(self) -> float:
        return self.ranked[0].confidence + self.weights.bias + self.bonus

    @property
    def in_scope(self) -> bool:
        w = self.weights
        if w.scope_on_score:
            return self.score >= w.in_scope_confidence or self.ranked[0].matched_mass >= (
                w.in_scope_mass
            )
        if self.scope_at is not None:
            w = replace(w, in_scope_confidence=self.scope_at)
        return self.ranked[0].in_scope(w)

    def sure(self, w: Weights) -> bool:
        """Sure enough for a direct answer under `w`'s answer thresholds."""
        best = self.ranked[0]
        return (
            best.confidence >= w.answer_at
            and self.lead >= w.answer_lead
            and best.matched_mass >= w.answer_mass
        )


@dataclass(frozen=True)
class Ranked:
    """A candidate: its ranking score, its confidence (0..1) and the IDF mass of the query's
    characters (pinyin tokens for a query typed in pinyin) it contains — long questions told as
    stories match much, but a small share."""

    entry: FaqEntry
    rank: float
    confidence: float
    matched_mass: float = 0.0

    def in_scope(self, w: Weights) -> bool:
        return self.confidence >= w.in_scope_confidence or self.matched_mass >= w.in_scope_mass

    @property
    def scored(self) -> Scored:
        return Scored(self.entry, round(min(max(self.confidence, 0.0), 1.0), 4))


_CLAUSE_END = re.compile(r"[，。！？；,.!?;…\s]+")
# (not the words that only look like asking in a story: 这么 / 那么, 没多久, 十几万, 好几次,
# 前几天, 我们几个, 几乎, 哪怕)
_ASKING = re.compile(
    r"吗|嘛|(?<![这那多])么|怎|咋|啥|多少|(?<![没不])多久|多长|(?<![十好这那前头们了])几(?!乎)|"
    r"能不能|可不可以|可以不|是不是|有没有|算不算|要不要|行不行|会不会|该不该|合法|违法|合理|什么|"
    r"哪(?!怕)|谁|是否|呢|如何"
)
# "whoever" and "nothing at all" ask nothing: 谁要跑就…, 谁也不知道, 什么都没讲
_INDEFINITE = re.compile(r"(?:什么|谁)[都也]|谁[^就]*就")


def asking_part(query: str) -> str | None:
    """The normalised clauses of a message that ask something (吗, 怎么, 多少, 能不能, 合法 …),
    when they are only part of it: "产假是几天？我在工厂上班" → "产假是几天". None for a
    one-clause question or one with no asking clause."""
    clauses = [c for c in (normalise(part) for part in _CLAUSE_END.split(query)) if c]
    asking = [c for c in clauses if _ASKING.search(_INDEFINITE.sub("", c))]
    if len(clauses) < 2 or not asking or len(asking) == len(clauses):
        return None
    return "".join(asking)


def _confirmed_first(ranked: dict[Kind, list[Ranked]]) -> list[Ranked]:
    """The reviewed entries re-ranked: each whose refs cite the article or bank question
    another source finds best gains CONFIRM_BONUS (a near tie goes to the confirmed one)."""
    found: set[tuple[str, int]] = set()
    for kind, others in ranked.items():
        if kind != "faq" and others:
            found |= _cited(others[0].entry)
    out = [
        Ranked(r.entry, r.rank + CONFIRM_BONUS, r.confidence, r.matched_mass)
        if not found.isdisjoint(_cited(r.entry))
        else r
        for r in ranked["faq"]
    ]
    out.sort(key=lambda r: -r.rank)
    return out


@dataclass(frozen=True)
class Topic:
    """A word that decides what a question is about (工伤, 加班, 试用期 …), with the other words
    that name the same topic; `pinyin`: each of them in toneless pinyin."""

    words: tuple[str, ...]
    pinyin: tuple[str, ...]

    def named_in(self, text: str) -> bool:
        return any(w in text for w in self.words)


@lru_cache(maxsize=1)
def load_topics() -> tuple[Topic, ...]:
    """data/topic_words.txt: one topic a line, its words separated by spaces."""
    out = []
    for line in data_lines("topic_words.txt"):
        forms = tuple(normalise(w) for w in line.split())
        out.append(Topic(forms, tuple("".join(to_pinyin(w)) for w in forms)))
    return tuple(out)


def _entry_topics(texts: list[list[str]], topics: Sequence[Topic]) -> list[frozenset[int]]:
    """Per entry, the topics one of its phrasings names."""
    out = []
    for phrasings in texts:
        joined = " ".join(phrasings)
        out.append(frozenset(t for t, topic in enumerate(topics) if topic.named_in(joined)))
    return out


def _qualifier_penalty(named: list[tuple[Qualifier, str]], norm: str, spoken: str) -> float:
    """Rank taken off an entry whose question names these qualifiers (each with its word in
    toneless pinyin) for a query (`norm`, and its syllables run together). Special cases named
    by a word alone (流产, 难产 …) cost their penalty when the query names none of them, so "流产"
    keeps the entry on 流产 or 难产; one with other words for it (女职工: 女, 孕 …) costs its own
    when the query names none of those, whatever else it names."""
    cost = alone = 0.0  # (one pass, no lists: up to 40 candidates a query)
    alone_named = False
    for q, p in named:
        if q.word in norm or p in spoken:
            alone_named = alone_named or not q.also
        elif not q.also:
            alone = max(alone, q.penalty)
        elif not any(a in norm for a in q.also):
            cost = max(cost, q.penalty)
    return cost if alone_named else max(cost, alone)


def _cited(entry: FaqEntry) -> set[tuple[str, int]]:
    return {(c.source, c.article) for c in entry.refs}


TOP_SAMPLE = 4  # `_top` samples every 16th value when that holds this many times k values


def _top(values: NDArray[np.float64], k: int) -> NDArray[np.int64]:
    """The positions of the `k` largest values (in no particular order). Over many values,
    only those at least the k-th largest of every 16th are partitioned: that one is at most
    the k-th largest of all, so none of those is left out (a tenth of the time at 20,000)."""
    negated = -values
    if len(values) < 16 * TOP_SAMPLE * k:
        return np.argpartition(negated, k - 1)[:k]
    bound = np.partition(negated[::16], k - 1)[k - 1]
    kept = np.flatnonzero(negated <= bound)
    return kept[np.argpartition(negated[kept], k - 1)[:k]]


def _unit(values: NDArray[np.float64]) -> NDArray[np.float64]:
    top = float(values.max()) if values.size else 0.0
    return values / top if top > 0 else values
