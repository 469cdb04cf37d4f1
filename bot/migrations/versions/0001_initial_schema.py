"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversation_state",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("flow", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "practice_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("law", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("correct_count", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("practice_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_practice_attempt_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_practice_attempt_user_id"), ["user_id"], unique=False)

    op.create_table(
        "question_record",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("right_count", sa.Integer(), nullable=False),
        sa.Column("wrong_count", sa.Integer(), nullable=False),
        sa.Column("in_wrong_book", sa.Boolean(), nullable=False),
        sa.Column("last_answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", "question_id"),
    )
    op.create_table(
        "attempt_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("law", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["practice_attempt.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("attempt_id", "position", name="uq_answer_once"),
    )
    with op.batch_alter_table("attempt_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attempt_answer_attempt_id"), ["attempt_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("attempt_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attempt_answer_attempt_id"))

    op.drop_table("attempt_answer")
    op.drop_table("question_record")
    with op.batch_alter_table("practice_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_practice_attempt_user_id"))
        batch_op.drop_index(batch_op.f("ix_practice_attempt_status"))

    op.drop_table("practice_attempt")
    op.drop_table("conversation_state")
