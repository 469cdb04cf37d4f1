"""The live final on stage: a quiz master and judges run it, contestants play on their phones.

How it goes, in plain words:
1. The event file's `final:` section names the finalist teams, the judges and the rounds
   (必答 / 抢答 / 风险 / 加赛). Contestants join their team with /join CODE (or its link);
   the first three of each team to join play.
2. The quiz master (PUFA_QUIZMASTERS or the file's `quizmasters`) or a judge sends /round to
   begin a round and /next for each question. Anyone else gets a polite refusal and nothing
   changes. /event CODE picks the final when several exist.
3. 必答: the question goes to the contestants of every team (or of the team whose turn it
   is) with answer buttons; each team's first answer counts; the time limit closes it.
   抢答 / 加赛: /next shows the question with a 🔔 button; a press before /open costs points
   and locks the team out; after /open the first press the server received wins, and that
   team answers with buttons (or aloud: a judge sends ✓ / ✗). 风险: the team whose turn it
   is (by the standing) picks a tier or declines, then answers a question of that level.
4. Every deadline is a stored timer job, so a question closes by itself, also after a
   restart. /reveal ends the question at once; /adjust TEAM ±N 理由 and /undo correct the
   score (new ledger entries); /board shows the standing. After the last round, /round
   ends the final with the podium.
The web console sends the same commands (see scoring/final/__init__.py).
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from typing import Annotated, Any

from sqlmodel import col, select

from bot.conversation.actions import EditMessage, Keyboard, SendMessage, keyboard
from bot.conversation.articles import citation_line
from bot.conversation.buttons import DB_ID, FLAG, OPTION, ButtonData, IntField
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.conversation.routing import FeatureRouter, RunCommand
from competition import Competition, competition_by_code
from scoring import final as live
from scoring.final import rules
from scoring.final.engine import current_rules, team_ids
from scoring.final.models import LiveFinal

log = logging.getLogger("pufa.final")

router = FeatureRouter("final")

DEADLINE_JOB = "final_deadline"
PICKED = "final_event"  # conversation data: the competition id of the final this person runs
QUESTION_NO = IntField(1, 10**6)
TIER = IntField(0, 1000)  # 0: decline
ADJUST = re.compile(r"(\S+)\s+([+-]?\d{1,4})(?:\s+(.+))?", re.S)
MAX_REASON = 100


@dataclass(frozen=True)
class FinalPick(ButtonData, prefix="finans"):
    """An answer option (A–H) of the live final's question `question_no`."""

    competition: Annotated[int, DB_ID]
    question_no: Annotated[int, QUESTION_NO]
    option: Annotated[int, OPTION]


@dataclass(frozen=True)
class FinalBuzz(ButtonData, prefix="finbuzz"):
    """🔔 the buzzer of the live final's question `question_no`."""

    competition: Annotated[int, DB_ID]
    question_no: Annotated[int, QUESTION_NO]


@dataclass(frozen=True)
class FinalTier(ButtonData, prefix="fintier"):
    """风险: a tier of points for the turn `question_no` (0: decline)."""

    competition: Annotated[int, DB_ID]
    question_no: Annotated[int, QUESTION_NO]
    tier: Annotated[int, TIER]


@dataclass(frozen=True)
class FinalVerdict(ButtonData, prefix="finjudge"):
    """A judge's ✓ (ok=1) / ✗ (ok=0) on the answer given aloud to question `question_no`."""

    competition: Annotated[int, DB_ID]
    question_no: Annotated[int, QUESTION_NO]
    ok: Annotated[bool, FLAG]


# --- who runs which final -------------------------------------------------------------


def _may_run(ctx: Ctx, comp: Competition, final: LiveFinal) -> bool:
    """Quiz masters (PUFA_QUIZMASTERS or the event's) and the final's judges."""
    uid = ctx.user_id
    return (
        uid in ctx.services.quizmasters
        or uid in comp.quizmasters
        or uid in final.config.get("judges", [])
    )


