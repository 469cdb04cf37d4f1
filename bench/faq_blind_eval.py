"""FAQ quality on the blind set, tests/data/faq_blind.yaml — a yardstick, never a tuning set.

Run: python bench/faq_blind_eval.py [--failures]

The set was written without seeing the corpus, so its in-scope queries are labelled with the
statute articles that answer them (`law` + `articles`), not with entry ids. Each query goes
through FaqMatcher.match, exactly what `pufa faq ask --json` and the bot do, and is scored:

- an offered entry is *right* when one of its refs cites the query's statute (by the ref's
  source, see SOURCES) and one of the query's articles;
- top-1: the answer (or first suggestion) is right and the query was not rejected;
- top-3: a right entry is among what the bot offers (answer + alternatives, or suggestions);
- rejection: an out-of-scope query gets "none" (or "greeting") — nothing offered;
- confident-wrong: share of the bot's direct answers ("answer", no "您是不是想问") that are
  wrong: an in-scope answer citing none of the query's articles, or any answer to an
  out-of-scope query;
- none: in-scope queries the bot answers "none".
An in-scope query whose `articles` list is empty cannot be scored by article; it is counted
apart (with its status) and left out of every other figure. "Answerable" queries are those
for which at least one corpus entry cites one of their articles — the rest cannot be right
whatever the ranking does, because no entry cites that statute or article.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.faq_eval import DATA, Outcome, Report, judge, share, summarise
from legal_faq import FaqEntry, FaqMatcher, build_matcher

BLIND = DATA / "faq_blind.yaml"

# The blind set's law ids -> the full source name a corpus ref carries (Citation.source).
# The corpus cites four bodies of law; women_protection has two sources, and the blind set
# splits them (women_protection = 女职工劳动保护特别规定, women_rights_law = 妇女权益保障法).
# The other statutes are matched by name too; no corpus ref cites them today.
SOURCES = {
    "constitution": "中华人民共和国宪法",
    "trade_union_law": "中华人民共和国工会法",
    "labour_contract_law": "中华人民共和国劳动合同法",
    "women_protection": "女职工劳动保护特别规定",
    "women_rights_law": "中华人民共和国妇女权益保障法",
    "labour_law": "中华人民共和国劳动法",
    "labour_dispute_law": "中华人民共和国劳动争议调解仲裁法",
    "social_insurance_law": "中华人民共和国社会保险法",
    "legal_aid_law": "中华人民共和国法律援助法",
    "civil_code": "中华人民共和国民法典",
}
KINDS = ("colloquial", "typo", "traditional", "toneless", "short", "long", "quiz")


def answers(entry: FaqEntry, law: str, articles: list[int]) -> bool:
    """Does the entry cite one of the query's articles of the query's statute?"""
    source = SOURCES[law]
    return any(r.source == source and r.article in articles for r in entry.refs)


@dataclass(frozen=True)
class BlindOutcome:
    item: dict[str, Any]
    outcome: Outcome
    answerable: bool  # some corpus entry cites one of the query's articles


@dataclass
class BlindReport:
    overall: Report  # scorable in-scope queries + out-of-scope queries
    answerable: Report  # in-scope queries some entry can answer (+ the out-of-scope ones)
    confident_wrong: float
    confident_wrong_answerable: float  # the same, leaving out queries no entry can answer
    wrong_answers: int  # in-scope answers citing none of the articles
    wrong_unanswerable: int  # … of which to queries no entry can answer
    oos_answers: int  # direct answers to out-of-scope queries
    answers: int
    none: int  # scorable in-scope queries answered "none"
    per_kind: dict[str, Report]
    per_law: dict[str, tuple[int, Report]]  # law -> (answerable count, report)
    unscorable: list[BlindOutcome]
    outcomes: list[BlindOutcome]


def describe(o: Outcome) -> str:
    hidden = " (ranked, not shown)" if o.rejected else ""
    return f"{o.kind:<11} {o.query[:60]} -> {o.status} {list(o.offered)}{hidden}"


def evaluate_blind(matcher: FaqMatcher, path: Path = BLIND) -> BlindReport:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = matcher.sources
    scored: list[BlindOutcome] = []
    unscorable: list[BlindOutcome] = []
    for item in items:
        result = matcher.match(item["query"])
        if item["scope"] == "out":
            scored.append(BlindOutcome(item, judge(result, item["kind"], None), False))
            continue
        law: str = item["law"]
        articles: list[int] = list(item.get("articles") or [])
        outcome = judge(result, item["kind"], partial(answers, law=law, articles=articles))
        can = any(answers(e, law, articles) for e in entries)
        (scored if articles else unscorable).append(BlindOutcome(item, outcome, can))
    outside = [b.outcome for b in scored if not b.outcome.in_scope]
    inside = [b for b in scored if b.outcome.in_scope]
    wrong = sum(b.outcome.answered and not b.outcome.hit1 for b in inside)
    oos_answers = sum(o.answered for o in outside)
    answers_ = sum(b.outcome.answered for b in inside) + oos_answers
    wrong_unanswerable = sum(
        b.outcome.answered and not b.outcome.hit1 and not b.answerable for b in inside
    )
    answers_unanswerable = sum(b.outcome.answered and not b.answerable for b in inside)
    kinds: dict[str, list[Outcome]] = defaultdict(list)
    laws: dict[str, list[BlindOutcome]] = defaultdict(list)
    for b in scored:
        kinds[b.outcome.kind].append(b.outcome)
        if b.outcome.in_scope:
            laws[b.item["law"]].append(b)
    return BlindReport(
        overall=summarise((b.outcome for b in scored), describe),
        answerable=summarise([b.outcome for b in inside if b.answerable] + outside, describe),
        confident_wrong=share(wrong + oos_answers, answers_),
        confident_wrong_answerable=share(
            wrong - wrong_unanswerable + oos_answers, answers_ - answers_unanswerable
        ),
        wrong_answers=wrong,
        wrong_unanswerable=wrong_unanswerable,
        oos_answers=oos_answers,
        answers=answers_,
        none=sum(b.outcome.status == "none" for b in inside),
        per_kind={k: summarise(v, describe) for k, v in kinds.items()},
        per_law={
            law: (sum(b.answerable for b in bs), summarise((b.outcome for b in bs), describe))
            for law, bs in sorted(laws.items(), key=lambda kv: -len(kv[1]))
        },
        unscorable=unscorable,
        outcomes=scored,
    )


def pct(x: float) -> str:
    return f"{x:6.1%}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", action="store_true", help="list every miss")
    parser.add_argument("file", nargs="?", type=Path, default=BLIND)
    args = parser.parse_args()
    matcher = build_matcher()
    r = evaluate_blind(matcher, args.file)
    o = r.overall
    if args.failures:
        for b in r.outcomes:
            x = b.outcome
            if x.in_scope and not x.hit1:
                mark = "" if b.answerable else " [no entry cites it]"
                print(f"{describe(x)} want {b.item['law']} {b.item['articles']}{mark}")
            elif not x.in_scope and not x.rejected:
                print(f"OOS {describe(x)}")
        print()
    print(f"== {args.file.name}")
    print(
        f"queries: {o.in_scope} in scope (scored by article), {o.out_of_scope} out of scope, "
        f"{len(r.unscorable)} in scope without articles (not scored)"
    )
    print(f"top-1 {o.top1:.1%}   top-3 {o.top3:.1%}   rejection {o.rejection:.1%}")
    print(f"ranking only: top-1 {o.rank_top1:.1%}   top-3 {o.rank_top3:.1%}")
    print(
        f"answered outright {o.answered:.1%} of in-scope; confident-wrong {r.confident_wrong:.1%}"
        f" ({r.wrong_answers} wrong in-scope + {r.oos_answers} out-of-scope of {r.answers}"
        " answers)"
    )
    print(
        f"  of the wrong in-scope answers, {r.wrong_unanswerable} are to queries no entry can"
        f" answer; leaving those queries out: confident-wrong {r.confident_wrong_answerable:.1%}"
    )
    print(f"in scope answered none: {r.none} ({share(r.none, o.in_scope):.1%})")
    a = r.answerable
    print(
        f"answerable by some entry: {a.in_scope} of {o.in_scope}; on those top-1 {a.top1:.1%}"
        f"   top-3 {a.top3:.1%}"
    )
    print("statuses:", dict(o.statuses))
    print("\nper kind            n   top-1   top-3  none  answered  rejected")
    for kind, k in sorted(r.per_kind.items(), key=lambda kv: (kv[0] not in KINDS, kv[0])):
        if k.in_scope:
            none = k.statuses["none"]
            print(
                f"  {kind:<14} {k.in_scope:4} {pct(k.top1)}  {pct(k.top3)}  {none:4}"
                f"  {pct(k.answered)}"
            )
        else:
            print(f"  {kind:<14} {k.out_of_scope:4} {'':32}{pct(k.rejection)}")
    print("\nper law                  n  answerable   top-1   top-3  none")
    for law, (can, k) in r.per_law.items():
        print(
            f"  {law:<20} {k.in_scope:4} {can:7}     {pct(k.top1)}  {pct(k.top3)}"
            f"  {k.statuses['none']:4}"
        )
    if args.failures:  # queries are shown only when asked: the blind set's are not for reading
        print("\nin scope without articles (not scored):")
        for b in r.unscorable:
            print(f"  {describe(b.outcome)}  ({b.item['gist']})")


if __name__ == "__main__":
    main()
