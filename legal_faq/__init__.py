"""Legal FAQ: answer workers' questions in their own words, always with the article of law.

Public surface:
- `load_corpus()` -> entries (raises `CorpusInvalid` listing every problem as file:line)
- `FaqMatcher(entries).match(query)` -> `MatchResult` (status answer | suggest | none | greeting)
- `build_matcher()` -> a FaqMatcher over the reviewed entries, the statute articles listed in
  data/statutes.yaml and the question bank's explanations (each answer says its `kind`)
- `record_miss`, `list_misses` — unanswered and 👎 queries kept, without user ids, for editors
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from legal_faq.compiled import load_matcher
    from legal_faq.corpus import CorpusInvalid, FaqEntry, faq_files, load_corpus, validate_faq
    from legal_faq.matcher import FaqMatcher, MatchResult, Scored, Weights
    from legal_faq.misses import FaqMiss, MissRow, list_misses, record_miss
    from legal_faq.sources import (
        article_entries,
        build_matcher,
        quiz_entries,
        statute_source,
        statute_sources,
    )

# Imported when first used, so that `pufa faq ask` does not pay for the database models
# (misses.py) nor the builders (sources.py) when the compiled cache has the matcher.
_HOME = {
    "CorpusInvalid": "corpus",
    "FaqEntry": "corpus",
    "faq_files": "corpus",
    "load_corpus": "corpus",
    "validate_faq": "corpus",
    "FaqMatcher": "matcher",
    "MatchResult": "matcher",
    "Scored": "matcher",
    "Weights": "matcher",
    "FaqMiss": "misses",
    "MissRow": "misses",
    "list_misses": "misses",
    "record_miss": "misses",
    "article_entries": "sources",
    "build_matcher": "sources",
    "quiz_entries": "sources",
    "statute_source": "sources",
    "statute_sources": "sources",
    "load_matcher": "compiled",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'legal_faq' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"legal_faq.{_HOME[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CorpusInvalid",
    "FaqEntry",
    "FaqMatcher",
    "FaqMiss",
    "MatchResult",
    "MissRow",
    "Scored",
    "Weights",
    "article_entries",
    "build_matcher",
    "faq_files",
    "list_misses",
    "load_corpus",
    "load_matcher",
    "quiz_entries",
    "record_miss",
    "statute_source",
    "statute_sources",
    "validate_faq",
]
