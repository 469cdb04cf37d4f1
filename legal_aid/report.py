"""The station's monthly consultation report: an .xlsx workbook (openpyxl).

Consultations whose time falls in the month (local time) are counted by topic kind, station,
lawyer and outcome, with the no-shows. Sheets: 汇总, 按主题, 按工作站, 按律师, 按结果. The
topic text, phone numbers and outcome notes are personal data and are left out unless the
caller asks for details (`pufa export bookings --with-details` adds 明细). Column titles are
here, in one table, because the workbook is made outside the bot's message catalogue.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from legal_aid.models import Booking, DutySlot, Lawyer, Station

TOPIC_LABELS = {
    "wage": "劳动报酬",
    "injury": "工伤",
    "social_insurance": "社会保险",
    "contract": "劳动合同",
    "other": "其他",
}
STATUS_LABELS = {
    "pending": "待确认",
    "accepted": "已确认（未办结）",
    "done": "已完成",
    "no_show": "未到",
    "declined": "律师婉拒",
    "cancelled": "职工取消",
    "forgotten": "已撤回（职工删除数据）",
}
NO_STATION = "（未指定工作站）"
SHEETS: dict[str, tuple[str, ...]] = {
    "汇总": ("项目", "数量"),
    "按主题": ("主题", "预约数", "已完成", "未到"),
    "按工作站": ("工作站", "预约数", "已完成", "未到"),
    "按律师": ("律师", "律师事务所", "预约数", "已完成", "未到", "律师婉拒"),
    "按结果": ("结果", "数量"),
}
DETAILS = (
    "明细",
    ("编号", "时间", "工作站", "律师", "结果", "主题", "咨询内容", "电话", "咨询结果记录"),
)


@dataclass(frozen=True)
class ReportRow:
    """One consultation of the month."""

    booking: Booking
    starts_at: datetime
    lawyer: Lawyer
    station: Station | None


def month_span(month: str, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """'2026-12' → its first moment and the next month's, in `tz`; ValueError if malformed."""
    first = datetime.strptime(month, "%Y-%m").date()
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    start = datetime.combine(first, datetime.min.time(), tz)
    return start, datetime.combine(after, datetime.min.time(), tz)


async def month_bookings(session: AsyncSession, month: str, tz: ZoneInfo) -> list[ReportRow]:
    """The consultations whose slot starts in `month` (local), in time order."""
    start, end = month_span(month, tz)
    found = await session.exec(
        select(Booking, DutySlot, Lawyer)
        .join(DutySlot, col(DutySlot.id) == Booking.slot_id)
        .join(Lawyer, col(Lawyer.id) == Booking.lawyer_id)
        .where(DutySlot.starts_at >= start, DutySlot.starts_at < end)
        .order_by(col(DutySlot.starts_at), col(Booking.id))
    )
    stations = {s.id: s for s in await session.exec(select(Station))}
    return [
        ReportRow(b, s.starts_at, lawyer, stations.get(s.station_id))
        for b, s, lawyer in found.all()
    ]


def _counts(
    rows: Iterable[ReportRow], key: Callable[[ReportRow], tuple[object, ...]]
) -> list[list[object]]:
    """Per key: bookings, done, no-shows (in order of first appearance)."""
    total: Counter[tuple[object, ...]] = Counter()
    done: Counter[tuple[object, ...]] = Counter()
    absent: Counter[tuple[object, ...]] = Counter()
    for row in rows:
        k = key(row)
        total[k] += 1
        done[k] += row.booking.status == "done"
        absent[k] += row.booking.status == "no_show"
    return [[*k, n, done[k], absent[k]] for k, n in total.items()]


def sheet_rows(
    rows: list[ReportRow], with_details: bool, tz: ZoneInfo
) -> dict[str, list[list[object]]]:
    """Every sheet's rows (without the header)."""
    statuses = Counter(r.booking.status for r in rows)
    by_lawyer = _counts(rows, lambda r: (r.lawyer.name, r.lawyer.firm))
    declined: Counter[tuple[object, ...]] = Counter(
        (r.lawyer.name, r.lawyer.firm) for r in rows if r.booking.status == "declined"
    )
    sheets: dict[str, list[list[object]]] = {
        "汇总": [["预约总数", len(rows)]]
        + [[STATUS_LABELS[s], statuses[s]] for s in ("done", "no_show", "cancelled", "declined")],
        "按主题": _counts(rows, lambda r: (TOPIC_LABELS.get(r.booking.topic_kind, "其他"),)),
        "按工作站": _counts(rows, lambda r: (r.station.name if r.station else NO_STATION,)),
        "按律师": [[*row, declined[tuple(row[:2])]] for row in by_lawyer],
        "按结果": [[label, statuses[s]] for s, label in STATUS_LABELS.items() if statuses[s]],
    }
    if with_details:
        sheets[DETAILS[0]] = [
            [
                r.booking.id,
                f"{r.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
                r.station.name if r.station else NO_STATION,
                r.lawyer.name,
                STATUS_LABELS.get(r.booking.status, r.booking.status),
                TOPIC_LABELS.get(r.booking.topic_kind, "其他"),
                r.booking.topic,
                r.booking.phone or "",
                r.booking.outcome or "",
            ]
            for r in rows
        ]
    return sheets


def bookings_workbook(rows: list[ReportRow], with_details: bool, tz: ZoneInfo) -> bytes:
    """The .xlsx file: frozen header rows, fitted columns."""
    from openpyxl import Workbook  # imported when a workbook is made (16 MiB)
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    headers = {**SHEETS, DETAILS[0]: DETAILS[1]}
    for title, body in sheet_rows(rows, with_details, tz).items():
        ws = wb.create_sheet(title)
        header = headers[title]
        ws.append(header)
        for row in body:
            ws.append(row)
        ws.freeze_panes = "A2"
        for i, name in enumerate(header, 1):
            widest = max([len(str(name))] + [len(str(r[i - 1])) for r in body[:2000]])
            ws.column_dimensions[get_column_letter(i)].width = min(60, 2 * widest + 2)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
