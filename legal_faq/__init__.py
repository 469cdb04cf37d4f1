"""Legal FAQ: answer workers' questions in their own words, always with the article of law.

Public surface:
- `load_corpus()` -> entries (raises `CorpusInvalid` listing every problem as file:line)
- `FaqMatcher(entries).match(query)` -> `MatchResult` (status answer | suggest | none | greeting)
- `build_matcher()` -> a FaqMatcher over the reviewed entries, the statute articles listed in
  data/statutes.yaml and the question bank's explanations (each answer says its `kind`)
- `record_miss`, `list_misses` — unanswered and 👎 queries kept, without user ids, for editors
"""

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
    "quiz_entries",
    "record_miss",
    "statute_source",
    "statute_sources",
    "validate_faq",
]
