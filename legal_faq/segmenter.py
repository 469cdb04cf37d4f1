"""jieba's dictionary and the words' pinyin from the compiled cache.

jieba keeps its dictionary (about 500,000 words and their prefixes, with our legal words) as a
Python dict, rebuilt at every start from its own cache: 0.5–1 s and ~80 MiB. Here the same
words and frequencies are kept in a MARISA trie (marisa-trie) in the compiled cache directory
(question_bank/compiled.py), memory-mapped at start-up, with the frequencies in an array beside
it: jieba segments exactly as before (`TrieFreq` holds every key jieba asks about the
sentence it cuts), at a few MiB and a few milliseconds.
"""

from __future__ import annotations

import os
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from question_bank import compiled

KIND = "jieba"


class TrieFreq(dict[str, int]):
    """jieba's `FREQ` dict over a trie. jieba asks its dict, for a sentence, about every
    stretch of it (`in`, `[ ]`, `.get`) — as a plain dict's C lookups. So this is a plain dict,
    filled before jieba reads a sentence (`load`, hooked on `get_DAG`) with every dictionary
    word and word prefix found in the sentence (one `prefixes` call per position), which is
    every key jieba can ask for about that sentence. `lookup` answers for any word. Words
    added later (`jieba.add_word`) are kept across the occasional clearing."""

    LIMIT = 200_000  # words kept before the dict is emptied (it fills again as needed)

    def __init__(self, trie: Any, freqs: array[int]) -> None:
        super().__init__()
        self._trie = trie
        self._freqs = freqs
        self._added: dict[str, int] = {}

    def load(self, sentence: str) -> None:
        if len(self) > self.LIMIT:
            self.clear()
            self.update(self._added)
        trie, freqs, have = self._trie, self._freqs, self.__contains__
        for start in range(len(sentence)):
            for word in trie.prefixes(sentence[start:]):
                if not have(word):
                    dict.__setitem__(self, word, freqs[trie.key_id(word)])

    def lookup(self, word: str) -> int | None:
        """The word's frequency (0 for a mere prefix), None if the dictionary lacks it."""
        if word in self._added:
            return self._added[word]
        key = self._trie.get(word)
        return None if key is None else self._freqs[key]

    def __setitem__(self, word: str, freq: int) -> None:
        self._added[word] = freq
        dict.__setitem__(self, word, freq)

    def all_items(self) -> Iterator[tuple[str, int]]:
        """Every word of the dictionary with its frequency."""
        for word, key in self._trie.iteritems():
            if word not in self._added:
                yield word, self._freqs[key]
        yield from self._added.items()


def _install(jieba: Any, freq: TrieFreq, total: int) -> None:
    """Make jieba's tokenizer read from `freq`, loading each sentence before it is cut."""
    dt = jieba.dt
    get_dag = type(dt).get_DAG

    def loading_get_dag(sentence: str) -> Any:
        freq.load(sentence)
        return get_dag(dt, sentence)

    dt.FREQ = freq
    dt.total = total
    dt.initialized = True
    dt.get_DAG = loading_get_dag


def dictionary_freq(jieba: Any, word: str) -> int | None:
    """A word's frequency in jieba's dictionary, whichever form the dictionary has."""
    freq = jieba.dt.FREQ
    return freq.lookup(word) if isinstance(freq, TrieFreq) else freq.get(word)


def dictionary_items(jieba: Any) -> Iterable[tuple[str, int]]:
    """Every word of jieba's dictionary with its frequency."""
    freq = jieba.dt.FREQ
    return freq.all_items() if isinstance(freq, TrieFreq) else freq.items()


@contextmanager
def _without_pkg_resources() -> Iterator[None]:
    """jieba (and zhconv) find their data with pkg_resources when it can be imported, which
    alone takes 0.1–0.3 s; without it they open the file beside the module, the same file."""
    if "pkg_resources" in sys.modules:
        yield
        return
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        del sys.modules["pkg_resources"]


def import_quietly(name: str) -> Any:
    """Import jieba or zhconv without pkg_resources (see above)."""
    import importlib

    with _without_pkg_resources():
        return importlib.import_module(name)


def dictionary_file(jieba: Any) -> Path:
    return Path(jieba.__file__).parent / "dict.txt"


