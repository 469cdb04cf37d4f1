"""Booking a consultation with an on-duty legal-aid lawyer, and the lawyer's desk.

Worker: /lawyer (or 预约律师 under an FAQ answer, which takes the question just asked as the
topic) → topic → one of the earliest free slots → phone number (or none: the lawyer then
answers through the bot's chat) → confirm. The booking is pending and the slot held; the
booked lawyer gets it with 接受 / 婉拒 buttons, and the worker hears the decision.
/mybookings lists a worker's bookings with 取消预约.
Lawyer (anyone on the roster, see `pufa roster import`): /duty shows their agenda; pending
bookings can be accepted or declined, accepted ones marked done.
Flow state (topic, slot, phone) lives in the conversation state, so a restart mid-way loses
nothing; the topic and phone go to the booked lawyer only and are never logged.
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.conversation.actions import Button, Keyboard, keyboard
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from legal_aid import (
    MAX_ACTIVE_PER_USER,
    BookingError,
    BookingView,
    DutySlot,
    Lawyer,
    active_bookings,
    agenda,
    book,
    cancel,
    complete,
    decide,
    forget_bookings,
    free_slots,
    lawyer_by_telegram,
)

FLOWS = ("book_topic", "book_slot", "book_phone", "book_confirm")
TOPIC_LIMITS = (4, 300)
_WEEKDAYS = "一二三四五六日"
_PHONE = re.compile(r"(?:\+?86)?(1[3-9]\d{9}|0\d{9,11})")


def local_time(ctx: Ctx, moment: datetime) -> str:
    """'11月26日（周四）14:00' in the bot's time zone."""
    local = moment.astimezone(ctx.services.tz)
    return f"{local.month}月{local.day}日（周{_WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def when(ctx: Ctx, slot: DutySlot) -> str:
    """'11月26日（周四）14:00–14:30'."""
    return f"{local_time(ctx, slot.starts_at)}–{slot.ends_at.astimezone(ctx.services.tz):%H:%M}"


def lawyer_name(lawyer: Lawyer) -> str:
    return f"{lawyer.name}（{lawyer.firm}）" if lawyer.firm else lawyer.name


def normalise_phone(text: str) -> str | None:
    match = _PHONE.fullmatch(re.sub(r"[\s\-()（）]", "", text))
    return match.group(1) if match else None


async def start(ctx: Ctx, topic: str = "", entry_id: str | None = None) -> None:
    """Triggered by /lawyer, or by 预约律师 (with the question just asked as the topic)."""
    held = await active_bookings(ctx.session, ctx.user_id)
    if len(held) >= MAX_ACTIVE_PER_USER:
        await ctx.set_state(None)
        ctx.reply(t("book_too_many", limit=MAX_ACTIVE_PER_USER))
        await show_my_bookings(ctx)
        return
    if topic:
        await offer_slots(ctx, topic, entry_id)
        return
    await ctx.set_state("book_topic", entry=entry_id)
    ctx.reply(t("book_ask_topic"))


async def offer_slots(ctx: Ctx, topic: str, entry_id: str | None, note: str = "") -> None:
    slots = await free_slots(ctx.session, ctx.now)
    if not slots:
        await ctx.set_state(None)
        ctx.reply(t("book_no_slots"))
        return
    await ctx.set_state("book_slot", topic=topic, entry=entry_id)
    rows = [[Button(f"{when(ctx, v.slot)} {v.lawyer.name}", f"bs:{v.slot.id}")] for v in slots]
    rows.append([Button(t("book_abort"), "bq")])
    ctx.reply(note + t("book_pick_slot", topic=topic), keyboard(*rows))


async def on_text(ctx: Ctx, text: str) -> None:
    """Typed text while a booking is being made."""
    state = await ctx.state()
    if state.flow == "book_topic":
        low, high = TOPIC_LIMITS
        if not low <= len(text) <= high:
            ctx.reply(t("book_topic_length", low=low, high=high))
            return
        entry = state.data.get("entry")
        await offer_slots(ctx, text, entry if isinstance(entry, str) else None)
    elif state.flow == "book_phone":
        phone = normalise_phone(text)
        if phone is None:
            ctx.reply(t("book_bad_phone"), keyboard([Button(t("book_no_phone"), "bp")]))
            return
        await _confirm(ctx, phone)
    else:
        ctx.reply(t("book_use_buttons"))


