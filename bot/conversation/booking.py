"""Booking a consultation with an on-duty legal-aid lawyer (the worker's side).

How it goes, in plain words:
1. /lawyer (or 预约律师 under an FAQ answer, which takes that answer's question as the topic):
   if no lawyer has a free slot the bot says so (with the hotlines) before asking anything;
   else the worker says in a sentence or two what it is about (4–300 characters).
2. They pick one of the earliest free slots (buttons with time and lawyer).
3. They leave a phone number: tap 📱 发送我的手机号 (Telegram shares their own contact), type
   it, or tap 不留电话 (the lawyer then answers through the bot's chat). That keyboard goes
   away with the next message.
4. They check and confirm. The booking is pending and the slot held; the booked lawyer gets it
   with 接受 / 婉拒 (see desk.py), and the worker hears the decision. Reminders 24 h and 1 h
   before are scheduled (consult.py). A wage or work-injury topic also gets the note that
   such claims of migrant workers get legal aid without a check of their finances
   (法律援助法 第四十二条).
/mybookings lists their open bookings with 💬 回复 (write to the lawyer, consult.py), 🔁 改约
(pick another free time: the same topic and phone go to a new pending booking and the old
one's slot is freed in the same transaction; both lawyers are told) and 取消预约 (asked once
more before it happens; the lawyer is told at once).
Flow state (topic, slot, phone) lives in the conversation state, so a restart mid-way loses
nothing; the topic and phone go to the booked lawyer only and are never logged. The booking
rules (how many open bookings, which slot is free) live in legal_aid, held by the database's
unique indexes; this flow calls one service function per step and says what it answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from bot.conversation.actions import ReplyKeyboard, keyboard
from bot.conversation.buttons import DB_ID, ButtonData
from bot.conversation.consult import ConsultReply, cancel_reminders, schedule_reminders
from bot.conversation.context import Ctx
from bot.conversation.desk import desk_view
from bot.conversation.legal_aid_text import (
    booking_line,
    lawyer_name,
    lawyer_with_specialties,
    local_time,
    place,
    when,
)
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter
from bot.conversation.state import State
from legal_aid import (
    MAX_ACTIVE_PER_USER,
    NO_HARDSHIP_CHECK_KINDS,
    BookingError,
    BookingView,
    active_bookings,
    any_free_slot,
    book,
    cancel,
    forget_bookings,
    free_slots,
    open_booking_count,
    reschedule,
    slot_view,
)

FLOWS = ("book_topic", "book_slot", "book_phone", "book_confirm")
TOPIC_LIMITS = (4, 300)
_PHONE = re.compile(r"(?:\+?86)?(1[3-9]\d{9}|0\d{9,11})")
REMOVE_KEYBOARD = ReplyKeyboard(remove=True)

router = FeatureRouter("booking")


@dataclass(frozen=True)
class BookSlot(ButtonData, prefix="bslot"):
    """A free slot offered while booking: take it."""

    slot_id: Annotated[int, DB_ID]


@dataclass(frozen=True)
class BookConfirm(ButtonData, prefix="bconfirm"):
    """✅ 确认预约 under the booking check: make the booking."""


@dataclass(frozen=True)
class BookAbort(ButtonData, prefix="babort"):
    """取消 while booking: leave the wizard, nothing booked."""


@dataclass(frozen=True)
class BookingCancel(ButtonData, prefix="bcancel"):
    """取消预约 under a booking in /mybookings: ask once more."""

    booking_id: Annotated[int, DB_ID]


@dataclass(frozen=True)
class BookingCancelSure(ButtonData, prefix="bcancelok"):
    """确定取消: cancel the booking (its lawyer is told)."""

    booking_id: Annotated[int, DB_ID]


@dataclass(frozen=True)
class BookingMove(ButtonData, prefix="bmove"):
    """🔁 改约 under a booking in /mybookings: show other free times."""

    booking_id: Annotated[int, DB_ID]


@dataclass(frozen=True)
class BookingMoveTo(ButtonData, prefix="bmoveto"):
    """A free time offered for 改约: move the booking there."""

    booking_id: Annotated[int, DB_ID]
    slot_id: Annotated[int, DB_ID]


@dataclass(frozen=True)
class BookingKeep(ButtonData, prefix="bkeep"):
    """保留预约: the booking stays as it is."""

    booking_id: Annotated[int, DB_ID]


def normalise_phone(text: str) -> str | None:
    """'+86 138-1234-5678' → '13812345678'; None if it is no mainland phone number."""
    match = _PHONE.fullmatch(re.sub(r"[\s\-()（）]", "", text))
    return match.group(1) if match else None


@router.command("lawyer", menu="cmd_lawyer", private_only=True)
async def start(ctx: Ctx, topic: str = "", entry_id: str | None = None) -> None:
    """Triggered by /lawyer, or by 预约律师 under an FAQ answer (with its question as topic)."""
    if await open_booking_count(ctx.session, ctx.user_id) >= MAX_ACTIVE_PER_USER:
        # said before the topic is typed; the database holds the rule when booking
        await ctx.set_state(None)
        ctx.reply(t("book_too_many", limit=MAX_ACTIVE_PER_USER))
        await show_my_bookings(ctx)
        return
    if not await any_free_slot(ctx.session, ctx.now):
        await ctx.set_state(None)
        ctx.reply(t("book_no_slots"))
        return
    if topic:
        await offer_slots(ctx, topic, entry_id)
        return
    await ctx.set_state("book_topic", entry=entry_id)
    ctx.reply(t("book_ask_topic"))


async def offer_slots(ctx: Ctx, topic: str, entry_id: str | None, note: str = "") -> None:
    """Step 2: the earliest free slots as buttons (or the hotlines if there are none)."""
    slots = await free_slots(ctx.session, ctx.now)
    if not slots:
        await ctx.set_state(None)
        ctx.reply(t("book_no_slots"))
        return
    await ctx.set_state("book_slot", topic=topic, entry=entry_id)
    rows = [
        [BookSlot(v.slot.id).button(f"{when(ctx, v.slot)} {v.lawyer.name}")]
        for v in slots
        if v.slot.id is not None
    ]
    rows.append([BookAbort().button(t("book_abort"))])
    ctx.reply(note + t("book_pick_slot", topic=topic), keyboard(*rows))


@router.text(*FLOWS)
async def on_text(ctx: Ctx, text: str) -> None:
    """Typed text while a booking is being made: the topic, or the phone number."""
    state = await ctx.state()
    if state.flow == "book_topic":
        low, high = TOPIC_LIMITS
        if not low <= len(text) <= high:
            ctx.reply(t("book_topic_length", low=low, high=high))
            return
        entry = state.data.get("entry")
        await offer_slots(ctx, text, entry if isinstance(entry, str) else None)
    elif state.flow == "book_phone":
        if text == t("book_no_phone"):
            await _confirm(ctx, None)
            return
        phone = normalise_phone(text)
        if phone is None:
            ctx.reply(t("book_bad_phone"))
            return
        await _confirm(ctx, phone)
    else:
        ctx.reply(t("book_use_buttons"))


@router.contact("book_phone")
async def on_contact(ctx: Ctx) -> None:
    """Triggered by 📱 发送我的手机号 in the phone step: the worker's own number is taken."""
    if ctx.event.contact_user_id != ctx.user_id:
        ctx.reply(t("book_contact_not_own"))
        return
    phone = normalise_phone(ctx.event.phone)
    if phone is None:
        ctx.reply(t("book_bad_phone"))
        return
    await _confirm(ctx, phone)


