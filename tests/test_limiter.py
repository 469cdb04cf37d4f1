"""The send limiter keeps Telegram's limits under any mix of senders, and wastes little of the
allowance. Senders are simulated in virtual time: each one asks `delay` at its moment and
either sends (`take`) or comes back when told — what `acquire` does on the event loop."""

from __future__ import annotations

import heapq
import random

from bot.delivery.limiter import SendLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def simulate(limiter: SendLimiter, clock: Clock, plan: dict[int, int]) -> dict[int, list[float]]:
    """Every chat of `plan` sends its messages one after another, as fast as allowed; all
    start at once. Returns when each message went."""
    queue = [(clock.t, chat, chat) for chat in plan]  # (when, tie-break, chat)
    heapq.heapify(queue)
    left = dict(plan)
    sent: dict[int, list[float]] = {}
    while queue:
        when, _, chat = heapq.heappop(queue)
        clock.t = max(clock.t, when)
        wait = limiter.delay(chat)
        if wait > 0:
            heapq.heappush(queue, (clock.t + wait, chat, chat))
            continue
        limiter.take(chat)
        sent.setdefault(chat, []).append(clock.t)
        left[chat] -= 1
        if left[chat]:
            heapq.heappush(queue, (clock.t, chat, chat))
    return sent


def most_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_many_chats_at_once_stay_within_30_a_second_and_near_it() -> None:
    clock = Clock()
    rng = random.Random(7)
    sent = simulate(
        SendLimiter(clock=clock), clock, {1000 + i: rng.randint(1, 4) for i in range(600)}
    )
    times = [t for ts in sent.values() for t in ts]
    assert len(times) > 600
    assert most_in_window(times, 1.0) <= 30
    assert all(most_in_window(ts, 1.0) <= 6 for ts in sent.values())  # 1 a second + burst 5
    rate = len(times) / (max(times) - min(times))
    assert rate >= 27  # ≥ 90 % of Telegram's 30 a second


def test_a_group_gets_twenty_a_minute_and_private_chats_are_not_held_up() -> None:
    clock = Clock()
    sent = simulate(
        SendLimiter(clock=clock), clock, {-100123: 60, **{5000 + i: 1 for i in range(60)}}
    )
    group = sent.pop(-100123)
    assert len(group) == 60
    assert most_in_window(group, 60.0) <= 20 + 3
    private = [t for ts in sent.values() for t in ts]
    assert max(private) - min(private) < 3  # 60 private messages did not wait for the group


def test_a_worker_tap_feedback_and_next_question_go_at_once() -> None:
    clock = Clock()
    limiter = SendLimiter(clock=clock)
    for _ in range(2):  # the feedback and the next question: no wait at all
        assert limiter.delay(42) == 0
        limiter.take(42)
    assert 0 < limiter.delay(42) < 0.05  # a third in the same instant: the overall pace
    for _ in range(3):  # up to the chat's burst of 5, at the overall pace
        clock.t += 0.1
        assert limiter.delay(42) == 0
        limiter.take(42)
    assert limiter.delay(42) > 0.5  # a sixth within the second: the chat's own limit


def test_the_chats_kept_stay_bounded_however_many_users_write() -> None:
    """A bucket per chat is kept only while it matters: 60,000 users each sent one message
    at the full rate (a broadcast to a province) never leave more than MAX_CHATS buckets,
    and the table is pruned down to the few chats of the last seconds."""
    clock = Clock()
    limiter = SendLimiter(clock=clock)
    sizes = []
    for chat in range(1, 60_001):
        while (wait := limiter.delay(chat)) > 0:
            clock.t += wait
        limiter.take(chat)
        sizes.append(len(limiter.chats))
    assert max(sizes) == SendLimiter.MAX_CHATS  # reached, then pruned
    assert min(sizes[SendLimiter.MAX_CHATS :]) < 100  # only chats whose bucket is not full
    assert max(sizes[SendLimiter.MAX_CHATS :]) <= SendLimiter.MAX_CHATS