async def _runnable(ctx: Ctx) -> list[tuple[Competition, LiveFinal]]:
    """Every final this person may run, the newest event first."""
    stmt = select(LiveFinal).order_by(col(LiveFinal.competition_id).desc())
    found = []
    for final in (await ctx.session.exec(stmt)).all():
        comp = await ctx.session.get(Competition, final.competition_id)
        if comp is not None and _may_run(ctx, comp, final):
            found.append((comp, final))
    return found


async def _controlled(ctx: Ctx) -> tuple[Competition, LiveFinal] | None:
    """The final this quiz master or judge runs: the one picked with /event, else the
    newest unfinished one (else the newest). None (and a polite answer) for anyone else."""
    mine = await _runnable(ctx)
    if not mine:
        ctx.reply(t("final_none" if ctx.user_id in ctx.services.quizmasters else "final_not_host"))
        return None
    picked = (await ctx.state()).data.get(PICKED)
    for comp, final in mine:
        if comp.id == picked:
            return comp, final
    return next(((c, f) for c, f in mine if not f.finished), mine[0])


# --- texts ----------------------------------------------------------------------------


def _team_names(final: LiveFinal) -> dict[int, str]:
    return {int(team["id"]): str(team["name"]) for team in final.config["teams"]}


def _round_title(final: LiveFinal) -> str:
    spec = current_rules(final)
    if spec is None or final.round_index is None:
        return t("final_no_round")
    return t("final_round_title", n=final.round_index + 1, name=rules.round_name(spec))


def _question_text(final: LiveFinal, answer: bool = False) -> str:
    q = final.question or {}
    lines = [t("final_question", round=_round_title(final), n=final.question_no, text=q["text"])]
    if q.get("type") != "judge":
        lines += [f"{o['label']}. {o['text']}" for o in q["options"]]
    if answer:
        lines.append(t("final_answer_is", answer=_answer_label(final)))
    return "\n".join(lines)


def _answer_label(final: LiveFinal) -> str:
    q = final.question or {}
    return "、".join(
        q["options"][i]["text"] if q.get("type") == "judge" else q["options"][i]["label"]
        for i in q.get("answer", [])
    )


def _option_buttons(comp_id: int, final: LiveFinal) -> Keyboard:
    q = final.question or {}
    judge = q.get("type") == "judge"
    return keyboard(
        [
            FinalPick(comp_id, final.question_no, i).button(o["text"] if judge else o["label"])
            for i, o in enumerate(q["options"])
        ]
    )


async def _board_text(ctx: Ctx, comp: Competition, final: LiveFinal) -> str:
    rows = await live.standings(ctx.session, final)
    lines = [t("final_board_title", name=comp.name, round=_round_title(final))]
    for row in rows:
        change = (
            "" if row.last_delta is None else t("final_board_change", delta=f"{row.last_delta:+d}")
        )
        lines.append(
            t("final_board_line", rank=row.rank, name=row.name, score=row.score, change=change)
        )
    return "\n".join(lines)


def _host_buttons(final: LiveFinal) -> Keyboard:
    """The quiz master's likely next steps, as buttons that run the commands."""
    step = {
        "idle": ("round",),
        "ready": ("next", "round"),
        "showing": ("open", "reveal"),
        "buzz_open": ("reveal",),
        "choosing": ("reveal",),
        "answering": ("reveal",),
        "revealed": ("next", "round", "board"),
    }.get(final.phase, ())
    return keyboard([RunCommand(c).button(t(f"final_do_{c}")) for c in step])


def _status(comp: Competition, final: LiveFinal) -> str:
    return t(
        "final_status",
        name=comp.name,
        round=_round_title(final),
        phase=t(f"final_phase_{final.phase}"),
        n=final.question_no,
    )


# --- contestants' phones ----------------------------------------------------------------


def _key(comp_id: int, question_no: int, user_id: int, what: str = "q") -> str:
    return f"fin{what}:{comp_id}:{question_no}:{user_id}"


async def _players(ctx: Ctx, final: LiveFinal, teams: list[int]) -> list[tuple[int, int]]:
    """(team, contestant) of the given teams."""
    seats = await live.contestants(ctx.session, final)
    return [(team, uid) for team in teams for uid in seats.get(team, [])]


