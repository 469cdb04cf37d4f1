"""Flood-safe sending: every message the outbox sends first takes a token here.

Telegram's limits for bots (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
about 30 messages a second overall, about one a second in one chat (short bursts pass), and 20
a minute in one group. Each is a token bucket: `overall` refills `rate` tokens a second up to
`rate`; a private chat refills one a second up to `chat_burst` (so feedback and the next
question go at once, a flood does not); a group refills 20 a minute up to `group_burst`.
A message waits until all three have a token; callback answers are not messages and never
wait. A 429 with `retry_after` still holds back its chat's queue (the sender postpones it);
it is a sign these rates are set too high for the instances sharing the bot (PUFA_SEND_RATE
is per instance: with two instances, give each half).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self) -> float:
        """Seconds until a token is there (0: now; at least a millisecond otherwise, so
        rounding never spins)."""
        return 0.0 if self.tokens >= 1 else max(0.001, (1 - self.tokens) / self.rate)


class SendLimiter:
    MAX_CHATS = 10_000  # buckets kept before the full ones (nothing owed) are dropped

    def __init__(
        self,
        rate: float = 28,
        burst: float = 2,
        chat_burst: float = 5,
        group_per_minute: float = 20,
        group_burst: float = 3,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`rate` and `burst` bound any one second to `rate + burst` messages (30 with the
        defaults); a chat's bucket bounds it to 1 + `chat_burst`, a group's any minute to
        `group_per_minute + group_burst`."""
        self.clock = clock
        now = clock()
        self.overall = _Bucket(rate, burst, burst, now)
        self.chat_burst = chat_burst
        self.group_rate = group_per_minute / 60
        self.group_burst = group_burst
        self.chats: dict[int, _Bucket] = {}

    def _chat(self, chat_id: int, now: float) -> _Bucket:
        bucket = self.chats.get(chat_id)
        if bucket is None:
            if len(self.chats) >= self.MAX_CHATS:  # forget chats whose buckets have refilled
                for chat, b in list(self.chats.items()):
                    b.refill(now)
                    if b.tokens >= b.capacity:
                        del self.chats[chat]
            group = chat_id < 0
            rate = self.group_rate if group else 1.0
            burst = self.group_burst if group else self.chat_burst
            bucket = self.chats[chat_id] = _Bucket(rate, burst, burst, now)
        return bucket

    def delay(self, chat_id: int) -> float:
        """How long a message to `chat_id` would have to wait now (0: it may go)."""
        now = self.clock()
        self.overall.refill(now)
        chat = self._chat(chat_id, now)
        chat.refill(now)
        return max(self.overall.wait(), chat.wait())

    async def acquire(self, chat_id: int) -> float:
        """Wait until a message to `chat_id` may go and take its tokens; returns the seconds
        waited. The last check and the taking run without a suspension in between, so
        concurrent senders never overdraw a bucket."""
        waited = 0.0
        while (wait := self.delay(chat_id)) > 0:
            await asyncio.sleep(wait)
            waited += wait
        self.take(chat_id)
        return waited

    def take(self, chat_id: int) -> None:
        """Spend the tokens of one message to `chat_id` (right after `delay` said 0)."""
        self.overall.tokens -= 1
        self.chats[chat_id].tokens -= 1
