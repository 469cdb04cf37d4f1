"""Benchmark: practice answers through each Telegram runtime (aiogram, python-telegram-bot)
and the delivery core, on the real polling path, beside that framework's no-op handler and
the framework's own floor, in the same run.

Rows, per runtime (a multiple-choice answer is two taps: tick, submit):
- <runtime> + delivery: `Delivery.run` as `pufa run` runs it — its getUpdates loop, inbox,
  workers, timer loop and sender — against a mocked network. The mocked getUpdates hands out
  callback-query updates as Telegram's JSON; every active user has one question open and taps
  the next answer once the bot answered the previous tap (a closed loop, so a getUpdates batch
  holds about one tap per active user). Latency of a tap: from getUpdates returning it to
  the last Bot API call it caused (answerCallbackQuery, editMessageText, two sendMessage).
- <runtime> floor (no database): the same updates through the adapter's `parse` and the
  very actions the delivery run performed, through the adapter's `perform` — what the
  framework costs to read the updates and build, validate and "send" the calls, with no
  inbox, flow or outbox. The best share the delivery path could reach.
- flow alone: the conversation layer and the same database, each tap as an event through
  `Conversation.process` (one transaction each): no inbox, outbox or runtime.
- <runtime> no-op: the same JSON fed to the framework's own dispatcher with a handler that
  does nothing (aiogram `Dispatcher.feed_raw_update`, PTB `Application.process_update`).

History (the cost must not grow with it): `--users N` adds N idle users with three finished
rounds of ten answers each and their question records; `--history H` gives every active user
H finished past rounds.

Run: python bench/answer_throughput.py [--db URL ...] [--runs 3] [--active 50]
     [--per-user 20] [--users 0] [--history 0] [--paced 0.8] [--json]
Prints min / median / max over the runs; with --json the last stdout line is one JSON
object: {"db", "machine", "active", "paced", "<runtime>": {"answers_per_s", "noop_per_s",
"share", "p50_ms", "p99_ms", "paced_answers_per_s", "paced_p50_ms", "paced_p99_ms",
"floor_per_s", "floor_share", ...}} (for several --db: also "databases": [...]).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram import Bot as AiogramBot
from aiogram import Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.types import CallbackQuery, Message
from aiogram.types import User as AiogramUser
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot as PtbBot
from telegram import Update as PtbUpdate
from telegram.ext import Application, CallbackQueryHandler
from telegram.request import BaseRequest, RequestData

from bot.config import Settings
from bot.conversation.actions import Action, SendMessage
from bot.conversation.context import Services
from bot.conversation.events import Event, User
from bot.conversation.quiz import QuizAnswer, QuizSubmit, QuizToggle
from bot.conversation.router import Conversation
from bot.db import make_engine, session_factory, upgrade
from bot.delivery.limiter import SendLimiter
from bot.delivery.runner import Delivery
from bot.transports.telegram_aiogram import AiogramApi
from bot.transports.telegram_ptb import PtbApi
from question_bank import Bank, StatuteLibrary, load_bank
from scoring import PracticeAttempt
from scoring.models import AttemptAnswer, QuestionRecord
from scoring.rounds import active_round

TOKEN = "42:BENCH"
BOT_USER = {"id": 42, "is_bot": True, "first_name": "普法", "username": "pufa_bench_bot"}
RUNTIMES = ("aiogram", "ptb")
UNLIMITED = 1e9  # the network is mocked: Telegram's flood limits would only measure sleeps
IDLE_USER = 1_000_000  # idle users' ids start here


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2026, 11, 25, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.t


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def message_json(message_id: int = 1, chat_id: int = 1) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": BOT_USER,
        "text": "ok",
    }


# --- the mocked Telegram: a closed loop of users ------------------------------------------


class Users:
    """The active users: each taps its next answer once the bot answered its previous tap.
    Hands the taps out as getUpdates would, and notes when each Bot API call happened."""

    def __init__(self, payloads: dict[int, list[dict[str, Any]]], think: float = 0.0) -> None:
        self.queues = {uid: list(reversed(p)) for uid, p in payloads.items()}
        self.owner = {p["update_id"]: uid for uid, ps in payloads.items() for p in ps}
        self.total = len(self.owner)
        # think > 0: a user taps its next answer an exponential think time (mean `think`
        # seconds) after the bot answered the previous tap — the offered rate is then about
        # active users ÷ think, whatever the bot's capacity (a paced, not a saturated, load)
        self.think = think
        self.random = random.Random(7)
        self.ready: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()
        self.tapped: dict[int, float] = {}
        self.fetched: dict[int, float] = {}
        self.first = [q.pop() for q in self.queues.values() if q]
        self.calls: dict[int, list[tuple[float, int | None]]] = defaultdict(list)
        self.answered = 0
        self.all_answered = asyncio.Event()

    def start(self) -> None:
        """The users' first taps (call on the running loop): at once when saturating; paced,
        each after a think time, as users start one by one (a burst of every user's first tap
        would be a saturated start)."""
        for update in self.first:
            self.after_thinking(update)

    def after_thinking(self, update: dict[str, Any]) -> None:
        """Tap `update` now, or after an exponential think time when paced."""
        if self.think > 0:
            delay = self.random.expovariate(1 / self.think)
            asyncio.get_running_loop().call_later(delay, self.tap, update)
        else:
            self.tap(update)

    async def get_updates(self, timeout: float) -> list[dict[str, Any]]:
        if not self.ready:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), timeout)
            except TimeoutError:
                return []
        batch, self.ready = self.ready[:100], self.ready[100:]  # Telegram's limit per call
        now = time.perf_counter()
        for update in batch:
            self.fetched[update["update_id"]] = now
        return batch

    def called(self, chat_id: int | None, callback_id: str | None) -> None:
        """A Bot API call: a message to `chat_id`, or the answer to a tap's button."""
        now = time.perf_counter()
        if callback_id is None:
            if chat_id is not None:
                self.calls[chat_id].append((now, None))
            return
        update_id = int(callback_id)
        uid = self.owner.get(update_id)
        if uid is None:
            return
        self.calls[uid].append((now, update_id))
        self.answered += 1
        queue = self.queues[uid]
        if queue:
            self.after_thinking(queue.pop())
        if self.answered == self.total:
            self.all_answered.set()

    def tap(self, update: dict[str, Any]) -> None:
        self.tapped[update["update_id"]] = time.perf_counter()
        self.ready.append(update)
        self.arrived.set()

    def latencies(self, since_tap: bool = False) -> list[float]:
        """Per tap: getUpdates → the last call of that tap (calls to a chat after a tap's
        callback answer, up to the next tap's, are that tap's); `since_tap`: from the moment
        the user tapped instead (the wait for the next getUpdates included)."""
        start = self.tapped if since_tap else self.fetched
        done: dict[int, float] = {}
        for calls in self.calls.values():
            current = None
            for t, update_id in calls:
                if update_id is not None:
                    current = update_id
                if current is not None:
                    done[current] = t
        return [done[u] - start[u] for u in done if u in start]


