"""consultations: message threads, outcome notes, and the booking rules held by the database

Revision ID: 0009_consultations
Revises: 0008_web_links
Create Date: 2026-11-30

- `consult_message`: the messages the bot relays between a booked lawyer and the worker.
- `booking.seat`: which of the worker's two open-booking seats a booking holds; with
  `uq_booking_open_seat` (unique while active) the database allows at most two open bookings
  per worker. `uq_booking_active_slot`: one active booking per slot.
- `booking.topic_kind` (for the monthly report) and `booking.outcome` (the lawyer's note).
- The roster a station can keep: `station`, `duty_rule` (weekly / monthly duties),
  `duty_closure` (holidays, a lawyer away), `lawyer_invite` (one-use invite codes);
  `lawyer.code` and `lawyer.specialties`, `lawyer.telegram_id` may be empty until the lawyer
  opens an invite link; `duty_slot.station_id` and `duty_slot.rule_id`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_consultations"
down_revision: str | None = "0008_web_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status IN ('pending', 'accepted')")


def upgrade() -> None:
    op.create_table(
        "station",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    with op.batch_alter_table("lawyer", schema=None) as batch_op:
        batch_op.alter_column("telegram_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.add_column(
            sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("specialties", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.create_unique_constraint("uq_lawyer_code", ["code"])
    op.create_table(
        "duty_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lawyer_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("nth", sa.Integer(), nullable=True),
        sa.Column("starts", sa.Time(), nullable=False),
        sa.Column("ends", sa.Time(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lawyer_id"], ["lawyer.id"]),
        sa.ForeignKeyConstraint(["station_id"], ["station.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_duty_rule_lawyer_id"), "duty_rule", ["lawyer_id"], unique=False)
    op.create_table(
        "duty_closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lawyer_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["lawyer_id"], ["lawyer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_duty_closure_lawyer_id"), "duty_closure", ["lawyer_id"])
    op.create_index(op.f("ix_duty_closure_day"), "duty_closure", ["day"])
    op.create_table(
        "lawyer_invite",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("lawyer_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["lawyer_id"], ["lawyer.id"]),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(op.f("ix_lawyer_invite_lawyer_id"), "lawyer_invite", ["lawyer_id"])
    with op.batch_alter_table("duty_slot", schema=None) as batch_op:
        batch_op.add_column(sa.Column("station_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rule_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_duty_slot_station", "station", ["station_id"], ["id"])
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seat", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column(
                "topic_kind",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="other",
            )
        )
        batch_op.add_column(
            sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch_op.create_check_constraint("ck_booking_seat", "seat BETWEEN 1 AND 2")
    # existing open bookings: a worker's second one takes seat 2
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, user_id FROM booking WHERE status IN ('pending', 'accepted') ORDER BY id"
        )
    ).all()
    seen: dict[int, int] = {}
    for booking_id, user_id in rows:
        seen[user_id] = seen.get(user_id, 0) + 1
        if seen[user_id] > 1:
            bind.execute(
                sa.text("UPDATE booking SET seat = :seat WHERE id = :id"),
                {"seat": seen[user_id], "id": booking_id},
            )
    op.create_index(
        "uq_booking_active_slot",
        "booking",
        ["slot_id"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "uq_booking_open_seat",
        "booking",
        ["user_id", "seat"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_table(
        "consult_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("from_lawyer", sa.Boolean(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["booking_id"], ["booking.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_consult_message_booking_id"), "consult_message", ["booking_id"], unique=False
    )


def downgrade() -> None:
    with op.batch_alter_table("duty_slot", schema=None) as batch_op:
        batch_op.drop_constraint("fk_duty_slot_station", type_="foreignkey")
        batch_op.drop_column("rule_id")
        batch_op.drop_column("station_id")
    op.drop_index(op.f("ix_lawyer_invite_lawyer_id"), table_name="lawyer_invite")
    op.drop_table("lawyer_invite")
    op.drop_index(op.f("ix_duty_closure_day"), table_name="duty_closure")
    op.drop_index(op.f("ix_duty_closure_lawyer_id"), table_name="duty_closure")
    op.drop_table("duty_closure")
    op.drop_index(op.f("ix_duty_rule_lawyer_id"), table_name="duty_rule")
    op.drop_table("duty_rule")
    with op.batch_alter_table("lawyer", schema=None) as batch_op:
        batch_op.drop_constraint("uq_lawyer_code", type_="unique")
        batch_op.drop_column("specialties")
        batch_op.drop_column("code")
        batch_op.alter_column("telegram_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_index(op.f("ix_consult_message_booking_id"), table_name="consult_message")
    op.drop_table("consult_message")
    op.drop_index("uq_booking_open_seat", table_name="booking")
    op.drop_index("uq_booking_active_slot", table_name="booking")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_constraint("ck_booking_seat", type_="check")
        batch_op.drop_column("outcome")
        batch_op.drop_column("topic_kind")
        batch_op.drop_column("seat")
    op.drop_table("station")
