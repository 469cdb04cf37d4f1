"""The lawyer's desk.

How it goes: a lawyer on the duty roster (see `pufa roster import`) gets each new booking as a
message with 接受 / 婉拒 and 💬 回复 (the consultation thread, consult.py); the worker hears the
decision at once, and on 接受 both get the consultation as a calendar file (.ics). /duty shows
the lawyer's agenda — pending bookings with 接受 / 婉拒, accepted ones with 回复, and from the
start time on 已完成 / 未到; after either the lawyer may send a one-line outcome note (or
/cancel to skip). A lawyer's /start shows this desk instead of the workers' welcome. Only the
booked lawyer can decide, only once; everything here shows a worker's topic and phone, so it
answers in private chats only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.conversation.actions import Button, Keyboard, SendDocument, keyboard
from bot.conversation.buttons import DB_ID, FLAG, ButtonData
from bot.conversation.consult import ConsultReply, cancel_reminders
from bot.conversation.context import Ctx
from bot.conversation.legal_aid_text import lawyer_name, place, when
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter, RunCommand
from legal_aid import (
    INVITE_PREFIX,
    BookingView,
    Lawyer,
    agenda,
    booking_view,
    can_finish,
    consultation_ics,
    decide,
    finish,
    lawyer_by_telegram,
    note_outcome,
    redeem_invite,
)

OUTCOME = "desk_outcome"

router = FeatureRouter("desk")


@dataclass(frozen=True)
class DeskDecide(ButtonData, prefix="ddecide"):
    """接受 (accept=1) / 婉拒 (accept=0) under a pending booking, for its lawyer."""

    booking_id: Annotated[int, DB_ID]
    accept: Annotated[bool, FLAG]


@dataclass(frozen=True)
class DeskFinish(ButtonData, prefix="ddone"):
    """已完成 (showed=1) / 未到 (showed=0) under an accepted booking that has started."""

    booking_id: Annotated[int, DB_ID]
    showed: Annotated[bool, FLAG]


def desk_view(ctx: Ctx, view: BookingView) -> tuple[str, Keyboard]:
    """A booking as its lawyer sees it (topic and phone included), with what can be done."""
    booking = view.booking
    assert booking.id is not None
    text = t(
        "desk_booking",
        id=booking.id,
        when=when(ctx, view.slot),
        place=place(view.station),
        status=t(f"status_{booking.status}"),
        topic=booking.topic,
        phone=booking.phone or t("desk_no_phone"),
    )
    if booking.outcome:
        text += "\n" + t("desk_outcome_line", note=booking.outcome)
    rows: list[list[Button]] = []
    if booking.status == "pending":
        rows.append(
            [
                DeskDecide(booking.id, accept=True).button(t("desk_accept")),
                DeskDecide(booking.id, accept=False).button(t("desk_decline")),
            ]
        )
    if booking.status in ("pending", "accepted"):
        rows.append([ConsultReply(booking.id).button(t("consult_reply"))])
    if can_finish(view, ctx.now):
        rows.append(
            [
                DeskFinish(booking.id, showed=True).button(t("desk_done")),
                DeskFinish(booking.id, showed=False).button(t("desk_no_show")),
            ]
        )
    return text, keyboard(*rows)


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
    today = ctx.now.astimezone(ctx.services.tz).date()
    heading = ""
    for view in views:
        local_day = view.slot.starts_at.astimezone(ctx.services.tz).date()
        if local_day < today:
            now_heading = t("desk_earlier")
        else:
            now_heading = t("desk_today") if local_day == today else t("desk_upcoming")
        text, buttons = desk_view(ctx, view)
        if now_heading != heading:
            heading = now_heading
            text = f"{heading}\n{text}"
        ctx.reply(text, buttons)


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
        t(
            key,
            id=press.booking_id,
            when=when(ctx, view.slot),
            lawyer=lawyer_name(lawyer),
            place=place(view.station),
        ),
    )
    if press.accept:
        send_calendar_files(ctx, view)
    else:
        await cancel_reminders(ctx, press.booking_id)


def send_calendar_files(ctx: Ctx, view: BookingView) -> None:
    """The accepted consultation as an .ics file, to the worker and to the lawyer."""
    booking = view.booking
    assert booking.id is not None
    content = consultation_ics(
        booking.id,
        view.slot.starts_at,
        view.slot.ends_at,
        t("ics_summary", lawyer=lawyer_name(view.lawyer)),
        t("ics_description", id=booking.id),
        ctx.now,
        location=place(view.station).strip().removeprefix("📍 "),
    )
    name = f"consultation-{booking.id}.ics"
    for chat in (booking.user_id, view.lawyer.telegram_id):
        if chat is not None:
            ctx.actions.append(SendDocument(chat, name, content, t("ics_caption")))


@router.button(DeskFinish, private_only=True)
async def on_finish(ctx: Ctx, press: DeskFinish) -> None:
    """Triggered by 已完成 / 未到 (the booked lawyer, from the start time on): the thread
    closes, the worker is told, and the lawyer may add an outcome note."""
    lawyer = await _desk_lawyer(ctx)
    if lawyer is None:
        return
    view = await finish(ctx.session, press.booking_id, lawyer, press.showed, ctx.now)
    if view is None:
        early = await booking_view(ctx.session, press.booking_id)
        too_early = (
            early is not None
            and early.lawyer.id == lawyer.id
            and early.booking.status == "accepted"
        )
        ctx.toast(t("desk_too_early") if too_early else t("expired"), alert=too_early)
        return
    ctx.toast(t("desk_done_toast" if press.showed else "desk_no_show_toast"))
    ctx.edit(ctx.event.message_id, *desk_view(ctx, view))
    key = "book_done" if press.showed else "book_no_show"
    ctx.notify(view.booking.user_id, t(key, id=press.booking_id, when=when(ctx, view.slot)))
    await ctx.set_state(OUTCOME, booking=press.booking_id)
    ctx.reply(t("desk_ask_outcome", id=press.booking_id))


@router.text(OUTCOME)
async def on_outcome(ctx: Ctx, text: str) -> None:
    """Typed text after 已完成 / 未到: the consultation's outcome note."""
    lawyer = await _desk_lawyer(ctx)
    booking_id = int((await ctx.state()).data.get("booking", 0))
    await ctx.set_state(None)
    if lawyer is None:
        return
    view = await note_outcome(ctx.session, booking_id, lawyer, text)
    ctx.reply(t("desk_outcome_saved", id=booking_id) if view else t("expired"))