async def _send_to(
    ctx: Ctx, final: LiveFinal, teams: list[int], text: str, buttons: Keyboard, what: str = "q"
) -> None:
    for _team, uid in await _players(ctx, final, teams):
        key = _key(final.competition_id, final.question_no, uid, what)
        ctx.actions.append(SendMessage(uid, text, buttons, key=key))


async def _edit_for(
    ctx: Ctx, final: LiveFinal, teams: list[int], text: str, what: str = "q"
) -> None:
    for _team, uid in await _players(ctx, final, teams):
        key = _key(final.competition_id, final.question_no, uid, what)
        ctx.actions.append(EditMessage(uid, None, text, key=key))


async def _schedule_deadline(ctx: Ctx, final: LiveFinal) -> None:
    """A job at the stored deadline; it carries the step, so a moved-on final ignores it."""
    if final.deadline is not None:
        payload = {"competition": final.competition_id, "step": final.step}
        await ctx.schedule(DEADLINE_JOB, final.deadline, payload)


def _host_targets(ctx: Ctx, final: LiveFinal) -> list[int]:
    """Who hears what happened on the phones: the person who acted, else the last host."""
    if ctx.event.kind == "command" and ctx.user_id:
        return [ctx.user_id]
    return [final.host_id] if final.host_id else []


def _tell_host(ctx: Ctx, final: LiveFinal, text: str, buttons: Keyboard = ()) -> None:
    for uid in _host_targets(ctx, final):
        if ctx.event.kind == "command" and uid == ctx.user_id:
            ctx.reply(text, buttons)
        else:
            ctx.notify(uid, text, buttons)


# --- after each action ------------------------------------------------------------------


async def _announce_question(ctx: Ctx, comp: Competition, final: LiveFinal) -> None:
    """A new question (or 风险 turn): to the phones of the teams up, and to the host."""
    spec = current_rules(final)
    assert spec is not None and comp.id is not None
    names = _team_names(final)
    kind = spec["kind"]
    if final.phase == "choosing":
        team = final.teams_up[0]
        buttons = keyboard(
            [
                FinalTier(comp.id, final.question_no, tier).button(t("final_tier", tier=tier))
                for tier in spec["tiers"]
            ],
            [FinalTier(comp.id, final.question_no, 0).button(t("final_decline"))],
        )
        await _send_to(
            ctx, final, [team], t("final_choose", seconds=spec["choose_seconds"]), buttons
        )
        _tell_host(ctx, final, t("final_host_choosing", team=names[team]), _host_buttons(final))
        return
    text = _question_text(final)
    if kind in rules.BUZZ_KINDS:
        buzz = keyboard([FinalBuzz(comp.id, final.question_no).button(t("final_buzz"))])
        await _send_to(ctx, final, final.teams_up, f"{text}\n\n{t('final_wait_open')}", buzz)
    else:
        await _send_to(
            ctx,
            final,
            final.teams_up,
            f"{text}\n\n{t('final_answer_now', seconds=spec['seconds'])}",
            _option_buttons(comp.id, final),
        )
    who = "、".join(names[team] for team in final.teams_up)
    _tell_host(
        ctx,
        final,
        f"{_question_text(final, answer=True)}\n\n{t('final_host_asked', teams=who)}",
        _host_buttons(final),
    )


