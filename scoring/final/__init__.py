"""The live final on stage (必答 / 抢答 / 风险 / 加赛): rules, state machine, score ledger.

Plain Python and SQLModel; nothing here knows Telegram or the web. Modules: `rules` (the
event file's `final:` section and the pure rules of each round type), `models` (tables),
`engine` (one function per action: start_round, next_question, open_buzzer, press_buzzer,
answer, judge, choose_tier, expire, reveal, adjust, undo), `board` (standings from the
ledger, the snapshot), `report` (the judges' workbook).

Interface for screens and the web console (stable; extend, do not rename):

- `snapshot(session, competition_id: int, now: datetime) -> dict`, JSON-ready::

    {"event": str, "version": int,
     "round": {"index": int, "name": str, "kind": "compulsory"|"buzzer"|"risk"|"tiebreak"}
              | None,
     "phase": "idle"|"ready"|"showing"|"buzz_open"|"choosing"|"answering"|"revealed"
              |"finished",
     "question": {"text": str, "options": [{"label": "A", "text": str}], "revealed": bool,
                  "answer": ["B"] | None} | None,     # the answer only once revealed
     "deadline": ISO-8601 UTC str | None,            # when the open phase's time runs out
     "buzz": {"team": code, "at": ISO-8601 UTC} | None,   # who buzzed first, when received
     "teams": [{"code", "name", "score", "rank", "last_delta"}],   # best first
     "podium": [{"rank", "code", "name", "score"}] | None,         # once finished
     "finished": bool}

- `version(session, competition_id) -> int`: one indexed single-row read of a counter that
  goes up in the same transaction as every change of the final's state or ledger (0: the
  event has no final). Poll it (any process, SQLite or PostgreSQL); when it moves, take a
  new snapshot.

- Controls are conversation commands: build
  `Event(user=User(<quiz master's or judge's Telegram id>), chat_id=<same id>,
  kind="command", chat_type="private", text=T, command=…, args=…)` — simplest
  `Event.message(User(uid), uid, T)` — and run `Conversation.handle(session, event, now)`
  in a transaction; no message id is needed. T is one of: "/round" (next round), "/next"
  (next question, or 风险's next team), "/open" (open buzzing), "/reveal" (end the
  question now and show the answer), "/judge ok" / "/judge wrong" (✓ / ✗ on an answer
  given aloud), "/tier 20" / "/tier 0" (choose or decline a 风险 tier for the team up),
  "/adjust TEAM ±N 理由" (TEAM: code, name or place in the file), "/undo", "/board",
  "/event [CODE]" (which final this person runs). Only the event's quiz masters
  (PUFA_QUIZMASTERS or the file's `quizmasters`) and judges (`final.judges`) are obeyed.
"""

from scoring.final.board import TeamStanding, snapshot, standings, version
from scoring.final.engine import (
    Outcome,
    adjust,
    answer,
    choose_tier,
    contestants,
    expire,
    judge,
    next_question,
    open_buzzer,
    press_buzzer,
    reveal,
    setup_final,
    start_round,
    team_of,
    undo,
)
from scoring.final.models import BuzzPress, FinalAnswer, LedgerEntry, LiveFinal
from scoring.final.rules import FinalIn, RoundIn

__all__ = [
    "BuzzPress",
    "FinalAnswer",
    "FinalIn",
    "LedgerEntry",
    "LiveFinal",
    "Outcome",
    "RoundIn",
    "TeamStanding",
    "adjust",
    "answer",
    "choose_tier",
    "contestants",
    "expire",
    "judge",
    "next_question",
    "open_buzzer",
    "press_buzzer",
    "reveal",
    "setup_final",
    "snapshot",
    "standings",
    "start_round",
    "team_of",
    "undo",
    "version",
]
