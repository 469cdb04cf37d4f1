"""Property-based fuzz test of the conversation layer (issue 9): random event scripts over six
workers and a lawyer on duty, on SQLite and PostgreSQL.

Each example is a fresh database (the tables emptied, the roster imported again) and a script
of events: odd texts (emoji, RTL, zero-width and control characters, U+0000, 5,000
characters, SQL-ish and format strings), every command with junk arguments in any state and
chat, presses of buttons the user was shown, of buttons other users were shown, forged button
data of every route, contacts (own and others'), poll answers, membership changes, stickers
and photos, and the clock moving on. After every event:
- nothing raised (the generic t("error") answer counts as a raise, as does an ERROR or a
  retried transaction in the log) and nothing hung;
- every reply is within Telegram's limits (text 1–4096, callback data 1–64 bytes and a data
  the bot can read back, toast ≤ 200 characters, one keyboard kind per message);
- a button press is answered exactly once, nothing else is;
- no worker's chat (nor the group) shows another worker's real name, booking topic or phone;
- the database holds: each answer once per round position, exactly the positions passed and
  judged by the round's own question,
  at most one open round per user, no two active bookings on one slot (and each taken slot
  points at its booking), at most two open bookings per worker.

CI runs 25 examples per database, derandomized (the same scripts every run). A longer, random
run: `PUFA_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/test_fuzz.py`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import event as note
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.conversation.actions import (
    MAX_CALLBACK_BYTES,
    MAX_CAPTION,
    MAX_TEXT,
    Action,
    AnswerCallback,
    Button,
    EditMessage,
    SendDocument,
    SendMessage,
)
from bot.conversation.buttons import prefix_of
from bot.conversation.context import Services
from bot.conversation.events import Event, User
from bot.conversation.messages import t
from bot.conversation.router import ROUTERS, Conversation
from bot.conversation.routing import compose
from bot.db import session_factory
from bot.tables import metadata
from legal_aid import import_roster, read_roster
from legal_aid.models import ACTIVE, Booking, DutySlot
from legal_faq import FaqMatcher, load_corpus
from question_bank import Bank, StatuteLibrary
from scoring.models import AttemptAnswer, PracticeAttempt
from tests.conftest import FakeClock

EXAMPLES = int(os.environ.get("PUFA_FUZZ_EXAMPLES", "0"))
LONG_RUN = EXAMPLES > 0
TZ = ZoneInfo("Asia/Shanghai")
MAX_TOAST = 200

WORKERS = (1001, 1002, 1003, 1004, 1005, 1006)
LAWYER = 9001
ACTORS = (*WORKERS, LAWYER)
GROUP = -1005001
IN_GROUP = {1001, 1002, 1003, LAWYER}
ROSTER = f"""\
slot_minutes: 30
lawyers:
  - telegram_id: {LAWYER}
    name: 王律师
    firm: 明法律师事务所
    duty:
      - {{date: 2026-11-26, from: "14:00", to: "16:00"}}
      - {{date: 2026-11-27, from: "09:00", to: "10:00"}}