async def _announce_close(
    ctx: Ctx, comp: Competition, final: LiveFinal, outcome: live.Outcome
) -> None:
    """The question is over: each phone shows the answer; the host gets results and board."""
    names = _team_names(final)
    if outcome.status in ("void", "declined"):
        key = "final_void" if outcome.status == "void" else "final_declined"
        text = t(key, team=names.get(outcome.team_id or 0, ""))
        await _edit_for(ctx, final, final.teams_up, text)
        _tell_host(
            ctx, final, f"{text}\n\n{await _board_text(ctx, comp, final)}", _host_buttons(final)
        )
        return
    answers = await _answers(ctx, final)
    result_lines = [
        _result_line(names[team], answers.get(team)) for team in answering_teams_at_close(final)
    ]
    text = f"{_question_text(final, answer=True)}\n\n" + "\n".join(result_lines)
    if final.question and final.question_id:
        q = ctx.bank.get(final.question_id)
        if q is not None:
            text += "\n\n" + t("final_explain", text=q.explanation, citation=citation_line(q.refs))
    await _edit_for(ctx, final, final.teams_up, text)
    # the answer buttons a buzz winner or a 风险 team got in a second message
    await _edit_for(ctx, final, answering_teams_at_close(final), text, what="a")
    _tell_host(ctx, final, f"{text}\n\n{await _board_text(ctx, comp, final)}", _host_buttons(final))


def answering_teams_at_close(final: LiveFinal) -> list[int]:
    """The teams whose result a closed question reports."""
    return [final.buzz_team_id] if final.buzz_team_id is not None else list(final.teams_up)


async def _answers(ctx: Ctx, final: LiveFinal) -> dict[int, live.FinalAnswer]:
    stmt = select(live.FinalAnswer).where(
        col(live.FinalAnswer.competition_id) == final.competition_id,
        col(live.FinalAnswer.question_no) == final.question_no,
    )
    return {a.team_id: a for a in (await ctx.session.exec(stmt)).all()}


def _result_line(name: str, answer: live.FinalAnswer | None) -> str:
    if answer is None or answer.how == "timeout":
        return t("final_result_timeout", team=name)
    return t("final_result_right" if answer.correct else "final_result_wrong", team=name)


async def _after(ctx: Ctx, comp: Competition, outcome: live.Outcome) -> None:
    """Schedule the new deadline and tell everyone what the action changed."""
    final = outcome.final
    if final is None:
        return
    await _schedule_deadline(ctx, final)
    if outcome.closed or outcome.status in ("void", "declined"):
        await _announce_close(ctx, comp, final, outcome)


# --- the quiz master's commands ----------------------------------------------------------


@router.command("event")
async def on_event(ctx: Ctx) -> None:
    """/event [CODE]: which final this quiz master or judge runs (pick one by its code)."""
    mine = await _runnable(ctx)
    if not mine:
        ctx.reply(t("final_none" if ctx.user_id in ctx.services.quizmasters else "final_not_host"))
        return
    code = ctx.event.args.split()[0] if ctx.event.args else ""
    if code:
        comp = await competition_by_code(ctx.session, code[:64])
        chosen = next(((c, f) for c, f in mine if comp is not None and c.id == comp.id), None)
        if chosen is None:
            ctx.reply(t("final_unknown", code=code[:32]))
            return
        await ctx.set_state(None, **{PICKED: chosen[0].id})
        ctx.reply(_status(*chosen), _host_buttons(chosen[1]))
        return
    current = await _controlled(ctx)
    assert current is not None
    lines = [_status(*current), "", t("final_list_title")]
    lines += [
        t("final_list_line", code=c.code, name=c.name, phase=t(f"final_phase_{f.phase}"))
        for c, f in mine
    ]
    ctx.reply("\n".join(lines), _host_buttons(current[1]))


@router.command("round")
async def on_round(ctx: Ctx) -> None:
    """/round: begin the next round; after the last one, end the final with the podium."""
    found = await _controlled(ctx)
    if found is None:
        return
    comp, final = found
    assert comp.id is not None
    outcome = await live.start_round(
        ctx.session, comp.id, ctx.user_id, ctx.now, ctx.bank, random.Random()
    )
    if outcome.status in ("busy", "over"):
        ctx.reply(t("final_busy" if outcome.status == "busy" else "final_finished"))
        return
    final = outcome.final or final
    if outcome.status == "finished":
        await _podium(ctx, comp, final)
        return
    spec = current_rules(final)
    assert spec is not None
    text = t("final_round_start", round=_round_title(final), rules=_rules_text(spec, final))
    await _send_to_all(ctx, final, text)
    ctx.reply(text, _host_buttons(final))