async def abort_outcome(ctx: Ctx) -> bool:
    """/cancel instead of an outcome note; True if one was asked for."""
    return await ctx.leave_flow((OUTCOME,), t("desk_outcome_skipped"))


def is_invite(payload: str) -> bool:
    """Whether a /start payload is a lawyer's invite code (not a competition join code)."""
    return payload.startswith(INVITE_PREFIX)


async def join_by_invite(ctx: Ctx, code: str) -> None:
    """/start law-…: a lawyer opened their invite link; from now on the bot knows them."""
    outcome = await redeem_invite(ctx.session, code, ctx.user_id, ctx.now)
    if outcome.lawyer is None:
        ctx.reply(t(f"invite_{outcome.status}"))
        return
    ctx.reply(
        t("invite_joined", name=outcome.lawyer.name),
        keyboard([RunCommand("duty").button(t("desk_menu_duty"))]),
    )


async def welcome_lawyer(ctx: Ctx) -> bool:
    """A lawyer's /start: their desk's menu instead of the workers' welcome (True if the
    user is a lawyer on the roster)."""
    lawyer = await lawyer_by_telegram(ctx.session, ctx.user_id)
    if lawyer is None:
        return False
    ctx.reply(
        t("desk_welcome", name=lawyer.name),
        keyboard([RunCommand("duty").button(t("desk_menu_duty"))]),
    )
    return True