"""


@dataclass(frozen=True)
class Person:
    """A worker's distinctive personal data: no one else's chat may ever show it."""

    real_name: str
    marker: str  # part of their booking topic
    phone: str

    @property
    def topic(self) -> str:
        return f"我是{self.real_name}，单位拖欠工资三个月{self.marker}"

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.real_name, self.marker, self.phone)


PEOPLE = {
    uid: Person(f"欧阳{given_name}", f"案{code}号", f"1390000{uid}")
    for uid, given_name, code in zip(
        WORKERS,
        ("甲一", "乙二", "丙三", "丁四", "戊五", "己六"),
        ("QX1", "QX2", "QX3", "QX4", "QX5", "QX6"),
        strict=True,
    )
}
PHONES = {**{uid: p.phone for uid, p in PEOPLE.items()}, LAWYER: "13700009001"}
ROUTES = compose(*ROUTERS)
COMMANDS = sorted(ROUTES.commands)
PREFIXES = sorted(ROUTES.buttons)

# --- what a script is made of ----------------------------------------------------------------

NASTY = (
    "'; DROP TABLE booking;--",
    '" OR 1=1 --',
    "{0}",
    "{topic}{phone}",
    "%s %d %(x)s",
    "${jndi:ldap://x}",
    "<b>粗体</b> *x* _y_ `z`",
    "\x00",
    "老板\x00不签合同",
    "\x1b[31m红\x7f\x08",
    "a\r\nb\rc",
    "\u202e倒序文本\u202c",
    "مرحبا كيف حالك",
    "שלום עולם",
    "\u200b\u200c\u200d\u2060\ufeff",
    "👩‍⚖️🧑🏽‍🔧🇨🇳",
    "",
    " ",
    "\n\t\n",
    "/",
    "//",
    "/ quiz",
    "/start@pufa_bot deep-link",
    "老板不签和同怎么赔",
    "产假有多少天",
    "合同问题",
    "明天会下雨吗",
    "你好",
    "B",
    "对",
    "我选AC",
    "不留电话",
    "13800138000",
    "+86 138-0013-8000",
    "０１２３",
)
SPICY = "a法\x00\x01\x1f\u200b\u202e\u05d0\u0627😀👍🏽\n\t%{}'\";:/\\０"
texts = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.text(alphabet=SPICY, min_size=1, max_size=30),
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["法", "a", "😀", "\u200b", "\x00"]),
        st.integers(990, 5000),
    ),
)
numbers = st.one_of(
    st.integers(0, 12),
    st.integers(-(2**70), 2**70),
    st.sampled_from([-1, 2**31 - 1, 2**31, 2**63, 99999999999999999999]),
).map(str)
parts = st.one_of(
    numbers,
    st.sampled_from(["", "x", "1e3", "０", "01", "+1", " 1", "all", "t-lcl-probation", "quiz"]),
    st.text(max_size=8),
)
actors = st.sampled_from(ACTORS)
workers = st.sampled_from(WORKERS)
in_group = st.booleans()
steps = st.one_of(
    # what people mostly do, first (the simplest scripts are made of these): whole flows,
    # expanded into the single steps below by World.expand, so that rounds end and slots run
    # out, and taps on a button of the newest message
    st.tuples(st.just("tap"), actors, in_group, st.integers(0, 7)),
    st.tuples(st.just("tap"), actors, st.just(False), st.integers(0, 7)),
    st.tuples(st.just("quiz"), actors, st.lists(st.integers(0, 7), min_size=3, max_size=10)),
    booking := st.tuples(
        st.just("book"), workers, st.integers(0, 7), st.sampled_from(["phone", "contact", "none"])
    ),
    booking,  # twice as likely: six slots should run out now and then
    st.tuples(st.just("unbook"), workers, st.booleans()),
    st.tuples(st.just("duty"), st.integers(0, 7)),
    st.tuples(st.just("forget"), actors, st.booleans()),
    st.tuples(st.just("text"), actors, in_group, texts),
    st.tuples(st.just("secret"), workers, st.sampled_from(["topic", "phone", "spaced"])),
    st.tuples(
        st.just("command"), actors, in_group, st.sampled_from([*COMMANDS, "nosuch", "QUIZ"]), texts
    ),
    st.tuples(
        st.just("command"), actors, st.just(False), st.sampled_from(["quiz", "lawyer"]), st.just("")
    ),
    st.tuples(st.just("press"), actors, in_group, st.integers(0, 50)),
    st.tuples(st.just("press"), actors, st.just(False), st.integers(0, 50)),
    st.tuples(st.just("press_other"), actors, st.integers(0, 200)),
    st.tuples(
        st.just("forge"), actors, in_group, st.sampled_from(PREFIXES), st.lists(parts, max_size=4)
    ),
    st.tuples(st.just("contact"), actors, in_group, actors),
    st.tuples(
        st.just("poll"), actors, st.text(max_size=10), st.lists(st.integers(-1, 2**40), max_size=3)
    ),
    st.tuples(
        st.just("member"),
        actors,
        in_group,
        st.sampled_from(["member", "administrator", "left", "kicked", "restricted", "", "x"]),
    ),
    st.tuples(
        st.just("unsupported"),
        actors,
        in_group,
        st.sampled_from(
            ["sticker", "photo", "voice", "video", "location", "document", "animation", ""]
        ),
    ),
    st.tuples(st.just("wait"), st.sampled_from([60, 1800, 6 * 3600, 86400])),
)
scripts = st.lists(steps, min_size=15, max_size=60)

# --- running a script ------------------------------------------------------------------------


@cache
def matcher() -> FaqMatcher:
    return FaqMatcher(load_corpus())


class LogErrors(logging.Handler):
    """Collects what the conversation layer logs at WARNING and above (an error it caught, or
    a transaction retried: in one process, one event at a time, both mean a bug)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def log_errors() -> Iterator[LogErrors]:
    handler = LogErrors()
    logger = logging.getLogger("pufa")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