def _rules_text(spec: dict[str, Any], final: LiveFinal) -> str:
    kind = spec["kind"]
    if kind == "compulsory":
        return t(
            f"final_rules_compulsory_{spec['mode']}",
            points=spec["points"],
            wrong=rules.wrong_points(spec),
            seconds=spec["seconds"],
        )
    if kind == "risk":
        return t("final_rules_risk", tiers="/".join(map(str, spec["tiers"])))
    names = _team_names(final)
    teams = "、".join(names[team] for team in final.contenders)
    return t(
        "final_rules_tiebreak" if kind == "tiebreak" else "final_rules_buzzer",
        points=spec["points"],
        wrong=rules.wrong_points(spec),
        early=spec["early"],
        teams=teams,
    )


async def _send_to_all(ctx: Ctx, final: LiveFinal, text: str) -> None:
    for _team, uid in await _players(ctx, final, team_ids(final)):
        ctx.notify(uid, text)


async def _podium(ctx: Ctx, comp: Competition, final: LiveFinal) -> None:
    rows = await live.standings(ctx.session, final)
    medals = t("gq_medals").split()
    lines = [t("final_podium_title", name=comp.name)]
    lines += [
        t("final_podium_line", medal=medals[r.rank - 1], name=r.name, score=r.score)
        for r in rows
        if r.rank <= len(medals)
    ]
    text = "\n".join(lines) + "\n\n" + await _board_text(ctx, comp, final)
    await _send_to_all(ctx, final, "\n".join(lines))
    ctx.reply(text)


@router.command("next")
async def on_next(ctx: Ctx) -> None:
    """/next: the round's next question (or 风险's next team)."""
    found = await _controlled(ctx)
    if found is None:
        return
    comp, final = found
    assert comp.id is not None
    outcome = await live.next_question(
        ctx.session, comp.id, ctx.user_id, ctx.now, ctx.bank, random.Random()
    )
    refusals = {
        "busy": "final_busy",
        "round_over": "final_round_over",
        "no_round": "final_need_round",
        "finished": "final_finished",
        "no_questions": "final_no_questions",
    }
    if outcome.status in refusals:
        ctx.reply(t(refusals[outcome.status]), _host_buttons(outcome.final or final))
        return
    assert outcome.final is not None
    await _schedule_deadline(ctx, outcome.final)
    await _announce_question(ctx, comp, outcome.final)


@router.command("open")
async def on_open(ctx: Ctx) -> None:
    """/open: buzzing opens on the question shown."""
    found = await _controlled(ctx)
    if found is None:
        return
    comp, final = found
    assert comp.id is not None
    outcome = await live.open_buzzer(ctx.session, comp.id, ctx.user_id, ctx.now)
    if outcome.final is None or outcome.status != "opened":
        ctx.reply(t("final_cannot_open"), _host_buttons(final))
        return
    final = outcome.final
    await _schedule_deadline(ctx, final)
    spec = current_rules(final)
    assert spec is not None
    buzz = keyboard([FinalBuzz(comp.id, final.question_no).button(t("final_buzz"))])
    text = f"{_question_text(final)}\n\n{t('final_open_now', seconds=spec['buzz_seconds'])}"
    for team, uid in await _players(ctx, final, final.teams_up):
        key = _key(comp.id, final.question_no, uid)
        if team not in final.locked_out:  # a locked-out team's phone already says so
            ctx.actions.append(EditMessage(uid, None, text, buzz, key=key))
    ctx.reply(t("final_opened", seconds=spec["buzz_seconds"]), _host_buttons(final))


@router.command("reveal")
async def on_reveal(ctx: Ctx) -> None:
    """/reveal: end the question now and show the answer."""
    found = await _controlled(ctx)
    if found is None:
        return
    comp, final = found
    assert comp.id is not None
    outcome = await live.reveal(ctx.session, comp.id, ctx.user_id, ctx.now)
    if outcome.status == "nothing":
        ctx.reply(t("final_nothing_open"), _host_buttons(final))
        return
    await _after(ctx, comp, outcome)