class MockedAiogram(BaseSession):
    """aiogram's HTTP session, answering without the network."""

    ids = itertools.count(1000)

    def __init__(self, users: Users | None = None) -> None:
        super().__init__()
        self.users = users

    async def close(self) -> None:
        return None

    async def make_request(
        self, bot: AiogramBot, method: TelegramMethod[Any], timeout: int | None = None
    ) -> Any:
        name = method.__api_method__
        if name == "getUpdates":
            assert self.users is not None
            return await self.users.get_updates(float(getattr(method, "timeout", 0) or 0))
        if name == "getMe":
            return AiogramUser.model_validate(BOT_USER)
        if self.users is not None:
            self.users.called(
                getattr(method, "chat_id", None), getattr(method, "callback_query_id", None)
            )
        if name in ("sendMessage", "editMessageText"):
            chat = int(getattr(method, "chat_id", 1) or 1)
            return Message.model_validate(message_json(next(self.ids), chat), context={"bot": bot})
        return True

    async def stream_content(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError


class MockedPtb(BaseRequest):
    """python-telegram-bot's HTTP request, answering without the network."""

    ids = itertools.count(1000)

    def __init__(self, users: Users | None = None) -> None:
        self.users = users

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1].lower()
        params = request_data.parameters if request_data is not None else {}
        result: Any = True
        if name == "getupdates":
            assert self.users is not None
            result = await self.users.get_updates(float(params.get("timeout", 0)))  # type: ignore[arg-type]
        elif name == "getme":
            result = BOT_USER
        else:
            chat = params.get("chat_id")
            if self.users is not None:
                callback = params.get("callback_query_id")
                self.users.called(
                    int(chat) if chat is not None else None,  # type: ignore[arg-type]
                    str(callback) if callback is not None else None,
                )
            if name in ("sendmessage", "editmessagetext"):
                result = message_json(next(self.ids), int(chat or 1))  # type: ignore[arg-type]
        return 200, json.dumps({"ok": True, "result": result}).encode()


