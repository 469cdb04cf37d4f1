"""Run every issue-14 benchmark and write their figures, beside their anchors, into
docs/benchmarks.md (between `<!-- run_all:begin -->` and `<!-- run_all:end -->`).

Each bench is run as its own process with `--json` and its last stdout line read as one JSON
object; a bench that does not take `--json` (or fails) is listed as "not run", with why.

- bench/startup.py: `pufa run` to first getUpdates (aiogram and python-telegram-bot) and its
  idle memory, `pufa faq ask` cold — anchor `python -c "import aiogram"`, same run;
- bench/faq_latency.py --busy: FAQ latency at 20,000 entries with the other core busy — anchor
  plain `rapidfuzz.process.extractOne` over the same texts, same run;
- bench/answer_throughput.py: answers per second through each runtime (network mocked) —
  anchor the framework's own no-op handler, same run (`--db URL` adds PostgreSQL beside SQLite);
  the p99 per answer from its paced run (users pausing between taps, offered about 80 % of the
  capacity just measured), not from the saturated one (where a tap waits ≈ users ÷ rate).

Run: python bench/run_all.py [--quick] [--db URL ...] [--no-write]
`--quick` runs smaller versions (3 start-ups of one runtime, 2,000 FAQ entries, short
throughput runs): a check that everything runs, not figures to record.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- run_all:begin -->"
END = "<!-- run_all:end -->"


def run_bench(script: str, args: Sequence[str]) -> tuple[dict[str, Any] | None, str]:
    """The bench's JSON figures (None and why if it could not give them)."""
    path = ROOT / "bench" / script
    helped = subprocess.run(
        [sys.executable, str(path), "--help"], cwd=ROOT, capture_output=True, text=True
    )
    if "--json" not in helped.stdout:
        return None, f"`{script}` takes no `--json` yet"
    print(f"running {script} {' '.join(args)} …", flush=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(path), *args, "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    took = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"`{script}` failed (exit {done.returncode}): {tail[0][:200]}"
    try:
        result = json.loads(lines[-1])
    except json.JSONDecodeError:
        return None, f"`{script}` printed no JSON on its last line"
    print(f"  done in {took:.0f} s", flush=True)
    return result, ""


def mmm(s: dict[str, float], fmt: str = "{:.2f}") -> str:
    return " / ".join(fmt.format(s[k]) for k in ("min", "median", "max"))


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def startup_rows(r: dict[str, Any]) -> list[list[str]]:
    anchor = r["anchor_import_aiogram_s"]
    rows = []
    for runtime, name in (("aiogram", "aiogram"), ("ptb", "python-telegram-bot")):
        key = f"run_{runtime}_first_poll_s"
        if key not in r:
            continue
        ratio = r[f"run_{runtime}_ratio"]
        rows.append(
            [
                f"`pufa run` ({name}) to first getUpdates",
                f"{mmm(r[key])} s",
                f"import aiogram {mmm(anchor)} s",
                f"{ratio:.2f}×",
                f"≤ 1.5× — {verdict(ratio <= 1.5)}",
            ]
        )
        idle = r[f"run_{runtime}_idle_mib"]
        rows.append(
            [
                f"`pufa run` ({name}) memory at idle (RSS)",
                f"{mmm(idle, '{:.0f}')} MiB",
                f"import aiogram peaks at {r['anchor_import_aiogram_mib']['median']:.0f} MiB",
                "",
                f"≤ 200 MiB — {verdict(idle['median'] <= 200)}",
            ]
        )
        served = r.get(f"run_{runtime}_served_mib")
        if served:
            rows.append(
                [
                    f"`pufa run` ({name}) memory after serving a worker (RSS)",
                    f"{mmm(served, '{:.0f}')} MiB",
                    "a practice round, a photo, a sticker, a voice note, two legal questions",
                    "",
                    f"≤ 200 MiB — {verdict(served['median'] <= 200)}",
                ]
            )
    faq = r["faq_ask_s"]
    rows.append(
        [
            "`pufa faq ask 试用期多久 --json`, cold",
            f"{mmm(faq)} s, peak {r['faq_ask_peak_mib']['median']:.0f} MiB",
            f"import aiogram {mmm(anchor)} s",
            f"{r['faq_ask_ratio']:.2f}×",
            f"≤ 1 s — {verdict(faq['median'] <= 1.0)}",
        ]
    )
    return rows


def latency_rows(r: dict[str, Any]) -> list[list[str]]:
    rows = []
    busy = "other core busy" if r.get("busy_other_core") else "other core not kept busy"
    s, e = r["synthetic"]["full"], r["synthetic"]["extract"]
    for clock in ("cpu", "wall"):
        p50, p99 = s[f"{clock}_p50_ms"], s[f"{clock}_p99_ms"]
        rows.append(
            [
                f"FAQ at {s['entries']:,} entries, {busy}, {clock} time p50 / p99",
                f"{p50:.2f} / {p99:.2f} ms",
                f"extractOne {e[f'{clock}_p50_ms']:.1f} / {e[f'{clock}_p99_ms']:.1f} ms",
                f"{p50 / e[f'{clock}_p50_ms']:.4f}×",
                f"p50 < 5, p99 < 10 ms — {verdict(p50 < 5 and p99 < 10)}",
            ]
        )
    return rows


def throughput_rows(r: dict[str, Any]) -> list[list[str]]:
    rows = []
    databases = r.get("databases") or [r]
    active, paced_share = r["active"], r["paced"]
    for entry in databases:
        db = entry.get("db", "?")
        for runtime, s in entry.items():
            if not isinstance(s, dict) or "answers_per_s" not in s:
                continue
            share = float(s.get("share", 0.0))
            p99 = float(s.get("p99_ms", 0.0))
            rows.append(
                [
                    f"answers through {runtime}, {db} (saturated: {active} users tapping at once)",
                    f"{s['answers_per_s']:.0f} answers/s, p99 {p99:.1f} ms",
                    f"no-op handler {float(s.get('noop_per_s', 0)):.0f}/s",
                    f"{100 * share:.1f} %",
                    f"≥ 25 % — {verdict(share >= 0.25)}",
                ]
            )
            paced = float(s["paced_p99_ms"])
            rows.append(
                [
                    f"answers through {runtime}, {db}, users pausing between taps (offered "
                    f"≈ {paced_share:.0%} of that capacity): answers/s, p50 / p99 from the tap",
                    f"{s['paced_answers_per_s']:.0f} answers/s, "
                    f"{float(s['paced_p50_ms']):.1f} / {paced:.1f} ms",
                    f"no-op handler {float(s.get('noop_per_s', 0)):.0f}/s",
                    f"{100 * s['paced_answers_per_s'] / max(float(s.get('noop_per_s', 0)), 1e-9):.1f} %",
                    f"p99 < 20 ms — {verdict(paced < 20)}",
                ]
            )
    if len(databases) > 1:
        base = databases[0]
        for other in databases[1:]:
            for runtime, s in other.items():
                if isinstance(s, dict) and "answers_per_s" in s and runtime in base:
                    ratio = s["answers_per_s"] / max(base[runtime]["answers_per_s"], 1e-9)
                    rows.append(
                        [
                            f"{other.get('db')} vs {base.get('db')}, {runtime}",
                            f"{s['answers_per_s']:.0f} answers/s",
                            f"{base[runtime]['answers_per_s']:.0f} answers/s",
                            f"{ratio:.2f}×",
                            f"≥ 0.75× — {verdict(ratio >= 0.75)}",
                        ]
                    )
    return rows


def table(sections: list[tuple[str, list[list[str]] | str]], quick: bool) -> str:
    load = os.getloadavg()
    lines = [
        BEGIN,
        f"Generated by `python bench/run_all.py{' --quick' if quick else ''}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {platform.machine()}, {os.cpu_count()} CPU, "
        f"Python {platform.python_version()}, {platform.platform(terse=True)}; load average at "
        f"the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}. Every figure is from this run, "
        "beside its anchor measured in the same run; min / median / max where a bench repeats.",
        "",
        "| what | figure | anchor (same run) | ratio | goal |",
        "|---|---|---|---:|---|",
    ]
    for name, rows in sections:
        if isinstance(rows, str):
            lines.append(f"| {name} | not run: {rows} | | | |")
            continue
        lines.extend("| " + " | ".join(row) + " |" for row in rows)
    lines.append(END)
    return "\n".join(lines)


def write(doc: Path, text: str) -> None:
    old = doc.read_text(encoding="utf-8")
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        new = head + text + tail
    else:
        new = (
            old.rstrip("\n")
            + "\n\n## All issue-14 benchmarks (`bench/run_all.py`)\n\n"
            + text
            + "\n"
        )
    doc.write_text(new, encoding="utf-8")


def with_sqlite(urls: list[str]) -> list[str]:
    """The databases to compare: SQLite always comes first (the PostgreSQL goal is a ratio to it)."""
    if not urls or any(u == "sqlite" or u.startswith("sqlite") for u in urls):
        return urls
    return ["sqlite", *urls]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs: a check, not figures")
    parser.add_argument("--db", action="append", default=[], help="for answer_throughput.py")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    quick = args.quick
    benches: list[tuple[str, str, list[str], Any]] = [
        (
            "start-up",
            "startup.py",
            ["--repeat", "3", "--runtime", "aiogram"] if quick else ["--repeat", "5"],
            startup_rows,
        ),
        (
            "FAQ latency",
            "faq_latency.py",
            ["--busy", "--synthetic", "2000" if quick else "20000"],
            latency_rows,
        ),
        (
            "answer throughput",
            "answer_throughput.py",
            [
                *(f"--db={u}" for u in with_sqlite(args.db)),
                *(["--runs", "3", "--per-user", "5"] if quick else []),
            ],
            throughput_rows,
        ),
    ]
    sections: list[tuple[str, list[list[str]] | str]] = []
    for name, script, bench_args, rows in benches:
        result, why = run_bench(script, bench_args)
        if result is None:
            print(f"  {name}: not run — {why}", flush=True)
            sections.append((name, why))
            continue
        try:
            sections.append((name, rows(result)))
        except (KeyError, TypeError, ValueError) as exc:
            sections.append((name, f"its JSON lacks {exc}"))
    text = table(sections, quick)
    print(text)
    if not args.no_write:
        write(DOC, text)
        print(f"written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