@router.command("judge")
async def on_judge(ctx: Ctx) -> None:
    """/judge ok | /judge wrong: ✓ / ✗ on the answer given aloud."""
    found = await _controlled(ctx)
    if found is None:
        return
    word = ctx.event.args.strip().lower()
    verdict = {"ok": True, "✓": True, "对": True, "wrong": False, "✗": False, "错": False}.get(word)
    if verdict is None:
        ctx.reply(t("final_judge_usage"))
        return
    await _judge(ctx, found[0], verdict)


async def _judge(ctx: Ctx, comp: Competition, verdict: bool) -> None:
    assert comp.id is not None
    outcome = await live.judge(ctx.session, comp.id, ctx.user_id, verdict, ctx.now)
    if outcome.status != "judged":
        if ctx.event.callback_id is not None:
            ctx.toast(t("expired"))
        else:
            ctx.reply(t("final_nothing_to_judge"))
        return
    ctx.toast(t("final_judged"))
    await _after(ctx, comp, outcome)


@router.command("tier")
async def on_tier(ctx: Ctx) -> None:
    """/tier N (0: decline): the quiz master chooses for the 风险 team up."""
    found = await _controlled(ctx)
    if found is None:
        return
    comp, final = found
    arg = ctx.event.args.strip()
    if not arg.isascii() or not arg.isdigit() or final.phase != "choosing" or not final.teams_up:
        ctx.reply(t("final_tier_usage"))
        return
    await _choose(ctx, comp, final.question_no, final.teams_up[0], int(arg))


@router.command("adjust")
async def on_adjust(ctx: Ctx) -> None:
    """/adjust TEAM ±N 理由: a correction, kept in the ledger with its reason."""
    found = await _controlled(ctx)
    if found is None:
        return
    comp, final = found
    assert comp.id is not None
    match = ADJUST.fullmatch(ctx.event.args.strip())
    team = _find_team(final, match.group(1)) if match else None
    if match is None or team is None or int(match.group(2)) == 0:
        ctx.reply(t("final_adjust_usage", teams=_team_list(final)))
        return
    reason = (match.group(3) or "").strip()[:MAX_REASON]
    outcome = await live.adjust(
        ctx.session, comp.id, team, int(match.group(2)), reason, ctx.user_id, ctx.now
    )
    final = outcome.final or final
    done = t(
        "final_adjusted",
        team=_team_names(final)[team],
        delta=f"{outcome.delta:+d}",
        reason=reason or "—",
    )
    ctx.reply(f"{done}\n\n{await _board_text(ctx, comp, final)}", _host_buttons(final))


def _find_team(final: LiveFinal, word: str) -> int | None:
    """A team by its code, its name, or its place in the file (1, 2, …)."""
    for i, team in enumerate(final.config["teams"], 1):
        if word.lower() in (str(team["code"]).lower(), str(team["name"]).lower(), str(i)):
            return int(team["id"])
    return None


def _team_list(final: LiveFinal) -> str:
    return "、".join(
        f"{i}={team['name']}（{team['code']}）" for i, team in enumerate(final.config["teams"], 1)
    )


@router.command("undo")
async def on_undo(ctx: Ctx) -> None:
    """/undo: cancel the latest score change (a new, opposite ledger entry)."""
    found = await _controlled(ctx)
    if found is None:
        return
    comp, final = found
    assert comp.id is not None
    outcome = await live.undo(ctx.session, comp.id, ctx.user_id, ctx.now)
    if outcome.status != "undone" or outcome.team_id is None:
        ctx.reply(t("final_nothing_to_undo"))
        return
    final = outcome.final or final
    done = t("final_undone", team=_team_names(final)[outcome.team_id], delta=f"{outcome.delta:+d}")
    ctx.reply(f"{done}\n\n{await _board_text(ctx, comp, final)}", _host_buttons(final))