def runtime_api(runtime: str, users: Users | None) -> Any:
    if runtime == "aiogram":
        api: Any = AiogramApi(TOKEN)
        api.bot.session = MockedAiogram(users)
        return api
    api = PtbApi(TOKEN)
    api.bot = PtbBot(TOKEN, request=MockedPtb(users), get_updates_request=MockedPtb(users))
    return api


# --- the database ------------------------------------------------------------------------


_files = itertools.count()


def remove_sqlite_file(url: str) -> None:
    """An explicit SQLite file starts empty in every measurement (update ids repeat)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)


async def fresh_engine(url: str | None, tmp: Path) -> AsyncEngine:
    """A migrated, empty database: a new SQLite file, or the given database emptied."""
    if url is None:
        url = f"sqlite+aiosqlite:///{tmp / f'bench{next(_files)}.sqlite3'}"
    remove_sqlite_file(url)
    engine = make_engine(url)
    if make_url(url).get_backend_name() == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    return engine


async def add_history(
    engine: AsyncEngine, bank: Bank, users: int, active: int, history: int
) -> None:
    """Idle users with three finished rounds of ten answers and their question records;
    `history` finished past rounds for every active user."""
    qids = list(bank.questions)[:10]
    law = bank.questions[qids[0]].law
    at = datetime(2026, 11, 1, tzinfo=UTC)
    rounds = []
    for uid in range(IDLE_USER, IDLE_USER + users):
        rounds += [(uid, 10)] * 3
    for uid in range(1, active + 1):
        rounds += [(uid, 0)] * history
    attempt_rows = [
        {
            "user_id": uid,
            "kind": "practice",
            "law": None,
            "question_ids": qids,
            "position": n,
            "correct_count": n,
            "status": "finished",
            "started_at": at,
            "finished_at": at + timedelta(minutes=5),
        }
        for uid, n in rounds
    ]
    async with engine.begin() as conn:
        for start in range(0, len(attempt_rows), 5000):
            await conn.execute(insert(PracticeAttempt), attempt_rows[start : start + 5000])
        ids = (
            (
                await conn.execute(
                    text("SELECT id FROM practice_attempt WHERE user_id >= :u ORDER BY id"),
                    {"u": IDLE_USER},
                )
            )
            .scalars()
            .all()
        )
        answers = [
            {
                "attempt_id": attempt,
                "position": pos,
                "question_id": qid,
                "law": law,
                "chosen": [0],
                "correct": True,
                "answered_at": at,
            }
            for attempt in ids
            for pos, qid in enumerate(qids)
        ]
        for start in range(0, len(answers), 5000):
            await conn.execute(insert(AttemptAnswer), answers[start : start + 5000])
        records = [
            {
                "user_id": uid,
                "question_id": qid,
                "right_count": 3,
                "wrong_count": 0,
                "in_wrong_book": False,
                "last_answered_at": at,
            }
            for uid in range(IDLE_USER, IDLE_USER + users)
            for qid in qids
        ]
        for start in range(0, len(records), 5000):
            await conn.execute(insert(QuestionRecord), records[start : start + 5000])


async def open_rounds(conv: Conversation, bank: Bank, active: int) -> dict[int, list[str]]:
    """Every active user starts a practice round; per user, the button data of each tap."""
    plans = {}
    for uid in range(1, active + 1):
        user = User(uid)
        await conv.process(Event.message(user, uid, "/quiz"))
        actions = await conv.process(Event.button(user, uid, "qscope:all", "cb", None))
        first = [a for a in actions if isinstance(a, SendMessage) and a.buttons][-1]
        attempt = int(first.buttons[0][0].data.split(":")[1])
        async with conv.sessions() as s:
            row = await s.get(PracticeAttempt, attempt)
            assert row is not None
            ids = row.question_ids
        plan = []
        for pos, qid in enumerate(ids):
            q = bank.questions[qid]
            if q.type == "multiple":
                plan.append(QuizToggle(attempt, pos, min(q.answer)).pack())
                plan.append(QuizSubmit(attempt, pos).pack())
            else:
                plan.append(QuizAnswer(attempt, pos, min(q.answer)).pack())
        plans[uid] = plan
    return plans


def callback_payloads(plans: dict[int, list[str]]) -> dict[int, list[dict[str, Any]]]:
    """Each tap as the callback-query update Telegram would send (ids in tap order)."""
    ids = itertools.count(1)
    out: dict[int, list[dict[str, Any]]] = {uid: [] for uid in plans}
    for step in itertools.zip_longest(*plans.values()):
        for uid, data in zip(plans, step, strict=True):
            if data is None:
                continue
            update_id = next(ids)
            user = {"id": uid, "is_bot": False, "first_name": "w"}
            out[uid].append(
                {
                    "update_id": update_id,
                    "callback_query": {
                        "id": str(update_id),
                        "from": user,
                        "chat_instance": "1",
                        "data": data,
                        "message": message_json(1, uid),
                    },
                }
            )
    return out


def answers_only(plans: dict[int, list[str]]) -> int:
    return sum(
        1 for plan in plans.values() for d in plan if not d.startswith(QuizToggle.prefix + ":")
    )


# --- one measurement ---------------------------------------------------------------------


async def timed(calls: list[Callable[[], Awaitable[Any]]]) -> float:
    start = time.perf_counter()
    for call in calls:
        await call()
    return time.perf_counter() - start


async def noop_seconds(runtime: str, payloads: list[dict[str, Any]]) -> float:
    """The framework's dispatcher with a handler that does nothing."""
    if runtime == "aiogram":
        bot = AiogramBot(token=TOKEN, session=MockedAiogram())
        dp = Dispatcher()
        router = Router()

        @router.callback_query()
        async def nothing(query: CallbackQuery) -> None:
            return None

        dp.include_router(router)
        return await timed([lambda p=p: dp.feed_raw_update(bot, p) for p in payloads])
    app = Application.builder().bot(PtbBot(TOKEN, request=MockedPtb())).build()

    async def nothing_ptb(update: Any, context: Any) -> None:
        return None

    app.add_handler(CallbackQueryHandler(nothing_ptb))
    await app.initialize()
    seconds = await timed(
        [lambda p=p: app.process_update(PtbUpdate.de_json(p, app.bot)) for p in payloads]
    )
    await app.shutdown()
    return seconds


