"""/weblinks: a quiz master asks for the live final's web pages.

The flow: a quiz master of an event sends /weblinks [EVENT] in a private chat (the event is the
latest one when no code is given). The bot makes two new secret links — a host console bound
to the quiz master's own Telegram id, and the big-screen scoreboard — and sends them. Anyone
else is told politely; without a public address of the web pages (PUFA_WEB_BASE_URL) the bot
says the pages are not set up. Links are stored hashed (bot/weblinks.py), so each /weblinks
makes new ones; `pufa web revoke` takes them back.
"""

from __future__ import annotations

from bot.conversation.contest import is_quizmaster
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter
from bot.weblinks import create_link, link_url
from competition import competition_by_code, latest_competition

router = FeatureRouter("weblinks")


@router.command("weblinks", private_only=True)
async def send_web_links(ctx: Ctx) -> None:
    """Triggered by /weblinks [EVENT]: new console and screen links for a quiz master."""
    code = ctx.event.args.split()[0] if ctx.event.args else ""
    comp = (
        await competition_by_code(ctx.session, code)
        if code
        else await latest_competition(ctx.session)
    )
    if not is_quizmaster(ctx, comp):
        ctx.reply(t("quizmaster_only"))
        return
    if comp is None or comp.id is None:
        ctx.reply(t("weblinks_unknown", code=code[:32]) if code else t("weblinks_none"))
        return
    base = ctx.services.web_base_url
    if not base:
        ctx.reply(t("weblinks_off"))
        return
    console = await create_link(
        ctx.session, comp.id, "host", ctx.now, user_id=ctx.user_id, created_by=ctx.user_id
    )
    screen = await create_link(ctx.session, comp.id, "screen", ctx.now, created_by=ctx.user_id)
    ctx.reply(
        t(
            "weblinks",
            name=comp.name,
            role=t("web_role_host"),
            console=link_url(base, "host", console.token),
            screen=link_url(base, "screen", screen.token),
        )
    )
