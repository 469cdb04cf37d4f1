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
Times are local (PUFA_TZ) and written as quoted "HH:MM" strings (unquoted, YAML 1.1 reads
9:00 as the number 540). Importing again updates names and adds new slots; slots already
there (and their bookings) are kept. A lawyer's duties may not overlap each other, nor the
slots already in the database (a re-import with another `slot_minutes` is refused rather than
double-book anyone). A file with any problem imports nothing and every problem is reported as
`file:line: message`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from input_limits import MAX_ROSTER_SLOTS, MAX_TELEGRAM_ID, MAX_YAML_BYTES
from legal_aid.models import DutySlot, Lawyer
from question_bank.yamlsource import Problem, load_yaml, pydantic_problems

_HH_MM = re.compile(r"\d{2}:\d{2}")


class DutyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    date: date
    start: time = Field(alias="from")
    end: time = Field(alias="to")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _quoted_hh_mm(cls, value: object) -> object:
        """Only "HH:MM": YAML 1.1 reads an unquoted 9:00 as 540 (minutes in base 60)."""
        if not isinstance(value, str) or not _HH_MM.fullmatch(value):
            raise ValueError('a time is an "HH:MM" string in quotes, e.g. from: "09:00"')
        return value


class LawyerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    telegram_id: int = Field(gt=0, le=MAX_TELEGRAM_ID, strict=True)
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
    line: int  # of the duty it comes from, to locate problems found against the database


@dataclass(frozen=True)
class Roster:
    lawyers: list[LawyerIn]
    slots: list[PlannedSlot]
    file: str = "<roster>"


def read_roster(
    path: Path,
    tz: ZoneInfo,
    max_bytes: int = MAX_YAML_BYTES,
    max_slots: int = MAX_ROSTER_SLOTS,
) -> Roster:
    """Parse and check a roster file; RosterInvalid lists every problem."""
    doc = load_yaml(path, max_bytes=max_bytes)
    problems = list(doc.problems)
    roster: RosterIn | None = None
    if doc.data is not None:
        try:
            roster = RosterIn.model_validate(doc.data)
        except ValidationError as exc:
            problems.extend(pydantic_problems(doc, (), exc))
    if roster is None or problems:
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
        duties: list[tuple[datetime, datetime, int]] = []
        for j, duty in enumerate(lawyer.duty):
            where = ("lawyers", i, "duty", j)
            start = datetime.combine(duty.date, duty.start, tz)
            end = datetime.combine(duty.date, duty.end, tz)
            if end - start < step:
                problems.append(
                    doc.problem(
                        where,
                        f"duty {duty.start:%H:%M}–{duty.end:%H:%M} is shorter than one "
                        f"{roster.slot_minutes}-minute consultation",
                    )
                )
                continue
            duties.append((start, end, doc.line_of(where)))
        problems.extend(_overlaps(doc.file, duties))
        for start, end, line in duties:
            count = (end - start) // step
            if len(slots) + count > max_slots:
                raise RosterInvalid(
                    [
                        Problem(
                            doc.file,
                            line,
                            f"the roster makes more than {max_slots:,} consultation slots "
                            "(the limit); split it into several files",
                        )
                    ]
                )
            slots.extend(
                PlannedSlot(lawyer.telegram_id, start + k * step, start + (k + 1) * step, line)
                for k in range(count)
            )
    if problems:
        raise RosterInvalid(problems)
    return Roster(roster.lawyers, slots, doc.file)


def _overlaps(file: str, duties: list[tuple[datetime, datetime, int]]) -> list[Problem]:
    """One lawyer's duties that overlap an earlier one (by start time)."""
    problems = []
    latest: tuple[datetime, int] | None = None  # the latest end so far, and its line
    for start, end, line in sorted(duties):
        if latest is not None and start < latest[0]:
            problems.append(Problem(file, line, f"this duty overlaps the duty at line {latest[1]}"))
        if latest is None or end > latest[0]:
            latest = (end, line)
    return problems


async def import_roster(session: AsyncSession, roster: Roster) -> tuple[int, int]:
    """Upsert the lawyers and add the slots not there yet; (lawyers, new slots).

    A planned slot identical to one in the database is kept as it is (with its booking); one
    that overlaps a slot in the database otherwise raises RosterInvalid, before any write.
    """
    lawyers = {row.telegram_id: row for row in await session.exec(select(Lawyer))}
    taken = await _slots_in_database(session, roster, lawyers)
    new_slots: list[PlannedSlot] = []
    clashes: dict[int, Problem] = {}
    for planned in roster.slots:
        existing = taken.get(planned.telegram_id)
        if existing is None:
            new_slots.append(planned)
            continue
        if (planned.starts_at, planned.ends_at) in existing.exact:
            continue
        if existing.overlaps(planned.starts_at, planned.ends_at):
            clashes.setdefault(
                planned.line,
                Problem(
                    roster.file,
                    planned.line,
                    "this duty overlaps consultation slots already in the database "
                    "(another slot length or changed times?)",
                ),
            )
            continue
        new_slots.append(planned)
    if clashes:
        raise RosterInvalid(list(clashes.values()))
    for item in roster.lawyers:
        lawyer = lawyers.get(item.telegram_id) or Lawyer(
            telegram_id=item.telegram_id, name=item.name
        )
        lawyer.name, lawyer.firm, lawyer.active = item.name, item.firm, item.active
        session.add(lawyer)
        lawyers[item.telegram_id] = lawyer
    await session.flush()
    if new_slots:
        rows = [
            {
                "lawyer_id": lawyers[p.telegram_id].id,
                "starts_at": p.starts_at,
                "ends_at": p.ends_at,
                "booking_id": None,
            }
            for p in new_slots
        ]
        connection = await session.connection()
        await connection.execute(insert(DutySlot.__table__), rows)  # type: ignore[attr-defined]
    return len(roster.lawyers), len(new_slots)


@dataclass(frozen=True)
class _TakenSlots:
    """One lawyer's slots already in the database, sorted, for overlap checks."""

    starts: list[datetime]
    latest_end: list[datetime]  # the latest end among the slots up to each position
    exact: set[tuple[datetime, datetime]]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        before = bisect_left(self.starts, end)  # slots starting before `end`
        return before > 0 and self.latest_end[before - 1] > start


async def _slots_in_database(
    session: AsyncSession, roster: Roster, lawyers: dict[int, Lawyer]
) -> dict[int, _TakenSlots]:
    """The slots in the roster's time span of the roster's lawyers already in the database."""
    if not roster.slots:
        return {}
    by_id = {
        lawyers[tid].id: tid
        for tid in {item.telegram_id for item in roster.lawyers}
        if tid in lawyers
    }
    if not by_id:
        return {}
    rows = await session.exec(
        select(DutySlot)
        .where(
            col(DutySlot.lawyer_id).in_(list(by_id)),
            col(DutySlot.starts_at) < max(p.ends_at for p in roster.slots),
            col(DutySlot.ends_at) > min(p.starts_at for p in roster.slots),
        )
        .order_by(col(DutySlot.starts_at))
    )
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    for slot in rows:
        spans.setdefault(by_id[slot.lawyer_id], []).append((slot.starts_at, slot.ends_at))
    return {
        tid: _TakenSlots(
            [s for s, _ in found],
            list(accumulate((e for _, e in found), max)),
            set(found),
        )
        for tid, found in spans.items()
    }
