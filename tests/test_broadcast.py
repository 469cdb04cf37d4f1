"""Broadcasts through the real runtimes and the fake Bot API: each recipient gets the
announcement once, users who blocked the bot are skipped and counted, a user's reply is not
held up behind the announcement, and a restart in the middle loses and repeats nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from bot.delivery import broadcast, store
from bot.delivery.limiter import SendLimiter
from tests.e2e_kit import Running
from tests.fake_telegram import FakeTelegram, Phone
from tests.test_e2e import settings  # noqa: F401  (the same bot settings per runtime)

TEXT = "【通知】“尊法守法·携手筑梦”网上答题明天 9:00 开始，发送 /exam 参加。"


async def start_broadcast(bot: Running, chats: list[int]) -> int:
    async with bot.app.conversation.sessions() as session:
        b = await broadcast.create(session, TEXT, "test", chats, datetime.now(UTC))
        await session.commit()
        assert b.id is not None
        return b.id


async def progress(bot: Running, broadcast_id: int) -> broadcast.Progress:
    async with bot.app.conversation.sessions() as session:
        [p] = await broadcast.progress(session, broadcast_id)
        return p


def received(telegram: FakeTelegram, chat: int) -> int:
    return len([m for m in telegram.messages.values() if m.chat_id == chat and m.text == TEXT])


async def test_everyone_once_blocked_users_counted_replies_go_first(
    telegram: FakeTelegram,
    settings: Settings,  # noqa: F811
) -> None:
    people = [9100 + i for i in range(300)]
    telegram.started.update(people)
    bot = Running(settings, telegram, limiter=SendLimiter())
    await bot.start()
    try:
        async with bot.app.conversation.sessions() as session:  # known to have blocked the bot
            for chat in people[:3]:
                await store.mark_unreachable(session, chat, datetime.now(UTC))
            await session.commit()
        telegram.blocked.update(people[3:5])  # blocked since: Telegram answers 403
        broadcast_id = await start_broadcast(bot, people)
        # a worker writes while the announcement goes out: the answer does not wait for it
        worker = Phone(9999, "小赵")
        await telegram.wait_for(lambda: sum(received(telegram, c) for c in people) >= 5)
        telegram.send_text(worker, "/start")
        await telegram.wait_for(lambda: bool(telegram.chat(worker)), timeout=10)
        # at 28 a second the announcement takes 10 s; the reply did not queue behind it
        assert sum(received(telegram, c) for c in people) < 295 - 50
        await telegram.wait_for(
            lambda: sum(received(telegram, c) for c in people) == 295, timeout=60
        )
        for _ in range(50):
            p = await progress(bot, broadcast_id)
            if p.finished_at is not None:
                break
            await telegram.settle(quiet=0.2, answered=False)
        assert (p.total, p.sent, p.blocked, p.failed, p.waiting) == (300, 295, 5, 0, 0)
        assert p.finished_at is not None
        assert all(received(telegram, c) == 1 for c in people[5:])
        assert all(received(telegram, c) == 0 for c in people[:5])
    finally:
        await bot.stop()


async def test_a_restart_in_the_middle_loses_and_repeats_nothing(
    telegram: FakeTelegram,
    settings: Settings,  # noqa: F811
) -> None:
    people = [9300 + i for i in range(80)]
    telegram.started.update(people)
    bot = Running(settings, telegram, limiter=SendLimiter())
    await bot.start()
    broadcast_id = await start_broadcast(bot, people)
    await telegram.wait_for(lambda: sum(received(telegram, c) for c in people) >= 10)
    await bot.stop()  # SIGTERM: what is in the outbox is sent, the rest waits in the database
    stopped_at = sum(received(telegram, c) for c in people)
    assert stopped_at < 80
    bot = Running(settings, telegram, limiter=SendLimiter())
    await bot.start()
    try:
        await telegram.wait_for(
            lambda: sum(received(telegram, c) for c in people) == 80, timeout=30
        )
        await telegram.settle(quiet=0.5, answered=False)
        assert all(received(telegram, c) == 1 for c in people)
        p = await progress(bot, broadcast_id)
        assert (p.sent, p.waiting) == (80, 0)
    finally:
        await bot.stop()


async def test_bad_broadcasts_are_refused(sessions) -> None:
    async with sessions() as session:
        with pytest.raises(broadcast.BroadcastInvalid):
            await broadcast.create(session, "  ", "x", [1], datetime.now(UTC))
        with pytest.raises(broadcast.BroadcastInvalid):
            await broadcast.create(session, "x" * 4097, "x", [1], datetime.now(UTC))
        with pytest.raises(broadcast.BroadcastInvalid):
            await broadcast.create(session, "hi", "x", [], datetime.now(UTC))


def test_the_command_line_queues_and_reports(tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.cli import main

    monkeypatch.setenv("PUFA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}")
    ids = tmp_path / "ids.txt"
    ids.write_text("# 报名职工\n101\n102\n\n101\n", encoding="utf-8")
    assert main(["broadcast", "send", "--ids-file", str(ids), "--text", TEXT]) == 0
    assert "broadcast 1: 2 recipients, 0 blocked" in capsys.readouterr().out
    assert main(["broadcast", "status"]) == 0
    assert "#1 ids:ids.txt sending: sent 0, blocked 0, failed 0, waiting 2 of 2" in (
        capsys.readouterr().out
    )
    bad = tmp_path / "bad.txt"
    bad.write_text("101\n张三\n", encoding="utf-8")
    assert main(["broadcast", "send", "--ids-file", str(bad), "--text", TEXT]) == 2
    assert "bad.txt:2: not a Telegram user id" in capsys.readouterr().err
    assert main(["broadcast", "send", "--event", "nope", "--text", TEXT]) == 2
    assert "no event with the code 'nope'" in capsys.readouterr().err
