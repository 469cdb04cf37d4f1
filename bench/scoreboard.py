"""Benchmark: 50 big screens open on the scoreboard; how long until each shows a change.

Run: python bench/scoreboard.py [--screens 50] [--changes 40] [--gap 0.4] [--db URL]
Three processes share one database, as in a hall:
- `pufa web` (its own process, the default 0.2 s shared version poll) serves the pages;
- this process opens `--screens` live streams (/events/<token>, SSE) and notes when each
  snapshot arrives;
- a third process plays the bot: it handles `--changes` quiz-master commands
  (`/adjust TEAM ±N 理由`) through the conversation layer, each committed in its own
  transaction `--gap` seconds (±50 %) apart, and prints the wall time right after each commit
  with the version it produced.
Latency = the time a screen received the first snapshot at or past a change's version minus
that change's commit time (same machine, same clock). Printed: p50 / p95 / max over every
screen × change, and, as the anchor measured in the same run, the time one
`version()` + `snapshot()` read takes on the same database (what the server must do per
change at the least). Goal (issue 11): p95 under 1 s with 50 screens.
Default database: a fresh SQLite file; --db a PostgreSQL URL (its tables are dropped first —
use a scratch database). Record results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from sqlalchemy import text

from bench.buzzer import EVENT
from bot.config import Settings
from bot.conversation.events import Event, User
from bot.db import make_engine, session_factory, upgrade
from bot.weblinks import create_link
from competition import import_event, read_event
from question_bank import load_bank
from scoring import final

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parents[1]
QUIZMASTER = 1
TEAMS = [f"b{i}" for i in range(1, 9)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def setup(url: str, folder: Path) -> tuple[int, str, float]:
    """A fresh database with the event and a screen link; the anchor read's mean seconds."""
    engine = make_engine(url)
    try:
        if url.startswith("postgresql"):
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        sessions = session_factory(engine)
        path = folder / "board.yaml"
        path.write_text(
            EVENT.format(  # the buzzer bench's event, with one short 抢答 round
                qm=QUIZMASTER,
                teams=", ".join(TEAMS),
                rounds="    - {kind: 抢答, questions: 5}\n",
                team_lines="\n".join(f"      - {{code: {c}, name: 第{c[1:]}队}}" for c in TEAMS),
            ),
            encoding="utf-8",
        )
        now = datetime.now(UTC)
        plan = read_event(path, load_bank(), now, ZoneInfo("Asia/Shanghai"))
        async with sessions() as session:
            comp = await import_event(session, plan)
            assert comp.id is not None
            link = await create_link(session, comp.id, "screen", now)
            await session.commit()
        reads = []
        for _ in range(50):
            started = time.perf_counter()
            async with sessions() as session:
                await final.version(session, comp.id)
                await final.snapshot(session, comp.id, datetime.now(UTC))
            reads.append(time.perf_counter() - started)
        return comp.id, link.token, statistics.mean(reads[5:])
    finally:
        await engine.dispose()


async def play_the_bot(url: str, changes: int, gap: float, seed: int) -> None:
    """The changing process: quiz-master commands through the conversation layer."""
    from bot.app import build_app

    settings = Settings(database_url=url, quizmasters=[QUIZMASTER], _env_file=None)  # type: ignore[call-arg]
    app = await build_app(settings, migrate=False)
    rng = random.Random(seed)
    comp_id = int(os.environ["BENCH_COMPETITION"])
    try:
        for n in range(changes):
            await asyncio.sleep(gap * rng.uniform(0.5, 1.5))
            team = rng.choice(TEAMS)
            delta = rng.choice([-10, -5, 5, 10, 20])
            await app.conversation.process(
                Event.message(User(QUIZMASTER), QUIZMASTER, f"/adjust {team} {delta:+d} 第{n}次")
            )
            committed = time.time()
            async with app.conversation.sessions() as session:
                version = await final.version(session, comp_id)
            print(json.dumps({"version": version, "at": committed}), flush=True)
    finally:
        await app.close()


async def watch(
    http: aiohttp.ClientSession, url: str, seen: list[tuple[int, float]], ready: asyncio.Event
) -> None:
    """One screen: note (version, arrival) of every snapshot."""
    async with http.get(url, timeout=aiohttp.ClientTimeout(total=None)) as response:
        version = None
        async for raw in response.content:
            line = raw.decode().rstrip("\n")
            if line.startswith("id: "):
                version = int(line[4:])
            elif line.startswith("event: snapshot") and version is not None:
                seen.append((version, time.time()))
                ready.set()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="pufa-board-"))
    url = args.db or f"sqlite+aiosqlite:///{folder / 'board.sqlite3'}"
    comp_id, token, anchor = await setup(url, folder)
    port = free_port()
    env = {**os.environ, "PUFA_DATABASE_URL": url, "PUFA_QUIZMASTERS": str(QUIZMASTER)}
    env["PUFA_LOG_LEVEL"] = "WARNING"
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "web",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        env=env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        try:
            for _ in range(600):  # the server loads the bank and the FAQ first
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"{base}/screen/{token}") as response:
                        if response.status == 200:
                            break
                await asyncio.sleep(0.1)
            seen: list[list[tuple[int, float]]] = [[] for _ in range(args.screens)]
            ready = [asyncio.Event() for _ in range(args.screens)]
            screens = [
                asyncio.create_task(watch(http, f"{base}/events/{token}", seen[i], ready[i]))
                for i in range(args.screens)
            ]
            await asyncio.wait_for(asyncio.gather(*(r.wait() for r in ready)), 60)
            bot = await asyncio.create_subprocess_exec(
                sys.executable,
                str(SCRIPT),
                "--play",
                "--db",
                url,
                "--changes",
                str(args.changes),
                "--gap",
                str(args.gap),
                "--seed",
                str(args.seed),
                env={**env, "BENCH_COMPETITION": str(comp_id)},
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
            )
            out, _ = await bot.communicate()
            await asyncio.sleep(2)  # the last change reaches the screens
            for task in screens:
                task.cancel()
            await asyncio.gather(*screens, return_exceptions=True)
        finally:
            server.terminate()
            await server.wait()
    commits = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    latencies, missed = [], 0
    for change in commits:
        for screen in seen:
            arrival = next((at for v, at in screen if v >= change["version"]), None)
            if arrival is None:
                missed += 1
            else:
                latencies.append(arrival - change["at"])
    ms = [1000 * v for v in latencies]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
        f"database {url.split(':', 1)[0]}, {datetime.now(UTC):%Y-%m-%d}"
    )
    print(
        f"{args.screens} screens × {len(commits)} changes = {len(ms)} deliveries, {missed} missed"
    )
    print(f"anchor: one version() + snapshot() read = {1000 * anchor:.2f} ms")
    for name, value in (
        ("p50", statistics.median(ms)),
        ("p95", percentile(ms, 0.95)),
        ("max", max(ms)),
    ):
        print(f"{name}: {value:7.1f} ms  ({value / (1000 * anchor):6.1f} × anchor)")
    print(
        "goal: p95 < 1000 ms —", "met" if percentile(ms, 0.95) < 1000 and not missed else "NOT met"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--gap", type=float, default=0.4, help="seconds between changes (±50 %%)")
    parser.add_argument("--db", help="a scratch PostgreSQL URL (default: a fresh SQLite file)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--play", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.play:
        asyncio.run(play_the_bot(args.db, args.changes, args.gap, args.seed))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
