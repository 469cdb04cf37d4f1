"""live final: its state (one row per event), the score ledger, answers and buzzer presses

Revision ID: 0007_live_final
Revises: 0006
Create Date: 2026-11-30

Follows 0006 (group quizzes); the coordinator re-chains it at merge.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_live_final"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "final_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("round_index", sa.Integer(), nullable=False),
        sa.Column("question_no", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("option", sa.Integer(), nullable=True),
        sa.Column("correct", sa.Boolean(), nullable=False),
        sa.Column("how", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competition.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "competition_id", "question_no", "team_id", name="uq_final_answer_once"
        ),
    )
    with op.batch_alter_table("final_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_final_answer_competition_id"), ["competition_id"], unique=False
        )

    op.create_table(
        "final_buzz",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("question_no", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("early", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competition.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("competition_id", "question_no", "team_id", name="uq_final_buzz_once"),
    )
    with op.batch_alter_table("final_buzz", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_final_buzz_competition_id"), ["competition_id"], unique=False
        )

    op.create_table(
        "final_ledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("round_index", sa.Integer(), nullable=True),
        sa.Column("question_no", sa.Integer(), nullable=True),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("by_user", sa.BigInteger(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("undoes_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competition.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("undoes_id", name="uq_final_undo_once"),
    )
    with op.batch_alter_table("final_ledger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_final_ledger_competition_id"), ["competition_id"], unique=False
        )

    op.create_table(
        "live_final",
        sa.Column("competition_id", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("round_index", sa.Integer(), nullable=True),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("plan_pos", sa.Integer(), nullable=False),
        sa.Column("question_no", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("question", sa.JSON(), nullable=True),
        sa.Column("asked", sa.JSON(), nullable=False),
        sa.Column("teams_up", sa.JSON(), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=True),
        sa.Column("deadline", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("buzz_team_id", sa.Integer(), nullable=True),
        sa.Column("buzz_user_id", sa.BigInteger(), nullable=True),
        sa.Column("buzz_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("locked_out", sa.JSON(), nullable=False),
        sa.Column("contenders", sa.JSON(), nullable=False),
        sa.Column("host_id", sa.BigInteger(), nullable=True),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["competition_id"],
            ["competition.id"],
        ),
        sa.PrimaryKeyConstraint("competition_id"),
    )


def downgrade() -> None:
    op.drop_table("live_final")
    with op.batch_alter_table("final_ledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_final_ledger_competition_id"))

    op.drop_table("final_ledger")
    with op.batch_alter_table("final_buzz", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_final_buzz_competition_id"))

    op.drop_table("final_buzz")
    with op.batch_alter_table("final_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_final_answer_competition_id"))

    op.drop_table("final_answer")
