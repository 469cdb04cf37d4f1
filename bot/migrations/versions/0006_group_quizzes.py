"""group quizzes: one row per quiz in a group, one per counted answer

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Follows 0005 (the competition tables).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "group_quiz",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("started_by", sa.BigInteger(), nullable=False),
        sa.Column("law", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("question_ids", sa.JSON(), nullable=False),
        sa.Column("correct_options", sa.JSON(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_open", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("group_quiz", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_quiz_chat_id"), ["chat_id"], unique=False)
        batch_op.create_index(
            "uq_group_quiz_running",
            ["chat_id"],
            unique=True,
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )

    op.create_table(
        "group_quiz_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("option", sa.Integer(), nullable=False),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["group_quiz.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("quiz_id", "position", "user_id", name="uq_group_answer_once"),
    )
    with op.batch_alter_table("group_quiz_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_quiz_answer_quiz_id"), ["quiz_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_quiz_answer_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_quiz_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_quiz_answer_user_id"))
        batch_op.drop_index(batch_op.f("ix_group_quiz_answer_quiz_id"))

    op.drop_table("group_quiz_answer")
    with op.batch_alter_table("group_quiz", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_group_quiz_running",
            sqlite_where=sa.text("status = 'running'"),
            postgresql_where=sa.text("status = 'running'"),
        )
        batch_op.drop_index(batch_op.f("ix_group_quiz_chat_id"))

    op.drop_table("group_quiz")
