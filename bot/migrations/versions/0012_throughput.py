"""throughput: a user's open round found by (user_id, status); no duplicate answer index

`active_round` runs on every text and /quiz; with only `user_id` indexed its cost grew with
the user's past rounds (1 ms at 3,000 instead of 8 µs). `ix_attempt_answer_attempt_id`
duplicated the unique key (attempt_id, position), which serves the same lookups.

Revision ID: 0012_throughput
Revises: 0009_consultations
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_throughput"
down_revision: str | None = "0009_consultations"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_practice_attempt_user_status", "practice_attempt", ["user_id", "status"], unique=False
    )
    op.drop_index("ix_practice_attempt_user_id", table_name="practice_attempt")
    op.drop_index("ix_attempt_answer_attempt_id", table_name="attempt_answer")


def downgrade() -> None:
    op.create_index("ix_attempt_answer_attempt_id", "attempt_answer", ["attempt_id"], unique=False)
    op.create_index("ix_practice_attempt_user_id", "practice_attempt", ["user_id"], unique=False)
    op.drop_index("ix_practice_attempt_user_status", table_name="practice_attempt")
