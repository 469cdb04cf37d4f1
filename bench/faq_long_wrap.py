"""Does a right answer survive being told as a story? (long messages, the question buried)

Run: python bench/faq_long_wrap.py [--half even|odd] [--failures]

Takes the in-scope queries of the tuning sets (faq_eval, faq_holdout, faq_natural_tune,
faq_persona_tune, faq_short_tune; the even half by default — the half tuned on) that the
matcher gets right at top-1, wraps each in a few fixed stories that ask nothing (a background
before it: where the worker works, family, where they come from; a sigh or a thanks after it)
and counts how many stay right at top-1. A wrapper that names a worker's situation some entry
is written about ("家里还有两个孩子要养" — the layoff-priority entry's "我家就我一个人上班还有老人孩子
要养") shows how narrative words can drown the question. The wrappers are synthetic and fixed;
they are not a test set written blind, so read the figures as robustness, not accuracy.
tests/data/faq_blind.yaml is never read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.faq_blind_eval import answers
from bench.faq_tune_report import SETS
from legal_faq import FaqEntry, FaqMatcher, MatchResult, build_matcher

WRAPPERS = (
    ("我在一个电子厂上班，干了快三年了，家里还有两个孩子要养，", ""),
    (
        "我老家是河南的，出来打工十几年了，现在在城里一个小公司做事，老板平时对我们也还行，",
        "，心里特别烦，不知道该咋办",
    ),
    ("我们是夫妻俩一起出来打工的，我老公在工地，我在超市，", "，谢谢了"),
    ("", "，心里特别烦，不知道该咋办"),
    ("我在一个电子厂上班，干了快三年了，家里还有两个孩子要养，", "，心里特别烦，不知道该咋办"),
)
SETS_USED = ("eval", "holdout", "natural", "persona", "short")


def right_fn(item: dict[str, Any]) -> Callable[[FaqEntry], bool] | None:
    """Whether an entry answers the item (None: out of scope, or not scorable)."""
    if item.get("scope") == "out":
        return None
    if "law" in item:
        articles = list(item.get("articles") or [])
        if not articles:
            return None
        return lambda e: answers(e, item["law"], articles)
    expected = item.get("expect")
    if expected in (None, "none"):
        return None
    ids = set(expected if isinstance(expected, list) else [expected])
    return lambda e: e.id in ids


def top1(result: MatchResult, right: Callable[[FaqEntry], bool]) -> bool:
    return (
        result.status in ("answer", "suggest") and bool(result.best) and right(result.best[0].entry)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--half", choices=("even", "odd"), default="even")
    parser.add_argument("--failures", action="store_true", help="list the wrapped misses")
    args = parser.parse_args()
    matcher: FaqMatcher = build_matcher()
    kept = [0] * len(WRAPPERS)
    base = 0
    for name in SETS_USED:
        items = yaml.safe_load(SETS[name].read_text(encoding="utf-8"))
        for item in items[(0 if args.half == "even" else 1) :: 2]:
            right = right_fn(item)
            query: str = item["query"]
            if right is None or query.isascii():  # (toneless pinyin: no story around it)
                continue
            if not top1(matcher.match(query), right):
                continue
            base += 1
            for i, (before, after) in enumerate(WRAPPERS):
                wrapped = before + query.rstrip("？?。!！") + after
                result = matcher.match(wrapped)
                if top1(result, right):
                    kept[i] += 1
                elif args.failures:
                    offered = [s.entry.id for s in result.best][:2]
                    print(f"{i} {name:<8} {wrapped} -> {result.status} {offered}")
    print(f"right at top-1 as asked ({args.half} halves of {', '.join(SETS_USED)}): {base}")
    for i, (before, after) in enumerate(WRAPPERS):
        share = kept[i] / base if base else 0.0
        print(f"  wrapper {i}: still right {kept[i]:4} ({share:6.1%})  [{before}…{after}]")
    total = sum(kept)
    print(
        f"  all wrappers: {total} of {base * len(WRAPPERS)} ({total / max(base * len(WRAPPERS), 1):.1%})"
    )


if __name__ == "__main__":
    main()
