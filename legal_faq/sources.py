"""The FAQ's second and third sources: statute articles and the question bank's explanations,
each made into entries the matcher can rank beside the reviewed ones.

- An article becomes an entry of kind "article": its question is the article's label
  (《中华人民共和国劳动法》第四十四条), its phrasings are its sentences and its chapter title,
  its answer the article's own words (the sentences that match a question are picked at match
  time, see `relevant_sentences`). The statutes searched are listed in data/statutes.yaml.
- A bank question becomes an entry of kind "quiz": its phrasings are the stem with the right
  option filled in and the explanation's sentences; its answer the right option and the
  explanation; its refs the question's (checked when the bank loads).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from legal_faq.corpus import FaqEntry, faq_files, load_corpus
from legal_faq.excerpts import excerpt, sentences
from legal_faq.matcher import FaqMatcher
from legal_faq.text import DATA_DIR
from question_bank.laws import Citation, Source, StatuteLibrary, load_laws
from question_bank.loader import load_bank
from question_bank.model import LETTERS, Question
from question_bank.yamlsource import safe_load

STATUTES = DATA_DIR / "statutes.yaml"
ARTICLE_PREFIX = "art-"
QUIZ_PREFIX = "bank-"
_BLANK = re.compile(r"[（(]\s*[)）]")
_CHAPTER_NUMBER = re.compile(r"^第[一二三四五六七八九十百零]+[章节编]\s*")


@dataclass(frozen=True)
class StatuteSource:
    """One statute the FAQ searches: the law id its citations carry, and its text's source."""

    law: str
    source: Source
    parts: tuple[tuple[int, int], ...] = ()  # (first, last) article ranges; () = all

    def covers(self, number: int) -> bool:
        return not self.parts or any(a <= number <= b for a, b in self.parts)


def statute_source(name: str) -> Source | None:
    """The source of a statute the FAQ searches, by its full name (None if not listed)."""
    return next((s.source for s in statute_sources() if s.source.name == name), None)


@cache
def statute_sources(path: Path = STATUTES) -> list[StatuteSource]:
    """The statutes listed in data/statutes.yaml; a source laws.yaml defines is taken from
    there (so the reviewed 619号 text file is used)."""
    laws = load_laws()
    known = {s.name: s for law in laws.values() for s in law.sources}
    out = []
    for item in safe_load(path.read_text(encoding="utf-8"))["statutes"]:
        name = str(item["name"])
        source = known.get(name) or Source(
            name, str(item.get("short", name)), item.get("statute_db"), None
        )
        parts = tuple((int(a), int(b)) for a, b in item.get("articles") or ())
        out.append(StatuteSource(str(item["law"]), source, parts))
    return out


def article_id(source_index: int, number: int) -> str:
    return f"{ARTICLE_PREFIX}{source_index}-{number}"


def article_entries(
    statutes: Sequence[StatuteSource] | None = None, library: StatuteLibrary | None = None
) -> list[FaqEntry]:
    """Every article of the listed statutes as an entry of kind "article"."""
    statutes = statute_sources() if statutes is None else statutes
    library = library or StatuteLibrary()
    out = []
    for i, statute in enumerate(statutes):
        for article in library.all_articles(statute.source):
            if not statute.covers(article.number):
                continue
            parts = sentences(article.text)
            chapter = _CHAPTER_NUMBER.sub("", article.chapter.split(" ", 1)[-1]).strip()
            citation = Citation(
                statute.law, statute.source.name, statute.source.short, article.number, None, ""
            )
            out.append(
                FaqEntry(
                    article_id(i, article.number),
                    statute.law,
                    citation.label(),
                    tuple([*parts, *([chapter] if chapter else [])]),
                    excerpt(parts, range(len(parts))),
                    (citation,),
                    (),
                    "article",
                )
            )
    return out


def quiz_id(question_id: str) -> str:
    return f"{QUIZ_PREFIX}{question_id}"


def quiz_entries(questions: Iterable[Question]) -> list[FaqEntry]:
    """Every bank question as an entry of kind "quiz"."""
    out = []
    for q in questions:
        right = [q.options[i] for i in sorted(q.answer)]
        if q.type == "judge":
            statement = _BLANK.sub("", q.stem)
            answer = f"{q.answer_label()}。{q.explanation}"
        else:
            statement = _BLANK.sub("（" + "、".join(right) + "）", q.stem, count=1)
            if statement == q.stem:
                statement = f"{q.stem}{'、'.join(right)}"
            shown = "；".join(f"{LETTERS[i]}. {q.options[i]}" for i in sorted(q.answer))
            answer = f"{shown}。{q.explanation}"
        out.append(
            FaqEntry(
                quiz_id(q.id),
                q.law,
                _BLANK.sub("（ ）", q.stem),
                (statement, *sentences(q.explanation)),
                answer,
                q.refs,
                q.tags,
                "quiz",
            )
        )
    return out


def build_matcher(
    faq_dir: Path | None = None,
    questions: Iterable[Question] | None = None,
    library: StatuteLibrary | None = None,
) -> FaqMatcher:
    """The matcher the bot uses: reviewed entries (from `faq_dir`, default the shipped ones),
    the statute articles of data/statutes.yaml and the bank's questions (default: the shipped
    bank)."""
    entries = load_corpus(faq_files(faq_dir) if faq_dir else None)
    bank = load_bank().questions.values() if questions is None else questions
    return FaqMatcher(entries, articles=article_entries(library=library), quiz=quiz_entries(bank))
