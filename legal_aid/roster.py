"""The duty roster as data: stations, lawyers and when they are on duty, imported from YAML.

```yaml
slot_minutes: 30            # length of one consultation
horizon_days: 28            # how far ahead slots are made from the weekly / monthly rules
stations:
  - {code: truck, name: 货车司机法律援助工作站, address: …, phone: …, channel: 到站面谈}
holidays: [2027-01-01]      # no rule-made duty on these days
lawyers:
  - code: wang              # for `pufa roster invite wang`
    telegram_id: 100200300  # optional: else the lawyer joins by an invite link
    name: 王律师
    firm: 某某律师事务所      # optional
    specialties: [劳动争议]   # optional
    away: [2026-12-24, {from: 2027-02-01, to: 2027-02-07}]   # optional
    duty:
      - {weekly: 周二, from: "14:00", to: "17:00", station: truck}
      - {monthly: 第二个周三, from: "09:00", to: "12:00"}
      - {date: 2026-11-26, from: "14:00", to: "17:00"}
```
Times are local (PUFA_TZ) and written as quoted "HH:MM" strings (unquoted, YAML 1.1 reads
9:00 as the number 540). A one-off `date` duty is cut into slots at import; weekly and
monthly duties are stored as rules, and slots are made from them for the next
`horizon_days` by the scheduler (legal_aid/rules.py), skipping holidays and a lawyer's days
away. Importing again updates stations, lawyers and rules and adds new one-off slots; slots
already there (and their bookings) are kept. A lawyer's one-off duties may not overlap each
other, nor the slots already in the database (a re-import with another `slot_minutes` is
refused rather than double-book anyone). A file with any problem imports nothing and every
problem is reported as `file:line: message`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import delete, insert, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from input_limits import MAX_ROSTER_SLOTS, MAX_TELEGRAM_ID, MAX_YAML_BYTES
from legal_aid.models import DutyClosure, DutyRule, DutySlot, Lawyer, Station
from question_bank.yamlsource import Problem, load_yaml, pydantic_problems

_HH_MM = re.compile(r"\d{2}:\d{2}")
_DAY_NAMES = "一二三四五六日"
_WEEKLY = re.compile(r"(?:每)?(?:周|星期)([一二三四五六日天])")
_MONTHLY = re.compile(r"(?:每月)?(?:第([一二三四1-4])个|(最后一)个)(?:周|星期)([一二三四五六日天])")
_NTH = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
CHANNELS = ("到站面谈", "电话", "视频")


def _weekday(name: str) -> int:
    return _DAY_NAMES.index("日" if name == "天" else name)


def parse_weekly(text: str) -> int:
    """'周二' / '每周二' / '星期二' → 1 (Monday = 0)."""
    match = _WEEKLY.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r}: write a weekly duty as 周一 … 周日 (e.g. weekly: 周二)")
    return _weekday(match.group(1))


def parse_monthly(text: str) -> tuple[int, int]:
    """'第二个周三' / '每月第二个周三' → (2, 2); '最后一个周五' → (-1, 4)."""
    match = _MONTHLY.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"{text!r}: write a monthly duty as 第一个 … 第四个 or 最后一个 and a weekday "
            "(e.g. monthly: 第二个周三)"
        )
    nth = -1 if match.group(2) else _NTH[match.group(1)]
    return nth, _weekday(match.group(3))


class DutyIn(BaseModel):
    """One duty: a one-off `date`, or a `weekly` / `monthly` rule; from–to local time."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    day: date | None = Field(default=None, alias="date")
    weekly: str | None = None
    monthly: str | None = None
    start: time = Field(alias="from")
    end: time = Field(alias="to")
    station: str | None = None

    @field_validator("weekly")
    @classmethod
    def _weekly(cls, value: str | None) -> str | None:
        if value is not None:
            parse_weekly(value)
        return value

    @field_validator("monthly")
    @classmethod
    def _monthly(cls, value: str | None) -> str | None:
        if value is not None:
            parse_monthly(value)
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> DutyIn:
        if sum(x is not None for x in (self.day, self.weekly, self.monthly)) != 1:
            raise ValueError("a duty has exactly one of date, weekly or monthly")
        return self

    @field_validator("start", "end", mode="before")
    @classmethod
    def _quoted_hh_mm(cls, value: object) -> object:
        """Only "HH:MM": YAML 1.1 reads an unquoted 9:00 as 540 (minutes in base 60)."""
        if not isinstance(value, str) or not _HH_MM.fullmatch(value):
            raise ValueError('a time is an "HH:MM" string in quotes, e.g. from: "09:00"')
        return value