async def floor_seconds(
    runtime: str, payloads: list[dict[str, Any]], actions: list[Action]
) -> float:
    """The adapter reading every update and performing every action, with no database."""
    api = runtime_api(runtime, None)
    if runtime == "ptb":
        await api.prepare(())
    start = time.perf_counter()
    for payload in payloads:
        api.parse(payload)
    for action in actions:
        await api.perform(action)
    return time.perf_counter() - start


async def active_round_seconds(conv: Conversation, calls: int = 200) -> float:
    """One `active_round` look-up (every text and /quiz) of an active user, on average."""
    async with conv.sessions() as session:
        start = time.perf_counter()
        for _ in range(calls):
            await active_round(session, 1)
        return (time.perf_counter() - start) / calls


async def prepared(
    url: str | None, args: argparse.Namespace, bank: Bank, tmp: Path
) -> tuple[AsyncEngine, Conversation, dict[int, list[str]]]:
    """A fresh database with the history asked for, and every active user's round open."""
    engine = await fresh_engine(url, tmp)
    try:
        await add_history(engine, bank, args.users, args.active, args.history)
        conv = Conversation(
            session_factory(engine), Services(bank, StatuteLibrary(), args.per_user), Clock()
        )
        return engine, conv, await open_rounds(conv, bank, args.active)
    except BaseException:
        await engine.dispose()
        raise


async def flow_seconds(url: str | None, args: argparse.Namespace, bank: Bank, tmp: Path) -> float:
    """The conversation layer alone on the same database: each tap as an event through
    `Conversation.process` (one transaction each), no inbox, outbox or runtime."""
    engine, conv, plans = await prepared(url, args, bank, tmp)
    try:
        taps = [
            (uid, data)
            for step in itertools.zip_longest(*plans.values())
            for uid, data in zip(plans, step, strict=True)
            if data is not None
        ]
        return await timed(
            [
                lambda u=uid, d=data: conv.process(Event.button(User(u), u, d, "cb", 1))
                for uid, data in taps
            ]
        )
    finally:
        await engine.dispose()


