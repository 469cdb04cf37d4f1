"""broadcasts: announcements to many users, fed into the outbox at Telegram's pace

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4096), nullable=False),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "broadcast_recipient",
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcast.id"]),
        sa.PrimaryKeyConstraint("broadcast_id", "chat_id"),
    )
    with op.batch_alter_table("broadcast_recipient", schema=None) as batch_op:
        batch_op.create_index(
            "ix_recipient_state", ["broadcast_id", "state", "chat_id"], unique=False
        )
    with op.batch_alter_table("outbox_action", schema=None) as batch_op:
        batch_op.add_column(sa.Column("broadcast_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_action", schema=None) as batch_op:
        batch_op.drop_column("broadcast_id")
    with op.batch_alter_table("broadcast_recipient", schema=None) as batch_op:
        batch_op.drop_index("ix_recipient_state")
    op.drop_table("broadcast_recipient")
    op.drop_table("broadcast")
