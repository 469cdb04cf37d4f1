"""The FAQ corpus: YAML entries with variants, a short answer and checked citations."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from legal_faq.text import DATA_DIR
from question_bank.laws import Citation, StatuteLibrary, load_laws
from question_bank.loader import IdentifiedIn, RefIn, check_refs, validated_items
from question_bank.yamlsource import Problem, load_yaml

MAX_ANSWER = 300
MIN_VARIANTS = 4


class EntryIn(IdentifiedIn):
    """An FAQ entry as written in YAML."""

    question: str = Field(min_length=2, max_length=200)
    variants: list[str] = Field(min_length=MIN_VARIANTS)
    answer: str = Field(min_length=10, max_length=MAX_ANSWER)
    refs: list[RefIn] = Field(min_length=1)
    tags: list[str] = Field(default_factory=list)


Kind = Literal["faq", "article", "quiz"]
"""Where an answer comes from: a reviewed FAQ entry, a statute article in the law's own words,
or a question-bank explanation (reviewed with the bank)."""


@dataclass(frozen=True)
class FaqEntry:
    """One checked FAQ entry (or, with another `kind`, an article or a bank question made to
    look like one, see legal_faq/sources.py)."""

    id: str
    law: str
    question: str
    variants: tuple[str, ...]
    answer: str
    refs: tuple[Citation, ...]
    tags: tuple[str, ...] = ()
    kind: Kind = "faq"

    @property
    def texts(self) -> tuple[str, ...]:
        """Every phrasing the matcher compares a query with."""
        return (self.question, *self.variants)


class CorpusInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the FAQ")
        self.problems = problems


def faq_files(directory: Path = DATA_DIR) -> list[Path]:
    skip = {"synonyms.yaml", "statutes.yaml", "statute_terms.yaml"}
    return sorted(p for p in directory.glob("*.yaml") if p.name not in skip)


def validate_faq(
    paths: Iterable[Path], library: StatuteLibrary | None = None
) -> tuple[list[FaqEntry], list[Problem]]:
    """Check FAQ files together; every problem as file:line."""
    laws = load_laws()
    library = library or StatuteLibrary()
    entries: list[FaqEntry] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in paths:
        doc = load_yaml(path)
        problems.extend(doc.problems)
        for base, entry in validated_items(doc, "entries", EntryIn, laws, seen, problems):
            for i, variant in enumerate(entry.variants):
                if not variant.strip():
                    problems.append(doc.problem((*base, "variants", i), "empty variant"))
            refs = check_refs(doc, base, entry.refs, laws, library, problems)
            entries.append(
                FaqEntry(
                    entry.id,
                    entry.law,
                    entry.question.strip(),
                    tuple(v.strip() for v in entry.variants),
                    entry.answer.strip(),
                    refs,
                    tuple(entry.tags),
                )
            )
    return entries, problems


def load_corpus(paths: Iterable[Path] | None = None) -> list[FaqEntry]:
    """All entries, or CorpusInvalid listing every problem (never a partial corpus)."""
    entries, problems = validate_faq(faq_files() if paths is None else paths)
    if problems:
        raise CorpusInvalid(problems)
    return entries
