"""Bad input never crashes, hangs or silently lies (issue 9): every case is refused with a
`file:line: message`, quickly, or handled correctly."""

from __future__ import annotations

import asyncio
import time
from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli import main as pufa
from bot.conversation.actions import AnswerCallback
from bot.conversation.buttons import DB_ID, ButtonData
from bot.conversation.context import Services
from bot.conversation.messages import t
from bot.conversation.router import Conversation
from legal_aid import Booking, DutySlot, RosterInvalid, import_roster, read_roster
from legal_faq import FaqMatcher, list_misses, load_corpus, record_miss
from legal_faq.misses import scrub
from question_bank import Bank, BankInvalid, StatuteLibrary, bank_files, load_bank
from question_bank.yamlsource import load_yaml
from scoring.models import AttemptAnswer, PracticeAttempt
from tests.conftest import SMALL_BANK, FakeClock
from tests.flowkit import ChatDriver
from tests.test_routing import sample, snapshot


def billion_laughs(levels: int, key: str = "lol") -> str:
    """Each level is nine aliases of the one below: 9**levels strings once expanded."""
    lines = [f'{key}0: &{key}0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"{key}{i}: &{key}{i} [" + ", ".join([f"*{key}{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = pufa(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def test_billion_laughs_yaml_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("questions: []\n" + billion_laughs(9), encoding="utf-8")
    started = time.perf_counter()
    code, out = run_cli(capsys, "bank", "validate", str(bomb))
    assert time.perf_counter() - started < 1.0
    assert code == 1
    assert f"{bomb}:3: YAML aliases (*name) are not allowed" in out


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf 6\ng: 7\n", 6, "could not find expected ':'"),
        ('a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: "abc\ng: 7\n', 6, "unexpected end of stream"),
        ("a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: [1, 2\ng: 7\n", 6, "expected ',' or ']'"),
        ("a:\n  b: 1\n  c: 2\n  d: 3\n  e: 4\n f: 5\n", 6, "YAML syntax"),
        ("a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: x: y\n", 6, "mapping values are not allowed"),
    ],
)
def test_yaml_syntax_error_is_reported_at_its_own_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    problems = [str(p) for p in load_yaml(path).problems]
    assert len(problems) == 1 and problems[0].startswith(f"{path}:{line}: "), problems
    assert message in problems[0]


def test_oversized_yaml_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" + "#" * 100 + "\n", encoding="utf-8")
    doc = load_yaml(path, max_bytes=64)
    assert doc.data is None
    assert [str(p) for p in doc.problems] == [f"{path}:1: file is 106 bytes; the limit is 64 bytes"]


def test_deeply_nested_yaml_loads_without_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("[" * 990 + "]" * 990, encoding="utf-8")
    assert load_yaml(path).problems == []


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01"])
def test_impossible_date_in_a_bank_file_is_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], day: str
) -> None:
    path = tmp_path / "bank.yaml"
    path.write_text(f"law: constitution\nreviewed: {day}\nquestions: []\n", encoding="utf-8")
    code, out = run_cli(capsys, "bank", "validate", str(path))
    assert code == 1
    assert f"{path}:2: YAML: impossible date '{day}'" in out


# --- the duty roster -------------------------------------------------------------------

TZ = ZoneInfo("Asia/Shanghai")
ROSTER = """\
slot_minutes: 30
lawyers:
  - telegram_id: 9001
    name: 王律师
    duty:
      - {date: 2026-11-26, from: "14:00", to: "15:00"}
      - {date: 2026-11-27, from: "09:00", to: "10:00"}
"""


def roster_problems(tmp_path: Path, text: str, **limits: int) -> list[str]:
    path = tmp_path / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterInvalid) as caught:
        read_roster(path, TZ, **limits)
    return [str(p).replace(f"{path}:", "roster.yaml:") for p in caught.value.problems]


def test_billion_laughs_roster_is_refused(tmp_path: Path) -> None:
    started = time.perf_counter()
    problems = roster_problems(tmp_path, ROSTER + billion_laughs(7, key="x"))
    assert time.perf_counter() - started < 1.0
    assert problems == ["roster.yaml:9: YAML aliases (*name) are not allowed in data files"]


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01"])
def test_impossible_date_in_a_roster_is_located(tmp_path: Path, day: str) -> None:
    problems = roster_problems(tmp_path, ROSTER.replace("2026-11-27", day))
    assert len(problems) == 1 and problems[0].startswith(
        f"roster.yaml:7: YAML: impossible date '{day}'"
    )


