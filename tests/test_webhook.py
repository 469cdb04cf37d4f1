"""Webhook mode, both runtimes: Telegram posts updates to the bot's HTTP server; a request
without the secret token changes nothing; /healthz and /metrics report the queues. And two
`pufa run --webhook` instances behind one address over PostgreSQL, one killed mid-stream:
nothing lost, nothing counted twice."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.db import make_engine, session_factory
from bot.delivery.models import InboxUpdate
from tests.conftest import reset_postgres
from tests.e2e_kit import WEBHOOK_SECRET, Running, webhook_instances
from tests.fake_telegram import FakeTelegram, Phone
from tests.test_e2e import settings  # noqa: F401  (the same bot settings per runtime)
from tests.test_e2e_crash import TAPS, assert_every_tap_answered_once, open_questions, tap_all


async def inbox_rows(bot: Running) -> int:
    async with bot.app.conversation.sessions() as session:
        return int((await session.exec(select(func.count()).select_from(InboxUpdate))).one())


async def test_webhook_takes_updates_only_with_the_secret(telegram, settings) -> None:  # noqa: F811
    bot = Running(settings, telegram, webhook=True)
    await bot.start()
    try:
        hook = telegram.webhook
        assert hook is not None
        assert hook["url"] == "https://bot.example.org/tg"
        assert hook["secret_token"] == WEBHOOK_SECRET
        assert set(telegram.allowed_updates or []) == {
            "message",
            "callback_query",
            "poll_answer",
            "my_chat_member",
        }
        phone = Phone(7101, "小王")
        telegram.send_text(phone, "/start")
        await telegram.settle()
        assert "小王" in telegram.last(phone).text
        telegram.press(phone, telegram.last(phone), "开始练习")
        await telegram.settle()
        assert "选择练习范围" in telegram.last(phone).text
        assert all(status == 200 for _, _, status in telegram.webhook_posts)

        before = await inbox_rows(bot)
        forged = {
            "update_id": 999_001,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 7102, "type": "private"},
                "from": {"id": 7102, "is_bot": False, "first_name": "冒充"},
                "text": "/start",
            },
        }
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(bot.url("/tg"), json=forged, headers=headers) as r:
                    assert r.status == 401
            good = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            async with http.post(bot.url("/tg"), data=b"{not json", headers=good) as r:
                assert r.status == 400
            async with http.get(bot.url("/healthz")) as r:
                assert r.status == 200
                health = await r.json()
            async with http.get(bot.url("/metrics")) as r:
                metrics = await r.text()
        assert await inbox_rows(bot) == before  # nothing stored
        assert not telegram.chat(Phone(7102, "冒充"))
        assert health["ok"] and health["database"] == "ok"
        assert health["inbox_backlog"] == 0 and health["scheduler_lag_seconds"] == 0
        assert 'pufa_webhook_requests_total{result="unauthorized"} 2.0' in metrics
        assert 'pufa_webhook_requests_total{result="malformed"} 1.0' in metrics
        assert 'pufa_updates_handled_total{kind="command"} 1.0' in metrics
        assert 'pufa_sends_total{outcome="sent"}' in metrics
        assert "pufa_handler_seconds_bucket" in metrics
    finally:
        await bot.stop()


POSTGRES_URL = os.environ.get("PUFA_TEST_POSTGRES_URL", "")


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PUFA_TEST_POSTGRES_URL")
async def test_two_webhook_instances_one_killed_mid_stream(
    telegram: FakeTelegram, tmp_path: Path, small_bank, runtime: str
) -> None:
    """Two `pufa run --webhook` processes share PostgreSQL behind one address (Telegram's
    posts alternate between them). Twenty workers tap at once; one instance is killed -9 in
    the middle. Posts to it fail over to the other, which also takes over what the dead one
    held: every tap answered, every accepted answer stored once."""
    await reset_postgres(POSTGRES_URL)
    instances = await webhook_instances(telegram, tmp_path, runtime, POSTGRES_URL)
    assert telegram.webhook_targets[0] != telegram.webhook_targets[1]
    a, b = instances
    phones = [Phone(9500 + i, f"职工{i}") for i in range(TAPS)]
    await open_questions(telegram, phones)
    ids, answers = tap_all(telegram, phones, small_bank)
    # kill a as soon as it has taken part of the burst
    burst_start = len(telegram.webhook_posts)
    await telegram.wait_for(
        lambda: any(
            t == telegram.webhook_targets[0] and s == 200
            for t, _, s in telegram.webhook_posts[burst_start:]
        ),
        timeout=30,
    )
    await a.stop(signal.SIGKILL)
    last = telegram.updates[-1]["update_id"] if telegram.updates else 0
    await telegram.wait_for(lambda: telegram.confirmed_offset > last, timeout=60)
    await telegram.wait_for(lambda: not telegram.open_callbacks, timeout=60)
    await telegram.settle(quiet=0.5, timeout=60)
    assert_every_tap_answered_once(telegram, phones, ids, answers, crashed=True)
    assert await b.answers_recorded() == answers
    served = {t for t, _, s in telegram.webhook_posts if s == 200}
    assert served == set(telegram.webhook_targets)  # both instances took updates
    failed_over = [p for p in telegram.webhook_posts[burst_start:] if p[2] != 200]
    assert failed_over  # posts to the dead instance were retried at the other
    engine = make_engine(POSTGRES_URL)
    try:
        async with session_factory(engine)() as session:
            open_rows = (
                await session.exec(
                    select(func.count()).select_from(InboxUpdate).where(InboxUpdate.done == False)  # noqa: E712
                )
            ).one()
        assert open_rows == 0
    finally:
        await engine.dispose()
    assert await b.stop(signal.SIGTERM) == 0, b.output.decode()
    assert telegram.token not in b.output.decode() + a.output.decode()
