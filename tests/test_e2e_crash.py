"""End-to-end: `pufa run` as a real process, killed (-9) or stopped (SIGTERM) in the middle of
a burst of answer taps, against the fake Bot API — for both runtimes.

Twenty workers each have a question open and tap an answer at the same moment. Whatever
happens to the process, every tap must be answered once, each accepted answer recorded once,
and each worker sent their feedback and next question once.
"""

from __future__ import annotations

import signal
from pathlib import Path

from question_bank import LETTERS, Bank
from tests.e2e_kit import BotProcess
from tests.fake_telegram import FakeTelegram, Phone

TAPS = 20


async def open_questions(telegram: FakeTelegram, phones: list[Phone]) -> None:
    """Each worker starts a practice round and has its first question on screen."""
    # a longer quiet period than in-process tests: the fresh process's first replies include
    # one-time warm-up pauses (aiogram builds its models' serialisers on first use)
    for phone in phones:
        telegram.send_text(phone, "/quiz")
    await telegram.wait_for(lambda: all(telegram.chat(p) for p in phones), timeout=60)
    await telegram.settle(quiet=0.5, timeout=60)
    for phone in phones:
        telegram.press(phone, telegram.last(phone, "选择练习范围"), "综合练习")
    await telegram.wait_for(
        lambda: all(any("第 1/3 题" in m.text for m in telegram.chat(p)) for p in phones),
        timeout=60,
    )
    await telegram.settle(quiet=0.5, timeout=60)


def tap_all(telegram: FakeTelegram, phones: list[Phone], bank: Bank) -> tuple[list[str], int]:
    """Everyone taps at once; returns the callback ids and how many taps are answers (a tick
    on a multiple-choice question is a tap but not an answer)."""
    ids, answers = [], 0
    for phone in phones:
        message = telegram.last(phone, "第 1/3 题")
        q = next(q for q in bank.questions.values() if q.stem in message.text)
        if q.type == "multiple":
            ids.append(telegram.press(phone, message, f"☐ {LETTERS[0]}"))
        else:
            ids.append(telegram.press(phone, message, message.buttons()[0]["text"]))
            answers += 1
    return ids, answers


def assert_every_tap_answered_once(
    telegram: FakeTelegram,
    phones: list[Phone],
    ids: list[str],
    answers: int,
    crashed: bool = False,
) -> None:
    """Every tap answered; each worker with an accepted answer got its feedback and next
    question. Without a crash nothing is repeated. After `kill -9` a chat may see again the
    one action that was in flight when the process died (Telegram answered, the outbox row
    was not yet deleted; a chat's actions go one at a time, so at most one per chat): a
    repeated callback answer is refused by Telegram and invisible to the worker."""
    assert not telegram.open_callbacks
    assert all(i in telegram.callback_answers for i in ids)
    for phone, tap in zip(phones, ids, strict=True):
        second = len([m for m in telegram.chat(phone) if "第 2/3 题" in m.text])
        feedback = len([m for m in telegram.chat(phone) if "正确答案" in m.text])
        refused = telegram.refused_callbacks.count(tap)
        extra = max(second - 1, 0) + max(feedback - 1, 0) + refused
        assert extra <= (1 if crashed else 0), (phone, second, feedback, refused)
    answered = [p for p in phones if any("正确答案" in m.text for m in telegram.chat(p))]
    assert len(answered) == answers  # nobody's answer lost
    assert all(any("第 2/3 题" in m.text for m in telegram.chat(p)) for p in answered)


async def burst_fetched(
    telegram: FakeTelegram, tmp_path: Path, runtime: str, bank: Bank, first_id: int
) -> tuple[BotProcess, list[Phone], list[str], int]:
    """`pufa run` started, TAPS workers each with a question open, all tapping at once —
    returned the moment the bot has fetched (and so acknowledged) the whole burst."""
    phones = [Phone(first_id + i, f"职工{i}") for i in range(TAPS)]
    bot = BotProcess(telegram, tmp_path, runtime)
    await bot.start()
    await open_questions(telegram, phones)
    ids, answers = tap_all(telegram, phones, bank)
    last_update = telegram.updates[-1]["update_id"]
    await telegram.wait_for(lambda: telegram.confirmed_offset > last_update, timeout=30)
    return bot, phones, ids, answers


async def test_kill_9_during_a_burst_of_taps_loses_and_doubles_nothing(
    telegram, tmp_path, small_bank, runtime
) -> None:
    bot, phones, ids, answers = await burst_fetched(telegram, tmp_path, runtime, small_bank, 8000)
    await bot.stop(signal.SIGKILL)
    unanswered = len(telegram.open_callbacks)

    await bot.start()
    await telegram.wait_for(lambda: not telegram.open_callbacks, timeout=60)
    await telegram.settle(quiet=0.5, timeout=60)
    assert_every_tap_answered_once(telegram, phones, ids, answers, crashed=True)
    assert await bot.answers_recorded() == answers  # each accepted answer stored once
    await bot.stop(signal.SIGTERM)
    # the kill really landed mid-burst (otherwise this test proves nothing)
    assert unanswered > 0


async def test_sigterm_during_a_burst_finishes_every_tap_before_exit(
    telegram, tmp_path, small_bank, runtime
) -> None:
    bot, phones, ids, answers = await burst_fetched(telegram, tmp_path, runtime, small_bank, 9000)
    in_flight = len(telegram.open_callbacks)
    assert await bot.stop(signal.SIGTERM) == 0, bot.output.decode()
    # no restart: everything was finished before the process exited
    assert_every_tap_answered_once(telegram, phones, ids, answers)
    assert await bot.answers_recorded() == answers
    assert in_flight > 0
    assert telegram.token not in bot.output.decode()
