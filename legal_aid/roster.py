"""The duty roster as data: which lawyers are on duty when, imported from YAML.

```yaml
slot_minutes: 30            # length of one consultation
lawyers:
  - telegram_id: 100200300  # the lawyer's Telegram user id
    name: 王律师
    firm: 某某律师事务所      # optional
    duty:
      - {date: 2026-11-26, from: "14:00", to: "17:00"}
```
Times are local (PUFA_TZ). Importing again updates names and adds new slots; slots already
there (and their bookings) are kept. A file with any problem imports nothing and every
problem is reported as `file:line: message`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from legal_aid.models import DutySlot, Lawyer
from question_bank.yamlsource import Problem, load_yaml, pydantic_problems


class DutyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    date: date
    start: time = Field(alias="from")
    end: time = Field(alias="to")


class LawyerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    telegram_id: int = Field(gt=0)
    name: str = Field(min_length=1, max_length=64)
    firm: str = Field(default="", max_length=128)
    active: bool = True
    duty: list[DutyIn] = Field(default_factory=list)


class RosterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_minutes: int = Field(default=30, ge=10, le=240)
    lawyers: list[LawyerIn]


class RosterInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the roster")
        self.problems = problems


@dataclass(frozen=True)
class PlannedSlot:
    telegram_id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Roster:
    lawyers: list[LawyerIn]
    slots: list[PlannedSlot]


def read_roster(path: Path, tz: ZoneInfo) -> Roster:
    """Parse and check a roster file; RosterInvalid lists every problem."""
    doc = load_yaml(path)
    problems = list(doc.problems)
    roster: RosterIn | None = None
    if not problems:
        try:
            roster = RosterIn.model_validate(doc.data)
        except ValidationError as exc:
            problems.extend(pydantic_problems(doc, (), exc))
    if roster is None:
        raise RosterInvalid(problems or [doc.problem((), "empty roster")])
    seen: dict[int, int] = {}
    slots: list[PlannedSlot] = []
    step = timedelta(minutes=roster.slot_minutes)
    for i, lawyer in enumerate(roster.lawyers):
        if lawyer.telegram_id in seen:
            problems.append(
                doc.problem(
                    ("lawyers", i, "telegram_id"),
                    f"telegram_id {lawyer.telegram_id} is listed twice (lawyer {seen[lawyer.telegram_id] + 1})",
                )
            )
        seen.setdefault(lawyer.telegram_id, i)
        for j, duty in enumerate(lawyer.duty):
            start = datetime.combine(duty.date, duty.start, tz)
            end = datetime.combine(duty.date, duty.end, tz)
            if end - start < step:
                problems.append(
                    doc.problem(
                        ("lawyers", i, "duty", j),
                        f"duty {duty.start:%H:%M}–{duty.end:%H:%M} is shorter than one "
                        f"{roster.slot_minutes}-minute consultation",
                    )
                )
                continue
            while start + step <= end:
                slots.append(PlannedSlot(lawyer.telegram_id, start, start + step))
                start += step
    if problems:
        raise RosterInvalid(problems)
    return Roster(roster.lawyers, slots)


async def import_roster(session: AsyncSession, roster: Roster) -> tuple[int, int]:
    """Upsert the lawyers and add the slots not there yet; (lawyers, new slots)."""
    by_tid: dict[int, Lawyer] = {}
    for item in roster.lawyers:
        found = (
            await session.exec(select(Lawyer).where(Lawyer.telegram_id == item.telegram_id))
        ).first()
        lawyer = found or Lawyer(telegram_id=item.telegram_id, name=item.name)
        lawyer.name, lawyer.firm, lawyer.active = item.name, item.firm, item.active
        session.add(lawyer)
        by_tid[item.telegram_id] = lawyer
    await session.flush()
    added = 0
    for planned in roster.slots:
        lawyer = by_tid[planned.telegram_id]
        existing = (
            await session.exec(
                select(DutySlot).where(
                    DutySlot.lawyer_id == lawyer.id, DutySlot.starts_at == planned.starts_at
                )
            )
        ).first()
        if existing is None:
            assert lawyer.id is not None
            session.add(
                DutySlot(lawyer_id=lawyer.id, starts_at=planned.starts_at, ends_at=planned.ends_at)
            )
            added += 1
    await session.flush()
    return len(by_tid), added
