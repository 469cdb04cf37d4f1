"""The consultation thread, and the reminders before a consultation.

How it goes, in plain words:
1. Under a booking (the lawyer's desk, the worker's /mybookings, every relayed message) there
   is 💬 回复. Tapping it opens the write step for that booking: the next text message goes to
   the other side (one message per tap; /cancel leaves without sending).
2. The bot keeps the message with the booking and sends it on, headed with the booking number
   and the lawyer's name (to the worker) or "职工" (to the lawyer), with 💬 回复 under it. Neither
   side ever sees the other's Telegram account: every message is the bot's own.
3. The thread is open while the booking is pending or accepted; once it is finished (已完成 /
   未到), declined or cancelled, 回复 answers that the consultation is over.
A lawyer's typed text outside the write step is never taken as an FAQ question: they are
pointed at 回复 instead. The worker's /forget deletes their threads (legal_aid).

Reminders: when a booking is made, two jobs are stored (24 h and 1 h before the start) through
bot/scheduler.py, keyed by booking, so each runs once, also across a restart; when one falls
due and the booking is still open, both sides are told. Cancelling or declining removes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from bot.conversation.actions import Keyboard, keyboard
from bot.conversation.buttons import DB_ID, ButtonData
from bot.conversation.context import Ctx
from bot.conversation.legal_aid_text import lawyer_name, when
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter
from legal_aid import (
    ACTIVE_STATUSES,
    BookingView,
    booking_view,
    lawyer_by_telegram,
    open_thread,
    post_message,
)

WRITE = "consult_write"
REMINDER = "consult_remind"
REMIND_BEFORE_HOURS = (24, 1)

router = FeatureRouter("consult")


@dataclass(frozen=True)
class ConsultReply(ButtonData, prefix="creply"):
    """💬 回复 under a booking or a relayed message: write to the other side of it."""

    booking_id: Annotated[int, DB_ID]


def reply_button(booking_id: int) -> Keyboard:
    return keyboard([ConsultReply(booking_id).button(t("consult_reply"))])


@router.button(ConsultReply, private_only=True)
async def on_reply(ctx: Ctx, press: ConsultReply) -> None:
    """Triggered by 💬 回复: the next text goes to the other side of this booking."""
    side = await open_thread(ctx.session, press.booking_id, ctx.user_id)
    if side is None:
        ctx.toast(t("consult_closed"), alert=True)
        return
    ctx.toast()
    await ctx.set_state(WRITE, booking=press.booking_id)
    other = t("consult_to_worker") if side.is_lawyer else lawyer_name(side.view.lawyer)
    ctx.reply(t("consult_write", id=press.booking_id, other=other))


@router.text(WRITE)
async def on_message(ctx: Ctx, text: str) -> None:
    """Typed text in the write step: kept with the booking and relayed to the other side."""
    state = await ctx.state()
    booking_id = int(state.data.get("booking", 0))
    await ctx.set_state(None)
    side = await open_thread(ctx.session, booking_id, ctx.user_id)
    if side is None:
        ctx.reply(t("consult_closed"))
        return
    await post_message(ctx.session, side, text, ctx.now)
    if side.is_lawyer:
        head = t("consult_from_lawyer", id=booking_id, lawyer=lawyer_name(side.view.lawyer))
    else:
        head = t("consult_from_worker", id=booking_id, when=when(ctx, side.view.slot))
    ctx.notify(side.other_chat, f"{head}\n\n{text}", reply_button(booking_id))
    ctx.reply(t("consult_sent"))


async def abort_flow(ctx: Ctx) -> bool:
    """/cancel in the write step; True if the user was in it."""
    return await ctx.leave_flow((WRITE,), t("consult_aborted"))


async def lawyer_text_outside_thread(ctx: Ctx) -> bool:
    """A lawyer's typed text that no step waits for: point them at 回复 (True), so that a
    reply meant for a worker is never answered as an FAQ question."""
    if await lawyer_by_telegram(ctx.session, ctx.user_id) is None:
        return False
    ctx.reply(t("consult_lawyer_use_reply"))
    return True


# --- reminders ----------------------------------------------------------------------------


def _reminder_key(booking_id: int, hours: int) -> str:
    return f"{REMINDER}:{booking_id}:{hours}"


async def schedule_reminders(ctx: Ctx, view: BookingView) -> None:
    """Store the 24 h and 1 h reminders of a new booking (those still ahead)."""
    assert view.booking.id is not None
    for hours in REMIND_BEFORE_HOURS:
        due = view.slot.starts_at - timedelta(hours=hours)
        if due > ctx.now:
            await ctx.schedule(
                REMINDER,
                due,
                {"booking": view.booking.id, "hours": hours},
                key=_reminder_key(view.booking.id, hours),
            )


async def cancel_reminders(ctx: Ctx, booking_id: int) -> None:
    """The booking is over before its time: its reminders go."""
    for hours in REMIND_BEFORE_HOURS:
        await ctx.unschedule(_reminder_key(booking_id, hours))


@router.timer(REMINDER)
async def on_reminder_due(ctx: Ctx) -> None:
    """A reminder job fell due: tell both sides, if the booking is still open."""
    booking_id = int(ctx.event.payload.get("booking", 0))
    view = await booking_view(ctx.session, booking_id)
    if view is None or view.booking.status not in ACTIVE_STATUSES:
        return
    hours = int(ctx.event.payload.get("hours", 1))
    span = t("remind_tomorrow") if hours >= 24 else t("remind_in_hour")
    pending = view.booking.status == "pending"
    slot_when = when(ctx, view.slot)
    ctx.notify(
        view.booking.user_id,
        t(
            "remind_worker",
            span=span,
            id=booking_id,
            when=slot_when,
            lawyer=lawyer_name(view.lawyer),
        )
        + (t("remind_worker_pending") if pending else ""),
        reply_button(booking_id),
    )
    ctx.notify(
        view.lawyer.telegram_id,
        t("remind_lawyer", span=span, id=booking_id, when=slot_when)
        + (t("remind_lawyer_pending") if pending else ""),
        reply_button(booking_id),
    )
