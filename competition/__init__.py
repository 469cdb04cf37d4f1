"""The online competition (网上答题): events, units and teams, the timed exam, rankings.

Plain Python and SQLModel: every function takes the caller's session (the caller commits) and
the current time; nothing here knows Telegram, the web or `bot/`.

Modules, one job each: `models` (the tables), `event_file` (event files: read, check,
import), `members` (join, real name, who is in which event), `exam` (the timed exam: start or
resume, answer once, close), `rankings` (personal, team and unit rankings, awards,
statistics — SQL aggregates), `report` (the quiz master's workbook, CSV files, join links).

Public surface:
- `read_event(path, bank, now, tz)` -> `EventPlan` (raises `EventInvalid` with every
  `Problem`), `import_event(session, plan)` -> `Competition`, `group_quiz_rule(ranking)`
  (whether and how an event counts group quizzes)
- `join`, `set_real_name`, `forget_member`, `valid_real_name`, `membership`, `member_by_id`,
  `competition_by_code`, `latest_competition`, `member_user_ids`, `join_codes`
- `start_or_resume_exam`, `check_exam`, `record_exam_answer`, `finish_attempt`,
  `close_expired_attempts`, `attempt_answers`, `attempts_of`
- `personal_ranking`, `member_rank`, `group_ranking`, `question_stats`, `law_stats`,
  `standings`, `award_for`
- `workbook_bytes`, `write_csv`, `join_link`
"""

from competition.event_file import (
    EventInvalid,
    EventPlan,
    group_quiz_rule,
    import_event,
    read_event,
)
from competition.exam import (
    ExamAnswerOutcome,
    ExamStart,
    attempt_answers,
    attempts_of,
    check_exam,
    close_expired_attempts,
    finish_attempt,
    record_exam_answer,
    start_or_resume_exam,
)
from competition.members import (
    JoinOutcome,
    Membership,
    competition_by_code,
    forget_member,
    join,
    join_codes,
    latest_competition,
    member_by_id,
    member_user_ids,
    membership,
    set_real_name,
    valid_real_name,
)
from competition.models import Competition, ExamAnswer, ExamAttempt, JoinCode, Member, Team, Unit
from competition.rankings import (
    GroupRow,
    LawStat,
    MyRank,
    PersonRow,
    QuestionStat,
    Standings,
    award_for,
    group_ranking,
    law_stats,
    member_rank,
    personal_ranking,
    question_stats,
    standings,
)
from competition.report import join_link, workbook_bytes, write_csv

__all__ = [
    "Competition",
    "EventInvalid",
    "EventPlan",
    "ExamAnswer",
    "ExamAnswerOutcome",
    "ExamAttempt",
    "ExamStart",
    "GroupRow",
    "JoinCode",
    "JoinOutcome",
    "LawStat",
    "Member",
    "Membership",
    "MyRank",
    "PersonRow",
    "QuestionStat",
    "Standings",
    "Team",
    "Unit",
    "attempt_answers",
    "attempts_of",
    "award_for",
    "check_exam",
    "close_expired_attempts",
    "competition_by_code",
    "finish_attempt",
    "forget_member",
    "group_quiz_rule",
    "group_ranking",
    "import_event",
    "join",
    "join_codes",
    "join_link",
    "latest_competition",
    "law_stats",
    "member_by_id",
    "member_rank",
    "member_user_ids",
    "membership",
    "personal_ranking",
    "question_stats",
    "read_event",
    "record_exam_answer",
    "set_real_name",
    "standings",
    "start_or_resume_exam",
    "valid_real_name",
    "workbook_bytes",
    "write_csv",
]
