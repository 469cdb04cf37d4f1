"""Migration 0009 on a database that already has lawyers, slots and bookings (both databases):
a worker's two open bookings get seats 1 and 2, the rebuilt tables keep every row and key, and
SQLite's foreign keys are on again afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.db import make_engine, upgrade


async def test_upgrade_keeps_bookings_and_numbers_their_seats(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await upgrade(engine, "0005")
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO lawyer (id, telegram_id, name, firm, active) "
                    "VALUES (1, 5, '王律师', '', true)"
                )
            )
            for n, status in ((1, "pending"), (2, "accepted"), (3, "done")):
                start = datetime(2026, 12, n, 6, tzinfo=UTC)
                await conn.execute(
                    text(
                        "INSERT INTO duty_slot (id, lawyer_id, starts_at, ends_at, booking_id) "
                        "VALUES (:n, 1, :s, :s, :b)"
                    ),
                    {"n": n, "s": start, "b": n if status != "done" else None},
                )
                await conn.execute(
                    text(
                        "INSERT INTO booking (id, user_id, slot_id, lawyer_id, topic, status, "
                        "created_at) VALUES (:n, 77, :n, 1, '欠薪', :st, :s)"
                    ),
                    {"n": n, "st": status, "s": start},
                )
        await upgrade(engine)
        async with engine.connect() as conn:
            seats = (await conn.execute(text("SELECT id, seat FROM booking ORDER BY id"))).all()
            lawyer = (await conn.execute(text("SELECT telegram_id, code FROM lawyer"))).one()
            if db_url.startswith("sqlite"):
                assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
                assert (await conn.exec_driver_sql("PRAGMA foreign_key_check")).all() == []
        assert [tuple(r) for r in seats] == [(1, 1), (2, 2), (3, 1)]
        assert tuple(lawyer) == (5, None)
    finally:
        await engine.dispose()