async def deliver(
    runtime: str, conv: Conversation, plans: dict[int, list[str]], timeout: float, think: float
) -> tuple[float, Users, list[Action], list[dict[str, Any]]]:
    """`Delivery.run` as `pufa run` runs it until every tap of `plans` is answered: the wall
    time, the users (their latencies), the actions performed and the updates fed."""
    by_user = callback_payloads(plans)
    payloads = sorted((p for ps in by_user.values() for p in ps), key=lambda p: p["update_id"])
    users = Users(by_user, think)
    api = runtime_api(runtime, users)
    performed: list[Action] = []
    perform = api.perform

    async def recording(action: Action) -> Any:
        performed.append(action)
        return await perform(action)

    api.perform = recording
    limiter = SendLimiter(rate=UNLIMITED, burst=UNLIMITED, chat_burst=UNLIMITED)
    # as `pufa run` builds it: PUFA_WORKERS handlers on PostgreSQL (SQLite runs one)
    workers = Settings.model_fields["workers"].default
    delivery = Delivery(conv, api, workers=workers, poll_timeout=1, limiter=limiter)
    stop = asyncio.Event()

    async def stop_when_answered() -> None:
        await users.all_answered.wait()
        stop.set()

    watcher = asyncio.create_task(stop_when_answered())
    start = time.perf_counter()
    users.start()
    await asyncio.wait_for(delivery.run(stop, handle_signals=False), timeout)
    wall = time.perf_counter() - start
    await watcher
    return wall, users, performed, payloads


async def measure(
    runtime: str, url: str | None, args: argparse.Namespace, bank: Bank, tmp: Path
) -> dict[str, float]:
    engine, conv, plans = await prepared(url, args, bank, tmp)
    try:
        answers = answers_only(plans)
        wall, users, performed, payloads = await deliver(runtime, conv, plans, args.timeout, 0.0)
        latencies = users.latencies()
        lookup = await active_round_seconds(conv)
        assert len(latencies) == len(payloads), (len(latencies), len(payloads))
        floor = await floor_seconds(runtime, payloads, performed)
        noop = await noop_seconds(runtime, payloads)
    finally:
        await engine.dispose()
    flow = await flow_seconds(url, args, bank, tmp)
    # paced: the same taps on a fresh database, each user thinking between taps so that the
    # offered rate is `--paced` × the capacity just measured; latency from the tap itself
    think = args.active * wall / len(payloads) / args.paced
    engine, conv, plans = await prepared(url, args, bank, tmp)
    try:
        paced_wall, paced_users, _, _ = await deliver(runtime, conv, plans, args.timeout, think)
        paced = paced_users.latencies(since_tap=True)
    finally:
        await engine.dispose()
    return {
        "answers_per_s": answers / wall,
        "taps": len(payloads),
        "answers": answers,
        "calls": len(performed),
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "paced_answers_per_s": answers / paced_wall,
        "paced_p50_ms": statistics.median(paced) * 1000,
        "paced_p99_ms": percentile(paced, 99) * 1000,
        "floor_per_s": answers / floor,
        "flow_per_s": answers / flow,
        "active_round_us": lookup * 1e6,
        "noop_per_s": answers / noop,
    }


def summary(runs: list[dict[str, float]]) -> dict[str, Any]:
    """Median of each figure over the runs, with min/median/max of the main ones."""
    out: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    out["share"] = statistics.median(r["answers_per_s"] / r["noop_per_s"] for r in runs)
    out["floor_share"] = statistics.median(r["floor_per_s"] / r["noop_per_s"] for r in runs)
    out["flow_share"] = statistics.median(r["flow_per_s"] / r["noop_per_s"] for r in runs)
    for key in (
        "answers_per_s",
        "noop_per_s",
        "floor_per_s",
        "flow_per_s",
        "p99_ms",
        "paced_answers_per_s",
        "paced_p99_ms",
    ):
        values = sorted(r[key] for r in runs)
        out[key + "_min_med_max"] = [values[0], statistics.median(values), values[-1]]
    out["share_min_med_max"] = sorted(r["answers_per_s"] / r["noop_per_s"] for r in runs)
    out["share_min_med_max"] = [
        out["share_min_med_max"][0],
        out["share"],
        out["share_min_med_max"][-1],
    ]
    out["runs"] = len(runs)
    return out


