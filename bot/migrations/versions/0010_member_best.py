"""rankings read one row per member: each member's best closed attempt is kept on the member;
exam-answer statistics come from one covering index

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-30

Existing members get their best closed attempt (score, then less time, then the earlier
attempt), as the rankings computed it before. The answer table's indexes on attempt_id (the
unique key (attempt_id, position) already serves it) and on competition_id (the covering index
leads with it) go.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEST = """
UPDATE competition_member SET {column} = (
    SELECT a.{source} FROM exam_attempt a
    WHERE a.member_id = competition_member.id AND a.status != 'active'
    ORDER BY a.score DESC, a.seconds, a.id LIMIT 1
)
"""


def upgrade() -> None:
    with op.batch_alter_table("competition_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("best_score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("best_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("best_correct", sa.Integer(), nullable=True))
    for column, source in (
        ("best_score", "score"),
        ("best_seconds", "seconds"),
        ("best_correct", "correct_count"),
    ):
        op.execute(_BEST.format(column=column, source=source))
    with op.batch_alter_table("exam_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_exam_answer_competition_id")
        batch_op.drop_index("ix_exam_answer_attempt_id")
        batch_op.create_index(
            "ix_exam_answer_stats",
            ["competition_id", "question_id", "law", "correct", "chosen"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("exam_answer", schema=None) as batch_op:
        batch_op.drop_index("ix_exam_answer_stats")
        batch_op.create_index("ix_exam_answer_attempt_id", ["attempt_id"], unique=False)
        batch_op.create_index("ix_exam_answer_competition_id", ["competition_id"], unique=False)
    with op.batch_alter_table("competition_member", schema=None) as batch_op:
        batch_op.drop_column("best_correct")
        batch_op.drop_column("best_seconds")
        batch_op.drop_column("best_score")
