"""The compiled cache (question_bank/compiled.py): what start-up builds is read back only when
neither the content nor the code changed, never from a file it cannot trust, and reading it
back gives exactly what building gives."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from legal_faq.compiled import load_matcher
from legal_faq.segmenter import TrieFreq, load_jieba
from legal_faq.sources import build_matcher
from legal_faq.text import DATA_DIR as FAQ_DATA
from question_bank import BankInvalid, bank_files, compiled, load_bank
from tests.conftest import SMALL_BANK


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(compiled.ENV, str(folder))
    compiled.configure(None)
    return folder


def small_bank_copy(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "bank"
    shutil.copytree(SMALL_BANK, folder)
    return bank_files(folder)


def stored(cache: Path, kind: str) -> list[Path]:
    return sorted(cache.glob(f"{kind}-*.pickle"))


def test_a_bank_is_stored_once_and_read_back_the_same(cache: Path, tmp_path: Path) -> None:
    files = small_bank_copy(tmp_path)
    built = load_bank(files)
    [path] = stored(cache, "bank")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    again = load_bank(files)
    assert again == built and again is not built  # read from the file, equal to the build
    assert stored(cache, "bank") == [path]


def test_a_changed_bank_file_is_loaded_anew(cache: Path, tmp_path: Path) -> None:
    files = small_bank_copy(tmp_path)
    first = load_bank(files)
    question = next(iter(first.questions.values()))
    text = files[0].read_text(encoding="utf-8")
    if question.stem not in text:
        files.reverse()
        text = files[0].read_text(encoding="utf-8")
    files[0].write_text(text.replace(question.stem, question.stem + "（改）"), encoding="utf-8")
    assert load_bank(files).questions[question.id].stem == question.stem + "（改）"
    assert len(stored(cache, "bank")) == 2


def test_a_bank_with_problems_is_never_stored(cache: Path, tmp_path: Path) -> None:
    files = small_bank_copy(tmp_path)
    files[0].write_text("questions:\n  - id: [unclosed\n", encoding="utf-8")
    for _ in range(2):  # the second time is checked again, not read from anywhere
        with pytest.raises(BankInvalid) as caught:
            load_bank(files)
        assert any(str(p).startswith(str(files[0]) + ":") for p in caught.value.problems)
    assert stored(cache, "bank") == []


def test_a_corrupt_or_truncated_file_is_ignored_and_rebuilt(cache: Path, tmp_path: Path) -> None:
    files = small_bank_copy(tmp_path)
    built = load_bank(files)
    [path] = stored(cache, "bank")
    whole = path.read_bytes()
    for broken in (whole[: len(whole) // 2], b"garbage", b""):
        path.write_bytes(broken)
        assert load_bank(files) == built
        assert path.read_bytes() == whole  # written again, whole


def test_a_file_others_could_have_written_is_not_loaded(cache: Path, tmp_path: Path) -> None:
    files = small_bank_copy(tmp_path)
    load_bank(files)
    [path] = stored(cache, "bank")
    key = path.name.removeprefix("bank-").removesuffix(".pickle")
    assert compiled.read("bank", key) is not None
    path.chmod(0o666)
    assert compiled.read("bank", key) is None
    path.chmod(0o600)
    cache.chmod(0o777)
    assert compiled.read("bank", key) is None
    cache.chmod(0o700)
    assert compiled.read("bank", key) is not None
    assert compiled.read("bank", "0" * len(key)) is None  # another key's name: not there


def test_the_key_follows_the_code_that_builds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "pkg" / "builder_for_test"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(package.parent))
    data = tmp_path / "data.yaml"
    data.write_text("a: 1\n", encoding="utf-8")
    first = compiled.fingerprint([data], code=("builder_for_test",))
    assert compiled.fingerprint([data], code=("builder_for_test",)) == first
    (package / "__init__.py").write_text("VERSION = 2\n", encoding="utf-8")
    by_code = compiled.fingerprint([data], code=("builder_for_test",))
    data.write_text("a: 2\n", encoding="utf-8")
    by_content = compiled.fingerprint([data], code=("builder_for_test",))
    assert len({first, by_code, by_content}) == 3
    sys.modules.pop("builder_for_test", None)


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(compiled.ENV, "off")
    compiled.configure(None)
    assert compiled.cache_dir() is None
    load_bank(small_bank_copy(tmp_path))
    compiled.configure(tmp_path / "set")  # a setting (PUFA_CACHE_DIR in .env) beats it
    try:
        assert compiled.cache_dir() == tmp_path / "set"
    finally:
        compiled.configure(None)


def test_an_unwritable_cache_directory_only_costs_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    monkeypatch.setenv(compiled.ENV, str(blocker / "cache"))
    compiled.configure(None)
    files = small_bank_copy(tmp_path)
    assert load_bank(files) == load_bank(files)


def test_the_stored_matcher_answers_exactly_as_a_built_one(cache: Path) -> None:
    bank = load_bank()
    built = build_matcher(None, bank.questions.values())
    stored_matcher = load_matcher()  # builds and stores
    read_back = load_matcher()  # reads
    assert len(stored(cache, "faq")) == 1
    queries = [
        "试用期多久",
        "老闆不簽合同怎麼辦",
        "chan jia duo shao tian",
        "工会经费比例",
        "天气怎么样",
        "你好",
        "最高国家权力机关是哪个",
        "怀运了老板要辞退我",
    ]
    for query in queries:
        expected = built.match(query)
        assert stored_matcher.match(query) == expected
        assert read_back.match(query) == expected


def test_jieba_from_the_trie_cuts_as_jieba_from_its_dict(cache: Path) -> None:
    import jieba

    user_dict = FAQ_DATA / "legal_words.txt"
    classic = jieba.Tokenizer()
    classic.initialize()
    classic.load_userdict(str(user_dict))
    load_jieba(user_dict)  # builds the trie
    trie_jieba = load_jieba(user_dict)  # maps it
    assert isinstance(trie_jieba.dt.FREQ, TrieFreq)
    assert trie_jieba.dt.total == classic.total
    texts = [t for e in load_matcher().sources for t in (e.question, *e.variants[:3])][:3000]
    texts += ["试用其最长多久", "老板不签和同怎么赔", "社宝断交了咋办", "hello 123 工伤"]
    for text in texts:
        assert trie_jieba.lcut(text) == classic.lcut(text), text
    for word in ("劳动合同", "用人单位", "试用期", "不存在的词语组合"):
        assert trie_jieba.dt.FREQ.lookup(word) == classic.FREQ.get(word)
    assert os.listdir(cache)


def test_a_damaged_trie_is_built_again(cache: Path) -> None:
    user_dict = FAQ_DATA / "legal_words.txt"
    load_jieba(user_dict)
    [trie] = cache.glob("jieba-*.marisa")
    whole = trie.read_bytes()
    trie.write_bytes(whole[: len(whole) // 3])  # memory-mapping this could crash the process
    jieba = load_jieba(user_dict)
    assert trie.read_bytes() == whole
    assert jieba.lcut("试用期最长多久") == ["试用期", "最长", "多久"]


def test_the_default_directory_is_the_users_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(compiled.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    compiled.configure(None)
    assert compiled.cache_dir() == tmp_path / "xdg" / "pufa"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert compiled.cache_dir() == Path.home() / ".cache" / "pufa"


def test_the_pinyin_table_reads_as_pypinyin(cache: Path) -> None:
    from pypinyin import lazy_pinyin

    from legal_faq import text

    text._pinyin_table.cache_clear()
    text.syllables.cache_clear()
    try:
        table = text._pinyin_table()
        assert table is not None
        trie, syllables = table
        assert syllables == text._pypinyin_syllables()
        words = ["试用期", "劳动合同", "工会", "哺乳", "重", "行", "银行", "长"]
        for word in words:
            assert tuple(trie[word][0].decode().split(" ")) == tuple(lazy_pinyin(word))
        assert trie.get("试用其") is None  # not a word: read character by character
        text.word_pinyin.cache_clear()
        assert text.word_pinyin("试用其") == ("shi", "yong", "qi")
        assert text.word_pinyin("银行") == ("yin", "hang")  # a word: its own reading
    finally:
        text._pinyin_table.cache_clear()
        text.syllables.cache_clear()


def test_the_simplified_table_converts_as_zhconv_does(cache: Path) -> None:
    """`normalise` folds traditional characters with zhconv's zh-cn table kept in the cache
    (not zhconv's every-locale tables): the same result as zhconv.convert, text for text."""
    from legal_faq import text
    from legal_faq.corpus import load_corpus
    from legal_faq.segmenter import import_quietly

    zhconv = import_quietly("zhconv")
    texts = [t for e in load_corpus() for t in (e.question, e.answer, *e.variants)]
    texts += [zhconv.convert(t, locale) for t in texts[:2000] for locale in ("zh-tw", "zh-hk")]
    texts += ["我幹什麼不干你事。", "勞動合同法第十九條", "試用期", "", "abc 123", "髮型 頭髮 發展"]
    for _ in range(2):  # built, then read back from the cache
        text._simplified_table.cache_clear()
        assert [text.to_simplified(t) for t in texts] == [zhconv.convert(t, "zh-cn") for t in texts]
    assert list(cache.glob("zhconv-*.pickle"))
