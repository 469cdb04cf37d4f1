"""Start-up benchmark (issue 14): how long until `pufa run` polls Telegram, how long a cold
`pufa faq ask … --json` takes, and how much memory `pufa run` holds at idle — each beside
`python -c "import aiogram"` timed in the same run (the anchor: the least any aiogram bot pays).

- run: `python -m bot.cli run` (a real process, the shipped bank and FAQ, SQLite already
  migrated, the compiled cache warm) against the fake Bot API of tests/fake_telegram.py;
  the time from spawning the process to its first getUpdates request. Then, with the bot
  idle (polling, nothing to do) for `--idle` seconds, its resident memory (VmRSS); and again
  after serving one worker (a practice round tapped through, a photo, a sticker, a voice note
  and two legal questions), when every validator, index and query it uses has been built.
- faq: `python -m bot.cli faq ask "试用期多久" --json` from spawn to exit, and its peak memory.
- anchor: `python -c "import aiogram"` from spawn to exit (and its peak memory).

The three are run in turn, `--repeat` times, so that a change in the machine's load touches
all of them; min / median / max are reported, and the ratios to the anchor's median.

Run: python bench/startup.py [--repeat 5] [--runtime aiogram|ptb|both] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTION = "试用期多久"


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUFA_")}
    keep = ("PUFA_CACHE_DIR",)
    env.update({k: os.environ[k] for k in keep if k in os.environ})
    env.update(extra)
    return env


def timed_process(argv: Sequence[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds from spawn to exit, and the child's peak resident memory in MiB."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, env=env or child_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} exited {proc.returncode}: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]
    return seconds, usage.ru_maxrss / 1024


def import_aiogram() -> tuple[float, float]:
    return timed_process([sys.executable, "-c", "import aiogram"])


def faq_ask() -> tuple[float, float]:
    return timed_process([sys.executable, "-m", "bot.cli", "faq", "ask", QUESTION, "--json"])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def serve_a_worker(telegram: Any, worker: int) -> None:
    """What one worker does on a phone: /start, a practice round answered by tapping the first
    button, a photo, a sticker and a voice note (refused), and two legal questions."""
    from tests.fake_telegram import Phone

    phone = Phone(worker)
    telegram.send_text(phone, "/start")
    await telegram.settle()
    telegram.press(phone, telegram.last(phone), "开始练习")
    await telegram.settle()
    telegram.press(phone, telegram.last(phone, "选择练习范围"), "综合练习")
    await telegram.settle()
    for _ in range(12):  # a round's questions, then its summary
        buttons = telegram.chat(phone)[-1].buttons()
        if not buttons:
            break
        telegram.press(phone, telegram.chat(phone)[-1], buttons[0]["text"])
        await telegram.settle()
    for send in (telegram.send_photo, telegram.send_sticker, telegram.send_voice):
        send(phone)
        await telegram.settle()
    # the second question has typos: words jieba's dictionary lacks
    for question in ("试用期最长多久？公司说要一年", "俺们厂哺乳其能上夜班不"):
        telegram.send_text(phone, question)
        await telegram.settle()


async def run_to_first_poll(
    runtime: str, database: str, idle: float, serve: int = 0
) -> tuple[float, float, float]:
    """Seconds from spawning `pufa run` to its first getUpdates, its RSS after `idle` seconds
    of polling with nothing to do, and (with `serve`, the n-th run on this database) its RSS
    after serving a new worker."""
    from tests.fake_telegram import FakeTelegram

    first = asyncio.get_running_loop().create_future()

    class Watching(FakeTelegram):
        async def api_getupdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
            if not first.done():
                first.set_result(time.perf_counter())
            return await super().api_getupdates(p)

    telegram = Watching(first_update_id=1 + serve * 100_000)
    await telegram.start()
    env = child_env(
        PUFA_RUNTIME=runtime,
        PUFA_BOT_TOKEN=telegram.token,
        PUFA_TELEGRAM_API_BASE=telegram.api_base,
        PUFA_DATABASE_URL=database,
        PUFA_LOG_LEVEL="WARNING",
    )
    start = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "run",
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        polled = await asyncio.wait_for(first, 120)
        await asyncio.sleep(idle)
        rss = rss_mib(proc.pid)
        served = 0.0
        if serve:
            try:
                await serve_a_worker(telegram, 4000 + serve)
            except TimeoutError as exc:
                proc.send_signal(signal.SIGTERM)
                _, err = await asyncio.wait_for(proc.communicate(), 60)
                raise RuntimeError(f"pufa run stopped answering: {err.decode()[-3000:]}") from exc
            await asyncio.sleep(idle)
            served = rss_mib(proc.pid)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 60)
        await telegram.stop()
    if proc.returncode not in (0, -signal.SIGTERM):
        raise RuntimeError(f"pufa run exited {proc.returncode}: {err.decode()[-2000:]}")
    return polled - start, rss, served


def spread(values: Sequence[float]) -> dict[str, float]:
    return {
        "min": min(values),
        "median": statistics.median(values),
        "max": max(values),
    }


def measure(repeat: int, runtimes: Sequence[str], idle: float) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(prefix="pufa-startup-"))
    database = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    # warm-up: migrates the database and fills the compiled cache (an operator's restart)
    for runtime in runtimes:
        asyncio.run(run_to_first_poll(runtime, database, 0.0))
    faq_ask()
    samples: dict[str, list[float]] = {"anchor": [], "anchor_mib": [], "faq": [], "faq_mib": []}
    for runtime in runtimes:
        samples[f"run_{runtime}"] = []
        samples[f"idle_{runtime}_mib"] = []
        samples[f"served_{runtime}_mib"] = []
    runs = itertools.count(1)  # each run serves a new worker, with new update ids
    for _ in range(repeat):
        seconds, mib = import_aiogram()
        samples["anchor"].append(seconds)
        samples["anchor_mib"].append(mib)
        for runtime in runtimes:
            seconds, rss, served = asyncio.run(
                run_to_first_poll(runtime, database, idle, next(runs))
            )
            samples[f"run_{runtime}"].append(seconds)
            samples[f"idle_{runtime}_mib"].append(rss)
            samples[f"served_{runtime}_mib"].append(served)
        seconds, mib = faq_ask()
        samples["faq"].append(seconds)
        samples["faq_mib"].append(mib)
    anchor = statistics.median(samples["anchor"])
    out: dict[str, Any] = {
        "bench": "startup",
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": os.getloadavg()[0],
        "repeat": repeat,
        "anchor_import_aiogram_s": spread(samples["anchor"]),
        "anchor_import_aiogram_mib": spread(samples["anchor_mib"]),
        "faq_ask_s": spread(samples["faq"]),
        "faq_ask_ratio": statistics.median(samples["faq"]) / anchor,
        "faq_ask_peak_mib": spread(samples["faq_mib"]),
    }
    for runtime in runtimes:
        out[f"run_{runtime}_first_poll_s"] = spread(samples[f"run_{runtime}"])
        out[f"run_{runtime}_ratio"] = statistics.median(samples[f"run_{runtime}"]) / anchor
        out[f"run_{runtime}_idle_mib"] = spread(samples[f"idle_{runtime}_mib"])
        out[f"run_{runtime}_served_mib"] = spread(samples[f"served_{runtime}_mib"])
    return out


def show(result: dict[str, Any]) -> None:
    def row(name: str, s: dict[str, float], unit: str, ratio: float | None = None) -> None:
        fig = f"{s['min']:.2f} / {s['median']:.2f} / {s['max']:.2f} {unit}"
        extra = f"  ({ratio:.2f}× import aiogram)" if ratio is not None else ""
        print(f"{name:<40} {fig}{extra}")

    print(
        f"{result['machine']}, {result['date']}, load {result['load']:.1f}, "
        f"{result['repeat']} runs (min / median / max)"
    )
    row("python -c 'import aiogram'", result["anchor_import_aiogram_s"], "s")
    row("  its peak memory", result["anchor_import_aiogram_mib"], "MiB")
    for key in result:
        if key.startswith("run_") and key.endswith("_first_poll_s"):
            runtime = key[len("run_") : -len("_first_poll_s")]
            row(
                f"pufa run ({runtime}) to first getUpdates",
                result[key],
                "s",
                result[f"run_{runtime}_ratio"],
            )
            row("  its memory at idle (RSS)", result[f"run_{runtime}_idle_mib"], "MiB")
            row("  … after serving a worker", result[f"run_{runtime}_served_mib"], "MiB")
    row(f"pufa faq ask {QUESTION} --json", result["faq_ask_s"], "s", result["faq_ask_ratio"])
    row("  its peak memory", result["faq_ask_peak_mib"], "MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runtime", choices=("aiogram", "ptb", "both"), default="both")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before RSS")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")
    args = parser.parse_args()
    runtimes = ("aiogram", "ptb") if args.runtime == "both" else (args.runtime,)
    result = measure(args.repeat, runtimes, args.idle)
    show(result)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
