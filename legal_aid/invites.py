"""Lawyer invite links: a lawyer joins the bot without anyone looking up their Telegram id.

`create_invite` stores a random one-use code for a lawyer on the roster, valid for some days;
the link `https://t.me/<bot>?start=<code>` opens the bot with `/start <code>`, and
`redeem_invite` then ties the lawyer to the Telegram account that opened it. A code works
once (a conditional UPDATE, so two taps or two processes cannot both use it) and not after it
expires; a new invite for the same lawyer can move them to another account.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from legal_aid.models import Lawyer, LawyerInvite

INVITE_PREFIX = "law-"  # tells an invite from a competition join code in /start
INVITE_DAYS = 7
MAX_CODE_CHARS = 40  # the column's length; a code is 4 + 24 characters


async def create_invite(
    session: AsyncSession, lawyer_code: str, now: datetime, days: int = INVITE_DAYS
) -> str | None:
    """A new invite code for the lawyer with this roster code (None: no such lawyer)."""
    lawyer = (await session.exec(select(Lawyer).where(Lawyer.code == lawyer_code))).first()
    if lawyer is None or lawyer.id is None:
        return None
    code = INVITE_PREFIX + secrets.token_urlsafe(18)  # 24 characters of [A-Za-z0-9_-]
    session.add(LawyerInvite(code=code, lawyer_id=lawyer.id, expires_at=now + timedelta(days=days)))
    await session.flush()
    return code


@dataclass(frozen=True)
class InviteOutcome:
    """'joined' (with the lawyer), or why not: 'unknown', 'used', 'expired', 'taken' (this
    Telegram account already belongs to another lawyer on the roster)."""

    status: str
    lawyer: Lawyer | None = None


async def redeem_invite(
    session: AsyncSession, code: str, telegram_id: int, now: datetime
) -> InviteOutcome:
    """Use an invite code: the lawyer is known by `telegram_id` from now on."""
    if len(code) > MAX_CODE_CHARS:  # a forged deep link: no lookup
        return InviteOutcome("unknown")
    invite = await session.get(LawyerInvite, code)
    if invite is None:
        return InviteOutcome("unknown")
    if invite.used_at is not None:
        return InviteOutcome("used")
    if now >= invite.expires_at:
        return InviteOutcome("expired")
    lawyer = await session.get(Lawyer, invite.lawyer_id)
    if lawyer is None:
        return InviteOutcome("unknown")
    other = (
        await session.exec(
            select(Lawyer).where(Lawyer.telegram_id == telegram_id, col(Lawyer.id) != lawyer.id)
        )
    ).first()
    if other is not None:
        return InviteOutcome("taken")
    used = await (await session.connection()).execute(
        update(LawyerInvite)
        .where(col(LawyerInvite.code) == code, col(LawyerInvite.used_at).is_(None))
        .values(used_at=now)
    )
    if used.rowcount != 1:
        return InviteOutcome("used")
    lawyer.telegram_id = telegram_id
    session.add(lawyer)
    await session.flush()
    return InviteOutcome("joined", lawyer)
