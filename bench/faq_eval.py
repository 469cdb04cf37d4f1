"""FAQ matcher quality: top-1, top-3, out-of-scope rejection, and how often and how rightly the
bot answers outright.

Run: python bench/faq_eval.py [--failures] [FILE ...]
Without FILE it scores both evaluation sets: tests/data/faq_eval.yaml (the one the issue asks
for; weights and thresholds are tuned on it) and tests/data/faq_holdout.yaml (written
separately, from the entries' canonical questions and answers only, to check that what is
tuned on the first set carries over).
In-scope query: top-1 = the bot's answer (or first suggestion) is the expected entry and the
query was not rejected; top-3 = the expected entry is among what the bot offers. Ranking-only
figures (ignoring rejection) are printed too. Out-of-scope query: rejected = status none or
greeting. Answered = status answer (no "did you mean"); precision = share of those that are
the expected entry.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from legal_faq import FaqEntry, FaqMatcher, MatchResult, build_matcher

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
EVAL = DATA / "faq_eval.yaml"
HOLDOUT = DATA / "faq_holdout.yaml"


@dataclass(frozen=True)
class Outcome:
    """How the bot did on one query, judged by `right` (None for an out-of-scope query).

    Shared with bench/faq_blind_eval.py, whose labels are statute articles, not entry ids.
    """

    query: str
    kind: str
    in_scope: bool
    status: str
    offered: tuple[str, ...]  # entry ids, best first (answer + alternatives, or suggestions)
    hit1: bool  # shown (answer/suggest) and the first entry is right
    hit3: bool  # shown and a right entry is among those offered
    rank1: bool  # ranking only: first entry right, rejection ignored
    rank3: bool  # ranking only: a right entry among the best three

    @property
    def rejected(self) -> bool:
        return self.status in ("none", "greeting")

    @property
    def answered(self) -> bool:
        return self.status == "answer"


def judge(result: MatchResult, kind: str, right: Callable[[FaqEntry], bool] | None) -> Outcome:
    """Score one MatchResult: `right` tells whether an entry answers the query; None marks
    the query out of scope."""
    entries = [s.entry for s in result.best]
    ids = tuple(e.id for e in entries)
    if right is None:
        return Outcome(result.query, kind, False, result.status, ids, False, False, False, False)
    shown = result.status in ("answer", "suggest")
    first = bool(entries) and right(entries[0])
    anywhere = any(right(e) for e in entries)
    return Outcome(
        result.query,
        kind,
        True,
        result.status,
        ids,
        shown and first,
        shown and anywhere,
        first,
        anywhere,
    )


@dataclass
class Report:
    top1: float
    top3: float
    rank_top1: float
    rank_top3: float
    rejection: float
    answered: float
    precision: float
    in_scope: int
    out_of_scope: int
    statuses: Counter[str]
    failures: list[str]


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def summarise(outcomes: Iterable[Outcome], describe: Callable[[Outcome], str]) -> Report:
    """Top-1, top-3, rejection and answer precision over a list of outcomes; `describe`
    writes a failure line."""
    outcomes = list(outcomes)
    inside = [o for o in outcomes if o.in_scope]
    outside = [o for o in outcomes if not o.in_scope]
    answered = [o for o in inside if o.answered]
    failures = [
        describe(o)
        for o in outcomes
        if (o.in_scope and not o.hit1) or (not o.in_scope and not o.rejected)
    ]
    n = len(inside)
    return Report(
        share(sum(o.hit1 for o in inside), n),
        share(sum(o.hit3 for o in inside), n),
        share(sum(o.rank1 for o in inside), n),
        share(sum(o.rank3 for o in inside), n),
        share(sum(o.rejected for o in outside), len(outside)),
        share(len(answered), n),
        share(sum(o.hit1 for o in answered), len(answered)),
        n,
        len(outside),
        Counter(o.status for o in outcomes),
        failures,
    )


def evaluate(matcher: FaqMatcher, path: Path = EVAL) -> Report:
    """Score a set labelled with the expected entry id (`expect`, null when out of scope)."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    outcomes = []
    expected: dict[str, str | None] = {}
    for item in items:
        expect = item["expect"]
        right = None if expect is None else (lambda e, x=expect: e.id == x)
        outcomes.append(judge(matcher.match(item["query"]), item.get("kind", ""), right))
        expected[item["query"]] = expect

    def describe(o: Outcome) -> str:
        if not o.in_scope:
            return f"OOS   {o.query[:40]} -> {o.status} {list(o.offered[:1])}"
        return (
            f"{o.kind:<10} {o.query[:40]} -> {o.status} {list(o.offered[:1])} "
            f"want {expected[o.query]}"
        )

    return summarise(outcomes, describe)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args()
    matcher = build_matcher()
    for path in args.files or [EVAL, HOLDOUT]:
        report = evaluate(matcher, path)
        print(f"== {path.name}")
        if args.failures:
            print("\n".join(report.failures))
        print(f"queries: {report.in_scope} in scope, {report.out_of_scope} out of scope")
        print(
            f"top-1 {report.top1:.1%}   top-3 {report.top3:.1%}   rejection {report.rejection:.1%}"
        )
        print(f"ranking only: top-1 {report.rank_top1:.1%}   top-3 {report.rank_top3:.1%}")
        print(f"answered outright {report.answered:.1%}, of which right {report.precision:.1%}")
        print("statuses:", dict(report.statuses))


if __name__ == "__main__":
    main()
