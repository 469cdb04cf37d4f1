"""Joining the online competition, the worker's details, rankings, exports and reminders.

How it goes, in plain words:
1. A worker sends /join CODE, or opens the event's deep link (t.me/<bot>?start=CODE, which
   /start hands here). The code names a unit or a team of an event; one membership per event.
2. The first time, the bot asks for the worker's real name (for the award list): 2–20 Chinese
   or Latin letters, · between letters and a space between Latin parts (John Smith) allowed.
   It is asked once, and kept for later events too.
3. /me shows the event, unit, team, name and the attempts used; /rank the worker's rank, their
   team's and unit's, and the top 10. Quiz masters (PUFA_QUIZMASTERS, or named in the event
   file) see every unit and team under all three rules, and /export sends them the workbook.
   Anyone else trying /export is told politely and nothing changes.
4. Reminders: a day before the event opens ("比赛明天开始") and an hour before it closes
   ("还剩 1 小时") every joined worker who has not finished is told, through the outbox. One
   scheduled job per event and reminder, set when the event is imported and kept when workers
   join (a job key, so it is never doubled).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import scheduler
from bot.conversation.actions import SendDocument
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter
from competition import (
    Competition,
    Membership,
    attempts_of,
    close_expired_attempts,
    competition_by_code,
    group_quiz_rule,
    group_ranking,
    join,
    latest_competition,
    member_rank,
    member_user_ids,
    membership,
    personal_ranking,
    set_real_name,
    standings,
    workbook_bytes,
)

NAME_FLOW = "contest_name"
REMINDER = "exam_reminder"
TOP = 10

router = FeatureRouter("contest")


def local_time(ctx: Ctx, moment: datetime) -> str:
    return f"{moment.astimezone(ctx.services.tz):%Y-%m-%d %H:%M}"


def duration(seconds: int) -> str:
    m, s = divmod(max(seconds, 0), 60)
    return t("minutes_seconds", m=m, s=s) if m else t("seconds", s=s)


async def schedule_reminders(
    session: AsyncSession, comp: Competition, now: datetime, only_missing: bool = False
) -> None:
    """The event's two reminder jobs, when still ahead (keys: never doubled, moved on
    re-import). `only_missing` (on join): leave jobs that exist alone, so that thousands of
    workers joining at once do not all rewrite the same two rows."""
    assert comp.id is not None
    for which, due in (
        ("start", comp.opens_at - timedelta(days=1)),
        ("end", comp.closes_at - timedelta(hours=1)),
    ):
        key = f"exam-remind-{which}:{comp.id}"
        if only_missing and await scheduler.scheduled(session, key) is not None:
            continue
        if due > now and (which == "start" or due > comp.opens_at):
            payload = {"competition": comp.id, "which": which}
            await scheduler.schedule(session, REMINDER, due, payload, key)
        else:
            await scheduler.unschedule(session, key)


@router.timer(REMINDER)
async def send_reminders(ctx: Ctx) -> None:
    """Triggered a day before an event opens and an hour before it closes."""
    comp = await ctx.session.get(Competition, int(ctx.event.payload.get("competition", 0)))
    if comp is None:
        return
    which = ctx.event.payload.get("which")
    text = (
        t("remind_start", name=comp.name, opens=local_time(ctx, comp.opens_at))
        if which == "start"
        else t("remind_end", name=comp.name, closes=local_time(ctx, comp.closes_at))
    )
    assert comp.id is not None
    for user_id in await member_user_ids(ctx.session, comp.id, unfinished_only=True):
        ctx.notify(user_id, text)


def _team_line(ms: Membership) -> str:
    return t("join_team_line", team=ms.team.name) if ms.team else ""


@router.command("join", menu="cmd_join", private_only=True)
async def join_command(ctx: Ctx) -> None:
    """/join CODE: join the unit or team the code names."""
    if not ctx.event.args:
        ctx.reply(t("join_usage"))
        return
    await join_with_code(ctx, ctx.event.args)


async def join_with_code(ctx: Ctx, code: str) -> None:
    """/join CODE, or /start CODE from a deep link."""
    code = code.split()[0][:64]
    outcome = await join(ctx.session, code, ctx.user_id, ctx.now)
    ms = outcome.membership
    if outcome.status == "unknown":
        ctx.reply(t("join_unknown", code=code))
        return
    if outcome.status == "closed" or ms is None:
        comp = await competition_by_code(ctx.session, code)
        ctx.reply(t("join_closed", name=comp.name if comp else code))
        return
    names = {"name": ms.competition.name, "unit": ms.unit.name, "team": _team_line(ms)}
    if outcome.status == "already":
        ctx.reply(t("join_already", **names))
    elif outcome.status == "other_team":
        ctx.reply(t("join_other_team", **names))
    else:
        await schedule_reminders(ctx.session, ms.competition, ctx.now, only_missing=True)
        ctx.reply(t("join_done", **names))
    if ms.member.real_name is None:
        await ctx.set_state(NAME_FLOW)
        ctx.reply(t("join_ask_name"))
    elif outcome.status == "joined":
        ctx.reply(t("join_next"))


@router.text(NAME_FLOW)
async def on_real_name(ctx: Ctx, text: str) -> None:
    """Typed text while the bot waits for the worker's real name."""
    name = await set_real_name(ctx.session, ctx.user_id, text)
    if name is None:
        ctx.reply(t("name_invalid"))
        return
    await ctx.set_state(None)
    ctx.reply(f"{t('name_saved', name=name)}\n{t('join_next')}")


