"""The core commands every user has: /start, /help, /cancel and /forget.

/start greets and offers the quiz (menu buttons run the command they name, see
routing.RunCommand); /help lists what the bot does; /cancel leaves whatever flow is open (a
booking, a quiz round); /forget asks once, then deletes everything kept about the user —
answers, rounds, bookings (their lawyers are told) and the conversation state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.conversation import booking, consult, contest, desk, quiz
from bot.conversation.actions import keyboard
from bot.conversation.buttons import FLAG, ButtonData
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter, RunCommand
from bot.conversation.state import forget_state
from competition import forget_member
from scoring import forget_user

router = FeatureRouter("core")


@dataclass(frozen=True)
class ForgetAnswer(ButtonData, prefix="forget"):
    """🗑 确认删除 (sure=1) / 取消 (sure=0) under the /forget question."""

    sure: Annotated[bool, FLAG]


@router.command("start", menu="cmd_start")
async def start(ctx: Ctx) -> None:
    """/start: the welcome, with buttons into the quiz (a lawyer's: their desk); /start CODE
    (a deep link) joins a competition, or a lawyer with an invite code."""
    if ctx.event.args and ctx.event.private:
        if desk.is_invite(ctx.event.args):
            await desk.join_by_invite(ctx, ctx.event.args)
        else:
            await contest.join_with_code(ctx, ctx.event.args)
        return
    if ctx.event.private and await desk.welcome_lawyer(ctx):
        return
    name = f"，{ctx.event.user.name[:32]}" if ctx.event.user.name else ""
    ctx.reply(
        t("welcome", name=name),
        keyboard(
            [
                RunCommand("quiz").button(t("menu_quiz")),
                RunCommand("wrong").button(t("menu_wrong")),
            ]
        ),
    )


@router.command("help", menu="cmd_help")
async def show_help(ctx: Ctx) -> None:
    """/help: every command, and how to answer."""
    ctx.reply(t("help", size=ctx.services.practice_size))


@router.command("cancel", menu="cmd_cancel", private_only=True)
async def cancel(ctx: Ctx) -> None:
    """/cancel: leave the booking wizard, a message or outcome note not yet written, or the
    quiz round, whichever is open."""
    for abort in (booking.abort_flow, consult.abort_flow, desk.abort_outcome):
        if await abort(ctx):
            return
    if not await quiz.cancel(ctx):
        await ctx.set_state(None)
        ctx.reply(t("nothing_to_cancel"))


@router.command("forget", menu="cmd_forget", private_only=True)
async def ask_forget(ctx: Ctx) -> None:
    """/forget: ask before deleting everything we keep about the user."""
    ctx.reply(
        t("forget_confirm"),
        keyboard(
            [
                ForgetAnswer(sure=True).button(t("forget_yes")),
                ForgetAnswer(sure=False).button(t("forget_no")),
            ]
        ),
    )


@router.button(ForgetAnswer, private_only=True)
async def on_forget_answer(ctx: Ctx, press: ForgetAnswer) -> None:
    """Triggered by the confirmation buttons of /forget."""
    ctx.toast()
    ctx.edit(ctx.event.message_id, t("forget_confirm"))
    if not press.sure:
        ctx.reply(t("forget_kept"))
        return
    await forget_user(ctx.session, ctx.user_id, ctx.services.plans)
    await forget_member(ctx.session, ctx.user_id)
    await booking.forget(ctx)
    await forget_state(ctx.session, ctx.user_id)
    ctx.reply(t("forget_done"))
