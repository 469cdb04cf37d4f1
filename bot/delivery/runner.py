"""The delivery core: Telegram → inbox → handler → outbox → Telegram, and the scheduler.

```
 Telegram ──fetch──▶ inbox (DB, unique update_id) ──▶ handler: each update on its own,
   ▲                                                    │ one transaction per batch:
   │                                                    │ effects + outbox rows + "done"
   └──── sender (retry_after honoured) ◀── outbox (DB) ◀┘
 scheduler: due jobs → timer events, claimed once, handled like updates
```

- An update is stored before Telegram is told it arrived (the next getUpdates carries the
  offset past it), and marked done in the same transaction as its effects and its outgoing
  actions. So a crash re-handles what was not done, never what was; an update fetched twice
  is stored once.
- Group commit: up to `BATCH` updates (one per ordering key) share a transaction (a
  failing handler rolls back only itself: its batch is rolled back and handled again with
  each update in a savepoint); the inbox takes a whole getUpdates
  batch in one statement; sent actions are deleted in one commit per step for all chats of
  a send round (`_Acks`). A repeatable action (a callback answer, an edit) does not wait for
  its own commit when more of its chat's actions follow: it is committed with the next one.
- Actions leave through the outbox: a row is leased, sent, then deleted. Committed effects
  are therefore always followed by their messages, even if the process died right after the
  commit (a message may go twice if the process dies between Telegram's reply and the delete —
  Telegram has no idempotency key; that window is one local database write; the callback
  answers and edits sent before it in that chat's round go again too, which changes nothing:
  Telegram refuses a second answer to a query and an edit to the same text is "not
  modified").
- SIGTERM stops fetching, lets the workers finish every stored update, sends what they
  queued, then closes the HTTP session.
- Several processes may share one PostgreSQL database (rows are claimed with SKIP LOCKED,
  one user's updates and one chat's messages stay in order). SQLite runs one worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import scheduler
from bot.conversation.actions import (
    Action,
    AnswerCallback,
    EditMessage,
    SendMessage,
    SendPoll,
    StopPoll,
    action_chat,
    action_from_json,
)
from bot.conversation.events import Event
from bot.conversation.router import Conversation
from bot.delivery import broadcast, store
from bot.delivery.limiter import SendLimiter
from bot.delivery.metrics import Metrics
from bot.transports.base import (
    BotApi,
    Fetched,
    Rejected,
    RetryLater,
    Sent,
    Unreachable,
    Webhook,
)
from storage import one_statement

if TYPE_CHECKING:  # aiohttp's server is imported only when an address is listened on
    from bot.delivery.http import BotHttp

log = logging.getLogger("pufa.delivery")

MAX_HANDLE_ATTEMPTS = 3  # a race lost this often in a row ends in the "went wrong" answer
MAX_SEND_ATTEMPTS = 6  # network errors: 1, 2, 4, 8, 16 s apart, then the action is dropped
LEASE = timedelta(seconds=30)  # a sending process that died frees its rows after this
PRUNE_EVERY = timedelta(hours=1)  # how often handled inbox rows past store.KEEP_DONE go
BATCH = 32  # inbox updates handled in one transaction (one commit), see handle_next


async def handle_into_outbox(
    conversation: Conversation,
    session: AsyncSession,
    event: Event,
    now: datetime,
    received_at: datetime | None = None,
    arrival: int = 0,
) -> list[Action]:
    """Handle one event in the caller's transaction and queue its actions in the outbox, to
    be sent by whichever process's send loop claims them once the caller commits. The one
    path for Telegram updates, due jobs and the web console's commands."""
    actions = await conversation.handle(session, event, now, received_at, arrival=arrival)
    await store.enqueue(session, actions, event, now)
    return actions


class _HandlerFailed(Exception):
    """A handler failed in a batch run without savepoints: roll it back, run it with them."""


