"""Every FAQ tuning set at once, with one matcher: the figures to tune on (never the blind set).

Run: python bench/faq_tune_report.py [--failures] [--sets eval,holdout,articles,natural,lookalike,short,lookalike2,persona,weak,fresh,fresh2]
                                     [--half even|odd]

--half scores only the even- (fit) or odd-numbered (check) queries of each set: the calibration
is fitted on the even half of faq_natural_tune.yaml and checked on the odd half.

Sets labelled with entry ids (faq_eval.yaml, faq_holdout.yaml) are scored by bench/faq_eval.py;
sets labelled with statute articles (faq_articles_tune.yaml, faq_natural_tune.yaml,
faq_lookalike_tune.yaml, faq_short_tune.yaml, faq_lookalike2_tune.yaml, faq_persona_tune.yaml, faq_weak_tune.yaml, faq_fresh_tune.yaml, faq_fresh2_tune.yaml) like the blind set by bench/faq_blind_eval.py. For each set: top-1, top-3, rejection, the share answered
outright and the confident-wrong rate (direct answers that are wrong, out-of-scope ones
included). tests/data/faq_blind.yaml is refused: it must never be tuned on.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.faq_blind_eval import BLIND, evaluate_blind
from bench.faq_eval import DATA, EVAL, HOLDOUT, Report, evaluate
from legal_faq import FaqMatcher, build_matcher

SETS = {
    "eval": EVAL,
    "holdout": HOLDOUT,
    "articles": DATA / "faq_articles_tune.yaml",
    "natural": DATA / "faq_natural_tune.yaml",
    "lookalike": DATA / "faq_lookalike_tune.yaml",
    "short": DATA / "faq_short_tune.yaml",
    "lookalike2": DATA / "faq_lookalike2_tune.yaml",
    "persona": DATA / "faq_persona_tune.yaml",
    "weak": DATA / "faq_weak_tune.yaml",
    "fresh": DATA / "faq_fresh_tune.yaml",
    "fresh2": DATA / "faq_fresh2_tune.yaml",
}


def confident_wrong(r: Report) -> float:
    """Wrong direct answers over all direct answers (entry-labelled sets)."""
    answers = r.statuses["answer"]  # in scope and out of scope
    right = round(r.precision * r.answered * r.in_scope)
    return (answers - right) / answers if answers else 0.0


def report(matcher: FaqMatcher, path: Path, failures: bool, half: str | None = None) -> str:
    if path.resolve() == BLIND.resolve():
        raise SystemExit("the blind set is never tuned on: use bench/faq_blind_eval.py")
    if half is not None:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        kept = items[(0 if half == "even" else 1) :: 2]
        with tempfile.TemporaryDirectory() as tmp:
            part = Path(tmp) / f"{path.stem}-{half}.yaml"
            part.write_text(yaml.safe_dump(kept, allow_unicode=True), encoding="utf-8")
            return report(matcher, part, failures)
    none = ""
    if "expect" in path.read_text(encoding="utf-8").split("\n- ", 2)[1]:
        r = evaluate(matcher, path)
        wrong = confident_wrong(r)
    else:
        b = evaluate_blind(matcher, path)
        r, wrong = b.overall, b.confident_wrong
        none = f" (in scope {b.none})"
    lines = r.failures if failures else []
    head = (
        f"{path.name:<24} {r.in_scope:4}/{r.out_of_scope:<3} top-1 {r.top1:6.1%}  top-3"
        f" {r.top3:6.1%}  rejected {r.rejection:6.1%}  answered {r.answered:6.1%}"
        f"  confident-wrong {wrong:5.1%}  none {r.statuses['none']}{none}"
    )
    return "\n".join([*lines, head])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", action="store_true")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--half", choices=("even", "odd"))
    args = parser.parse_args()
    matcher = build_matcher()
    for name in args.sets.split(","):
        path = SETS[name]
        if path.exists():
            print(report(matcher, path, args.failures, args.half), flush=True)


if __name__ == "__main__":
    main()
