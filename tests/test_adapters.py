"""The BotApi contract, for both Telegram runtimes (aiogram and python-telegram-bot), against
the fake Bot API server over HTTP (via the api_base option, i.e. PUFA_TELEGRAM_API_BASE):
every update kind maps to the same event, every action leaves the same state on the server,
every error kind is mapped the same way."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.conversation.actions import (
    AnswerCallback,
    Button,
    EditMessage,
    ReplyKeyboard,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendPoll,
    StopPoll,
    keyboard,
)
from bot.conversation.events import Event
from bot.transports.base import (
    ALLOWED_UPDATES,
    BotApi,
    Fetched,
    Rejected,
    RetryLater,
    Sent,
    TransientError,
    Unreachable,
)
from bot.transports.telegram import make_api
from tests.fake_telegram import FakeTelegram, Group, Phone

RUNTIMES = ["aiogram", "ptb"]
MENU = (("start", "开始"), ("quiz", "练习"))
WANG = Phone(1001, "小王")
LI = Phone(1002, "小李")
TEAM = Group(-2001, "快递小哥工会小组")
SUPER = Group(-1002002, "货车司机之家", "supergroup")


@pytest.fixture(params=RUNTIMES)
async def api(request: pytest.FixtureRequest, telegram: FakeTelegram) -> AsyncIterator[BotApi]:
    bot_api = make_api(request.param, telegram.token, telegram.api_base)
    await bot_api.prepare(MENU)
    yield bot_api
    await bot_api.close()


class Feed:
    """Fetches updates one at a time, acknowledging each (as the delivery core does)."""

    def __init__(self, api: BotApi) -> None:
        self.api = api
        self.offset: int | None = None
        self.pending: list[Fetched] = []

    async def next(self) -> Fetched:
        if not self.pending:
            self.pending = await self.api.fetch(self.offset, 2)
            assert self.pending, "no update"
            self.offset = self.pending[-1].update_id + 1
        return self.pending.pop(0)

    async def event(self) -> Event:
        fetched = await self.next()
        assert fetched.event is not None
        # events go to the inbox as JSON: they must survive the round trip unchanged
        assert Event.from_json(json.loads(json.dumps(fetched.event.to_json()))) == fetched.event
        return fetched.event


@pytest.fixture
def feed(api: BotApi) -> Feed:
    return Feed(api)


def start(telegram: FakeTelegram, *phones: Phone) -> None:
    """The users wrote to the bot (so it may write to them); their updates are dropped."""
    for phone in phones:
        telegram.send_text(phone, "/start")
    telegram.updates.clear()


# ---- start-up ----


async def test_prepare_names_the_bot_and_sets_the_menu(api: BotApi, telegram: FakeTelegram) -> None:
    assert api.name in RUNTIMES
    assert await api.prepare(MENU) == "pufa_test_bot"
    assert telegram.commands == [
        {"command": "start", "description": "开始"},
        {"command": "quiz", "description": "练习"},
    ]
    methods = [m.lower() for m, _ in telegram.calls]
    assert "getme" in methods and "deletewebhook" in methods
    hook = next(p for m, p in telegram.calls if m.lower() == "deletewebhook")
    assert str(hook.get("drop_pending_updates")).lower() in ("false", "none")


# ---- updates → events ----


async def test_private_text_commands_and_deep_links(feed: Feed, telegram: FakeTelegram) -> None:
    telegram.send_text(WANG, "加班费怎么算？")
    event = await feed.event()
    assert (event.kind, event.text, event.chat_id, event.chat_type) == (
        "text",
        "加班费怎么算？",
        WANG.id,
        "private",
    )
    assert event.user.id == WANG.id and event.user.name == "小王"
    assert type(event.chat_type) is str

    telegram.send_text(WANG, "/start join_T7K2")
    event = await feed.event()
    assert (event.kind, event.command, event.args) == ("command", "start", "join_T7K2")

    telegram.send_text(WANG, "/Quiz@pufa_test_bot")
    event = await feed.event()
    assert (event.kind, event.command, event.args) == ("command", "quiz", "")


async def test_group_messages_and_membership(feed: Feed, telegram: FakeTelegram) -> None:
    telegram.add_bot_to_group(WANG, TEAM)
    event = await feed.event()
    assert (event.kind, event.member_status, event.chat_id, event.chat_type) == (
        "membership",
        "member",
        TEAM.id,
        "group",
    )
    assert event.user.id == WANG.id

    telegram.send_text(LI, "/rank@pufa_test_bot", group=TEAM)
    event = await feed.event()
    assert (event.kind, event.command, event.chat_id, event.chat_type) == (
        "command",
        "rank",
        TEAM.id,
        "group",
    )
    assert event.user == event.user.__class__(LI.id, "小李")
    assert not event.private

    telegram.send_text(LI, "/rank@other_bot", group=TEAM)  # for another bot in the group
    assert (await feed.next()).event is None

    telegram.add_bot_to_group(WANG, SUPER)
    await feed.event()
    telegram.send_text(WANG, "大家好", group=SUPER)
    event = await feed.event()
    assert (event.kind, event.chat_id, event.chat_type) == ("text", SUPER.id, "supergroup")

    telegram.remove_bot_from_group(WANG, TEAM)
    event = await feed.event()
    assert (event.kind, event.member_status, event.chat_id) == ("membership", "left", TEAM.id)


async def test_block_and_unblock(feed: Feed, telegram: FakeTelegram) -> None:
    start(telegram, WANG)
    telegram.block_bot(WANG)
    event = await feed.event()
    assert (event.kind, event.member_status, event.chat_id, event.chat_type) == (
        "membership",
        "kicked",
        WANG.id,
        "private",
    )
    telegram.unblock_bot(WANG)
    event = await feed.event()
    assert (event.kind, event.member_status) == ("membership", "member")


async def test_contacts(feed: Feed, telegram: FakeTelegram) -> None:
    telegram.send_contact(WANG, "+8613800138000")
    event = await feed.event()
    assert (event.kind, event.phone, event.contact_user_id) == (
        "contact",
        "+8613800138000",
        WANG.id,
    )
    telegram.send_contact(WANG, "+8613900139000", user_id=LI.id)
    assert (await feed.event()).contact_user_id == LI.id
    telegram.send_contact(WANG, "+8613700137000", user_id=0)  # no Telegram account
    event = await feed.event()
    assert (event.kind, event.contact_user_id) == ("contact", None)


async def test_unsupported_content_and_service_messages(feed: Feed, telegram: FakeTelegram) -> None:
    telegram.send_sticker(WANG)
    telegram.send_photo(WANG)
    telegram.send_voice(WANG)
    contents = [(await feed.event()) for _ in range(3)]
    assert [(e.kind, e.content) for e in contents] == [
        ("unsupported", "sticker"),
        ("unsupported", "photo"),
        ("unsupported", "voice"),
    ]
    telegram._user_message(WANG, location={"latitude": 31.2, "longitude": 121.5})
    assert (await feed.event()).content == "location"
    telegram._user_message(WANG, dice={"emoji": "🎲", "value": 3})
    assert (await feed.event()).content == "other"

    telegram.add_bot_to_group(WANG, TEAM)
    await feed.event()
    telegram.send_service(LI, TEAM)  # 小李 joined the group
    fetched = await feed.next()
    assert fetched.event is None and fetched.update_id > 0
    telegram.send_service(WANG, TEAM, new_chat_title="新名字")
    assert (await feed.next()).event is None
    telegram.send_service(
        WANG, TEAM, pinned_message={"message_id": 1, "date": 0, "chat": TEAM.as_chat()}
    )
    assert (await feed.next()).event is None


async def test_button_presses(api: BotApi, feed: Feed, telegram: FakeTelegram) -> None:
    start(telegram, WANG)
    sent = await api.perform(
        SendMessage(WANG.id, "第1题", keyboard([Button("A", "q:1:a"), Button("B", "q:1:b")]))
    )
    qid = telegram.press(WANG, telegram.last(WANG, "第1题"), "B")
    event = await feed.event()
    assert (event.kind, event.data, event.callback_id, event.message_id, event.chat_id) == (
        "button",
        "q:1:b",
        qid,
        sent.message_id,
        WANG.id,
    )
    assert event.chat_type == "private"

    telegram.add_bot_to_group(WANG, TEAM)
    await feed.event()
    sent = await api.perform(SendMessage(TEAM.id, "抢答！", keyboard([Button("抢", "buzz:1")])))
    telegram.press(LI, telegram.last(TEAM, "抢答"), "抢")
    event = await feed.event()
    assert (event.user.id, event.chat_id, event.chat_type, event.message_id) == (
        LI.id,
        TEAM.id,
        "group",
        sent.message_id,
    )


async def test_button_on_an_inaccessible_message(feed: Feed, telegram: FakeTelegram) -> None:
    telegram.open_callbacks.add("77")
    telegram._push(
        {
            "callback_query": {
                "id": "77",
                "from": WANG.as_user(),
                "chat_instance": "1",
                "data": "old:1",
                "message": {"chat": TEAM.as_chat(), "message_id": 5, "date": 0},
            }
        }
    )
    event = await feed.event()
    assert (event.kind, event.chat_id, event.chat_type, event.message_id, event.data) == (
        "button",
        WANG.id,
        "private",
        None,
        "old:1",
    )


async def test_poll_answers(api: BotApi, feed: Feed, telegram: FakeTelegram) -> None:
    start(telegram, WANG)
    sent = await api.perform(SendPoll(WANG.id, "工会法哪年修正？", ("2001", "2021"), 1))
    assert sent.message_id is not None and sent.poll_id
    poll_message = telegram.messages[sent.message_id]
    assert poll_message.poll["id"] == sent.poll_id
    telegram.answer_poll(WANG, poll_message, [1])
    event = await feed.event()
    assert (event.kind, event.poll_id, event.option_ids, event.user.id, event.chat_id) == (
        "poll_answer",
        sent.poll_id,
        (1,),
        WANG.id,
        WANG.id,
    )
    telegram.answer_poll(WANG, poll_message, [])  # retracted
    assert (await feed.event()).option_ids == ()


async def test_poll_answer_without_a_user_is_nothing(feed: Feed, telegram: FakeTelegram) -> None:
    telegram._push(
        {
            "poll_answer": {
                "poll_id": "9",
                "voter_chat": TEAM.as_chat(),
                "option_ids": [0],
                "option_persistent_ids": ["0"],
            }
        }
    )
    assert (await feed.next()).event is None


async def test_fetch_with_an_offset_acknowledges(api: BotApi, telegram: FakeTelegram) -> None:
    first = telegram.send_text(WANG, "一")
    second = telegram.send_text(WANG, "二")
    batch = await api.fetch(None, 0)
    assert [f.update_id for f in batch] == [first, second]
    assert [f.event.text for f in batch if f.event] == ["一", "二"]
    assert telegram.allowed_updates == list(ALLOWED_UPDATES)
    again = await api.fetch(None, 0)  # nothing acknowledged yet: the same updates
    assert [f.update_id for f in again] == [first, second]
    assert await api.fetch(second + 1, 0) == []
    assert telegram.confirmed_offset == second + 1 and telegram.updates == []


async def test_fetch_long_polls_until_an_update_arrives(
    api: BotApi, telegram: FakeTelegram
) -> None:
    import asyncio

    async def later() -> None:
        await asyncio.sleep(0.3)
        telegram.send_text(WANG, "来了")

    task = asyncio.create_task(later())
    batch = await api.fetch(None, 5)
    await task
    assert [f.event.text for f in batch if f.event] == ["来了"]


async def test_parse_a_webhook_body(api: BotApi, telegram: FakeTelegram) -> None:
    telegram.send_text(WANG, "/help")
    payload = telegram.updates[-1]
    fetched = api.parse(json.loads(json.dumps(payload)))
    assert fetched.update_id == payload["update_id"]
    assert fetched.event is not None and fetched.event.command == "help"
    assert api.parse({"update_id": 99, "edited_message": payload["message"]}) == Fetched(99, None)


# ---- actions → Bot API calls ----


async def test_send_and_edit_messages(api: BotApi, telegram: FakeTelegram) -> None:
    start(telegram, WANG)
    sent = await api.perform(SendMessage(WANG.id, "选一个", keyboard([Button("好", "ok")])))
    m = telegram.messages[sent.message_id or 0]
    assert (m.chat_id, m.text, [b["callback_data"] for b in m.buttons()]) == (
        WANG.id,
        "选一个",
        ["ok"],
    )
    assert await api.perform(EditMessage(WANG.id, m.message_id, "已选")) == Sent()
    assert (m.text, m.buttons(), m.edits) == ("已选", [], 1)
    # the same content again: Telegram's "message is not modified" is no error
    assert await api.perform(EditMessage(WANG.id, m.message_id, "已选")) == Sent()
    assert m.edits == 1
    with pytest.raises(Rejected):
        await api.perform(EditMessage(WANG.id, None, "无处可改"))
    with pytest.raises(Rejected):
        await api.perform(EditMessage(WANG.id, 424242, "不存在"))


async def test_share_contact_keyboard_and_its_removal(
    api: BotApi, feed: Feed, telegram: FakeTelegram
) -> None:
    start(telegram, WANG)
    sent = await api.perform(
        SendMessage(WANG.id, "请分享手机号", reply_keyboard=ReplyKeyboard("📱 分享手机号", "取消"))
    )
    m = telegram.messages[sent.message_id or 0]
    assert m.keyboard() == [
        {"text": "📱 分享手机号", "request_contact": True},
        {"text": "取消"},
    ]
    assert m.reply_markup is not None
    assert m.reply_markup.get("one_time_keyboard") and m.reply_markup.get("resize_keyboard")
    assert telegram.keyboard(WANG)[0]["request_contact"] is True

    telegram.share_contact(WANG, "+8613800138000")
    event = await feed.event()
    assert (event.kind, event.contact_user_id) == ("contact", WANG.id)

    await api.perform(SendMessage(WANG.id, "再来", reply_keyboard=ReplyKeyboard("📱 分享")))
    assert [b["text"] for b in telegram.keyboard(WANG)] == ["📱 分享"]
    sent = await api.perform(
        SendMessage(WANG.id, "收到", reply_keyboard=ReplyKeyboard(remove=True))
    )
    assert telegram.messages[sent.message_id or 0].removes_keyboard
    assert telegram.keyboard(WANG) == []


async def test_inline_buttons_win_over_a_reply_keyboard(
    api: BotApi, telegram: FakeTelegram
) -> None:
    start(telegram, WANG)
    sent = await api.perform(
        SendMessage(
            WANG.id, "两种键盘", keyboard([Button("好", "ok")]), ReplyKeyboard("📱 分享手机号")
        )
    )
    m = telegram.messages[sent.message_id or 0]
    assert [b["text"] for b in m.buttons()] == ["好"] and m.keyboard() == []
    # an empty reply keyboard is no keyboard
    sent = await api.perform(SendMessage(WANG.id, "无键盘", reply_keyboard=ReplyKeyboard()))
    assert telegram.messages[sent.message_id or 0].reply_markup is None


async def test_answer_callback(api: BotApi, telegram: FakeTelegram) -> None:
    start(telegram, WANG)
    await api.perform(SendMessage(WANG.id, "题", keyboard([Button("A", "a")])))
    qid = telegram.press(WANG, telegram.last(WANG, "题"), "A")
    assert await api.perform(AnswerCallback(qid, "答对了", alert=True)) == Sent()
    assert telegram.callback_answers[qid] == {"text": "答对了", "show_alert": True}
    qid = telegram.press(WANG, telegram.last(WANG, "题"), "A")
    await api.perform(AnswerCallback(qid))
    assert telegram.callback_answers[qid] == {"text": "", "show_alert": False}
    with pytest.raises(Rejected):  # answered twice: the query is gone
        await api.perform(AnswerCallback(qid))


async def test_polls_sent_and_stopped(api: BotApi, telegram: FakeTelegram) -> None:
    start(telegram, WANG)
    quiz = await api.perform(
        SendPoll(
            WANG.id,
            "试用期最长几个月？",
            ("1", "3", "6"),
            correct_option=2,
            explanation="劳动合同法第十九条",
            open_period=30,
        )
    )
    poll = telegram.messages[quiz.message_id or 0].poll
    assert quiz.poll_id == poll["id"]
    assert (poll["type"], poll["is_anonymous"], poll["correct_option_id"]) == ("quiz", False, 2)
    assert [o["text"] for o in poll["options"]] == ["1", "3", "6"]
    assert (poll["explanation"], poll["open_period"]) == ("劳动合同法第十九条", 30)

    regular = await api.perform(SendPoll(WANG.id, "今天来吗？", ("来", "不来")))
    poll = telegram.messages[regular.message_id or 0].poll
    assert (poll["type"], poll["is_anonymous"], "correct_option_id" in poll) == (
        "regular",
        False,
        False,
    )

    assert await api.perform(StopPoll(WANG.id, quiz.message_id)) == Sent()
    assert telegram.messages[quiz.message_id or 0].poll["is_closed"] is True
    with pytest.raises(Rejected):  # already closed
        await api.perform(StopPoll(WANG.id, quiz.message_id))
    with pytest.raises(Rejected):
        await api.perform(StopPoll(WANG.id, None, key="countdown"))


async def test_documents_and_photos(api: BotApi, telegram: FakeTelegram) -> None:
    start(telegram, WANG)
    sent = await api.perform(
        SendDocument(WANG.id, "成绩.csv", "队,分\n一队,90\n".encode(), "成绩单")
    )
    m = telegram.messages[sent.message_id or 0]
    assert (m.kind, m.text) == ("document", "成绩单")
    assert m.extra["document"]["filename"] == "成绩.csv"
    assert m.extra["document"]["content"] == "队,分\n一队,90\n".encode()

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    sent = await api.perform(SendPhoto(WANG.id, "join.png", png))
    m = telegram.messages[sent.message_id or 0]
    assert (m.kind, m.text, m.extra["photo"]["content"]) == ("photo", "", png)


async def test_messages_to_a_group(api: BotApi, feed: Feed, telegram: FakeTelegram) -> None:
    telegram.add_bot_to_group(WANG, TEAM)
    await feed.event()
    await api.perform(SendMessage(TEAM.id, "第一轮开始"))
    assert [m.text for m in telegram.chat(TEAM)] == ["第一轮开始"]
    telegram.remove_bot_from_group(WANG, TEAM)
    await feed.event()
    with pytest.raises(Unreachable):
        await api.perform(SendMessage(TEAM.id, "还在吗"))


# ---- errors ----


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (429, RetryLater),
        (403, Unreachable),
        (400, Rejected),
        (500, TransientError),
        (502, TransientError),
    ],
)
async def test_error_kinds(
    api: BotApi, telegram: FakeTelegram, code: int, kind: type[Exception]
) -> None:
    start(telegram, WANG)
    telegram.fail_next("sendMessage", code, retry_after=7)
    with pytest.raises(kind) as caught:
        await api.perform(SendMessage(WANG.id, "你好"))
    if isinstance(caught.value, RetryLater):
        assert caught.value.seconds == 7
    assert await api.perform(SendMessage(WANG.id, "你好"))  # only the next call failed


async def test_error_kinds_of_other_methods(api: BotApi, telegram: FakeTelegram) -> None:
    start(telegram, WANG)
    telegram.fail_next("sendPoll", 429, retry_after=2, times=2)
    for _ in range(2):
        with pytest.raises(RetryLater):
            await api.perform(SendPoll(WANG.id, "问", ("是", "否")))
    telegram.fail_next("sendDocument", 500)
    with pytest.raises(TransientError):
        await api.perform(SendDocument(WANG.id, "a.txt", b"a"))
    telegram.fail_next("getUpdates", 502)
    with pytest.raises(TransientError):
        await api.fetch(None, 0)
    telegram.fail_next("getUpdates", 429, retry_after=4)
    with pytest.raises(RetryLater):
        await api.fetch(None, 0)


async def test_blocked_and_never_started_users_are_unreachable(
    api: BotApi, telegram: FakeTelegram
) -> None:
    with pytest.raises(Unreachable):
        await api.perform(SendMessage(LI.id, "你好"))  # never wrote to the bot
    start(telegram, WANG)
    with pytest.raises(Rejected):
        await api.perform(SendMessage(WANG.id, " "))  # empty text: 400
    telegram.block_bot(WANG)
    with pytest.raises(Unreachable):
        await api.perform(SendMessage(WANG.id, "你好"))
    assert ("sendMessage", "Forbidden: bot was blocked by the user") in telegram.errors
    telegram.unblock_bot(WANG)
    assert await api.perform(SendMessage(WANG.id, "欢迎回来"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_network_errors_are_transient(runtime: str, telegram: FakeTelegram) -> None:
    api = make_api(runtime, telegram.token, f"http://127.0.0.1:{_closed_port()}")
    try:
        with pytest.raises(TransientError):
            await api.perform(SendMessage(WANG.id, "你好"))
        with pytest.raises(TransientError):
            await api.fetch(None, 0)
        with pytest.raises(TransientError):
            await api.prepare(MENU)
    finally:
        await api.close()


async def test_logs_hold_no_token_and_no_user_text(
    api: BotApi, feed: Feed, telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "我的工资被拖欠了三个月"
    with caplog.at_level(logging.INFO):
        telegram.send_text(WANG, secret)
        await feed.event()
        await api.perform(SendMessage(WANG.id, f"关于：{secret}"))
        telegram.fail_next("sendMessage", 400)
        with pytest.raises(Rejected):
            await api.perform(SendMessage(WANG.id, f"再说：{secret}"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert telegram.token not in logged
    assert secret not in logged


def _fake_names(telegram: FakeTelegram) -> dict[str, Any]:
    return {m.lower(): p for m, p in telegram.calls}


async def test_both_runtimes_make_the_same_calls(telegram: FakeTelegram) -> None:
    """The same actions through both runtimes leave the same state on the server."""
    start(telegram, WANG)
    states = []
    for runtime in RUNTIMES:
        api = make_api(runtime, telegram.token, telegram.api_base)
        try:
            first = len(telegram.messages)
            await api.perform(
                SendMessage(WANG.id, "题", keyboard([Button("A", "a")]), ReplyKeyboard("分享"))
            )
            await api.perform(
                SendMessage(WANG.id, "键盘", reply_keyboard=ReplyKeyboard("分享", "取消"))
            )
            await api.perform(SendPoll(WANG.id, "问", ("是", "否"), 0, "因为", 10))
            await api.perform(SendPhoto(WANG.id, "p.png", b"png", "图"))
            new = list(telegram.messages.values())[first:]
            states.append(
                [
                    (
                        m.kind,
                        m.text,
                        m.reply_markup,
                        {k: v for k, v in m.poll.items() if k != "id"}
                        if m.kind == "poll"
                        else None,
                    )
                    for m in new
                ]
            )
        finally:
            await api.close()
    assert states[0] == states[1]


async def test_an_unreadable_update_does_not_block_the_others(
    api: BotApi, telegram: FakeTelegram
) -> None:
    telegram._push({"message": {"message_id": "not a number", "chat": "nowhere"}})
    telegram.send_text(WANG, "后面的消息")
    batch = await api.fetch(None, 0)
    assert batch[0].event is None
    assert batch[1].event is not None and batch[1].event.text == "后面的消息"
    assert await api.fetch(batch[-1].update_id + 1, 0) == []