@router.command("board")
async def on_board(ctx: Ctx) -> None:
    """/board: the standing, with each team's latest change."""
    found = await _controlled(ctx)
    if found is None:
        return
    comp, final = found
    ctx.reply(
        f"{_status(comp, final)}\n\n{await _board_text(ctx, comp, final)}", _host_buttons(final)
    )


# --- contestants' buttons ---------------------------------------------------------------


async def _playing(ctx: Ctx, comp_id: int) -> tuple[Competition, LiveFinal, int] | None:
    """The final and the presser's team, or None (answered "expired") for anyone else."""
    comp = await ctx.session.get(Competition, comp_id)
    final = await live.engine.load(ctx.session, comp_id)
    team = await live.team_of(ctx.session, final, ctx.user_id) if final is not None else None
    if comp is None or final is None or team is None:
        ctx.toast(t("expired"))
        return None
    return comp, final, team


REFUSED = {
    "stale": "expired",
    "not_up": "final_not_your_turn",
    "locked": "final_locked_toast",
    "twice": "final_twice",
    "late": "final_late",
    "slower": "final_slower",
    "aloud": "final_aloud",
}


@router.button(FinalBuzz, private_only=True)
async def on_buzz(ctx: Ctx, press: FinalBuzz) -> None:
    """Triggered by 🔔: early (penalty, locked out), first (answer now) or too slow."""
    found = await _playing(ctx, press.competition)
    if found is None:
        return
    comp, final, team = found
    outcome = await live.press_buzzer(
        ctx.session,
        press.competition,
        press.question_no,
        team,
        ctx.user_id,
        ctx.arrived,
        ctx.arrival,
        ctx.now,
    )
    final = outcome.final or final
    names = _team_names(final)
    if outcome.status == "early":
        ctx.toast(t("final_early", points=-outcome.delta), alert=True)
        await _edit_for(ctx, final, [team], f"{_question_text(final)}\n\n{t('final_locked')}")
        _tell_host(ctx, final, t("final_host_early", team=names[team], delta=f"{outcome.delta:+d}"))
        return
    if outcome.status != "won":
        ctx.toast(t(REFUSED.get(outcome.status, "expired")))
        return
    ctx.toast(t("final_won_toast"))
    spec = current_rules(final)
    assert spec is not None
    if outcome.replaced is not None:
        await _send_to(ctx, final, [outcome.replaced], t("final_replaced"), (), what="a")
    if spec.get("answer") == "judge":
        await _send_to(
            ctx, final, [team], t("final_won_aloud", seconds=spec["seconds"]), (), what="a"
        )
        _ask_judges(ctx, comp, final, names[team])
        _tell_host(ctx, final, t("final_host_buzzed", team=names[team]), _host_buttons(final))
    else:
        await _send_to(
            ctx,
            final,
            [team],
            f"{_question_text(final)}\n\n{t('final_won', seconds=spec['seconds'])}",
            _option_buttons(press.competition, final),
            what="a",
        )
        _tell_host(ctx, final, t("final_host_buzzed", team=names[team]), _host_buttons(final))
    await _schedule_deadline(ctx, final)


def _ask_judges(ctx: Ctx, comp: Competition, final: LiveFinal, team: str) -> None:
    """The judges (else the host) get ✓ / ✗ for an answer given aloud."""
    assert comp.id is not None
    judges = [int(j) for j in final.config.get("judges", [])] or _host_targets(ctx, final)
    buttons = keyboard(
        [
            FinalVerdict(comp.id, final.question_no, True).button(t("final_verdict_ok")),
            FinalVerdict(comp.id, final.question_no, False).button(t("final_verdict_wrong")),
        ]
    )
    text = t("final_judge_now", team=team, answer=_answer_label(final))
    for uid in judges:
        ctx.notify(uid, text, buttons)