async def _pressed_in(ctx: Ctx, *steps: str) -> State | None:
    """The state if the wizard is at one of `steps` (the press acknowledged); else None and
    the button is answered as expired (a stale or replayed press)."""
    state = await ctx.state()
    if state.flow not in steps:
        ctx.toast(t("expired"))
        return None
    ctx.toast()
    return state


@router.button(BookSlot, private_only=True)
async def on_slot(ctx: Ctx, press: BookSlot) -> None:
    """Triggered by a slot button: step 3, the phone number, with a share-contact keyboard."""
    state = await _pressed_in(ctx, "book_slot")
    if state is None:
        return
    await ctx.set_state("book_phone", **state.data, slot=press.slot_id)
    ctx.reply(
        t("book_ask_phone"),
        reply_keyboard=ReplyKeyboard(contact=t("book_share_contact"), cancel=t("book_no_phone")),
    )


async def _confirm(ctx: Ctx, phone: str | None) -> None:
    """Step 4: the phone noted (the keyboard goes away), then the check with 确认 / 取消."""
    noted = t("book_phone_noted", phone=phone) if phone else t("book_no_phone_noted")
    ctx.reply(noted, reply_keyboard=REMOVE_KEYBOARD)
    state = await ctx.state()
    found = await slot_view(ctx.session, int(state.data.get("slot", 0)))
    if found is None:
        await offer_slots(ctx, str(state.data.get("topic", "")), None, t("book_taken") + "\n\n")
        return
    await ctx.set_state("book_confirm", **state.data, phone=phone)
    ctx.reply(
        t(
            "book_check",
            when=when(ctx, found.slot),
            lawyer=lawyer_with_specialties(found.lawyer),
            place=place(found.station),
            topic=state.data.get("topic", ""),
            phone=phone or t("book_phone_none"),
        ),
        keyboard([BookConfirm().button(t("book_confirm")), BookAbort().button(t("book_abort"))]),
    )


