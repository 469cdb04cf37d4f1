"""/weblinks: a quiz master or judge asks for the live final's web pages.

The flow: a quiz master of an event (or a judge of its final) sends /weblinks [EVENT] in a
private chat (the event is the latest one when no code is given). The bot makes two new
secret links — a console bound to their own Telegram id (a host console for a quiz master, a
judge console for a judge), and the big-screen scoreboard — and sends them. Anyone
else is told politely; without a public address of the web pages (PUFA_WEB_BASE_URL) the bot
says the pages are not set up. Links are stored hashed (bot/weblinks.py), so each /weblinks
makes new ones; `pufa web revoke` takes them back.
"""

from __future__ import annotations

from bot.conversation.contest import is_quizmaster, named_event
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter
from bot.weblinks import Role, create_link, event_judges, link_url

router = FeatureRouter("weblinks")


@router.command("weblinks", private_only=True)
async def send_web_links(ctx: Ctx) -> None:
    """Triggered by /weblinks [EVENT]: new console and screen links for a quiz master or
    judge."""
    code, comp = await named_event(ctx)
    judge = (
        comp is not None
        and comp.id is not None
        and not is_quizmaster(ctx, comp)
        and ctx.user_id in await event_judges(ctx.session, comp.id)
    )
    if not is_quizmaster(ctx, comp) and not judge:
        ctx.reply(t("quizmaster_only"))
        return
    if comp is None or comp.id is None:
        ctx.reply(t("weblinks_unknown", code=code[:32]) if code else t("weblinks_none"))
        return
    base = ctx.services.web_base_url
    if not base:
        ctx.reply(t("weblinks_off"))
        return
    role: Role = "judge" if judge else "host"
    console = await create_link(
        ctx.session, comp.id, role, ctx.now, user_id=ctx.user_id, created_by=ctx.user_id
    )
    screen = await create_link(ctx.session, comp.id, "screen", ctx.now, created_by=ctx.user_id)
    ctx.reply(
        t(
            "weblinks",
            name=comp.name,
            role=t(f"web_role_{role}"),
            console=link_url(base, role, console.token),
            screen=link_url(base, "screen", screen.token),
        )
    )