@router.button(FinalPick, private_only=True)
async def on_pick(ctx: Ctx, press: FinalPick) -> None:
    """Triggered by an answer option: the team's answer, scored at once."""
    found = await _playing(ctx, press.competition)
    if found is None:
        return
    comp, final, team = found
    outcome = await live.answer(
        ctx.session,
        press.competition,
        press.question_no,
        team,
        ctx.user_id,
        press.option,
        ctx.now,
        ctx.arrived,
    )
    if outcome.status != "answered" or outcome.final is None:
        ctx.toast(t(REFUSED.get(outcome.status, "expired")))
        return
    final = outcome.final
    label = (final.question or {})["options"][press.option]["label"] if final.question else ""
    ctx.toast(t("final_answered", label=label))
    if not outcome.closed:  # teammates' buttons go; a closed question shows its result
        answered = f"{_question_text(final)}\n\n{t('final_team_answered', label=label)}"
        await _edit_for(ctx, final, [team], answered)
        await _edit_for(ctx, final, [team], answered, what="a")
    await _after(ctx, comp, outcome)


@router.button(FinalTier, private_only=True)
async def on_tier_press(ctx: Ctx, press: FinalTier) -> None:
    """Triggered by a 风险 tier button (or 放弃)."""
    found = await _playing(ctx, press.competition)
    if found is None:
        return
    comp, _final, team = found
    await _choose(ctx, comp, press.question_no, team, press.tier)


async def _choose(ctx: Ctx, comp: Competition, question_no: int, team: int, tier: int) -> None:
    assert comp.id is not None
    outcome = await live.choose_tier(
        ctx.session, comp.id, question_no, team, tier or None, ctx.now, ctx.bank, random.Random()
    )
    if outcome.final is None or outcome.status not in ("chosen", "declined"):
        if ctx.event.callback_id is not None:
            ctx.toast(t(REFUSED.get(outcome.status, "expired")))
        else:
            ctx.reply(t("final_tier_usage"))
        return
    ctx.toast()
    final = outcome.final
    if outcome.status == "declined":
        await _after(ctx, comp, outcome)
        return
    await _schedule_deadline(ctx, final)
    spec = current_rules(final)
    assert spec is not None
    names = _team_names(final)
    text = (
        f"{_question_text(final)}\n\n{t('final_tier_chosen', tier=tier, seconds=spec['seconds'])}"
    )
    await _edit_for(ctx, final, [team], text)
    await _send_to(ctx, final, [team], text, _option_buttons(comp.id, final), what="a")
    _tell_host(
        ctx,
        final,
        f"{t('final_host_tier', team=names[team], tier=tier)}\n\n{_question_text(final, answer=True)}",
        _host_buttons(final),
    )


@router.button(FinalVerdict, private_only=True)
async def on_verdict(ctx: Ctx, press: FinalVerdict) -> None:
    """Triggered by a judge's ✓ / ✗ button."""
    comp = await ctx.session.get(Competition, press.competition)
    final = await live.engine.load(ctx.session, press.competition)
    if comp is None or final is None or not _may_run(ctx, comp, final):
        ctx.toast(t("expired"))
        return
    if final.question_no != press.question_no:
        ctx.toast(t("expired"))
        return
    ctx.edit(
        ctx.event.message_id,
        t("final_judge_done", verdict=t("final_verdict_ok" if press.ok else "final_verdict_wrong")),
    )
    await _judge(ctx, comp, press.ok)


# --- timers -----------------------------------------------------------------------------


@router.timer(DEADLINE_JOB)
async def on_deadline(ctx: Ctx) -> None:
    """Triggered at a stored deadline: the question (or tier choice, or buzzing) closes."""
    comp_id = int(ctx.event.payload.get("competition", 0))
    outcome = await live.expire(
        ctx.session, comp_id, int(ctx.event.payload.get("step", -1)), ctx.now
    )
    comp = await ctx.session.get(Competition, comp_id)
    if comp is None or outcome.final is None or outcome.status in ("stale", "early"):
        if outcome.status == "early" and outcome.final is not None:
            await _schedule_deadline(ctx, outcome.final)  # the clock ran behind: look again
        return
    log.info(
        "final %s: deadline of step %s: %s", comp_id, ctx.event.payload.get("step"), outcome.status
    )
    await _after(ctx, comp, outcome)


__all__ = ["FinalBuzz", "FinalPick", "FinalTier", "FinalVerdict", "router"]
