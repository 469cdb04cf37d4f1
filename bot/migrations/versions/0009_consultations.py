"""consultations: message threads, outcome notes, and the booking rules held by the database

Revision ID: 0009_consultations
Revises: 0006
Create Date: 2026-11-30

- `consult_message`: the messages the bot relays between a booked lawyer and the worker.
- `booking.seat`: which of the worker's two open-booking seats a booking holds; with
  `uq_booking_open_seat` (unique while active) the database allows at most two open bookings
  per worker. `uq_booking_active_slot`: one active booking per slot.
- `booking.topic_kind` (for the monthly report) and `booking.outcome` (the lawyer's note).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_consultations"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = sa.text("status IN ('pending', 'accepted')")


def upgrade() -> None:
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
    op.drop_index(op.f("ix_consult_message_booking_id"), table_name="consult_message")
    op.drop_table("consult_message")
    op.drop_index("uq_booking_open_seat", table_name="booking")
    op.drop_index("uq_booking_active_slot", table_name="booking")
    with op.batch_alter_table("booking", schema=None) as batch_op:
        batch_op.drop_constraint("ck_booking_seat", type_="check")
        batch_op.drop_column("outcome")
        batch_op.drop_column("topic_kind")
        batch_op.drop_column("seat")