async def on_slot(ctx: Ctx, slot_id: int) -> None:
    """Triggered by a slot button."""
    state = await ctx.state()
    if state.flow != "book_slot":
        ctx.toast(t("expired"))
        return
    ctx.toast()
    await ctx.set_state("book_phone", **state.data, slot=slot_id)
    ctx.reply(t("book_ask_phone"), keyboard([Button(t("book_no_phone"), "bp")]))


async def on_no_phone(ctx: Ctx) -> None:
    """Triggered by 不留电话."""
    if (await ctx.state()).flow != "book_phone":
        ctx.toast(t("expired"))
        return
    ctx.toast()
    await _confirm(ctx, None)


async def _confirm(ctx: Ctx, phone: str | None) -> None:
    state = await ctx.state()
    slot = await ctx.session.get(DutySlot, int(state.data.get("slot", 0)))
    lawyer = await ctx.session.get(Lawyer, slot.lawyer_id) if slot else None
    if slot is None or lawyer is None:
        await offer_slots(ctx, str(state.data.get("topic", "")), None, t("book_taken") + "\n\n")
        return
    await ctx.set_state("book_confirm", **state.data, phone=phone)
    ctx.reply(
        t(
            "book_check",
            when=when(ctx, slot),
            lawyer=lawyer_name(lawyer),
            topic=state.data.get("topic", ""),
            phone=phone or t("book_phone_none"),
        ),
        keyboard([Button(t("book_confirm"), "bc"), Button(t("book_abort"), "bq")]),
    )


async def on_confirm(ctx: Ctx) -> None:
    """Triggered by 确认预约: the booking is made and the lawyer told."""
    state = await ctx.state()
    if state.flow != "book_confirm":
        ctx.toast(t("expired"))
        return
    ctx.toast()
    data = state.data
    topic = str(data.get("topic", ""))
    entry = data.get("entry")
    entry_id = entry if isinstance(entry, str) else None
    phone = data.get("phone")
    try:
        view = await book(
            ctx.session,
            ctx.user_id,
            int(data.get("slot", 0)),
            topic,
            phone if isinstance(phone, str) else None,
            ctx.now,
            entry_id,
        )
    except BookingError as exc:
        if exc.key == "book_too_many":
            await ctx.set_state(None)
            ctx.reply(t("book_too_many", limit=MAX_ACTIVE_PER_USER))
            return
        await offer_slots(ctx, topic, entry_id, t(exc.key) + "\n\n")
        return
    await ctx.set_state(None)
    ctx.edit(ctx.event.message_id, t("book_confirmed_short"))
    ctx.reply(
        t(
            "book_submitted",
            id=view.booking.id,
            when=when(ctx, view.slot),
            lawyer=lawyer_name(view.lawyer),
        )
    )
    text, buttons = desk_view(ctx, view)
    ctx.notify(view.lawyer.telegram_id, t("desk_new") + "\n\n" + text, buttons)


async def on_abort(ctx: Ctx) -> None:
    """Triggered by 取消 during booking."""
    ctx.toast()
    await abort_flow(ctx)


async def abort_flow(ctx: Ctx) -> bool:
    """/cancel during a booking; True if there was one."""
    if (await ctx.state()).flow in FLOWS:
        await ctx.set_state(None)
        ctx.reply(t("book_aborted"))
        return True
    return False


# --- the worker's bookings ---------------------------------------------------------------


def booking_line(ctx: Ctx, view: BookingView) -> str:
    return t(
        "book_line",
        id=view.booking.id,
        when=when(ctx, view.slot),
        lawyer=lawyer_name(view.lawyer),
        status=t(f"status_{view.booking.status}"),
    )


