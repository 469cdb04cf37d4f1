"""Group quizzes: a quiz master runs a series of native quiz polls in a Telegram group.

How it goes, in plain words:
1. In a group, a quiz master (PUFA_QUIZMASTERS) sends `/groupquiz [题数] [每题秒数] [法律]`,
   e.g. `/groupquiz 10 30 labour_contract_law` (defaults: 10 questions, 30 seconds, all
   laws); a quiz master's /quiz in a group does the same with the defaults. Anyone else is
   told politely that only a quiz master can, and nothing changes. One quiz per group.
2. The bot posts the rules, then the first question as a quiz poll (non-anonymous, open for
   the chosen seconds; its explanation carries the citation). Questions that do not fit a
   poll (one right option, Telegram's lengths) are never drawn.
3. Members vote in the poll. Each vote is scored once, on the server's clock: a right answer
   is worth more the sooner it arrives after the poll was sent (scoring/group_quiz.py);
   votes after the poll's time, second votes and retracted votes change nothing.
4. When a question's time is up, a scheduled job closes the poll (StopPoll), updates the
   one leaderboard message (edited, not re-posted: a group takes 20 messages a minute) and
   sends the next question. After the last one: the podium. A quiz master's /stopquiz ends
   the quiz at once, with the podium so far.
Everything is in the database (the quiz, the answers, the next job), so a restart in the
middle loses nothing.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.conversation.actions import (
    MAX_POLL_EXPLANATION,
    MAX_POLL_OPTION,
    MAX_POLL_QUESTION,
    EditMessage,
    SendMessage,
    SendPoll,
    StopPoll,
)
from bot.conversation.articles import citation_line
from bot.conversation.context import Ctx
from bot.conversation.messages import t
from bot.conversation.routing import KEY_SEPARATOR, FeatureRouter
from bot.delivery.models import SentMessageRef
from bot.delivery.store import remembered
from question_bank import Question
from scoring.group_quiz import (
    LATE_GRACE,
    POINTS,
    Standing,
    close_question,
    draw_group_questions,
    podium,
    record_answer,
    running_quiz,
    standings,
    start,
    stop,
)
from scoring.group_quiz_models import RUNNING, GroupQuiz

log = logging.getLogger("pufa.group_quiz")

router = FeatureRouter("group_quiz")

POLL_PREFIX = "gq"  # polls: gq:<quiz>:<position>
BOARD_PREFIX = "gqboard"  # the leaderboard message: gqboard:<quiz>
# The job that closes the open question. It has no key: a job that moves its own key from
# its handler is deleted with it when the handler returns; a job of a stopped quiz does nothing.
CLOSE_JOB = "gq_close"
ALL = "all"
DEFAULT_COUNT, MAX_COUNT = 10, 30
DEFAULT_SECONDS, MIN_SECONDS, MAX_SECONDS = 30, 10, 300  # Telegram allows 5–600
BOARD_SIZE = 10  # places shown on the leaderboard
RECHECK = timedelta(seconds=2)  # a poll still waiting in the outbox: look again after this
MAX_SEND_DELAY = timedelta(seconds=60)  # a poll not sent by then is given up (no answers)


@dataclass(frozen=True)
class QuizOptions:
    """What the quiz master asked for."""

    count: int = DEFAULT_COUNT
    seconds: int = DEFAULT_SECONDS
    law: str | None = None  # None = all laws


def parse_options(args: str, laws: set[str]) -> QuizOptions | None:
    """`[count] [seconds] [law]`: numbers in that order, a law id (or all) anywhere; None if
    anything does not fit."""
    numbers: list[int] = []
    law: str | None = None
    for word in args.split():
        if word.isascii() and word.isdigit():
            numbers.append(int(word))
        elif word in laws or word == ALL:
            law = None if word == ALL else word
        else:
            return None
    if len(numbers) > 2:
        return None
    count = numbers[0] if numbers else DEFAULT_COUNT
    seconds = numbers[1] if len(numbers) > 1 else DEFAULT_SECONDS
    if not 1 <= count <= MAX_COUNT or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        return None
    return QuizOptions(count, seconds, law)


def poll_key(quiz_id: int, position: int) -> str:
    return f"{POLL_PREFIX}{KEY_SEPARATOR}{quiz_id}{KEY_SEPARATOR}{position}"


def parse_poll_key(key: str) -> tuple[int, int] | None:
    """(quiz id, position) from a poll key; None if it is not one of ours."""
    parts = key.split(KEY_SEPARATOR)
    if len(parts) != 3 or parts[0] != POLL_PREFIX or not all(p.isdigit() for p in parts[1:]):
        return None
    return int(parts[1]), int(parts[2])


def board_key(quiz_id: int) -> str:
    return f"{BOARD_PREFIX}{KEY_SEPARATOR}{quiz_id}"


def poll_parts(q: Question, n: int, total: int) -> tuple[str, tuple[str, ...], str]:
    """The poll's question, options and explanation (with the citation)."""
    question = t("gq_poll_question", n=n, total=total, stem=q.stem)
    explanation = t("gq_poll_explanation", text=q.explanation, citation=citation_line(q.refs))
    return question, q.options, explanation