def machine() -> str:
    return (
        f"{platform.machine()} cpus={os.cpu_count()} python {platform.python_version()} "
        f"sqlite {sqlite3.sqlite_version} {datetime.now(UTC):%Y-%m-%d}"
    )


def db_name(url: str | None) -> str:
    return "sqlite" if url is None else make_url(url).get_backend_name()


def fmt(triple: list[float], unit: str = "") -> str:
    return " / ".join(f"{v:,.0f}{unit}" if v >= 100 else f"{v:.2f}{unit}" for v in triple)


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    bank = load_bank()
    # "sqlite" (or no --db) stands for a fresh SQLite file in a temporary directory
    urls: list[str | None] = [None if u == "sqlite" else u for u in args.db or ["sqlite"]]
    runs: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            for url in urls:  # databases and runtimes interleaved: the same run's conditions
                for runtime in args.runtimes:
                    r = await measure(runtime, url, args, bank, Path(tmp))
                    runs[(db_name(url), runtime)].append(r)
                    print(
                        f"run {n + 1} {db_name(url):<10} {runtime:<7} "
                        f"{r['answers_per_s']:7.0f} answers/s  p50 {r['p50_ms']:5.2f} ms  "
                        f"p99 {r['p99_ms']:5.2f} ms  | paced {r['paced_answers_per_s']:5.0f}/s "
                        f"p50 {r['paced_p50_ms']:5.2f} p99 {r['paced_p99_ms']:5.2f} ms  | "
                        f"floor {r['floor_per_s']:6.0f}/s  "
                        f"flow {r['flow_per_s']:6.0f}/s  no-op {r['noop_per_s']:6.0f}/s",
                        flush=True,
                    )
    databases = []
    for url in urls:
        entry: dict[str, Any] = {"db": db_name(url)}
        for runtime in args.runtimes:
            entry[runtime] = summary(runs[(db_name(url), runtime)])
        databases.append(entry)
    return {
        "machine": machine(),
        "active": args.active,
        "paced": args.paced,
        **databases[0],
        "databases": databases,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--db",
        action="append",
        help='database URL, or "sqlite" for a fresh SQLite file (repeat to compare; default sqlite)',
    )
    parser.add_argument("--runs", type=int, default=3, help="repeated runs (min/median/max)")
    parser.add_argument("--active", type=int, default=50, help="users tapping at the same time")
    parser.add_argument("--per-user", type=int, default=20, help="questions per user's round")
    parser.add_argument("--users", type=int, default=0, help="idle users with a history")
    parser.add_argument("--history", type=int, default=0, help="past rounds per active user")
    parser.add_argument("--runtimes", default=",".join(RUNTIMES), type=lambda s: s.split(","))
    parser.add_argument("--timeout", type=float, default=600, help="seconds per measurement")
    parser.add_argument(
        "--paced",
        type=float,
        default=0.8,
        help="the paced run's offered rate as a share of the capacity just measured",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {machine()}")
    print(
        f"{args.active} active users × {args.per_user} questions, {args.users} idle users with "
        f"history, {args.history} past rounds per active user; {args.runs} runs"
    )
    result = asyncio.run(bench(args))
    for entry in result["databases"]:
        for runtime in args.runtimes:
            s = entry[runtime]
            print(
                f"{entry['db']:<10} {runtime:<7} answers/s {fmt(s['answers_per_s_min_med_max'])}"
                f" = {fmt([100 * v for v in s['share_min_med_max']], ' %')} of no-op "
                f"({fmt(s['noop_per_s_min_med_max'])}); floor {fmt(s['floor_per_s_min_med_max'])}"
                f" = {100 * s['floor_share']:.1f} %; flow alone {fmt(s['flow_per_s_min_med_max'])}"
                f" = {100 * s['flow_share']:.1f} %; p50 {s['p50_ms']:.2f} ms, "
                f"p99 {fmt(s['p99_ms_min_med_max'], ' ms')} (saturated); paced at "
                f"{fmt(s['paced_answers_per_s_min_med_max'])} answers/s: p50 "
                f"{s['paced_p50_ms']:.2f} ms, p99 {fmt(s['paced_p99_ms_min_med_max'], ' ms')}; "
                f"active_round {s['active_round_us']:.0f} µs"
            )
    if args.json:
        print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