@router.button(BookConfirm, private_only=True)
async def on_confirm(ctx: Ctx, press: BookConfirm) -> None:
    """Triggered by 确认预约: the booking is made and the lawyer told."""
    state = await _pressed_in(ctx, "book_confirm")
    if state is None:
        return
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
            ctx.reply(t(exc.key, limit=MAX_ACTIVE_PER_USER))
            return
        await offer_slots(ctx, topic, entry_id, t(exc.key) + "\n\n")
        return
    await ctx.set_state(None)
    ctx.edit(ctx.event.message_id, t("book_confirmed_short"))
    submitted = t(
        "book_submitted",
        id=view.booking.id,
        when=when(ctx, view.slot),
        lawyer=lawyer_name(view.lawyer),
    )
    if view.booking.topic_kind in NO_HARDSHIP_CHECK_KINDS:
        submitted += "\n\n" + t("book_legal_aid_note")
    ctx.reply(submitted)
    text, buttons = desk_view(ctx, view)
    ctx.notify(view.lawyer.telegram_id, t("desk_new") + "\n\n" + text, buttons)
    await schedule_reminders(ctx, view)


@router.button(BookAbort, private_only=True)
async def on_abort(ctx: Ctx, press: BookAbort) -> None:
    """Triggered by 取消 during booking."""
    if await _pressed_in(ctx, *FLOWS) is not None:
        await abort_flow(ctx)


async def abort_flow(ctx: Ctx) -> bool:
    """/cancel during a booking; True if there was one (the phone keyboard goes away)."""
    return await ctx.leave_flow(FLOWS, t("book_aborted"), REMOVE_KEYBOARD)


# --- the worker's bookings ---------------------------------------------------------------


@router.command("mybookings", menu="cmd_mybookings", private_only=True)
async def show_my_bookings(ctx: Ctx) -> None:
    """/mybookings: the worker's open bookings, each with 取消预约."""
    views = await active_bookings(ctx.session, ctx.user_id)
    if not views:
        ctx.reply(t("book_none_yet"))
        return
    for view in views:
        assert view.booking.id is not None
        ctx.reply(
            booking_line(ctx, view),
            keyboard(
                [
                    ConsultReply(view.booking.id).button(t("consult_reply")),
                    BookingMove(view.booking.id).button(t("book_move")),
                    BookingCancel(view.booking.id).button(t("book_cancel")),
                ]
            ),
        )


@router.button(BookingCancel, private_only=True)
async def on_cancel_asked(ctx: Ctx, press: BookingCancel) -> None:
    """Triggered by 取消预约: ask once more (a mis-tap should not lose a booking)."""
    views = await _my_open_booking(ctx, press.booking_id)
    if not views:
        ctx.toast(t("expired"))
        return
    ctx.toast()
    ctx.edit(
        ctx.event.message_id,
        booking_line(ctx, views[0]) + "\n\n" + t("book_cancel_sure"),
        keyboard(
            [
                BookingCancelSure(press.booking_id).button(t("book_cancel_yes")),
                BookingKeep(press.booking_id).button(t("book_keep")),
            ]
        ),
    )


