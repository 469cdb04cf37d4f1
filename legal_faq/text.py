"""Text handling for matching workers' questions: normalising, colloquial→legal synonyms,
word segmentation (jieba with a legal dictionary) and a toneless pinyin channel."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from question_bank.yamlsource import safe_load

DATA_DIR = Path(__file__).parent / "data"

_HAN = re.compile(r"[\u4e00-\u9fff]+")
_KEEP = re.compile(r"[\u4e00-\u9fff]+|[a-z]+|\d+")
# Dialect words for question words, folded into the standard ones before anything else:
# "工伤咋赔" asks what "工伤怎么赔" asks, and 咋 / 啥 / 俺 stand for nothing else in a question.
_DIALECT = str.maketrans({"咋": "怎么", "啥": "什么", "俺": "我"})
_TONES = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ",
    "aaaaeeeeiiiioooouuuuvvvvvnnnm",
)


def normalise(text: str) -> str:
    """Full-/half-width folded, traditional characters made simplified (zhconv), lower case,
    dialect question words made standard (咋 → 怎么, 啥 → 什么, 俺 → 我), only Chinese characters, letters and digits (punctuation, spaces and emoji dropped);
    runs of letters/digits keep one space between."""
    text = to_simplified(unicodedata.normalize("NFKC", text).lower()).translate(_DIALECT)
    parts = _KEEP.findall(text)
    out: list[str] = []
    for part in parts:
        if out and (part[0].isascii() or out[-1][-1].isascii()):
            out.append(" ")
        out.append(part)
    return "".join(out)


ZHCONV = "zhconv"


@cache
def _simplified_table() -> tuple[dict[str, str], frozenset[str]]:
    """zhconv's zh-cn table (its words and what they become) and the set of the words'
    prefixes, from the compiled cache: zhconv itself holds the tables of every locale, read
    from JSON (~6 MiB), of which `normalise` needs this one (~2 MiB)."""
    from question_bank import compiled

    def build() -> tuple[dict[str, str], frozenset[str]]:
        from legal_faq.segmenter import import_quietly

        zhconv = import_quietly("zhconv.zhconv")  # the module: its tables are not exported
        table = dict(zhconv.getdict("zh-cn"))
        return table, frozenset(zhconv.pfsdict["zh-cn"])

    key = compiled.fingerprint([], code=("legal_faq.text",), libraries=("zhconv",))
    return compiled.cached(ZHCONV, key, build)


def to_simplified(text: str) -> str:
    """`zhconv.convert(text, "zh-cn")`, over the table of `_simplified_table` (the same
    longest-match-first walk, so the same result)."""
    table, prefixes = _simplified_table()
    out: list[str] = []
    n = len(text)
    pos = 0
    while pos < n:
        i = pos
        fragment = text[pos]
        word: str | None = None
        end = 0
        while i < n and fragment in prefixes:
            if fragment in table:
                word = table[fragment]
                end = i
            i += 1
            fragment = text[pos : i + 1]
        if word is None:
            out.append(text[pos])
            pos += 1
        else:
            out.append(word)
            pos = end + 1
    return "".join(out)


@dataclass(frozen=True)
class Synonyms:
    """Colloquial phrases and the legal terms they stand for (data: synonyms.yaml)."""

    pairs: tuple[tuple[str, str], ...]  # (colloquial, legal), longest colloquial first

    def expand(self, text: str) -> str:
        """`text` followed by the legal term of every colloquial phrase found in it."""
        by_first = self._by_first
        # only the phrases that start with one of the text's characters can be in it
        found = sorted({i for c in {"", *text} for i in by_first.get(c, ())})
        extra = []
        for i in found:
            colloquial, legal = self.pairs[i]
            if colloquial in text and legal not in text:
                extra.append(legal)
        return text + (" " + " ".join(extra) if extra else "")

    @cached_property
    def _by_first(self) -> dict[str, list[int]]:
        """The pairs' positions by their colloquial phrase's first character."""
        out: dict[str, list[int]] = {}
        for i, (colloquial, _) in enumerate(self.pairs):
            out.setdefault(colloquial[:1], []).append(i)
        return out


def load_synonyms(*paths: Path) -> Synonyms:
    """The colloquial → legal pairs of synonyms.yaml (or of `paths`, e.g. with
    statute_terms.yaml for searching the statutes)."""
    pairs = []
    for path in paths or (DATA_DIR / "synonyms.yaml",):
        raw = safe_load(path.read_text(encoding="utf-8"))
        for legal, colloquials in raw["synonyms"].items():
            for colloquial in colloquials:
                pair = (normalise(str(colloquial)), normalise(str(legal)))
                if pair not in pairs:
                    pairs.append(pair)
    pairs.sort(key=lambda p: -len(p[0]))
    return Synonyms(tuple(pairs))


def data_lines(name: str) -> list[str]:
    """The lines of a data/ list file, blank lines and # comments left out, as written."""
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return [w for w in lines if w.strip() and not w.startswith("#")]