class AwayIn(BaseModel):
    """Days a lawyer is away, from–to inclusive."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")


class LawyerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    telegram_id: int | None = Field(default=None, gt=0, le=MAX_TELEGRAM_ID, strict=True)
    name: str = Field(min_length=1, max_length=64)
    firm: str = Field(default="", max_length=128)
    specialties: list[str] = Field(default_factory=list, max_length=10)
    active: bool = True
    away: list[date | AwayIn] = Field(default_factory=list)
    duty: list[DutyIn] = Field(default_factory=list)

    @model_validator(mode="after")
    def _known_somehow(self) -> LawyerIn:
        if self.code is None and self.telegram_id is None:
            raise ValueError("a lawyer needs a code (to invite them) or a telegram_id")
        return self

    @property
    def key(self) -> str:
        """The lawyer's code in the database: `code`, else 'tg' + the Telegram id."""
        return self.code or f"tg{self.telegram_id}"

    def away_days(self) -> set[date]:
        days: set[date] = set()
        for item in self.away:
            if isinstance(item, AwayIn):
                days.update(
                    item.first + timedelta(days=n) for n in range((item.last - item.first).days + 1)
                )
            else:
                days.add(item)
        return days


class StationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    name: str = Field(min_length=1, max_length=64)
    address: str = Field(default="", max_length=128)
    phone: str = Field(default="", max_length=32)
    channel: str = "到站面谈"

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if value not in CHANNELS:
            raise ValueError(f"channel is one of {', '.join(CHANNELS)}")
        return value


class RosterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_minutes: int = Field(default=30, ge=10, le=240)
    horizon_days: int = Field(default=28, ge=1, le=180)
    stations: list[StationIn] = Field(default_factory=list)
    holidays: list[date] = Field(default_factory=list)
    lawyers: list[LawyerIn]