@router.button(BookingCancelSure, private_only=True)
async def on_cancel_confirmed(ctx: Ctx, press: BookingCancelSure) -> None:
    """Triggered by 确定取消: the booking is cancelled and its lawyer told (no topic)."""
    view = await cancel(ctx.session, press.booking_id, ctx.user_id, ctx.now)
    if view is None:
        ctx.toast(t("expired"))
        return
    ctx.toast(t("book_cancelled_toast"))
    await cancel_reminders(ctx, press.booking_id)
    ctx.edit(ctx.event.message_id, booking_line(ctx, view))
    ctx.notify(
        view.lawyer.telegram_id,
        t("desk_cancelled", id=press.booking_id, when=when(ctx, view.slot)),
    )


async def _my_open_booking(ctx: Ctx, booking_id: int) -> list[BookingView]:
    """The user's open booking with this id (none: a stale or forged button)."""
    return [
        v for v in await active_bookings(ctx.session, ctx.user_id) if v.booking.id == booking_id
    ]


@router.button(BookingMove, private_only=True)
async def on_move_asked(ctx: Ctx, press: BookingMove) -> None:
    """Triggered by 🔁 改约: the other free times, each a button (or 保留预约)."""
    await _offer_other_times(ctx, press.booking_id)


async def _offer_other_times(ctx: Ctx, booking_id: int, note: str = "") -> None:
    views = await _my_open_booking(ctx, booking_id)
    if not views:
        ctx.toast(t("expired"))
        return
    current = views[0].slot.id
    slots = [v for v in await free_slots(ctx.session, ctx.now) if v.slot.id != current]
    if not slots:
        ctx.toast(t("book_move_none"), alert=True)
        return
    ctx.toast()
    rows = [
        [BookingMoveTo(booking_id, v.slot.id).button(f"{when(ctx, v.slot)} {v.lawyer.name}")]
        for v in slots
        if v.slot.id is not None
    ]
    rows.append([BookingKeep(booking_id).button(t("book_keep"))])
    ctx.edit(
        ctx.event.message_id,
        note + booking_line(ctx, views[0]) + "\n\n" + t("book_move_pick"),
        keyboard(*rows),
    )


@router.button(BookingMoveTo, private_only=True)
async def on_move(ctx: Ctx, press: BookingMoveTo) -> None:
    """Triggered by a time under 改约: the booking moves there (a new pending booking with the
    same topic; the old slot is free again), both lawyers are told."""
    try:
        old, new = await reschedule(
            ctx.session, press.booking_id, ctx.user_id, press.slot_id, ctx.now
        )
    except BookingError as exc:
        if exc.key in ("expired", "book_too_many"):
            ctx.toast(t("expired"))
            return
        await _offer_other_times(ctx, press.booking_id, t(exc.key) + "\n\n")
        return
    assert new.booking.id is not None
    ctx.toast(t("book_moved_toast"))
    ctx.edit(
        ctx.event.message_id,
        t("book_moved", old=press.booking_id) + "\n\n" + booking_line(ctx, new),
    )
    await cancel_reminders(ctx, press.booking_id)
    ctx.notify(
        old.lawyer.telegram_id,
        t("desk_moved_away", id=press.booking_id, when=when(ctx, old.slot)),
    )
    text, buttons = desk_view(ctx, new)
    ctx.notify(new.lawyer.telegram_id, t("desk_new") + "\n\n" + text, buttons)
    await schedule_reminders(ctx, new)


@router.button(BookingKeep, private_only=True)
async def on_keep(ctx: Ctx, press: BookingKeep) -> None:
    """Triggered by 保留预约: nothing changes (if the booking is still the user's to keep)."""
    if not await _my_open_booking(ctx, press.booking_id):
        ctx.toast(t("expired"))
        return
    ctx.toast(t("book_kept"))
    ctx.edit(ctx.event.message_id, t("book_kept"))


async def forget(ctx: Ctx) -> None:
    """Part of /forget: bookings deleted, their lawyers told (without the topic)."""
    for gone in await forget_bookings(ctx.session, ctx.user_id):
        await cancel_reminders(ctx, gone.booking_id)
        ctx.notify(
            gone.lawyer_telegram_id,
            t("desk_cancelled", id=gone.booking_id, when=local_time(ctx, gone.starts_at)),
        )
