"""Articles as answers: split into sentences, and the sentences that answer a query."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from legal_faq.corpus import FaqEntry
from legal_faq.text import char_ngrams

EXCERPT = 160  # characters of an article shown as the answer; 📖 gives the whole article

_SENTENCE_END = re.compile(r"(?<=[。；！？\n])")
_HEADING = re.compile(r"^第[一二三四五六七八九十百零]+[编章节]\s+\S+$")


def sentences(text: str) -> list[str]:
    """An article's sentences (split after 。；！？ and line breaks), stripped; a heading the
    database runs into an article's text (第五编 婚姻家庭) is left out."""
    parts = (s.strip() for s in _SENTENCE_END.split(text))
    return [s for s in parts if s and not _HEADING.match(s)]


def excerpt(parts: Sequence[str], chosen: Iterable[int]) -> str:
    """The chosen sentences, in order, within EXCERPT characters (always at least one);
    "……" marks what is left out."""
    picked = sorted(set(chosen))
    text = ""
    shown: list[int] = []
    for i in picked:
        if shown and len(text) + len(parts[i]) > EXCERPT:
            break
        text += parts[i]
        shown.append(i)
    if len(text) > EXCERPT + 60:
        text = text[:EXCERPT] + "……"
    elif shown and (shown[0] > 0 or shown[-1] < len(parts) - 1 or len(shown) < len(picked)):
        text += "……"
    return text


def relevant_sentences(entry: FaqEntry, query: str) -> FaqEntry:
    """An article entry whose answer is the sentences the (normalised) query matches best —
    by shared character bigrams — in the article's order; other kinds unchanged."""
    if entry.kind != "article":
        return entry
    parts = [p for p in entry.variants if p.endswith(("。", "；", "！", "？", "：", "，"))] or list(
        entry.variants[:1]
    )
    grams = set(char_ngrams(query, (2,)))
    # statute text is simplified Chinese already: its Han runs need no normalising
    overlap = [len(grams & set(char_ngrams(p, (2,)))) for p in parts]
    best = max(overlap)
    if best == 0 or len("".join(parts)) <= EXCERPT:
        chosen: list[int] = list(range(len(parts)))
    else:
        chosen = [i for i, o in enumerate(overlap) if o == best]
        chosen += [i for i, o in enumerate(overlap) if o >= best / 2 and i not in chosen]
    return replace(entry, answer=excerpt(parts, chosen))