def test_huge_telegram_id_in_a_roster_is_refused(tmp_path: Path) -> None:
    problems = roster_problems(tmp_path, ROSTER.replace("9001", "99999999999999999999999"))
    assert len(problems) == 1 and problems[0].startswith("roster.yaml:3: lawyers.0.telegram_id:")


def test_overlapping_duties_in_one_file_are_refused(tmp_path: Path) -> None:
    text = ROSTER + '      - {date: 2026-11-26, from: "14:15", to: "15:15"}\n'
    assert roster_problems(tmp_path, text) == [
        "roster.yaml:8: this duty overlaps the duty at line 6"
    ]


@pytest.mark.parametrize("time_text", ["9:00", "9:30:00", "900"])
def test_unquoted_sexagesimal_time_is_refused(tmp_path: Path, time_text: str) -> None:
    problems = roster_problems(tmp_path, ROSTER.replace('"09:00"', time_text))
    assert len(problems) == 1 and problems[0].startswith("roster.yaml:7: lawyers.0.duty.1.from:")
    assert 'quotes, e.g. from: "09:00"' in problems[0]


def test_roster_over_the_slot_limit_is_refused(tmp_path: Path) -> None:
    problems = roster_problems(tmp_path, ROSTER, max_slots=3)
    assert problems == [
        "roster.yaml:7: the roster makes more than 3 consultation slots (the limit); "
        "split it into several files"
    ]


def test_oversized_roster_file_is_refused(tmp_path: Path) -> None:
    problems = roster_problems(tmp_path, ROSTER, max_bytes=100)
    assert problems == [
        f"roster.yaml:1: file is {len(ROSTER.encode()):,} bytes; the limit is 100 bytes"
    ]


