"""The roster's rolling horizon: slots from the duty rules, made once a day by the scheduler.

How it goes: `pufa roster import` stores the rules, makes their slots for the horizon at once
and stores one job (key `roster-roll`, due shortly after the next local midnight). When the
job falls due, the slots of the new last day are made (and those no rule makes any more are
dropped), and the job stores itself again for the next night — one job, run once a day,
across restarts. A booked slot that vanished from the roster keeps its booking; the admins
(PUFA_ADMINS) and the worker are told at once, never left to find out at the door.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import scheduler
from bot.conversation.actions import Action, SendMessage
from bot.conversation.context import Ctx
from bot.conversation.legal_aid_text import local_time_in
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter
from legal_aid import VanishedBooking, roll_slots

ROLL = "roster_roll"
ROLL_KEY = "roster-roll"
ROLL_AT_MINUTES = 5  # after local midnight

router = FeatureRouter("duty_roll")


def next_roll(now: datetime, tz: ZoneInfo) -> datetime:
    """Shortly after the next local midnight."""
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, datetime.min.time(), tz) + timedelta(minutes=ROLL_AT_MINUTES)


async def schedule_roll(
    session: AsyncSession, now: datetime, tz: ZoneInfo, horizon_days: int
) -> None:
    """The one daily job (moved, never doubled, by its key)."""
    await scheduler.schedule(
        session, ROLL, next_roll(now, tz), {"horizon_days": horizon_days}, key=ROLL_KEY
    )


def vanished_notices(
    vanished: Iterable[VanishedBooking], admins: Iterable[int], tz: ZoneInfo
) -> list[Action]:
    """What the admins and each worker are told about bookings whose slot left the roster."""
    actions: list[Action] = []
    admin_ids = sorted(set(admins))
    for gone in vanished:
        when = local_time_in(gone.starts_at, tz)
        actions.append(
            SendMessage(
                gone.user_id,
                t("roster_vanished_worker", id=gone.booking_id, when=when, lawyer=gone.lawyer_name),
            )
        )
        for admin in admin_ids:
            actions.append(
                SendMessage(
                    admin,
                    t(
                        "roster_vanished_admin",
                        id=gone.booking_id,
                        when=when,
                        lawyer=gone.lawyer_name,
                    ),
                )
            )
    return actions


@router.timer(ROLL)
async def on_roll_due(ctx: Ctx) -> None:
    """The daily job: roll the horizon on by a day, tell people about vanished bookings."""
    horizon = int(ctx.event.payload.get("horizon_days", 28))
    result = await roll_slots(ctx.session, ctx.now, ctx.services.tz, horizon)
    ctx.actions.extend(vanished_notices(result.vanished, ctx.services.admins, ctx.services.tz))
    await schedule_roll(ctx.session, ctx.now, ctx.services.tz, horizon)