class Delivery:
    """Runs the loops of one bot process around a conversation and a Telegram adapter."""

    def __init__(
        self,
        conversation: Conversation,
        api: BotApi,
        *,
        workers: int = 1,
        poll_timeout: float = 10,
        drain_timeout: float = 20,
        idle_wait: float = 1.0,
        lease: timedelta = LEASE,
        limiter: SendLimiter | None = None,
        batch: int = BATCH,
    ) -> None:
        self.conversation = conversation
        self.api = api
        self.sessions: async_sessionmaker[AsyncSession] = conversation.sessions
        self.clock: Callable[[], datetime] = conversation.clock
        dialect = self.sessions.kw["bind"].dialect.name if "bind" in self.sessions.kw else ""
        self.single_process = dialect != "postgresql"
        self.workers = 1 if self.single_process else max(1, workers)
        self.poll_timeout = poll_timeout
        self.drain_timeout = drain_timeout
        self.idle_wait = idle_wait
        self.lease = lease
        self.batch = batch
        self.limiter = limiter or SendLimiter()
        self.username = ""
        # each loop waits on an event of its own (one clearing a shared event could eat
        # another's wake-up)
        # new inbox rows: an event per worker, so that a store wakes as many workers as its
        # rows fill batches (see `_wake_workers`), not all of them
        self._work = [asyncio.Event() for _ in range(self.workers)]
        self._idle: list[int] = []  # the workers waiting for work, longest waiting first
        self._timers = asyncio.Event()  # the timer loop's wake-up
        self._outgoing = asyncio.Event()  # new outbox rows
        self._draining = False
        self._workers_done = False
        # open inbox rows, counted in one process (SQLite: only this process stores and
        # handles them); None = not known (several processes, or not yet counted). With 0,
        # a worker waits for the next `accept` instead of asking the database again.
        self._open: int | None = None
        self._round_full = False  # the last send round took as many chats as it could
        self._pruned_at: datetime | None = None
        self.metrics = Metrics()
        self.http: BotHttp | None = None

    # --- the whole run ---------------------------------------------------------------------

    async def run(
        self,
        stop: asyncio.Event | None = None,
        handle_signals: bool = True,
        *,
        webhook: Webhook | None = None,
        listen: tuple[str, int] | None = None,
        webhook_path: str | None = None,
    ) -> None:
        """Until `stop` is set (or SIGTERM / SIGINT), then a graceful stop.

        Long polling by default; with `webhook`, Telegram posts updates to `webhook_path` of
        the HTTP server on `listen` (which also serves /healthz and /metrics, and is started
        for those alone when `listen` is given without a webhook)."""
        stop = stop or asyncio.Event()
        if handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
        if webhook is not None and listen is None:
            raise ValueError("a webhook needs an address to listen on")
        if listen is not None:
            from bot.delivery.http import BotHttp

            if webhook is None:
                self.http = BotHttp(self, None, None)
            else:
                self.http = BotHttp(self, webhook_path or "/telegram", webhook.secret)
            await self.http.start(*listen)  # before setWebhook, so no post finds it closed
        self.username = await self.api.prepare(self.conversation.menu(), webhook)
        self.conversation.services = replace(self.conversation.services, bot_username=self.username)
        if self.single_process:
            async with self.sessions() as session:
                await store.release_leases(session)
                await session.commit()
        log.info(
            "delivery started: runtime=%s workers=%d updates=%s",
            self.api.name,
            self.workers,
            "webhook" if webhook else "polling",
        )
        # with a webhook, updates arrive through self.http: nothing to fetch
        fetching = [asyncio.create_task(self._poll(), name="poll")] if webhook is None else []
        workers = [
            asyncio.create_task(self._work_loop(i), name=f"work{i}") for i in range(self.workers)
        ]
        timers = asyncio.create_task(self._timer_loop(), name="timers")
        sender = asyncio.create_task(self._send_loop(), name="send")
        try:
            await stop.wait()
        finally:
            log.info("stopping: fetching stopped, finishing stored updates")
            if self.http is not None:  # Telegram retries what it cannot post, to other instances
                await self.http.stop()
            for task in (*fetching, timers):
                task.cancel()
            await asyncio.gather(*fetching, timers, return_exceptions=True)
            self._draining = True
            for work in self._work:
                work.set()
            _done, pending = await asyncio.wait(workers, timeout=self.drain_timeout)
            for task in pending:
                task.cancel()
            self._workers_done = True
            self._outgoing.set()
            try:
                await asyncio.wait_for(sender, self.drain_timeout)
            except TimeoutError:
                log.warning("stopping: outbox not empty after %ss", self.drain_timeout)
            await self.api.close()
            log.info("stopped")

    # --- fetching --------------------------------------------------------------------------

    async def _poll(self) -> None:
        """Long polling: store each batch, then ask for the next (which acknowledges it)."""
        offset: int | None = None
        failures = 0
        while True:
            try:
                fetched = await self.api.fetch(offset, self.poll_timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                log.warning("getUpdates failed: %s", type(exc).__name__)
                await asyncio.sleep(min(30, 2 ** min(failures, 5)))
                continue
            failures = 0
            if not fetched:
                continue
            await self.accept(fetched)
            offset = max(f.update_id for f in fetched) + 1

    async def accept(self, fetched: list[Fetched]) -> None:
        """Store updates in the inbox (a webhook handler would call this before answering 200)."""
        async with self.sessions() as session:
            await one_statement(session)
            offered = await store.store_updates(session, fetched, self.clock())
            await session.commit()
        if self._open is not None:
            self._open += offered  # at most: an update fetched twice is kept once
        self._wake_workers(-(-offered // self.batch))

    def _wake_workers(self, claims: int) -> None:
        """New inbox rows that `claims` batches take: that many workers claim (at least one),
        the waiting ones first; a busy worker woken claims again when its current claim ends
        instead of waiting (its claim may have started before the rows were committed). A
        worker whose wake-up is still pending counts: its claim comes after the rows too. The
        others sleep on: waking every worker for every store cost each of them an empty
        claim (BEGIN, SELECT, ROLLBACK: three round trips on PostgreSQL) per getUpdates batch.
        A worker that handled a batch claims again at once anyway (more than a batch, an
        update held back behind its user's earlier one, rows another process stored)."""
        busy = [i for i in range(self.workers) if i not in self._idle]
        for i in [*self._idle, *busy][: max(1, claims)]:
            self._work[i].set()

    # --- handling --------------------------------------------------------------------------

    async def _work_loop(self, me: int = 0) -> None:
        work = self._work[me]
        while True:
            work.clear()
            try:
                handled = await self.handle_next()
            except Exception:  # the database failed (e.g. a dropped connection): nothing committed
                log.exception("handling failed, retrying in a second")
                await asyncio.sleep(1)
                continue
            if handled:
                # SQLite calls run on the loop thread without suspending: give the sender a
                # turn after each batch, so replies go out while a backlog is handled
                await asyncio.sleep(0)
                if self._open == 0 and not work.is_set() and not self._draining:
                    # nothing left open and nothing stored since: no empty claim
                    await self._wait_for_work(me)
                continue
            if self._draining:
                return
            await self._wait_for_work(me)

    async def _wait_for_work(self, me: int) -> None:
        """Until a store wakes this worker (or `idle_wait`: rows other processes stored)."""
        self._idle.append(me)
        try:
            await self._wait(self._work[me], self.idle_wait)
        finally:
            self._idle.remove(me)

    async def handle_next(self) -> int:
        """Handle the next claimable inbox updates (up to `batch`, at most one per ordering
        key) in one transaction: one commit for all of them (group commit). A failing handler
        rolls back only its own effects and counts its own failed attempt; the others commit.
        The commit is what makes them done: a crash before it loses nothing (every one is
        handled again), one after it repeats nothing. Returns how many updates were taken
        (0: there was nothing to handle).

        A batch first runs without a savepoint per update (SAVEPOINT and RELEASE were two of
        an answer's three round trips on PostgreSQL); if any handler fails, that transaction
        is rolled back whole — nothing of it was committed or sent — and the batch is handled
        again at once with each update in a savepoint of its own."""
        try:
            return await self._handle_batch(savepoints=False)
        except _HandlerFailed:
            return await self._handle_batch(savepoints=True)

    async def _handle_batch(self, savepoints: bool) -> int:
        handled: list[tuple[str, float]] = []
        marks: list[tuple[int, bool, int]] = []  # update id, done, attempts
        outbox: list[dict[str, Any]] = []
        async with self.sessions() as session:
            await store.begin(session)
            rows = await store.claim_updates(session, self.batch)
            if not rows:
                if self.single_process:
                    self._open = 0
                return 0
            # one statement each for the whole batch: reachability before the handlers (a
            # user who wrote is reachable, whatever the handler does), the outbox rows and
            # the done marks after them
            await store.note_reachability(session, [r.event for r in rows], self.clock())
            for row in rows:
                event, now = row.event, self.clock()
                started = time.perf_counter()
                if not savepoints:
                    try:
                        actions = await self.conversation.handle(
                            session, event, now, row.received_at, arrival=row.update_id
                        )
                        await session.flush()  # its ORM writes fail here, not in a neighbour
                    except Exception as exc:  # the session's exit rolls the batch back
                        raise _HandlerFailed from exc
                else:
                    try:
                        async with session.begin_nested():
                            actions = await self.conversation.handle(
                                session, event, now, row.received_at, arrival=row.update_id
                            )
                    except (IntegrityError, OperationalError) as exc:
                        log.warning("update %d: %s, will retry", row.update_id, type(exc).__name__)
                        marks.append(self._failed(row, retry=True, outbox=outbox))
                        continue
                    except Exception:
                        log.exception("update %d failed (kind=%s)", row.update_id, event.kind)
                        marks.append(self._failed(row, retry=False, outbox=outbox))
                        continue
                outbox += store.outbox_rows(actions, event, now)
                marks.append((row.update_id, True, row.attempts))
                handled.append((event.kind, time.perf_counter() - started))
            await store.enqueue_rows(session, outbox)
            await store.set_updates(session, marks)
            await session.commit()
        if self._open is not None:
            left = self._open - sum(1 for _u, done, _a in marks if done)
            self._open = left if left >= 0 else None
        for kind, seconds in handled:
            self.metrics.handler_seconds.observe(seconds)
            self.metrics.updates.labels(kind).inc()
        if outbox:
            self._outgoing.set()
        return len(rows)

    def _failed(
        self, row: store.ClaimedUpdate, retry: bool, outbox: list[dict[str, Any]]
    ) -> tuple[int, bool, int]:
        """A failed attempt (its savepoint rolled back, the row still locked): its mark; after
        the last attempt (or a flow error) the update is done with the kind "went wrong"
        answer, added to `outbox`, and nothing else."""
        attempts = row.attempts + 1
        done = not retry or attempts >= MAX_HANDLE_ATTEMPTS
        if done:
            outbox += store.outbox_rows(
                self.conversation.failure(row.event), row.event, self.clock()
            )
        return row.update_id, done, attempts

    # --- timers ----------------------------------------------------------------------------

    async def _timer_loop(self) -> None:
        while True:
            self._timers.clear()
            while await self.run_due_job():
                pass
            await self.feed_broadcasts()
            async with self.sessions() as session:
                if self._pruned_at is None or self.clock() - self._pruned_at >= PRUNE_EVERY:
                    self._pruned_at = self.clock()
                    await store.prune_inbox(session, self._pruned_at)
                    await session.commit()
                due = await scheduler.next_due(session)
            wait = self.idle_wait
            if due is not None:
                wait = min(wait, max(0.0, (due - self.clock()).total_seconds()))
            await self._wait(self._timers, wait)

    async def feed_broadcasts(self) -> int:
        """Move broadcast recipients into the outbox while it is nearly empty (about two
        seconds of sending), so replies to users never queue behind an announcement."""
        async with self.sessions() as session:
            now = self.clock()
            room = int(2 * self.limiter.overall.rate) - await store.outbox_backlog(session)
            fed = await broadcast.feed(session, now, room)
            finished = await broadcast.close_finished(session, now) if not fed else []
            await session.commit()
        for broadcast_id in finished:
            log.info("broadcast %d finished", broadcast_id)
        if fed:
            self._outgoing.set()
        return fed

    async def run_due_job(self) -> bool:
        """Run one due job as a timer event, in one transaction with its deletion."""
        async with self.sessions() as session:
            now = self.clock()
            job = await scheduler.claim_due_job(session, now)
            if job is None:
                return False
            job_id = job.id
            event = Event.timer_due(job.kind, {**job.payload, "job_id": job_id})
            # gone before its handler runs, so the handler may schedule its key again
            await session.delete(job)
            await session.flush()
            try:
                actions = await handle_into_outbox(self.conversation, session, event, now)
            except Exception as exc:
                await session.rollback()
                log.warning("job %s (%s) failed: %s", job_id, event.timer, type(exc).__name__)
                await self._job_failed(job_id)
                return True
            await session.commit()
        self.metrics.updates.labels(event.kind).inc()
        if actions:
            self._outgoing.set()
        return True

    async def _job_failed(self, job_id: int | None) -> None:
        async with self.sessions() as session:
            job = await session.get(scheduler.ScheduledJob, job_id)
            if job is None:
                return
            job.attempts += 1
            if job.attempts >= scheduler.MAX_ATTEMPTS:
                log.error("job %s (%s) dropped after %d attempts", job.id, job.kind, job.attempts)
                await session.delete(job)
            else:
                job.due_at = self.clock() + timedelta(seconds=2**job.attempts)
                session.add(job)
            await session.commit()

    # --- sending ---------------------------------------------------------------------------

    def wake_sender(self) -> None:
        """Actions were queued outside this object (the web console in this process)."""
        self._outgoing.set()

    async def _send_loop(self) -> None:
        while True:
            self._outgoing.clear()
            try:
                sent = await self.send_round()
            except Exception:  # the database failed: leased rows come back after the lease
                log.exception("sending failed, retrying in a second")
                await asyncio.sleep(1)
                continue
            if sent:
                if (
                    self.single_process
                    and not self._round_full
                    and not self._outgoing.is_set()
                    and not self._workers_done
                ):
                    # one process: every claimable row was in that round (the rest wait
                    # for a due time, or behind one), and nothing was queued since
                    await self._wait(self._outgoing, self.idle_wait)
                continue
            if self._workers_done:
                return
            await self._wait(self._outgoing, self.idle_wait)

    async def send_round(self, limit: int = 32) -> int:
        """Send the waiting actions of up to `limit` chats (each chat's in order, chats side
        by side); returns how many actions were taken."""
        now = self.clock()
        async with self.sessions() as session:
            queues = await store.claim_outbox(session, now, limit, self.lease)
            await session.commit()
        self._round_full = len(queues) >= limit  # more chats may be waiting
        if queues:
            acks = _Acks(self._finish_all)
            await asyncio.gather(*(self._send_chat(queue, acks) for queue in queues.values()))
            await acks.flush()  # repeatable actions of a chat whose next one was held back
        return sum(len(q) for q in queues.values())

    async def _send_chat(self, queue: list[store.QueuedAction], acks: _Acks) -> None:
        """One chat's actions, in order; a postponed one holds back the ones after it."""
        for n, row in enumerate(queue):
            if not await self._send(row, acks, more=n + 1 < len(queue)):
                async with self.sessions() as session:
                    await store.release_actions(session, [r.id for r in queue[n + 1 :]])
                    await session.commit()
                return

    async def _send(self, row: store.QueuedAction, acks: _Acks, more: bool = False) -> bool:
        """Send one action; False if the rest of its chat must wait (postponed, unreachable).
        `more`: further actions of its chat follow in this round."""
        action: Action | None = action_from_json(row.action)
        assert action is not None
        name = type(action).__name__
        chat = action_chat(action)
        if isinstance(action, EditMessage | StopPoll) and action.message_id is None:
            async with self.sessions() as session:
                action = await self._resolve(session, action)
            if action is None:  # addressed by a key that was never sent
                await acks.finish(row, outcome="failed")
                return True
        if chat is not None:  # a message (callback answers are not): Telegram's limits
            await self.limiter.acquire(chat)
        try:
            sent = await self.api.perform(action)
        except RetryLater as exc:
            self.metrics.sends.labels("retry_after").inc()
            log.warning("%s: flood control, retry in %ss", name, exc.seconds)
            await self._postpone(row, exc.seconds, give_up=False)
            return False
        except Unreachable:
            self.metrics.sends.labels("unreachable").inc()
            log.info("%s: chat unreachable, further messages dropped", name)
            async with self.sessions() as session:
                if chat is not None:
                    await store.mark_unreachable(session, chat, self.clock())
                await store.finish_actions(session, [row.id])
                await self._record(session, row, "blocked")
                await session.commit()
            return False
        except Rejected as exc:
            self.metrics.sends.labels("rejected").inc()
            log.warning("%s rejected: %s", name, str(exc)[:120])
            await acks.finish(row, outcome="failed")
            return True
        except Exception as exc:  # TransientError, or anything the network threw
            self.metrics.sends.labels("failed").inc()
            log.warning("%s failed: %s", name, type(exc).__name__)
            await self._postpone(row, 2 ** min(row.attempts, 4), give_up=True)
            return False
        self.metrics.sends.labels("sent").inc()
        if more and isinstance(action, AnswerCallback | EditMessage):
            acks.later(row, action, sent)  # repeatable: committed with the chat's next action
        else:
            await acks.finish(row, action, sent)
        return True

    async def _resolve(self, session: AsyncSession, action: Action) -> Action | None:
        """Fill in the message id of an edit / poll stop addressed by key (None: not sent)."""
        if isinstance(action, EditMessage | StopPoll) and action.message_id is None and action.key:
            ref = await store.remembered(session, action.key)
            if ref is None:
                return None
            if isinstance(action, EditMessage):
                return EditMessage(ref.chat_id, ref.message_id, action.text, action.buttons)
            return StopPoll(ref.chat_id, ref.message_id)
        return action

    @staticmethod
    async def _record(session: AsyncSession, row: store.QueuedAction, outcome: str) -> None:
        if row.broadcast_id is not None:
            await broadcast.record(session, [(row.broadcast_id, row.chat_key, outcome)])

    async def _finish_all(self, done: list[_Done]) -> None:
        """Sent (or given up) actions: their rows go, keyed messages are remembered, and
        broadcast recipients updated, in one transaction."""
        async with self.sessions() as session:
            if not any(_remembered(a, s) or r.broadcast_id is not None for r, a, s, _o in done):
                await one_statement(session)  # the rows' DELETE is all there is to do
            for _row, action, sent, _outcome in done:
                if _remembered(action, sent):
                    assert isinstance(action, SendMessage | SendPoll) and sent is not None
                    assert sent.message_id is not None and action.key
                    await store.remember_message(
                        session,
                        action.key,
                        action.chat_id,
                        sent.message_id,
                        sent.poll_id,
                        self.clock(),
                    )
            await store.finish_actions(session, [row.id for row, *_ in done])
            await broadcast.record(
                session,
                [
                    (row.broadcast_id, row.chat_key, outcome)
                    for row, _action, _sent, outcome in done
                    if row.broadcast_id is not None
                ],
            )
            await session.commit()

    async def _postpone(self, row: store.QueuedAction, seconds: float, give_up: bool) -> None:
        async with self.sessions() as session:
            attempts = await store.postpone_action(
                session, row.id, self.clock() + timedelta(seconds=seconds)
            )
            if give_up and attempts >= MAX_SEND_ATTEMPTS:
                log.error("action dropped after %d attempts", attempts)
                await store.finish_actions(session, [row.id])
                await self._record(session, row, "failed")
            await session.commit()

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    async def _wait(event: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)


def _remembered(action: Action | None, sent: Sent | None) -> bool:
    """A message sent with a key: where it went is remembered (for edits, poll answers)."""
    return (
        isinstance(action, SendMessage | SendPoll)
        and bool(action.key)
        and sent is not None
        and sent.message_id is not None
    )


_Done = tuple[store.QueuedAction, Action | None, Sent | None, str]  # row, action, result, outcome


class _Acks:
    """Group commit for sent actions: the chats of one send round hand in their finished
    rows, and whoever hands in first commits all that arrived by its next turn of the event
    loop in one transaction (`finish_all`). Each chat waits for that commit before sending
    its next action, so a crash repeats at most the one in-flight action per chat — as with
    one transaction per action — while a round of many chats costs one commit per step."""

    def __init__(self, finish_all: Callable[[list[_Done]], Awaitable[None]]) -> None:
        self.finish_all = finish_all
        self.pending: list[_Done] = []
        self.committed: asyncio.Future[None] | None = None

    def later(self, row: store.QueuedAction, action: Action, sent: Sent | None) -> None:
        """A sent repeatable action: committed with the next commit gathered (its chat's next
        action's, at the latest `flush`); its chat goes on without waiting."""
        self.pending.append((row, action, sent, "sent"))

    async def flush(self) -> None:
        """Commit what `later` left, if no chat's later action took it along."""
        if self.pending:
            done, self.pending = self.pending, []
            await self.finish_all(done)

    async def finish(
        self,
        row: store.QueuedAction,
        action: Action | None = None,
        sent: Sent | None = None,
        outcome: str = "sent",
    ) -> None:
        if _remembered(action, sent):
            # where a keyed message went (a poll: its answers) is committed before anything
            # else runs in this process — answers to a poll must find their poll
            await self.finish_all([(row, action, sent, outcome)])
            return
        self.pending.append((row, action, sent, outcome))
        if self.committed is not None:  # a commit is being gathered: it will take this row
            await self.committed
            return
        committed = self.committed = asyncio.get_running_loop().create_future()
        await asyncio.sleep(0)  # the other chats of the round hand in theirs
        done, self.pending, self.committed = self.pending, [], None
        try:
            await self.finish_all(done)
        except asyncio.CancelledError:
            committed.cancel()
            raise
        except BaseException as exc:
            committed.set_exception(exc)
            committed.exception()  # retrieved: the waiters raise it, none may be left
            raise
        committed.set_result(None)
