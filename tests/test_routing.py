"""Feature routers and typed button data: pack/unpack, the size of every route, composition,
and privacy by chat type (nothing personal in groups)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlmodel import SQLModel

from bot.conversation.actions import AnswerCallback, EditMessage, SendMessage
from bot.conversation.buttons import DB_ID, FLAG, ITEM_ID, OPTION, ButtonData, IntField, TextField
from bot.conversation.context import Services
from bot.conversation.desk import DeskDecide
from bot.conversation.messages import t
from bot.conversation.quiz import QuizAnswer, QuizArticle
from bot.conversation.router import ROUTERS, Conversation
from bot.conversation.routing import CompositionError, FeatureRouter, RunCommand, compose
from legal_aid import import_roster, read_roster
from legal_faq import FaqMatcher, load_corpus
from question_bank import StatuteLibrary
from tests.flowkit import ChatDriver
from tests.test_lawyer import LAWYER, ROSTER, book_first_slot

TZ = ZoneInfo("Asia/Shanghai")


def every_record(conversation: Conversation) -> list[type[ButtonData]]:
    return [route.record for route in conversation.routes.buttons.values()]


def test_records_round_trip_and_say_what_they_are(conversation: Conversation) -> None:
    records = every_record(conversation)
    assert len(records) >= 20
    for record in records:
        assert (record.__doc__ or "").strip(), record
        widest = record.widest()
        assert record.unpack(widest.pack()) == widest
    assert QuizAnswer(7, 2, 1).pack() == "qans:7:2:1"
    assert DeskDecide.unpack("ddecide:12:0") == DeskDecide(12, accept=False)


def test_every_registered_route_fits_in_64_bytes(conversation: Conversation) -> None:
    for record in every_record(conversation):
        data = record.widest().pack()
        assert len(data.encode("utf-8")) <= 64, data


@pytest.mark.parametrize(
    "data",
    [
        "qans:-1:0:0",  # negative
        "qans:2147483648:0:0",  # beyond a PostgreSQL integer
        "qans:0:0:0",  # ids start at 1
        "qans:+1:0:0",  # a sign
        "qans:01:0:0",  # a leading zero
        "qans:1:0:8",  # no option I
        "qans:1:1000:0",  # position out of range
        "qans:1:0",  # a part missing
        "qans:1:0:0:0",  # a part too many
        "qans:1:0:x",  # not a number
        "qans:1:0:٣",  # a non-ASCII digit
        "qans:1: 0:0",  # white space
        "qans:1:0:0:",  # an empty trailing part
        "qlaw:../etc:0",  # outside the id pattern
        "qlaw:A-UPPER:0",
        "qlaw:" + "x" * 42 + ":0",  # too long an id
        "ddecide:1:2",  # a flag is 0 or 1
        "ddecide:1:yes",
        "qtick:1:0:0",  # another record's prefix
        "",
    ],
)
def test_malformed_data_is_refused(data: str) -> None:
    record: type[ButtonData] = QuizArticle if data.startswith("qlaw") else QuizAnswer
    if data.startswith("ddecide"):
        record = DeskDecide
    with pytest.raises(ValueError):
        record.unpack(data)


def test_pack_refuses_values_out_of_range_and_oversized_records() -> None:
    with pytest.raises(ValueError):
        QuizAnswer(0, 0, 0).pack()
    with pytest.raises(ValueError):
        QuizAnswer(1, 0, 8).pack()
    with pytest.raises(ValueError):
        QuizArticle("../x", 0).pack()

    @dataclass(frozen=True)
    class TooBig(ButtonData, prefix="toobig"):
        """A record that cannot fit."""

        a: Annotated[str, ITEM_ID]
        b: Annotated[str, ITEM_ID]

    with pytest.raises(ValueError, match="64 bytes"):
        TooBig.widest().pack()


def test_a_record_without_a_docstring_or_spec_is_refused() -> None:
    with pytest.raises(TypeError, match="docstring"):

        @dataclass(frozen=True)
        class Silent(ButtonData, prefix="silent"):
            n: Annotated[int, DB_ID]

    @dataclass(frozen=True)
    class Untyped(ButtonData, prefix="untyped"):
        """A field without a spec."""

        n: int

    with pytest.raises(TypeError, match="field spec"):
        Untyped.specs()


def test_duplicates_are_refused_at_composition() -> None:
    @dataclass(frozen=True)
    class Twin(ButtonData, prefix="qans"):
        """Claims the quiz answer prefix."""

        option: Annotated[int, OPTION]

    async def nothing(ctx: Any, *args: Any) -> None:
        """Never runs."""

    clash_button = FeatureRouter("clash")
    clash_button.button(Twin)(nothing)
    clash_command = FeatureRouter("clash")
    clash_command.command("quiz")(nothing)
    clash_flow = FeatureRouter("clash")
    clash_flow.text("book_phone")(nothing)
    for router in (clash_button, clash_command, clash_flow):
        with pytest.raises(CompositionError):
            compose(*ROUTERS, router)
    first, second = FeatureRouter("a"), FeatureRouter("b")
    first.timer("reminder")(nothing)
    second.timer("reminder")(nothing)
    with pytest.raises(CompositionError):
        compose(first, second)
    compose(*ROUTERS)  # the real routers fit together


def test_menu_comes_from_the_routers(conversation: Conversation) -> None:
    menu = dict(conversation.menu())
    for name in ("start", "help", "quiz", "wrong", "ask", "lawyer", "mybookings", "cancel"):
        assert menu[name] and name in conversation.routes.commands
    assert "duty" not in menu  # lawyers only: not in everyone's menu
    # quiz masters' group commands: in /help, not in the menu every worker sees in every chat
    assert "groupquiz" not in menu and "stopquiz" not in menu
    assert {"groupquiz", "stopquiz"} <= set(conversation.routes.commands)
    assert "/groupquiz [题数] [每题秒数] [法律]" in t("help") and "/stopquiz" in t("help")
    assert all(1 <= len(d) <= 256 for d in menu.values())


# --- privacy by chat type ------------------------------------------------------------------

GROUP = -1001234
TOPIC, PHONE = "欠薪三个月老板跑路了", "13912345678"


@pytest.fixture
async def desk(sessions, small_bank, clock, tmp_path: Path) -> Conversation:  # type: ignore[no-untyped-def]
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    async with sessions() as session:
        await import_roster(session, read_roster(path, TZ))
        await session.commit()
    matcher = FaqMatcher(load_corpus())
    services = Services(
        bank=small_bank, library=StatuteLibrary(), practice_size=5, faq=matcher, tz=TZ
    )
    return Conversation(sessions, services, clock)


async def snapshot(sessions) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        return {
            table.name: sorted(
                repr(tuple(row))
                for row in await (await session.connection()).execute(select(table))
            )
            for table in SQLModel.metadata.sorted_tables
        }


def sample(record: type[ButtonData]) -> ButtonData:
    """A record with ordinary values: ids 1 (the booking and the round made below)."""
    values: dict[str, object] = {}
    for name, spec in record.specs():
        if isinstance(spec, IntField):
            values[name] = spec.low
        elif isinstance(spec, TextField):
            values[name] = "all" if record.__name__ == "QuizScope" else spec.longest
        else:
            values[name] = FLAG.widest()
    return record(**values)


async def test_nothing_personal_in_groups(desk: Conversation, sessions) -> None:  # type: ignore[no-untyped-def]
    worker = ChatDriver(desk, 601, "小张")
    await worker.send("/quiz")
    await worker.press("综合练习")
    lawyer = ChatDriver(desk, LAWYER, "王律师")
    await book_first_slot(worker, TOPIC)  # with phone 138 1234 5678
    await worker.send("/lawyer")
    await worker.send("又一个问题：社保没交")
    await worker.press("11月26日（周四）14:30")
    await worker.send(PHONE)
    await worker.press("确认预约")  # the worker is in no flow now; two bookings pending
    await lawyer.send("/duty")
    assert TOPIC in lawyer.last(TOPIC).text  # in private, the lawyer sees it
    before = await snapshot(sessions)

    personal = (TOPIC, "社保没交", PHONE, "13812345678")
    for who, others in ((601, ("王律师", "明法律师事务所")), (LAWYER, ("小张",))):
        member = ChatDriver(desk, who, "", chat_id=GROUP, chat_type="group")
        actions = []
        for name, command in desk.routes.commands.items():
            actions += await member.send(f"/{name}")
            if command.private_only:
                assert member.texts() == [t("private_only")], name
            actions += await member.press_data(RunCommand(name).pack())
            if command.private_only:
                assert member.last_toast() == t("private_only"), name
        for route in desk.routes.buttons.values():
            actions += await member.press_data(sample(route.record).pack(), 1)
            if route.private_only:
                assert member.last_toast() == t("private_only"), route.record
        actions += await member.send("老板欠薪怎么办")  # chatter, not a question
        actions += await member.share_contact(PHONE)
        shown = [
            a.text for a in actions if isinstance(a, SendMessage | EditMessage | AnswerCallback)
        ]
        assert shown, who
        for text in shown:
            assert not any(p in text for p in (*personal, *others)), text
        assert not any(
            isinstance(a, SendMessage | EditMessage) and a.chat_id != GROUP for a in actions
        )
    assert await snapshot(sessions) == before