@router.command("me", menu="cmd_me", private_only=True)
async def show_me(ctx: Ctx) -> None:
    """/me: the worker's event, unit, team, name and attempts."""
    ms = await membership(ctx.session, ctx.user_id)
    if ms is None:
        ctx.reply(t("me_none"))
        return
    assert ms.member.id is not None
    tries = [a for a in await attempts_of(ctx.session, ms.member.id) if a.status != "active"]
    best = max(tries, key=lambda a: (a.score, -(a.seconds or 0)), default=None)
    comp = ms.competition
    ctx.reply(
        t(
            "me",
            competition=comp.name,
            unit=ms.unit.name,
            team=ms.team.name if ms.team else t("me_no_team"),
            name=ms.member.real_name or t("me_no_name"),
            used=len(tries),
            attempts=comp.attempts,
            best=t("me_best", score=best.score, time=duration(best.seconds or 0)) if best else "",
            opens=local_time(ctx, comp.opens_at),
            closes=local_time(ctx, comp.closes_at),
        )
    )


async def named_event(ctx: Ctx) -> tuple[str, Competition | None]:
    """The event a quiz master's command names (`/export CODE`), else the latest one; with
    the code given ("" for none)."""
    code = ctx.event.args.split()[0] if ctx.event.args else ""
    if code:
        return code, await competition_by_code(ctx.session, code)
    return code, await latest_competition(ctx.session)


def is_quizmaster(ctx: Ctx, comp: Competition | None) -> bool:
    """Quiz masters: PUFA_QUIZMASTERS, or named in the event's file."""
    return ctx.user_id in ctx.services.quizmasters or (
        comp is not None and ctx.user_id in comp.quizmasters
    )


def people_lines(rows: list) -> list[str]:  # type: ignore[type-arg]
    return [
        t(
            "rank_person_line",
            rank=p.rank,
            name=p.name or t("anonymous"),
            unit=p.unit,
            score=p.score,
            time=duration(p.seconds),
        )
        for p in rows
    ]


@router.command("rank", menu="cmd_rank", private_only=True)
async def show_rank(ctx: Ctx) -> None:
    """/rank: own rank, team's and unit's, the top 10; quiz masters see all rankings."""
    ms = await membership(ctx.session, ctx.user_id)
    comp = ms.competition if ms else await latest_competition(ctx.session)
    if comp is None and is_quizmaster(ctx, None):
        ctx.reply(t("rank_no_event"))
        return
    if comp is None or (ms is None and not is_quizmaster(ctx, comp)):
        ctx.reply(t("rank_none"))
        return
    rule = str(comp.ranking.get("rule", "average"))
    gq_rule = group_quiz_rule(comp.ranking)
    lines = [t("rank_header", name=comp.name, rule=t(f"rule_{rule}"))]
    if ms is not None:
        assert ms.member.id is not None
        mine = await member_rank(ctx.session, comp, ms.member.id)
        if mine is None:
            lines.append(t("rank_me_none"))
        else:
            award = t("rank_me_award", award=mine.award) if mine.award else ""
            lines.append(
                t(
                    "rank_me",
                    rank=mine.rank,
                    of=mine.of,
                    score=mine.score,
                    time=duration(mine.seconds),
                    award=award,
                )
            )
        for kind, group_id in (("unit", ms.unit.id), ("team", ms.team.id if ms.team else None)):
            if group_id is None:
                continue
            for g in await group_ranking(ctx.session, comp, kind):
                if g.id == group_id:
                    lines.append(
                        t(
                            "rank_group_line",
                            kind=t(f"rank_kind_{kind}"),
                            name=g.name,
                            rank=getattr(g, f"rank_{rule}"),
                            average=f"{g.average:g}",
                            took=g.took_part,
                            joined=g.joined,
                            rate=round(100 * g.rate),
                            gq=t("rank_group_gq", points=g.group_quiz, bonus=f"{g.bonus:g}")
                            if gq_rule
                            else "",
                        )
                    )
    quizmaster = is_quizmaster(ctx, comp)
    top = await personal_ranking(ctx.session, comp, limit=2 * TOP if quizmaster else TOP)
    lines.append("")
    lines.append(t("rank_top", n=len(top)) if top else t("rank_nobody"))
    lines += people_lines(top)
    if quizmaster:
        for kind in ("unit", "team"):
            groups = await group_ranking(ctx.session, comp, kind)
            if not groups:
                continue
            title = {"kind": t(f"rank_kind_{kind}"), "n": comp.ranking.get("best_n", 3)}
            if gq_rule:
                title["weight"] = f"{float(gq_rule.get('weight', 0)):g}"
            lines += ["", t("rank_groups_gq" if gq_rule else "rank_groups", **title)]
            lines += [
                t(
                    "rank_group_row_gq" if gq_rule else "rank_group_row",
                    rank=getattr(g, f"rank_{rule}"),
                    name=g.name,
                    average=f"{g.average:g}",
                    best_n=g.best_n,
                    weighted=f"{g.weighted:g}",
                    took=g.took_part,
                    joined=g.joined,
                    bonus=f"{g.bonus:g}",
                    points=g.group_quiz,
                )
                for g in groups
            ]
    ctx.reply("\n".join(lines))


@router.command("export", private_only=True)
async def export_workbook(ctx: Ctx) -> None:
    """/export [EVENT]: quiz masters get the event's workbook as a document."""
    code, comp = await named_event(ctx)
    if not is_quizmaster(ctx, comp):
        ctx.reply(t("quizmaster_only"))
        return
    if comp is None:
        ctx.reply(t("export_unknown", code=code[:32]) if code else t("export_none"))
        return
    await close_expired_attempts(ctx.session, ctx.now)
    data = await standings(ctx.session, comp)
    content = workbook_bytes(comp, data, ctx.bank)
    caption = t("export_caption", name=comp.name, participants=len(data.people), joined=data.joined)
    ctx.actions.append(
        SendDocument(ctx.event.chat_id, f"{comp.code}-results.xlsx", content, caption[:1024])
    )
