"""The lawyer's desk.

How it goes: a lawyer on the duty roster (see `pufa roster import`) gets each new booking as a
message with 接受 / 婉拒; the worker hears the decision. /duty shows the lawyer's agenda —
pending bookings with 接受 / 婉拒, accepted ones with 已完成. Only the booked lawyer can decide,
only once; everything here shows a worker's topic and phone, so it answers in private chats
only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.conversation.actions import Keyboard, keyboard
from bot.conversation.buttons import DB_ID, FLAG, ButtonData
from bot.conversation.context import Ctx
from bot.conversation.legal_aid_text import lawyer_name, when
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter
from legal_aid import BookingView, Lawyer, agenda, complete, decide, lawyer_by_telegram

router = FeatureRouter("desk")


@dataclass(frozen=True)
class DeskDecide(ButtonData, prefix="ddecide"):
    """接受 (accept=1) / 婉拒 (accept=0) under a pending booking, for its lawyer."""

    booking_id: Annotated[int, DB_ID]
    accept: Annotated[bool, FLAG]


@dataclass(frozen=True)
class DeskDone(ButtonData, prefix="ddone"):
    """已完成 under an accepted booking, for its lawyer."""

    booking_id: Annotated[int, DB_ID]


def desk_view(ctx: Ctx, view: BookingView) -> tuple[str, Keyboard]:
    """A booking as its lawyer sees it (topic and phone included), with what can be done."""
    booking = view.booking
    assert booking.id is not None
    text = t(
        "desk_booking",
        id=booking.id,
        when=when(ctx, view.slot),
        status=t(f"status_{booking.status}"),
        topic=booking.topic,
        phone=booking.phone or t("desk_no_phone"),
    )
    if booking.status == "pending":
        buttons = keyboard(
            [
                DeskDecide(booking.id, accept=True).button(t("desk_accept")),
                DeskDecide(booking.id, accept=False).button(t("desk_decline")),
            ]
        )
    elif booking.status == "accepted":
        buttons = keyboard([DeskDone(booking.id).button(t("desk_done"))])
    else:
        buttons = ()
    return text, buttons


async def _desk_lawyer(ctx: Ctx) -> Lawyer | None:
    """The lawyer behind the event; None (and the sender told) if they are not on the roster."""
    lawyer = await lawyer_by_telegram(ctx.session, ctx.user_id)
    if lawyer is None:
        if ctx.event.callback_id is not None:
            ctx.toast(t("lawyer_only"), alert=True)
        else:
            ctx.reply(t("lawyer_only"))
    return lawyer


@router.command("duty", private_only=True)
async def show_duty(ctx: Ctx) -> None:
    """/duty: the lawyer's pending and accepted consultations."""
    lawyer = await _desk_lawyer(ctx)
    if lawyer is None:
        return
    views = await agenda(ctx.session, lawyer, ctx.now)
    if not views:
        ctx.reply(t("desk_empty", name=lawyer.name))
        return
    ctx.reply(t("desk_header", name=lawyer.name, count=len(views)))
    for view in views:
        ctx.reply(*desk_view(ctx, view))


@router.button(DeskDecide, private_only=True)
async def on_decide(ctx: Ctx, press: DeskDecide) -> None:
    """Triggered by 接受 / 婉拒 (only the booked lawyer, only while pending)."""
    lawyer = await _desk_lawyer(ctx)
    if lawyer is None:
        return
    view = await decide(ctx.session, press.booking_id, lawyer, press.accept, ctx.now)
    if view is None:
        ctx.toast(t("expired"))
        return
    ctx.toast(t("desk_accepted_toast" if press.accept else "desk_declined_toast"))
    ctx.edit(ctx.event.message_id, *desk_view(ctx, view))
    key = "book_accepted" if press.accept else "book_declined"
    ctx.notify(
        view.booking.user_id,
        t(key, id=press.booking_id, when=when(ctx, view.slot), lawyer=lawyer_name(lawyer)),
    )


@router.button(DeskDone, private_only=True)
async def on_done(ctx: Ctx, press: DeskDone) -> None:
    """Triggered by 已完成 under an accepted consultation."""
    lawyer = await _desk_lawyer(ctx)
    if lawyer is None:
        return
    view = await complete(ctx.session, press.booking_id, lawyer, ctx.now)
    if view is None:
        ctx.toast(t("expired"))
        return
    ctx.toast(t("desk_done_toast"))
    ctx.edit(ctx.event.message_id, *desk_view(ctx, view))