def load_jieba(user_dict: Path) -> Any:
    """jieba, its dictionary and `user_dict` loaded: from the compiled cache when it holds
    them for the same files and code, else built (and stored there)."""
    jieba = import_quietly("jieba")
    jieba.setLogLevel(60)
    directory = compiled.cache_dir()
    if directory is None:
        _classic(jieba.dt, user_dict)
        return jieba
    key = compiled.fingerprint(
        [dictionary_file(jieba), user_dict],
        code=("legal_faq.segmenter",),
        libraries=("jieba", "marisa-trie"),
    )
    trie_path = directory / f"{KIND}-{key}.marisa"
    meta: dict[str, Any] | None = compiled.read(KIND, key)
    trie = _open_trie(trie_path, meta)
    if meta is None or trie is None:
        built = jieba.Tokenizer()  # its own dict, whatever state the global one is in
        _classic(built, user_dict)
        meta, trie = _store(built, jieba, directory, trie_path, key)
        if trie is None:  # could not write: jieba keeps the dict just built
            jieba.dt.FREQ, jieba.dt.total, jieba.dt.initialized = built.FREQ, built.total, True
            return jieba
    total, freqs, force_split = meta["total"], meta["freqs"], meta["force_split"]
    _install(jieba, TrieFreq(trie, array("q", freqs)), total)
    jieba.finalseg.Force_Split_Words.update(force_split)
    return jieba


def _classic(tokenizer: Any, user_dict: Path) -> Any:
    """jieba's own way: its dict (from its cache file) and `user_dict` (once per tokenizer)."""
    if not tokenizer.initialized:
        tokenizer.initialize()
        tokenizer.load_userdict(str(user_dict))
    return tokenizer


def _open_trie(path: Path, meta: Any, kind: str = "keys") -> Any:
    """The memory-mapped trie, if `meta` describes this very file (its hash) and we own it."""
    import marisa_trie

    if not isinstance(meta, dict) or not path.exists():
        return None
    try:
        st = path.stat()
        if st.st_uid != os.getuid() or st.st_mode & 0o022:
            return None
        if compiled.file_digest(path) != meta.get("trie_digest"):
            return None
        trie = marisa_trie.Trie() if kind == "keys" else marisa_trie.BytesTrie()
        trie.mmap(str(path))
        return trie
    except Exception:
        return None


def _store(
    built: Any, jieba: Any, directory: Path, path: Path, key: str
) -> tuple[dict[str, Any], Any]:
    """Write the trie of the tokenizer `built` (atomically) and its frequencies;
    (meta, trie) or (meta, None)."""
    import marisa_trie

    freq = built.FREQ
    trie = marisa_trie.Trie(list(freq))
    freqs = array("q", bytes(8 * len(trie)))
    for word, at in trie.iteritems():
        freqs[at] = freq[word]
    meta: dict[str, Any] = {
        "total": built.total,
        "freqs": freqs.tobytes(),
        "force_split": sorted(jieba.finalseg.Force_Split_Words),
    }
    if not _save_trie(trie, directory, path):
        return meta, None
    meta["trie_digest"] = compiled.file_digest(path)
    compiled.write(KIND, key, meta)
    return meta, trie


def _save_trie(trie: Any, directory: Path, path: Path) -> bool:
    """Write a trie atomically (a temporary file, then renamed); False if it cannot be."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=directory)
        os.close(fd)
        try:
            trie.save(tmp)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


PINYIN = "pinyin"


def load_pinyin_table(
    words: Callable[[], Iterable[str]],
    word_pinyin: Callable[[str], tuple[str, ...]],
    syllables: Callable[[], frozenset[str]],
    sources: Sequence[Path],
    code: Sequence[str],
) -> tuple[Any, frozenset[str]] | None:
    """(trie of word → pinyin, the syllables) from the compiled cache, built from `words()`
    with `word_pinyin` when missing; None when the cache is off or cannot be written."""
    directory = compiled.cache_dir()
    if directory is None:
        return None
    key = compiled.fingerprint(
        sources, code=(*code, "legal_faq.segmenter"), libraries=("pypinyin", "marisa-trie")
    )
    path = directory / f"{PINYIN}-{key}.marisa"
    meta: dict[str, Any] | None = compiled.read(PINYIN, key)
    trie = _open_trie(path, meta, kind="bytes")
    if meta is None or trie is None:
        import marisa_trie

        table = marisa_trie.BytesTrie(
            (word, " ".join(word_pinyin(word)).encode()) for word in words()
        )
        meta = {"syllables": syllables()}
        if not _save_trie(table, directory, path):
            return None
        meta["trie_digest"] = compiled.file_digest(path)
        compiled.write(PINYIN, key, meta)
        trie = _open_trie(path, meta, kind="bytes")
        if trie is None:
            return None
    return trie, frozenset(meta["syllables"])