def fits_a_poll(q: Question, total: int) -> bool:
    """Whether Telegram takes the question as a quiz poll (the widest header counted)."""
    question, options, explanation = poll_parts(q, total, total)
    return (
        len(question) <= MAX_POLL_QUESTION
        and 2 <= len(options) <= 10
        and all(1 <= len(o) <= MAX_POLL_OPTION for o in options)
        and len(explanation) <= MAX_POLL_EXPLANATION
    )


def _is_quizmaster(ctx: Ctx) -> bool:
    return ctx.user_id in ctx.services.quizmasters


def _scope(ctx: Ctx, law: str | None) -> str:
    return ctx.bank.laws[law].title if law and law in ctx.bank.laws else t("gq_scope_all")


@router.command("groupquiz")
async def on_groupquiz(ctx: Ctx) -> None:
    """/groupquiz [count] [seconds] [law]: a quiz master starts a group quiz."""
    if not _is_quizmaster(ctx):
        ctx.reply(t("gq_not_quizmaster"))
    elif ctx.event.private:
        ctx.reply(t("gq_group_only"))
    else:
        await _start(ctx, ctx.event.args)


@router.group_command("quiz")
async def on_quiz_in_group(ctx: Ctx) -> None:
    """/quiz sent in a group: a quiz master's starts a group quiz; anyone else's gets the
    usual "please use this privately" line."""
    if _is_quizmaster(ctx):
        await _start(ctx, ctx.event.args)
    else:
        ctx.reply(t("private_only"))


async def _start(ctx: Ctx, args: str) -> None:
    options = parse_options(args, set(ctx.bank.quiz_laws))
    if options is None:
        ctx.reply(
            t(
                "gq_usage",
                max_count=MAX_COUNT,
                count=DEFAULT_COUNT,
                min_seconds=MIN_SECONDS,
                max_seconds=MAX_SECONDS,
                seconds=DEFAULT_SECONDS,
                laws="、".join(ctx.bank.quiz_laws),
            )
        )
        return
    if await running_quiz(ctx.session, ctx.event.chat_id) is not None:
        ctx.reply(t("gq_already_running"))
        return
    questions = draw_group_questions(
        ctx.bank.by_law(options.law),
        options.count,
        random.Random(),
        lambda q: fits_a_poll(q, options.count),
    )
    quiz = await start(
        ctx.session,
        ctx.event.chat_id,
        ctx.user_id,
        questions,
        options.seconds,
        ctx.now,
        law=options.law,
    )
    if quiz is None:
        ctx.reply(t("gq_no_questions", scope=_scope(ctx, options.law)))
        return
    log.info("group quiz %s started: %d questions", quiz.id, len(questions))
    ctx.reply(
        t(
            "gq_started",
            scope=_scope(ctx, options.law),
            total=len(questions),
            seconds=options.seconds,
            points=POINTS,
        )
    )
    await _ask(ctx, quiz)


async def _ask(ctx: Ctx, quiz: GroupQuiz) -> None:
    """Send the open question's poll and schedule its closing."""
    assert quiz.id is not None
    total = len(quiz.question_ids)
    q = ctx.bank.get(quiz.question_ids[quiz.position])
    if q is not None:
        question, options, explanation = poll_parts(q, quiz.position + 1, total)
        ctx.actions.append(
            SendPoll(
                quiz.chat_id,
                question,
                options,
                correct_option=quiz.correct_options[quiz.position],
                explanation=explanation,
                open_period=quiz.seconds,
                key=poll_key(quiz.id, quiz.position),
            )
        )
    # a question gone from the bank since the draw is never sent: its job closes it unasked
    await _schedule_close(ctx, quiz, ctx.now + timedelta(seconds=quiz.seconds) + LATE_GRACE)


async def _schedule_close(ctx: Ctx, quiz: GroupQuiz, due: datetime) -> None:
    assert quiz.id is not None
    payload = {"quiz": quiz.id, "position": quiz.position, "asked": ctx.now.isoformat()}
    await ctx.schedule(CLOSE_JOB, due, payload)


