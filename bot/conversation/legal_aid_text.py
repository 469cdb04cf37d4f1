"""How slots, bookings and lawyers read to people (shared by the booking wizard and the desk)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.conversation.context import Ctx
from bot.conversation.messages import t
from legal_aid import BookingView, DutySlot, Lawyer, Station

_WEEKDAYS = "一二三四五六日"


def local_time(ctx: Ctx, moment: datetime) -> str:
    """'11月26日（周四）14:00' in the bot's time zone."""
    return local_time_in(moment, ctx.services.tz)


def local_time_in(moment: datetime, tz: ZoneInfo) -> str:
    """'11月26日（周四）14:00' in `tz` (for work done without an event, e.g. by the CLI)."""
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日（周{_WEEKDAYS[local.weekday()]}）{local:%H:%M}"


def when(ctx: Ctx, slot: DutySlot) -> str:
    """'11月26日（周四）14:00–14:30'."""
    return f"{local_time(ctx, slot.starts_at)}–{slot.ends_at.astimezone(ctx.services.tz):%H:%M}"


def lawyer_name(lawyer: Lawyer) -> str:
    return f"{lawyer.name}（{lawyer.firm}）" if lawyer.firm else lawyer.name


def place(station: Station | None) -> str:
    """'\n📍 货车司机法律援助工作站（到站面谈）物流园二楼 ☎ 0571-…', or '' when not said."""
    if station is None:
        return ""
    phone = t("place_phone", phone=station.phone) if station.phone else ""
    return t(
        "place", name=station.name, channel=station.channel, address=station.address, phone=phone
    )


def lawyer_with_specialties(lawyer: Lawyer) -> str:
    """'王律师（示例律师事务所），擅长劳动合同、工伤' (the name alone without specialties)."""
    if not lawyer.specialties:
        return lawyer_name(lawyer)
    return t(
        "lawyer_specialties", lawyer=lawyer_name(lawyer), specialties="、".join(lawyer.specialties)
    )


def booking_line(ctx: Ctx, view: BookingView) -> str:
    """A worker's booking in one short block: number, status, time, lawyer."""
    return t(
        "book_line",
        id=view.booking.id,
        when=when(ctx, view.slot),
        lawyer=lawyer_name(view.lawyer),
        status=t(f"status_{view.booking.status}"),
        place=place(view.station),
    )