def load_words(name: str) -> tuple[str, ...]:
    """A word list of data/ (one word a line, # comments), normalised."""
    return tuple(normalise(w) for w in data_lines(name))


@dataclass(frozen=True)
class Qualifier:
    """A word that narrows a topic to a special case (流产, 女职工), the penalty an entry whose
    question names it takes for a query naming neither it nor one of its `also` words
    (女职工: 女, 孕, 哺乳 … — a question about 女工 or 产假 is a woman's own)."""

    word: str
    penalty: float
    also: tuple[str, ...] = ()

    def named_in(self, norm: str) -> bool:
        return self.word in norm or any(a in norm for a in self.also)


def load_qualifiers(default_penalty: float) -> tuple[Qualifier, ...]:
    """The qualifiers of data/qualifiers.txt, normalised: `word`, or `word | penalty | also…`."""
    out = []
    for line in data_lines("qualifiers.txt"):
        word, _, rest = (part.strip() for part in line.partition("|"))
        penalty, _, also = (part.strip() for part in rest.partition("|"))
        out.append(
            Qualifier(
                normalise(word),
                float(penalty) if penalty else default_penalty,
                tuple(normalise(a) for a in also.split()),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class OtherDomain:
    """Questions from another field (data: other_domains.txt — 房东, 彩礼, 交通事故 …) that name
    none of the workers' own words (domain_anchors.txt — 单位, 工资, 工会 …)."""

    cues: tuple[str, ...]
    anchors: tuple[str, ...]
    # cues no anchor outweighs ("!" in other_domains.txt: 离婚, 要不要交个税 …) — the question
    # itself is another field's, whatever workplace it is told from
    decisive: tuple[str, ...] = ()
    # pairs decisive only together ("!公务员+加班"): a civil servant's overtime is another
    # law's, while 公务员 alone may ask about the four laws ("举报公务员", a 女公务员's 产假)
    pairs: tuple[tuple[str, str], ...] = ()
    # cues only together ("新农合|外地看病+我妈|我爸"): a word of each side named makes the
    # pair a cue (anchors still keep the question in scope) — a family member's 新农合 is
    # another field's, the worker's own is 社会保险法's
    joint: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()

    @classmethod
    def load(cls) -> OtherDomain:
        lines = [w.strip() for w in data_lines("other_domains.txt")]
        marked = [w[1:] for w in lines if w.startswith("!")]
        plain = [w for w in lines if not w.startswith("!")]
        return cls(
            tuple(normalise(w) for w in plain if "+" not in w),
            load_words("domain_anchors.txt"),
            tuple(normalise(w) for w in marked if "+" not in w),
            tuple(_pair(w) for w in marked if "+" in w),
            tuple(_joint(w) for w in plain if "+" in w),
        )

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """The decisive cues, and every other cue, each as one pattern (most questions name
        none: one search instead of a few hundred)."""

        def one(words: Iterable[str]) -> re.Pattern[str]:
            alternatives = sorted({w for w in words if w}, key=len, reverse=True)
            return re.compile("|".join(map(re.escape, alternatives)) or r"(?!)")

        return one(self.decisive), one(self.cues)

    def spoken(self) -> OtherDomain:
        """The same cues and anchors in toneless pinyin, syllables spaced and padded with a
        space (" wai di kan bing "), for a question typed in pinyin (called on its syllables the
        same way). Only cues of three syllables or more: shorter ones, their syllables run
        together without word boundaries, are found across words (德国 in "的锅", 期货 in
        "放弃或"; on the fit halves in pinyin they rejected 17 in-scope questions). A decisive
        pair needs both its words, so they may be of two (公务员 + 加班). Anchors are all kept
        (a spurious anchor only keeps a question in scope)."""

        def said(word: str, least: int = 1) -> str:
            """The word's syllables, spaced and padded; "" when it has fewer than `least`."""
            syllables = to_pinyin(word)
            return f" {' '.join(syllables)} " if len(syllables) >= least else ""

        def cues(words: Iterable[str]) -> tuple[str, ...]:
            return tuple(s for w in words if (s := said(w, 3)))

        def sides(words: Iterable[str]) -> tuple[str, ...]:
            return tuple(s for w in words if (s := said(w, 2)))

        pairs = ((said(a, 2), said(b, 2)) for a, b in self.pairs)
        joint = ((sides(a), sides(b)) for a, b in self.joint)
        return OtherDomain(
            cues(self.cues),
            tuple(s for w in self.anchors if (s := said(w))),
            cues(self.decisive),
            tuple((a, b) for a, b in pairs if a and b),
            tuple((a, b) for a, b in joint if a and b),
        )

    def __call__(self, norm: str) -> bool:
        """True when a normalised question belongs to another field: it names a decisive cue,
        both words of a decisive pair, or a cue and none of the workers' words outside the
        cues ("装修公司" is a cue; its 公司 is no anchor)."""
        decisive, named = self._patterns
        if any(
            not _MOVED_TO.search(norm, 0, m.start()) and not _TREATED.match(norm, m.end())
            for m in decisive.finditer(norm)
        ):
            return True
        if any(a in norm and b in norm for a, b in self.pairs):
            return True
        found = [w for side in self._joint_named(norm) for w in side]
        if not found and not named.search(norm):
            return False
        found += [c for c in self.cues if c in norm]
        for cue in sorted(found, key=len, reverse=True):
            norm = norm.replace(cue, " ")
        return not any(a in norm for a in self.anchors)

    def _joint_named(self, norm: str) -> Iterator[list[str]]:
        """The words of each joint cue a question names, when it names both sides."""
        for first, second in self.joint:
            if any(w in norm for w in first) and any(w in norm for w in second):
                yield [w for w in (*first, *second) if w in norm]


# A place the employer moves or sends the work to ("厂子要搬到越南去", "公司派我去非洲") is the
# worker's story, not a question of that place's law: a decisive cue right after it does not count.
_MOVED_TO = re.compile(r"(?:搬|迁|转移|派|调|出口|卖|发)(?:我们|我|人)?(?:到|去|往|至)了?$")
# Medical care there ("在国外看病报吗", "在国外住院") asks what the insurance at home pays
# (社会保险法 第三十条: 在境外就医), not that place's law: a decisive cue right before it does
# not count (the other cues and the anchors still do).
_TREATED = re.compile(r"(?:看病|就医|就诊|住院|治病|看的病|生病)")


def _pair(line: str) -> tuple[str, str]:
    first, second = line.split("+", 1)
    return normalise(first), normalise(second)


def _joint(line: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The alternatives of each side of "新农合|外地看病+妈|爸", normalised."""
    first, second = line.split("+", 1)
    return tuple(normalise(w) for w in first.split("|")), tuple(
        normalise(w) for w in second.split("|")
    )


@cache
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (from pypinyin's character table; kept in the compiled
    cache with the words' pinyin)."""
    table = _pinyin_table()
    return table[1] if table is not None else _pypinyin_syllables()


def _pypinyin_syllables() -> frozenset[str]:
    from pypinyin.constants import PINYIN_DICT

    found: set[str] = set()
    for readings in PINYIN_DICT.values():
        for reading in readings.split(","):
            found.add(reading.translate(_TONES))
    return frozenset(s for s in found if s.isalpha() and s.isascii())


def split_pinyin(letters: str) -> list[str] | None:
    """Split a run of letters into pinyin syllables ('chanjia' → chan jia); None if it is not
    pinyin. Prefers fewer, longer syllables."""
    known = syllables()
    n = len(letters)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            piece = letters[start:end]
            if head is not None and piece in known:
                candidate = [*head, piece]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[n]


@lru_cache(maxsize=200_000)
def word_pinyin(word: str) -> tuple[str, ...]:
    """Toneless syllables of one word (cached: workers' vocabulary is small, pypinyin is not
    cheap). Letters that read as pinyin are split into syllables; other letters and digits are
    kept as they are."""
    if _HAN.fullmatch(word):
        table = _pinyin_table()
        if table is None:
            return _han_pinyin(word)
        return _table_pinyin(table[0], word) or _han_pinyin(word)
    if word.isalpha():
        return tuple(split_pinyin(word) or [word])
    return (word,)


def _table_pinyin(table: Any, word: str) -> tuple[str, ...] | None:
    """A word's syllables from the table; a word jieba found that its dictionary lacks (its
    HMM joins unknown characters) is read character by character, so that a query never loads
    pypinyin (~56 MiB of phrase dictionary). None if a character is not in the table."""
    found = table.get(word)
    if found:
        return tuple(found[0].decode().split(" "))
    if len(word) == 1:
        return None
    syllables: list[str] = []
    for char in word:
        reading = table.get(char)
        if not reading:
            return None
        syllables.extend(reading[0].decode().split(" "))
    return tuple(syllables)


def _han_pinyin(word: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(word))


def _dictionary_words() -> Iterator[str]:
    """Every Chinese word of jieba's dictionary (with ours) and every character pypinyin
    knows: what the pinyin table holds."""
    from pypinyin.constants import PINYIN_DICT

    from legal_faq.segmenter import dictionary_items

    for word, freq in dictionary_items(_jieba()):
        if freq and _HAN.fullmatch(word):
            yield word
    for code in PINYIN_DICT:
        if _HAN.fullmatch(chr(code)):
            yield chr(code)


@cache
def _pinyin_table() -> tuple[Any, frozenset[str]] | None:
    """The words' pinyin from the compiled cache (see legal_faq/segmenter.py); None without."""
    from legal_faq.segmenter import dictionary_file, load_pinyin_table

    return load_pinyin_table(
        _dictionary_words,
        _han_pinyin,
        _pypinyin_syllables,
        [dictionary_file(_jieba()), DATA_DIR / "legal_words.txt"],
        code=("legal_faq.text",),
    )


def pinyin_of(word_list: Iterable[str]) -> list[str]:
    """Toneless syllables of a text given as its jieba words (see `words`)."""
    return [syllable for word in word_list for syllable in word_pinyin(word)]


def to_pinyin(text: str) -> list[str]:
    """Toneless syllables of a normalised text, word by word (so 还钱 reads huan qian)."""
    return pinyin_of(words(text))


def is_pinyin_query(text: str) -> bool:
    """True when a normalised text is (mostly) letters that read as pinyin."""
    letters = re.findall(r"[a-z]+", text)
    if not letters or re.search(r"[\u4e00-\u9fff]", text):
        return False
    return all(split_pinyin(run) is not None for run in letters)


@cache
def _jieba() -> Any:
    """jieba, with its dictionary and the legal one loaded (once; from the compiled cache,
    see legal_faq/segmenter.py)."""
    from legal_faq.segmenter import load_jieba

    return load_jieba(DATA_DIR / "legal_words.txt")


def words(text: str) -> list[str]:
    """jieba words of a normalised text."""
    return [w for w in _jieba().lcut(text) if w.strip()]


def is_dictionary_word(word: str) -> bool:
    """True for a word of jieba's dictionary or the legal one (not one jieba's HMM guessed)."""
    return dictionary_frequency(word) > 0


def dictionary_frequency(word: str) -> int:
    """The word's frequency in jieba's dictionary with the legal one (0 when not in them)."""
    from legal_faq.segmenter import dictionary_freq

    return int(dictionary_freq(_jieba(), word) or 0)


def char_ngrams(text: str, sizes: Iterable[int] = (1, 2)) -> list[str]:
    """Character n-grams of the Chinese parts of a text (robust to typos and word order)."""
    out: list[str] = []
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        for size in sizes:
            out.extend(run[i : i + size] for i in range(len(run) - size + 1))
    return out


# a typed stretch that is itself a dictionary word is corrected in place only when the corpus
# word it sounds like is this many times commoner in the dictionary
_COMMONER = 10


class Homophones:
    """Pinyin-input typos corrected against the corpus's own words: a stretch of the query that
    sounds exactly like a corpus word (2–4 characters), differs from it in one character and has
    a character pair the corpus never uses also stands for that word (社宝→社保, 结昏→结婚, 怀运→怀孕, 试用其→试用期)."""

    def __init__(self, texts: Iterable[str], vocabulary: Iterable[str]) -> None:
        self._pairs: set[str] = set()
        for text in texts:
            for run in _HAN.findall(text):
                self._pairs.update(run[i : i + 2] for i in range(len(run) - 1))
        self._sounds: dict[tuple[str, ...], list[str]] = {}
        for word in vocabulary:
            if 2 <= len(word) <= 4 and _HAN.fullmatch(word):
                key = word_pinyin(word)
                if len(key) == len(word):
                    self._sounds.setdefault(key, []).append(word)

    def corrections(self, word_list: Sequence[str]) -> list[str]:
        """The corpus words that the unknown stretches of a query (given as its jieba words)
        sound like."""
        return _corpus_words(list(self._found(word_list)))

    def fix(self, norm: str, word_list: Sequence[str]) -> str:
        """`norm` with its confident corrections made in place (解出→解除, 仲菜→仲裁), so that
        the character channels compare the word the worker meant: a stretch made of whole
        jieba words (孩要 of 小孩|要 is no 还要) that sounds like exactly one corpus word and
        is no common word itself. Longer stretches first; one overlapping a stretch already
        replaced is left as typed."""
        return _fixed(norm, list(self._found(word_list)))

    def read(self, norm: str, word_list: Sequence[str]) -> tuple[list[str], str]:
        """`corrections` and `fix` of one query, its stretches searched once."""
        found = list(self._found(word_list))
        return _corpus_words(found), _fixed(norm, found)

    def _found(self, word_list: Sequence[str]) -> Iterator[_Found]:
        """Each unknown stretch of a query (2–4 characters, a character pair the corpus never
        uses) that sounds like a corpus word and differs from it in one character."""
        offset = 0
        for run, sounds, bounds in _han_runs(word_list):
            unknown = [run[i : i + 2] not in self._pairs for i in range(len(run) - 1)]
            for size in (2, 3, 4):
                for i in range(len(run) - size + 1):
                    if not any(unknown[i : i + size - 1]):
                        continue
                    stretch = run[i : i + size]
                    for word in self._sounds.get(tuple(sounds[i : i + size]), ()):
                        typos = sum(a != b for a, b in zip(word, stretch, strict=True))
                        if typos == 1:
                            whole = i in bounds and i + size in bounds
                            yield _Found(offset + i, stretch, word, whole)
            offset += len(run) + 1


def _corpus_words(found: Sequence[_Found]) -> list[str]:
    """The corpus words found, each once, in order."""
    return list(dict.fromkeys(f.word for f in found))


def _fixed(norm: str, found: Sequence[_Found]) -> str:
    """`norm` with the confident ones of the stretches found replaced (see `Homophones.fix`)."""
    by_place: dict[tuple[int, str], set[str]] = {}
    whole: set[tuple[int, str]] = set()
    for f in found:
        by_place.setdefault((f.start, f.stretch), set()).add(f.word)
        if f.whole:
            whole.add((f.start, f.stretch))
    taken: list[tuple[int, int]] = []
    replace: dict[str, str] = {}
    for (start, stretch), candidates in sorted(by_place.items(), key=lambda x: -len(x[0][1])):
        end = start + len(stretch)
        if (start, stretch) not in whole or len(candidates) != 1:
            continue
        if any(s < end and start < e for s, e in taken):
            continue
        word = next(iter(candidates))
        # a common word as typed is likely the one meant (超市 is no 超时, 一节 no 一届):
        # replaced only when far rarer than the corpus word
        if _COMMONER * dictionary_frequency(stretch) >= dictionary_frequency(word):
            continue
        taken.append((start, end))
        replace[stretch] = word
    for stretch, word in sorted(replace.items(), key=lambda x: -len(x[0])):
        norm = norm.replace(stretch, word)
    return norm


@dataclass(frozen=True)
class _Found:
    """A stretch of a query that sounds like a corpus word: where it starts (among the query's
    Chinese runs), as typed, the word, and whether it is made of whole jieba words."""

    start: int
    stretch: str
    word: str
    whole: bool


def _han_runs(word_list: Sequence[str]) -> list[tuple[str, list[str], frozenset[int]]]:
    """Runs of consecutive Chinese words, each with one syllable per character and the
    offsets where its words begin and end."""
    runs: list[tuple[str, list[str], frozenset[int]]] = []
    chars: list[str] = []
    sounds: list[str] = []
    bounds: set[int] = {0}
    for word in [*word_list, ""]:
        syllables = word_pinyin(word) if word and _HAN.fullmatch(word) else ()
        if len(syllables) == len(word) and word:
            chars.append(word)
            sounds.extend(syllables)
            bounds.add(len(sounds))
            continue
        if chars:
            runs.append(("".join(chars), sounds, frozenset(bounds)))
        chars, sounds, bounds = [], [], {0}
    return runs