@router.poll_answer_key(POLL_PREFIX)
async def on_vote(ctx: Ctx, poll: SentMessageRef) -> None:
    """Triggered by a vote in one of our quiz polls: score it (nothing is posted, to keep
    within the group's message limit; the poll itself shows the voter right or wrong)."""
    found = parse_poll_key(poll.key)
    if found is None:
        return
    quiz_id, position = found
    outcome = await record_answer(
        ctx.session,
        quiz_id,
        position,
        ctx.user_id,
        ctx.event.user.name,
        ctx.event.option_ids,
        poll.sent_at,
        ctx.arrived,
    )
    log.debug("group quiz %s q%d vote: %s", quiz_id, position, outcome.status)


@router.timer(CLOSE_JOB)
async def on_close_due(ctx: Ctx) -> None:
    """Triggered when the open question's time is up: close its poll, update the
    leaderboard, and ask the next question (or post the podium)."""
    quiz_id = int(ctx.event.payload["quiz"])
    position = int(ctx.event.payload["position"])
    quiz = await ctx.session.get(GroupQuiz, quiz_id)
    if quiz is None or quiz.status != RUNNING or quiz.position != position:
        return
    poll = await remembered(ctx.session, poll_key(quiz_id, position))
    if poll is None:
        # still waiting in the outbox (a busy group): look again, up to a limit
        asked = datetime.fromisoformat(str(ctx.event.payload["asked"]))
        if ctx.now - asked < timedelta(seconds=quiz.seconds) + MAX_SEND_DELAY:
            await ctx.schedule(CLOSE_JOB, ctx.now + RECHECK, _job_data(ctx))
            return
    else:
        closes = poll.sent_at + timedelta(seconds=quiz.seconds) + LATE_GRACE
        if closes > ctx.now:  # sent later than planned: its time counts from the sending
            await ctx.schedule(CLOSE_JOB, closes, _job_data(ctx))
            return
    closed = await close_question(ctx.session, quiz_id, position, ctx.now)
    if closed is None:
        return
    ctx.actions.append(StopPoll(quiz.chat_id, key=poll_key(quiz_id, position)))
    if closed.next_position is None:
        await _post_podium(ctx, quiz)
        return
    _post_board(ctx, quiz, position, await standings(ctx.session, quiz_id))
    await _ask(ctx, closed.quiz)


def _job_data(ctx: Ctx) -> dict[str, object]:
    """The payload of the running job, to schedule it again (without the runner's job id)."""
    return {k: v for k, v in ctx.event.payload.items() if k != "job_id"}


@router.command("stopquiz")
async def on_stopquiz(ctx: Ctx) -> None:
    """/stopquiz: a quiz master ends the group's quiz now, with the podium so far."""
    if not _is_quizmaster(ctx):
        ctx.reply(t("gq_not_quizmaster"))
        return
    quiz = await stop(ctx.session, ctx.event.chat_id, ctx.now)
    if quiz is None or quiz.id is None:
        ctx.reply(t("gq_not_running"))
        return
    ctx.actions.append(StopPoll(quiz.chat_id, key=poll_key(quiz.id, quiz.position)))
    ctx.reply(t("gq_stopped"))
    await _post_podium(ctx, quiz)


def _name(s: Standing) -> str:
    return s.name[:16] or t("gq_someone")


def _place(index: int) -> str:
    medals = t("gq_medals").split()
    return medals[index] if index < len(medals) else t("gq_place", n=index + 1)


def _post_board(ctx: Ctx, quiz: GroupQuiz, position: int, board: list[Standing]) -> None:
    """The leaderboard after question `position`: posted once, then edited."""
    assert quiz.id is not None
    lines = [t("gq_board_title", n=position + 1, total=len(quiz.question_ids))]
    scored = [s for s in board if s.points > 0]
    lines += [
        t("gq_board_line", place=_place(i), name=_name(s), points=s.points)
        for i, s in enumerate(scored[:BOARD_SIZE])
    ] or [t("gq_board_empty")]
    if board:
        lines.append(t("gq_board_more", count=len(board)))
    text = "\n".join(lines)
    key = board_key(quiz.id)
    if position == 0:
        ctx.actions.append(SendMessage(quiz.chat_id, text, key=key))
    else:
        ctx.actions.append(EditMessage(quiz.chat_id, None, text, key=key))


async def _post_podium(ctx: Ctx, quiz: GroupQuiz) -> None:
    assert quiz.id is not None
    total = len(quiz.question_ids)
    best = await podium(ctx.session, quiz.id)
    if not best:
        ctx.notify(quiz.chat_id, t("gq_podium_empty", total=total))
        return
    lines = "\n".join(
        t("gq_podium_line", medal=_place(i), name=_name(s), points=s.points, correct=s.correct)
        for i, s in enumerate(best)
    )
    count = len(await standings(ctx.session, quiz.id))
    ctx.notify(quiz.chat_id, t("gq_podium", total=total, count=count, lines=lines))