@dataclass
class World:
    """What every chat currently shows (message id → buttons), as Telegram would keep it."""

    conversation: Conversation
    clock: FakeClock
    shown: dict[int, dict[int, tuple[Button, ...]]] = field(default_factory=dict)
    message_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    callback_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def chat(self, actor: int, group: bool) -> tuple[int, str]:
        return (GROUP, "supergroup") if group and actor in IN_GROUP else (actor, "private")

    def buttons_in(self, chat_id: int) -> list[tuple[int, Button]]:
        return [(mid, b) for mid, row in self.shown.get(chat_id, {}).items() for b in row]

    def last_message(self, chat_id: int) -> int | None:
        mine = self.shown.get(chat_id, {})
        return max(mine) if mine else None

    def press(self, actor: int, chat: tuple[int, str], data: str, mid: int | None) -> Event:
        return Event.button(
            User(actor), chat[0], data, f"cb{next(self.callback_ids)}", mid, chat[1]
        )

    def expand(self, step: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """A whole flow as the single steps it is made of."""
        kind = step[0]
        if kind == "quiz":
            _, actor, taps = step
            return [
                ("command", actor, False, "quiz", ""),
                *(("tap", actor, False, k) for k in taps),
            ]
        if kind == "book":
            _, actor, slot, phone = step
            give = {
                "phone": ("secret", actor, "spaced"),
                "contact": ("contact", actor, False, actor),
                "none": ("text", actor, False, t("book_no_phone")),
            }[phone]
            return [
                ("command", actor, False, "lawyer", ""),
                ("secret", actor, "topic"),
                ("tap", actor, False, slot),
                give,
                ("label", actor, t("book_confirm")),
            ]
        if kind == "unbook":
            _, actor, sure = step
            return [
                ("command", actor, False, "mybookings", ""),
                ("label", actor, t("book_cancel")),
                ("label", actor, t("book_cancel_yes") if sure else t("book_keep")),
            ]
        if kind == "forget":
            _, actor, sure = step
            label = t("forget_yes") if sure else t("forget_no")
            return [("command", actor, False, "forget", ""), ("label", actor, label)]
        if kind == "duty":
            return [("command", LAWYER, False, "duty", ""), ("tap", LAWYER, False, step[1])]
        return [step]

    def newest(self, chat_id: int, label: str = "") -> tuple[int, list[Button]] | None:
        """The newest message in the chat with buttons (with one labelled `label`)."""
        for mid, row in sorted(self.shown.get(chat_id, {}).items(), reverse=True):
            if row and any(label in b.text for b in row):
                return mid, [b for b in row if label in b.text]
        return None

    def event(self, step: tuple[Any, ...]) -> Event | None:
        """The event a step stands for (None: nothing to do, e.g. no button to press)."""
        kind = step[0]
        if kind == "text":
            _, actor, group, said = step
            chat = self.chat(actor, group)
            return Event.message(User(actor, "张三"), chat[0], said, chat[1])
        if kind == "secret":
            _, actor, which = step
            person = PEOPLE[actor]
            said = {"topic": person.topic, "phone": person.phone}.get(
                which, f"{person.phone[:3]} {person.phone[3:7]} {person.phone[7:]}"
            )
            return Event.message(User(actor), actor, said)
        if kind == "command":
            _, actor, group, name, args = step
            chat = self.chat(actor, group)
            return Event.message(User(actor), chat[0], f"/{name} {args}", chat[1])
        if kind == "press":
            _, actor, group, k = step
            chat = self.chat(actor, group)
            shown = self.buttons_in(chat[0])
            if not shown:
                return None
            mid, button = shown[k % len(shown)]
            return self.press(actor, chat, button.data, mid)
        if kind in ("tap", "label"):
            actor, group = step[1], kind == "tap" and step[2]
            chat = self.chat(actor, group)
            found = self.newest(chat[0], "" if kind == "tap" else step[2])
            if found is None:
                return None
            mid, row = found
            return self.press(
                actor, chat, row[step[-1] % len(row) if kind == "tap" else 0].data, mid
            )
        if kind == "press_other":
            _, actor, k = step
            others = [
                b for chat_id in self.shown if chat_id != actor for _, b in self.buttons_in(chat_id)
            ]
            if not others:
                return None
            return self.press(
                actor, (actor, "private"), others[k % len(others)].data, self.last_message(actor)
            )
        if kind == "forge":
            _, actor, group, prefix, fields = step
            chat = self.chat(actor, group)
            return self.press(actor, chat, ":".join([prefix, *fields]), self.last_message(chat[0]))
        if kind == "contact":
            _, actor, group, whose = step
            chat = self.chat(actor, group)
            return Event.contact(User(actor), chat[0], PHONES[whose], whose, chat[1])
        if kind == "poll":
            _, actor, poll_id, options = step
            return Event.poll_answer(User(actor), poll_id, tuple(options))
        if kind == "member":
            _, actor, group, status = step
            chat = self.chat(actor, group)
            return Event.membership(User(actor), chat[0], status, chat[1])
        if kind == "unsupported":
            _, actor, group, content = step
            chat = self.chat(actor, group)
            return Event.unsupported(User(actor), chat[0], content, chat[1])
        assert kind == "wait"
        self.clock.advance(step[1])
        return None

    def show(self, actions: list[Action]) -> None:
        for a in actions:
            if isinstance(a, SendMessage):
                row = tuple(b for line in a.buttons for b in line)
                self.shown.setdefault(a.chat_id, {})[next(self.message_ids)] = row
            elif isinstance(a, EditMessage) and a.message_id in self.shown.get(a.chat_id, {}):
                self.shown[a.chat_id][a.message_id] = tuple(b for line in a.buttons for b in line)


def forbidden_in(chat_id: int) -> tuple[str, ...]:
    """Personal data that must never appear in this chat."""
    if chat_id == LAWYER:
        return ()  # the lawyer sees the topic and phone of the bookings made with them
    return tuple(s for uid, p in PEOPLE.items() if uid != chat_id for s in p.secrets)


def check_text(where: str, shown: str, chat_id: int) -> None:
    assert shown.strip(), f"{where}: empty text"
    assert len(shown.encode("utf-16-le")) // 2 <= MAX_TEXT, f"{where}: {len(shown)} characters"
    assert t("error") not in shown, f"{where}: the error answer"
    leaked = [s for s in forbidden_in(chat_id) if s in shown]
    assert not leaked, f"{where} in chat {chat_id} shows {leaked}: {shown!r}"


def check_buttons(where: str, buttons: tuple[tuple[Button, ...], ...], chat_id: int) -> None:
    for row in buttons:
        for b in row:
            check_text(f"{where} button", b.text, chat_id)
            assert 1 <= len(b.data.encode("utf-8")) <= MAX_CALLBACK_BYTES, b.data
            route = ROUTES.buttons.get(prefix_of(b.data))
            assert route is not None, b.data
            route.record.unpack(b.data)  # the bot can read its own buttons back


def check_actions(event: Event, actions: list[Action]) -> None:
    callbacks = [a for a in actions if isinstance(a, AnswerCallback)]
    if event.kind == "button":
        assert [a.callback_id for a in callbacks] == [event.callback_id], actions
    else:
        assert not callbacks, actions
    for a in actions:
        if isinstance(a, AnswerCallback):
            assert len(a.text) <= MAX_TOAST, a.text
            assert t("error") not in a.text, "the error answer"
            leaked = [s for s in forbidden_in(event.user.id) if s in a.text]
            assert not leaked, f"toast for {event.user.id} shows {leaked}"
        elif isinstance(a, SendMessage):
            assert a.chat_id in (event.chat_id, LAWYER, *WORKERS), f"message to {a.chat_id}"
            assert not (a.buttons and a.reply_keyboard), "two keyboards on one message"
            check_text("message", a.text, a.chat_id)
            check_buttons("message", a.buttons, a.chat_id)
        elif isinstance(a, EditMessage):
            assert a.chat_id == event.chat_id, f"edit in chat {a.chat_id}"
            check_text("edit", a.text, a.chat_id)
            check_buttons("edit", a.buttons, a.chat_id)
        elif isinstance(a, SendDocument):  # a consultation's calendar file, to its two people
            assert a.chat_id in (LAWYER, *WORKERS), f"document to {a.chat_id}"
            assert a.filename.endswith(".ics") and len(a.caption) <= MAX_CAPTION, a.filename
            check_text("calendar file", a.content.decode("utf-8"), a.chat_id)
        else:
            raise AssertionError(f"unexpected action {a!r}")


async def check_database(world: World) -> None:
    async with world.conversation.sessions() as session:
        rounds = (await session.exec(select(PracticeAttempt))).all()
        answers = (await session.exec(select(AttemptAnswer))).all()
        bookings = (await session.exec(select(Booking))).all()
        slots = (await session.exec(select(DutySlot))).all()
    positions: dict[int | None, list[int]] = {}
    plans = {r.id: r.question_ids for r in rounds}
    for answer in answers:
        positions.setdefault(answer.attempt_id, []).append(answer.position)
        assert answer.question_id == plans[answer.attempt_id][answer.position], (
            f"answer {answer.id} judged by another question than its round's"
        )
    open_rounds: dict[int, int] = {}
    for r in rounds:
        assert sorted(positions.get(r.id, [])) == list(range(r.position)), (
            f"round {r.id} at {r.position} has answers at {positions.get(r.id)}"
        )
        assert r.position <= len(r.question_ids)
        if r.status == "active":
            open_rounds[r.user_id] = open_rounds.get(r.user_id, 0) + 1
    assert all(n == 1 for n in open_rounds.values()), open_rounds
    active = [b for b in bookings if b.status in ACTIVE]
    per_slot = [b.slot_id for b in active]
    assert len(per_slot) == len(set(per_slot)), "two active bookings on one slot"
    per_user: dict[int, int] = {}
    for b in active:
        per_user[b.user_id] = per_user.get(b.user_id, 0) + 1
    assert all(n <= 2 for n in per_user.values()), per_user
    holder = {s.id: s.booking_id for s in slots}
    for b in active:
        assert holder[b.slot_id] == b.id, f"booking {b.id} does not hold slot {b.slot_id}"
    by_id = {b.id: b for b in bookings}
    for s in slots:
        if s.booking_id is not None:
            b = by_id.get(s.booking_id)
            assert b is not None and b.slot_id == s.id and b.status in (*ACTIVE, "done"), s


async def fresh_database(engine: AsyncEngine, roster: Path) -> None:
    """Empty every table (ids start again at 1) and import the roster."""
    names = [table.name for table in metadata.sorted_tables]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(names):
                await conn.execute(text(f"DELETE FROM {name}"))
    async with session_factory(engine)() as session:
        await import_roster(session, read_roster(roster, TZ))
        await session.commit()


async def run_script(
    engine: AsyncEngine, bank: Bank, roster: Path, script: list[tuple[Any, ...]]
) -> None:
    await fresh_database(engine, roster)
    clock = FakeClock()
    services = Services(bank=bank, library=StatuteLibrary(), practice_size=3, faq=matcher(), tz=TZ)
    world = World(Conversation(session_factory(engine), services, clock), clock)
    with log_errors() as logged:
        for number, step in enumerate(s for whole in script for s in world.expand(whole)):
            event = world.event(step)
            if event is None:
                continue
            actions = await asyncio.wait_for(world.conversation.process(event), timeout=30)
            assert not logged.records, (
                f"step {number} {step!r}: logged {[r.getMessage() for r in logged.records]}"
            )
            try:
                check_actions(event, actions)
                await check_database(world)
            except AssertionError as exc:
                raise AssertionError(f"step {number} {step!r}: {exc}") from exc
            world.show(actions)
    await note_outcome(world)


async def note_outcome(world: World) -> None:
    """How far the flows got (shown by `pytest --hypothesis-show-statistics`)."""
    async with world.conversation.sessions() as session:
        answers = len((await session.exec(select(AttemptAnswer))).all())
        bookings = (await session.exec(select(Booking))).all()
    note(f"answers recorded: {min(answers, 5)}{'+' if answers >= 5 else ''}")
    note(f"bookings made: {len(bookings)}")
    for status in sorted({b.status for b in bookings}):
        note(f"a booking {status}")


@settings(
    max_examples=EXAMPLES or 25,
    deadline=None,
    derandomize=not LONG_RUN,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,  # the database is emptied for every example
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(script=scripts)
async def test_random_events_keep_every_promise(
    engine: AsyncEngine, small_bank: Bank, tmp_path: Path, script: list[tuple[Any, ...]]
) -> None:
    roster = tmp_path / "roster.yaml"
    roster.write_text(ROSTER, encoding="utf-8")
    await run_script(engine, small_bank, roster, script)