async def test_reimport_with_another_slot_length_never_overlaps(
    tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    async with sessions() as session:
        assert await import_roster(session, read_roster(path, TZ)) == (1, 4)
        await session.commit()
    path.write_text(ROSTER.replace("slot_minutes: 30", "slot_minutes: 20"), encoding="utf-8")
    async with sessions() as session:
        with pytest.raises(RosterInvalid) as caught:
            await import_roster(session, read_roster(path, TZ))
        assert [str(p) for p in caught.value.problems] == [
            f"{path}:{line}: this duty overlaps consultation slots already in the database "
            "(another slot length or changed times?)"
            for line in (6, 7)
        ]
    # the same file again, and a new duty next to the old ones, are fine
    path.write_text(ROSTER + '      - {date: 2026-11-26, from: "15:00", to: "16:00"}\n')
    async with sessions() as session:
        assert await import_roster(session, read_roster(path, TZ)) == (1, 2)
        await session.commit()
        starts = sorted(s.starts_at for s in await session.exec(select(DutySlot)))
    assert len(starts) == 6 and len(set(starts)) == 6


async def test_overlapping_duty_against_the_database_is_refused_by_the_cli(
    tmp_path: Path, db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUFA_DATABASE_URL", db_url)
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    assert await asyncio.to_thread(run_cli, capsys, "roster", "import", str(path)) == (
        0,
        "1 lawyer(s) on the roster, 4 new consultation slot(s)\n"
        # the roster's dates are before today: said, not silently counted as bookable
        "warning: 4 slot(s) of one-off dates are already past (nobody can book them)\n",
    )
    path.write_text(ROSTER.replace('"14:00", to: "15:00"', '"14:15", to: "15:15"'))
    code, out = await asyncio.to_thread(run_cli, capsys, "roster", "import", str(path))
    assert code == 1
    assert f"{path}:6: this duty overlaps consultation slots already in the database" in out


def big_roster(target_bytes: int) -> str:
    """A roster of about `target_bytes`: 100 lawyers, each on duty one hour a day."""
    lines = ["slot_minutes: 30", "lawyers:"]
    size = 0
    lawyer = 0
    while size < target_bytes:
        lawyer += 1
        lines += [f"  - telegram_id: {100_000 + lawyer}", f"    name: 律师{lawyer}", "    duty:"]
        for day in range(365):
            when = date(2027, 1, 1) + timedelta(days=day)
            lines.append(f'      - {{date: {when}, from: "09:00", to: "10:00"}}')
        size = sum(len(line) + 1 for line in lines)
    return "\n".join(lines) + "\n"


async def test_one_megabyte_roster_imports_in_seconds(
    tmp_path: Path, sessions: async_sessionmaker[AsyncSession]
) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(big_roster(1_000_000), encoding="utf-8")
    started = time.perf_counter()
    roster = read_roster(path, TZ)
    async with sessions() as session:
        lawyers, slots = await import_roster(session, roster)
        await session.commit()
    assert slots == 2 * 365 * lawyers and lawyers >= 50
    assert time.perf_counter() - started < 20  # it took over a minute with a query per slot


# --- `pufa bank validate` checks what start-up loads --------------------------------------


def test_bank_validate_refuses_an_empty_folder_like_start_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(capsys, "bank", "validate", str(tmp_path))
    assert code == 1 and "no question files found" in out
    with pytest.raises(BankInvalid, match="1 problem"):
        load_bank(bank_files(tmp_path))  # what start-up runs on PUFA_BANK_DIR


def test_bank_validate_without_paths_checks_pufa_bank_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUFA_BANK_DIR", str(tmp_path))
    code, out = run_cli(capsys, "bank", "validate")
    assert code == 1 and "no question files found" in out
    monkeypatch.setenv("PUFA_BANK_DIR", str(SMALL_BANK))
    assert run_cli(capsys, "bank", "validate") == (0, "OK: 5 questions in 2 file(s)\n")


def test_start_up_checks_the_blueprint_of_a_whole_folder(tmp_path: Path) -> None:
    for source in bank_files(SMALL_BANK):
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "blueprint.yaml").write_text("exams: 1\n", encoding="utf-8")
    with pytest.raises(BankInvalid) as caught:
        load_bank(bank_files(tmp_path))
    assert all(p.file.endswith("blueprint.yaml") for p in caught.value.problems)
    # one file of the folder is not the whole bank: its blueprint is not checked
    assert len(load_bank(bank_files(tmp_path)[:1]).questions) > 0


# --- personal data stays out of the kept questions and the logs ---------------------------


@pytest.mark.parametrize(
    ("said", "secret"),
    [
        ("老板不签和同怎么赔 我是李四 139 1234 5678", "139 1234 5678"),
        ("电话13800138000", "13800138000"),
        ("电话 138 0013 8000 谢谢", "138 0013 8000"),
        ("电话 138-0013-8000", "138-0013-8000"),
        ("电话 +86 138 0013 8000", "138 0013 8000"),
        ("电话 +8613800138000", "13800138000"),
        ("座机 (010) 6512-3456", "6512-3456"),
        ("座机（0755）88886666", "88886666"),
        ("座机 010-65123456 找我", "65123456"),
        ("身份证 11010519491231002X 被扣了", "11010519491231002X"),
        ("身份证 110105194912310021", "110105194912310021"),
        ("发到 li.si+job@qq.com 吧", "li.si+job@qq.com"),
        ("邮箱 123456@163.com", "163.com"),
    ],
)
async def test_kept_questions_mask_phones_id_cards_and_emails(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, said: str, secret: str
) -> None:
    async with sessions() as session:
        await record_miss(session, said, "none", clock.now())
        await session.commit()
        [kept] = await list_misses(session)
    assert secret not in kept.query and "#" in kept.query
    assert not any(part in kept.query for part in secret.split() if len(part) >= 4)


def test_kept_questions_keep_ordinary_numbers() -> None:
    assert (
        scrub("2019 2020 年加班，工资 5000 元，干了 3 年")
        == "2019 2020 年加班，工资 5000 元，干了 3 年"
    )


async def test_database_errors_hide_sql_parameters(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    async with sessions() as session:
        session.add(
            Booking(
                user_id=1,
                slot_id=999_999,  # no such slot: a foreign-key error
                lawyer_id=999_999,
                topic="被辞退了 SECRET-TOPIC",
                phone="13800138000",
                created_at=clock.now(),
            )
        )
        with pytest.raises(DBAPIError) as caught:
            await session.flush()
    message = str(caught.value)
    assert "SECRET-TOPIC" not in message and "13800138000" not in message
    assert "hidden" in message


async def test_nul_character_in_a_question_and_a_topic_is_harmless(
    sessions: async_sessionmaker[AsyncSession], small_bank: Bank, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    async with sessions() as session:
        await import_roster(session, read_roster(path, TZ))
        await session.commit()
    matcher = FaqMatcher(load_corpus())
    services = Services(bank=small_bank, library=StatuteLibrary(), faq=matcher, tz=TZ)
    worker = ChatDriver(Conversation(sessions, services, clock), 77)
    error = t("error")
    for question in ("老板不签\x00和同怎么赔", "火星上\x00下雨吗"):
        await worker.send(question)
        assert error not in worker.last().text
    await worker.send("/lawyer")
    await worker.send("干了两年\x00没签合同被辞退了")
    await worker.press("11月26日（周四）14:00")
    await worker.send("138 1234\x00 5678")
    await worker.press("确认预约")
    assert error not in worker.last().text
    async with sessions() as session:
        [booking] = (await session.exec(select(Booking))).all()
        misses = await list_misses(session)
    assert (booking.topic, booking.phone) == ("干了两年没签合同被辞退了", "13812345678")
    assert all("\x00" not in m.query for m in misses)


def test_roster_limits_come_from_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    monkeypatch.setenv("PUFA_ROSTER_MAX_SLOTS", "3")
    code, out = run_cli(capsys, "roster", "import", str(path))
    assert code == 1 and "more than 3 consultation slots" in out


# --- forged buttons: out-of-range options and ids (rows 8 and 9) ---------------------------

EXPIRED = t("expired")
HUGE_IDS = (str(2**31), str(2**63), "99999999999999999999")
JUNK_FIELDS = ("-1", str(2**31), str(2**63), "", "x", "1e3", "０")


async def press_expired(driver: ChatDriver, data: str) -> None:
    """The press is answered once, with 已过期, and nothing else is said or shown."""
    actions = await driver.press_data(data, 1)
    assert actions == [AnswerCallback(actions[0].callback_id, EXPIRED)], (data, actions)  # type: ignore[union-attr]


@pytest.fixture
async def desk(sessions, small_bank: Bank, clock: FakeClock, tmp_path: Path) -> Conversation:  # type: ignore[no-untyped-def]
    path = tmp_path / "roster.yaml"
    path.write_text(ROSTER, encoding="utf-8")
    async with sessions() as session:
        await import_roster(session, read_roster(path, TZ))
        await session.commit()
    services = Services(
        bank=small_bank,
        library=StatuteLibrary(),
        practice_size=5,
        faq=FaqMatcher(load_corpus()),
        tz=TZ,
    )
    return Conversation(sessions, services, clock)


async def test_quiz_answer_with_option_minus_one_is_expired(
    conversation: Conversation, sessions: async_sessionmaker[AsyncSession]
) -> None:
    worker = ChatDriver(conversation, 88)
    await worker.send("/quiz")
    await worker.press("综合练习")
    question = worker.last_with_buttons()
    prefix, attempt, position, _ = question.buttons[0].data.split(":")
    assert prefix in ("qans", "qtick") and position == "0"
    options = len([b for b in question.buttons if not b.data.startswith("qsubmit")])
    before = await snapshot(sessions)
    for option in ("-1", "8", "99", str(options), str(2**31)):  # no such option
        for record in ("qans", "qtick"):
            await press_expired(worker, f"{record}:{attempt}:{position}:{option}")
    for beyond in ("1", "4", "5", "999", "1000", "-1"):  # a position the round is not at
        for record in ("qans", "qtick"):
            await press_expired(worker, f"{record}:{attempt}:{beyond}:0")
        await press_expired(worker, f"qsubmit:{attempt}:{beyond}")
    assert await snapshot(sessions) == before  # nothing recorded, the round did not move
    async with sessions() as session:
        [round_] = (await session.exec(select(PracticeAttempt))).all()
        assert round_.position == 0 and (await session.exec(select(AttemptAnswer))).all() == []
    # the question's own buttons still work
    if prefix == "qtick":
        await worker.press("☐ A", question)
        await worker.press("提交", worker.messages[question.id])
    else:
        await worker.press_data(question.buttons[0].data, question.id)
    async with sessions() as session:
        [round_] = (await session.exec(select(PracticeAttempt))).all()
        [answer] = (await session.exec(select(AttemptAnswer))).all()
    assert round_.position == 1 and answer.chosen == [0]


def db_id_routes(conversation: Conversation) -> list[type[ButtonData]]:
    """Records with a row id (or a token: the same range, compared equal to DB_ID)."""
    return [
        route.record
        for route in conversation.routes.buttons.values()
        if any(spec == DB_ID for _, spec in route.record.specs())
    ]


def forged(record: type[ButtonData], field: str, value: str) -> str:
    """The record's data with `value` (raw: pack() would refuse it) in `field`, and ordinary
    values (ids 1) in the others."""
    good = sample(record).pack().split(":")
    names = [name for name, _ in record.specs()]
    good[1 + names.index(field)] = value
    return ":".join(good)


async def test_ids_beyond_a_postgres_integer_are_expired(
    desk: Conversation, sessions: async_sessionmaker[AsyncSession]
) -> None:
    worker, lawyer = ChatDriver(desk, 601, "小张"), ChatDriver(desk, 9001, "王律师")
    await worker.send("/lawyer")
    await worker.send("干了两年没签合同被辞退了")
    await worker.press("11月26日（周四）14:00")
    await worker.send("138 1234 5678")
    await worker.press("确认预约")  # booking 1, pending
    await worker.send("/quiz")
    await worker.press("综合练习")  # round 1, open
    records = db_id_routes(desk)
    prefixes = {r.prefix for r in records}
    assert {
        "qans",
        "qtick",
        "qsubmit",
        "qresume",
        "bslot",
        "bcancel",
        "ddecide",
        "ddone",
    } <= prefixes
    before = await snapshot(sessions)
    for record in records:
        for name, spec in record.specs():
            if spec != DB_ID:
                continue
            for value in HUGE_IDS:
                for driver in (worker, lawyer):
                    await press_expired(driver, forged(record, name, value))
    assert await snapshot(sessions) == before


async def test_forged_huge_slot_id_mid_booking_changes_nothing(
    desk: Conversation, sessions: async_sessionmaker[AsyncSession]
) -> None:
    worker = ChatDriver(desk, 602)
    await worker.send("/lawyer")
    await worker.send("公司不给加班费怎么办")
    slots = worker.last("请选择一个时间")
    before = await snapshot(sessions)
    for value in HUGE_IDS:
        await press_expired(worker, f"bslot:{value}")
    assert await snapshot(sessions) == before  # the booking flow's state is untouched
    await worker.press("11月26日（周四）14:30", slots)
    await worker.send("13912345678")
    await worker.press("确认预约")
    assert "正在等律师确认" in worker.last().text
    async with sessions() as session:
        [booking] = (await session.exec(select(Booking))).all()
    assert (booking.topic, booking.phone) == ("公司不给加班费怎么办", "13912345678")


async def test_junk_in_any_field_of_any_button_is_expired(
    desk: Conversation, sessions: async_sessionmaker[AsyncSession]
) -> None:
    worker = ChatDriver(desk, 603)
    await worker.send("/quiz")
    await worker.press("综合练习")
    before = await snapshot(sessions)
    pressed = 0
    for route in desk.routes.buttons.values():
        specs = route.record.specs()
        for value in JUNK_FIELDS:
            if not specs:  # a record without fields takes no extra part either
                await press_expired(worker, f"{route.record.prefix}:{value}")
                pressed += 1
            for name, _ in specs:
                await press_expired(worker, forged(route.record, name, value))
                pressed += 1
    assert pressed >= 7 * len(desk.routes.buttons)
    assert await snapshot(sessions) == before


async def test_keep_button_of_a_booking_not_ones_own_is_expired(
    desk: Conversation, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """保留预约 said "kept" for any id, even another worker's or a cancelled booking."""
    owner, other = ChatDriver(desk, 604), ChatDriver(desk, 605)
    await owner.send("/lawyer")
    await owner.send("公司不给加班费怎么办")
    await owner.press("11月26日（周四）14:00")
    await owner.send("不留电话")
    await owner.press("确认预约")
    await press_expired(other, "bkeep:1")  # another worker's booking
    await press_expired(owner, "bkeep:2")  # no such booking
    await owner.press_data("bkeep:1", 1)
    assert owner.last_toast() == t("book_kept")  # the owner's own booking: kept
    await owner.press_data("bcancelok:1", 1)
    await press_expired(owner, "bkeep:1")  # cancelled: nothing left to keep