async def show_my_bookings(ctx: Ctx) -> None:
    """/mybookings."""
    views = await active_bookings(ctx.session, ctx.user_id)
    if not views:
        ctx.reply(t("book_none_yet"))
        return
    for view in views:
        ctx.reply(
            booking_line(ctx, view),
            keyboard([Button(t("book_cancel"), f"bx:{view.booking.id}")]),
        )


async def on_cancel_asked(ctx: Ctx, booking_id: int) -> None:
    """Triggered by 取消预约: ask once more (a mis-tap should not lose a booking)."""
    views = [
        v for v in await active_bookings(ctx.session, ctx.user_id) if v.booking.id == booking_id
    ]
    if not views:
        ctx.toast(t("expired"))
        return
    ctx.toast()
    ctx.edit(
        ctx.event.message_id,
        booking_line(ctx, views[0]) + "\n\n" + t("book_cancel_sure"),
        keyboard([Button(t("book_cancel_yes"), f"by:{booking_id}"), Button(t("book_keep"), "bz")]),
    )


async def on_cancel_confirmed(ctx: Ctx, booking_id: int) -> None:
    view = await cancel(ctx.session, booking_id, ctx.user_id, ctx.now)
    if view is None:
        ctx.toast(t("expired"))
        return
    ctx.toast(t("book_cancelled_toast"))
    ctx.edit(ctx.event.message_id, booking_line(ctx, view))
    ctx.notify(
        view.lawyer.telegram_id,
        t("desk_cancelled", id=booking_id, when=when(ctx, view.slot)),
    )


async def on_keep(ctx: Ctx) -> None:
    ctx.toast(t("book_kept"))
    ctx.edit(ctx.event.message_id, t("book_kept"))


async def forget(ctx: Ctx) -> None:
    """Part of /forget: bookings deleted, their lawyers told (without the topic)."""
    for gone in await forget_bookings(ctx.session, ctx.user_id):
        ctx.notify(
            gone.lawyer_telegram_id,
            t("desk_cancelled", id=gone.booking_id, when=local_time(ctx, gone.starts_at)),
        )


# --- the lawyer's desk -------------------------------------------------------------------


def desk_view(ctx: Ctx, view: BookingView) -> tuple[str, Keyboard]:
    booking = view.booking
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
                Button(t("desk_accept"), f"ba:{booking.id}"),
                Button(t("desk_decline"), f"bd:{booking.id}"),
            ]
        )
    elif booking.status == "accepted":
        buttons = keyboard([Button(t("desk_done"), f"bf:{booking.id}")])
    else:
        buttons = ()
    return text, buttons


async def _desk_lawyer(ctx: Ctx) -> Lawyer | None:
    lawyer = await lawyer_by_telegram(ctx.session, ctx.user_id)
    if lawyer is None:
        if ctx.event.callback_id is not None:
            ctx.toast(t("lawyer_only"), alert=True)
        else:
            ctx.reply(t("lawyer_only"))
    return lawyer


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


async def on_decide(ctx: Ctx, booking_id: int, accept: bool) -> None:
    """Triggered by 接受 / 婉拒 (only the booked lawyer, only while pending)."""
    lawyer = await _desk_lawyer(ctx)
    if lawyer is None:
        return
    view = await decide(ctx.session, booking_id, lawyer, accept, ctx.now)
    if view is None:
        ctx.toast(t("expired"))
        return
    ctx.toast(t("desk_accepted_toast" if accept else "desk_declined_toast"))
    ctx.edit(ctx.event.message_id, *desk_view(ctx, view))
    key = "book_accepted" if accept else "book_declined"
    ctx.notify(
        view.booking.user_id,
        t(key, id=booking_id, when=when(ctx, view.slot), lawyer=lawyer_name(lawyer)),
    )


async def on_done(ctx: Ctx, booking_id: int) -> None:
    """Triggered by 已完成 under an accepted consultation."""
    lawyer = await _desk_lawyer(ctx)
    if lawyer is None:
        return
    view = await complete(ctx.session, booking_id, lawyer, ctx.now)
    if view is None:
        ctx.toast(t("expired"))
        return
    ctx.toast(t("desk_done_toast"))
    ctx.edit(ctx.event.message_id, *desk_view(ctx, view))