class RosterInvalid(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the roster")
        self.problems = problems


@dataclass(frozen=True)
class PlannedSlot:
    lawyer: str  # the lawyer's key (LawyerIn.key)
    starts_at: datetime
    ends_at: datetime
    line: int  # of the duty it comes from, to locate problems found against the database
    station: str | None = None


@dataclass(frozen=True)
class PlannedRule:
    """A weekly (nth None) or monthly duty of one lawyer, as read from the file."""

    lawyer: str
    weekday: int
    nth: int | None
    starts: time
    ends: time
    line: int
    station: str | None = None


@dataclass(frozen=True)
class Roster:
    lawyers: list[LawyerIn]
    slots: list[PlannedSlot]  # from the one-off dates
    file: str = "<roster>"
    rules: list[PlannedRule] = field(default_factory=list)
    stations: list[StationIn] = field(default_factory=list)
    holidays: list[date] = field(default_factory=list)
    slot_minutes: int = 30
    horizon_days: int = 28


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
    seen: dict[object, int] = {}  # telegram id → the lawyer it was first listed at
    seen_codes: dict[object, int] = {}
    slots: list[PlannedSlot] = []
    rules: list[PlannedRule] = []
    stations = {s.code for s in roster.stations}
    if len(stations) != len(roster.stations):
        problems.append(doc.problem(("stations",), "a station code is listed twice"))
    step = timedelta(minutes=roster.slot_minutes)
    for i, lawyer in enumerate(roster.lawyers):
        for name, value, first_seen in (
            ("telegram_id", lawyer.telegram_id, seen),
            ("code", lawyer.code, seen_codes),
        ):
            if value is None:
                continue
            if value in first_seen:
                problems.append(
                    doc.problem(
                        ("lawyers", i, name),
                        f"{name} {value} is listed twice (lawyer {first_seen[value] + 1})",
                    )
                )
            first_seen.setdefault(value, i)
        duties: list[tuple[datetime, datetime, int]] = []
        stations_of: dict[tuple[datetime, int], str | None] = {}
        for j, duty in enumerate(lawyer.duty):
            where = ("lawyers", i, "duty", j)
            if duty.station is not None and duty.station not in stations:
                problems.append(doc.problem(where, f"no station {duty.station!r} in stations"))
            day = duty.day or date(2000, 1, 3)  # a rule's length is checked on any day
            start = datetime.combine(day, duty.start, tz)
            end = datetime.combine(day, duty.end, tz)
            if end - start < step:
                problems.append(
                    doc.problem(
                        where,
                        f"duty {duty.start:%H:%M}–{duty.end:%H:%M} is shorter than one "
                        f"{roster.slot_minutes}-minute consultation",
                    )
                )
                continue
            if duty.day is None:
                nth, weekday = (
                    parse_monthly(duty.monthly)
                    if duty.monthly
                    else (None, parse_weekly(duty.weekly or ""))
                )
                rules.append(
                    PlannedRule(
                        lawyer.key,
                        weekday,
                        nth,
                        duty.start,
                        duty.end,
                        doc.line_of(where),
                        duty.station,
                    )
                )
                continue
            duties.append((start, end, doc.line_of(where)))
            stations_of[(start, doc.line_of(where))] = duty.station
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
            station = stations_of.get((start, line))
            slots.extend(
                PlannedSlot(lawyer.key, start + k * step, start + (k + 1) * step, line, station)
                for k in range(count)
            )
    if problems:
        raise RosterInvalid(problems)
    return Roster(
        roster.lawyers,
        slots,
        doc.file,
        rules=rules,
        stations=roster.stations,
        holidays=roster.holidays,
        slot_minutes=roster.slot_minutes,
        horizon_days=roster.horizon_days,
    )


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
    """Upsert stations and lawyers, replace the listed lawyers' rules and days away and the
    holidays, and add the one-off slots not there yet; (lawyers, new one-off slots). Slots
    from the rules are made by `rules.roll_slots`.

    A planned slot identical to one in the database is kept as it is (with its booking); one
    that overlaps a slot in the database otherwise raises RosterInvalid, before any write.
    """
    lawyers = await _match_lawyers(session, roster)
    taken = await _slots_in_database(session, roster, lawyers)
    new_slots: list[PlannedSlot] = []
    clashes: dict[int, Problem] = {}
    for planned in roster.slots:
        existing = taken.get(planned.lawyer)
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
    stations = await _upsert_stations(session, roster.stations)
    for item in roster.lawyers:
        lawyer = lawyers.get(item.key) or Lawyer(telegram_id=item.telegram_id, name=item.name)
        lawyer.code, lawyer.name, lawyer.firm = item.key, item.name, item.firm
        lawyer.specialties, lawyer.active = list(item.specialties), item.active
        if item.telegram_id is not None:
            lawyer.telegram_id = item.telegram_id
        session.add(lawyer)
        lawyers[item.key] = lawyer
    await session.flush()
    await _replace_rules(session, roster, lawyers, stations)
    if new_slots:
        rows = [
            {
                "lawyer_id": lawyers[p.lawyer].id,
                "starts_at": p.starts_at,
                "ends_at": p.ends_at,
                "booking_id": None,
                "station_id": stations[p.station].id if p.station else None,
                "rule_id": None,
            }
            for p in new_slots
        ]
        connection = await session.connection()
        await connection.execute(insert(DutySlot.__table__), rows)  # type: ignore[attr-defined]
    return len(roster.lawyers), len(new_slots)


async def _match_lawyers(session: AsyncSession, roster: Roster) -> dict[str, Lawyer]:
    """The roster's lawyers already in the database, by key: the same code, else the same
    Telegram id (a lawyer listed by id before codes existed)."""
    rows = list(await session.exec(select(Lawyer)))
    by_code = {row.code: row for row in rows if row.code}
    by_telegram = {row.telegram_id: row for row in rows if row.telegram_id is not None}
    found: dict[str, Lawyer] = {}
    for item in roster.lawyers:
        match = by_code.get(item.key)
        if match is None and item.telegram_id is not None:
            match = by_telegram.get(item.telegram_id)
        if match is not None:
            found[item.key] = match
    return found


async def _upsert_stations(session: AsyncSession, items: list[StationIn]) -> dict[str, Station]:
    existing = {row.code: row for row in await session.exec(select(Station))}
    for item in items:
        station = existing.get(item.code) or Station(code=item.code, name=item.name)
        station.name, station.address = item.name, item.address
        station.phone, station.channel = item.phone, item.channel
        session.add(station)
        existing[item.code] = station
    await session.flush()
    return existing


async def _replace_rules(
    session: AsyncSession,
    roster: Roster,
    lawyers: dict[str, Lawyer],
    stations: dict[str, Station],
) -> None:
    """The listed lawyers' rules and days away, and the holidays, as the file says now."""
    ids = [lawyer.id for lawyer in lawyers.values() if lawyer.id is not None]
    await session.exec(delete(DutyRule).where(col(DutyRule.lawyer_id).in_(ids)))
    await session.exec(
        delete(DutyClosure).where(
            or_(col(DutyClosure.lawyer_id).in_(ids), col(DutyClosure.lawyer_id).is_(None))
        )
    )
    for rule in roster.rules:
        session.add(
            DutyRule(
                lawyer_id=lawyers[rule.lawyer].id or 0,
                station_id=stations[rule.station].id if rule.station else None,
                weekday=rule.weekday,
                nth=rule.nth,
                starts=rule.starts,
                ends=rule.ends,
                slot_minutes=roster.slot_minutes,
                line=rule.line,
            )
        )
    for day in set(roster.holidays):
        session.add(DutyClosure(lawyer_id=None, day=day))
    for item in roster.lawyers:
        for day in item.away_days():
            session.add(DutyClosure(lawyer_id=lawyers[item.key].id, day=day))
    await session.flush()


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
    session: AsyncSession, roster: Roster, lawyers: dict[str, Lawyer]
) -> dict[str, _TakenSlots]:
    """The slots in the roster's time span of the roster's lawyers already in the database."""
    if not roster.slots:
        return {}
    by_id = {lawyer.id: key for key, lawyer in lawyers.items()}
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
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
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
